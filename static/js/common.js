// Shared by the admin pages: translated strings, the JSON API with the CSRF header, error
// display, uploads with progress, and Beijing-time formatting.

export const T = JSON.parse(document.getElementById("i18n").textContent);
const CSRF = document.querySelector('meta[name="csrf-token"]').content;
const ZONE = "Asia/Shanghai";

/** Fill `{name}` placeholders of a translated string. */
export function fmt(text, values = {}) {
  return text.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
}

/** An element with attributes and children (strings or nodes). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

/** Leaflet reads a string tooltip or popup as HTML; names come from people, so give it text. */
export function plainText(text) {
  return el("span", {}, String(text));
}

/** A failed API call: the HTTP status and the API's error object {code, message, fields}. */
export class ApiFailure extends Error {
  constructor(status, error) {
    super(error.message || error.code);
    this.status = status;
    this.code = error.code;
    this.fields = error.fields || null;
  }
}

function failureFrom(status, data) {
  if (data && data.error && data.error.code) return new ApiFailure(status, data.error);
  return new ApiFailure(status, { code: status >= 500 ? "server_error" : "bad_request" });
}

/** Call the JSON API with the session cookie; unsafe methods carry the CSRF token. */
export async function api(method, url, body) {
  const headers = { Accept: "application/json" };
  const init = { method, headers, credentials: "same-origin" };
  if (method !== "GET") headers["X-CSRFToken"] = CSRF;
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new ApiFailure(0, { code: "network" });
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) throw failureFrom(response.status, data);
  return data;
}

/** Upload `file` as multipart field `file`; `onProgress(percent)` while it is sent. */
export function upload(url, file, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", url);
    request.setRequestHeader("X-CSRFToken", CSRF);
    request.setRequestHeader("Accept", "application/json");
    request.responseType = "json";
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(Math.round((100 * event.loaded) / event.total));
    });
    request.upload.addEventListener("load", () => onProgress(100));
    request.addEventListener("load", () => {
      if (request.status >= 200 && request.status < 300) resolve(request.response);
      else reject(failureFrom(request.status, request.response));
    });
    request.addEventListener("error", () => reject(new ApiFailure(0, { code: "network" })));
    const form = new FormData();
    form.append("file", file);
    request.send(form);
  });
}

/** A plain sentence for a failure, in the page's language. */
export function describe(failure) {
  if (failure.code === "validation_error") return T.check_fields;
  if (typeof T[failure.code] === "string") return T[failure.code];
  return fmt(T.other_error, { code: failure.status || failure.code });
}

/** Show a page-level message (`kind`: "ok" or "error"); a failed sign-in offers the login link. */
export function notify(text, kind = "ok") {
  const notice = document.getElementById("notice");
  notice.replaceChildren(text);
  notice.className = `notice ${kind}`;
  notice.hidden = false;
}

export function notifyFailure(failure) {
  notify(describe(failure), "error");
  if (failure.code === "unauthorized") {
    const notice = document.getElementById("notice");
    notice.append(" ", el("a", { href: `/login?next=${encodeURIComponent(location.pathname)}` },
      T.sign_in_again || "→"));
  }
}

/** Remove the error marks of a form. */
export function clearErrors(form) {
  for (const node of form.querySelectorAll(".field-error, .form-error")) {
    node.hidden = true;
    node.textContent = "";
  }
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
}

function fieldNameOf(path) {
  return String(path).split(".")[0];
}

/**
 * Put the API's field errors next to their fields in plain words (`T.field_errors`, unless the
 * messages are `plainWords` already), and anything without a field of its own at the top of the
 * form. Focuses the first bad field.
 */
export function showFieldErrors(form, fields, plainWords = false) {
  const leftovers = [];
  let first = null;
  for (const [path, why] of Object.entries(fields || {})) {
    const name = fieldNameOf(path);
    const slot = form.querySelector(`[data-error-for="${name}"]`);
    const plain = (!plainWords && T.field_errors && T.field_errors[name]) || why;
    if (!slot) {
      const label = T.fields && T.fields[name];
      leftovers.push(label ? fmt(T.field_reason, { field: label, reason: plain }) : plain);
      continue;
    }
    slot.textContent = plain;
    slot.title = why;
    slot.hidden = false;
    const input = form.elements.namedItem(name);
    if (input && input.setAttribute) {
      input.setAttribute("aria-invalid", "true");
      first = first || input;
    }
  }
  if (leftovers.length) showFormError(form, `${T.check_fields} ${leftovers.join(" ")}`);
  else if (form.querySelector(".form-error")) showFormError(form, T.check_fields);
  if (first) first.focus();
}

export function showFormError(form, text) {
  const line = form.querySelector(".form-error");
  if (!line) return notify(text, "error");
  line.textContent = text;
  line.hidden = false;
}

/** Show any failure of a form's request where the person filling it in will see it. */
export function showFailure(form, failure, conflict) {
  if (failure.code === "validation_error" && failure.fields) return showFieldErrors(form, failure.fields);
  if (failure.code === "conflict" && conflict) {
    return conflict.field
      ? showFieldErrors(form, { [conflict.field]: conflict.message }, true)
      : showFormError(form, conflict.message);
  }
  showFormError(form, describe(failure));
  if (failure.code === "unauthorized") notifyFailure(failure);
}

/** Disable a form's buttons while `work` runs. */
export async function busy(form, work) {
  const buttons = [...form.querySelectorAll("button")];
  for (const button of buttons) button.disabled = true;
  form.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    for (const button of buttons) button.disabled = false;
    form.removeAttribute("aria-busy");
  }
}

/** The value of a text field: trimmed, or null when empty. */
export function text(form, name) {
  const value = form.elements.namedItem(name).value.trim();
  return value === "" ? null : value;
}

/** A number field: null when empty, a number when it reads as one, else the text (the API says why). */
export function number(form, name) {
  const value = text(form, name);
  if (value === null) return null;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : value;
}

/** A list typed as text: split at commas, semicolons and 、. */
export function list(form, name) {
  return (text(form, name) || "").split(/[,，;；、]/).map((s) => s.trim()).filter(Boolean);
}

/** A datetime-local field as ISO 8601 with the Beijing offset, or null when empty. */
export function beijing(form, name) {
  const value = text(form, name);
  if (value === null) return null;
  return `${value.length === 16 ? `${value}:00` : value}+08:00`;
}

const PARTS = new Intl.DateTimeFormat("en-CA", {
  timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit",
  hour: "2-digit", minute: "2-digit", hourCycle: "h23",
});

function parts(iso) {
  const out = {};
  for (const part of PARTS.formatToParts(new Date(iso))) out[part.type] = part.value;
  return out;
}

/** "2026-07-21 08:00" in Beijing time. */
export function localTime(iso) {
  if (!iso) return "";
  const p = parts(iso);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** "2026-07-21 08:00 – 20:00", or with the end's date when it falls on another day. */
export function timeRange(startIso, endIso) {
  const s = parts(startIso);
  const e = parts(endIso);
  const sameDay = s.year === e.year && s.month === e.month && s.day === e.day;
  const end = sameDay ? `${e.hour}:${e.minute}` : `${e.month}-${e.day} ${e.hour}:${e.minute}`;
  return `${localTime(startIso)} – ${end}`;
}

/** Call `fn` once typing has paused for `ms`. */
export function debounce(fn, ms = 300) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** Whether the page lets this user edit (set by the server from the role). */
export function canEdit() {
  return document.getElementById("page").dataset.canEdit === "true";
}
