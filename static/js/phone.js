// The field worker's phone page: calls to answer, my duty, GPS check-ins, acknowledgement,
// hazard reports and relocation (phone-relocation.js), all kept on the phone first
// (phone-queue.js) so that nothing is lost without a network.

import { ApiFailure, T, api, el, fmt, localTime, timeRange } from "./common.js";
import { ANSWER_KIND, CallBanners } from "./phone-calls.js";
import { bearingDeg, compassPoint, distanceM, readPosition } from "./phone-geo.js";
import { postMap } from "./phone-map.js";
import { Outbox } from "./phone-queue.js";
import { RelocationList } from "./phone-relocation.js";
import { showResponsibilities } from "./phone-responsibilities.js";
import * as store from "./phone-store.js";

const S = JSON.parse(document.getElementById("settings").textContent);
const PHOTO_MAX_PX = 1600;
const PHOTO_QUALITY = 0.8;
const LAST_FIX_MAX_AGE_MS = 30 * 60 * 1000;
const DUTIES_KEY = `duties:${S.personId}`;
const CHECK_IN_KINDS = new Set(["check_in", "presence", "check_out"]);

const $ = (selector) => document.querySelector(selector);
const state = {
  duties: null, // null: not known (no network and nothing saved)
  primary: null,
  map: null,
  lastFix: null,
  geoProblem: null, // why the last attempt to read the GPS failed
  awaiting: null, // the client_id of the last check-in pressed: #result shows its answer
  awaitingReport: null, // the same for the last hazard report
  photo: null, // the shrunk photo of the hazard report, as a data URL
};

// --- words -----------------------------------------------------------------------------------

function distanceText(metres) {
  if (metres < 1000) return fmt(T.metres, { n: Math.round(metres) });
  return fmt(T.kilometres, { n: (metres / 1000).toFixed(1) });
}

/** "07-21 08:05" in Beijing time. */
function shortTime(iso) {
  return localTime(iso).slice(5);
}

function kindName(kind) {
  return T.kinds[kind] || kind;
}

function notify(text, kind = "ok") {
  const notice = $("#notice");
  notice.textContent = text;
  notice.className = `notice ${kind}`;
  notice.hidden = !text;
}

function showResult(box, kind, lines, flags = []) {
  box.replaceChildren(...lines.filter(Boolean).map((line, i) =>
    el("p", { class: i === 0 ? "result-main" : "result-more" }, line)));
  if (flags.length) {
    box.append(el("p", { class: "result-more" }, T.flags_title), el("ul", { class: "flags" },
      ...flags.map((flag) => el("li", {}, el("strong", {}, T.flags[flag] || flag),
        fmt(T.flag_meaning, { meaning: T.flag_meanings[flag] || "" })))));
  }
  box.className = `result ${kind}`;
  box.hidden = false;
}

// --- my duty -----------------------------------------------------------------------------------

function dutyById(id) {
  return (state.duties || []).find((duty) => duty.id === id) || null;
}

async function pendingAcks() {
  const waiting = await store.all(store.OUTBOX);
  return new Set(waiting.filter((r) => r.kind === "ack" && r.person_id === S.personId)
    .map((r) => r.assignment_id));
}

function ackLine(card, duty, waiting) {
  const line = card.querySelector(".duty-ack-state");
  const button = card.querySelector("[data-ack]");
  line.classList.toggle("done", Boolean(duty.acknowledged_at));
  if (duty.acknowledged_at) {
    line.textContent = fmt(T.acknowledged, { time: shortTime(duty.acknowledged_at) });
  } else if (waiting.has(duty.id)) line.textContent = T.ack_waiting;
  else line.textContent = "";
  line.hidden = !line.textContent;
  button.hidden = Boolean(duty.acknowledged_at) || waiting.has(duty.id);
  button.onclick = () => acknowledge(duty);
}

function dutyCard(duty, index, waiting) {
  const card = $("#duty-template").content.firstElementChild.cloneNode(true);
  card.dataset.assignment = duty.id;
  const status = index > 0 ? T.status_later
    : duty.status === "current" ? T.status_current : T.status_upcoming;
  const statusLine = card.querySelector(".duty-status");
  statusLine.append(status);
  if (duty.checked_in) statusLine.append(el("span", { class: "badge ok" }, T.checked_in));
  card.querySelector(".duty-post").textContent = duty.post_name;
  card.querySelector(".duty-event").textContent = duty.event_name;
  card.querySelector(".duty-time").textContent = timeRange(duty.starts_at, duty.ends_at);
  if (index === 0 && duty.status === "upcoming") {
    const note = card.querySelector(".duty-note");
    note.textContent = fmt(T.starts_later, { time: shortTime(duty.starts_at) });
    note.hidden = false;
  }
  if (index > 0) card.classList.add("later");
  ackLine(card, duty, waiting);
  return card;
}

async function renderDuties(duties, savedAt) {
  state.duties = duties;
  const box = $("#duties");
  const waiting = await pendingAcks();
  box.replaceChildren();
  if (savedAt) {
    const time = localTime(new Date(savedAt).toISOString());
    box.append(el("p", { class: "hint stale" }, fmt(T.duty_as_of, { time })));
  }
  if (duties === null) box.append(el("p", { class: "panel hint" }, T.duty_unknown));
  else if (!duties.length) box.append(el("p", { class: "panel empty" }, T.no_duty));
  duties?.forEach((duty, index) => box.append(dutyCard(duty, index, waiting)));
  state.primary = duties && duties.length ? duties[0] : null;
  $("#actions").hidden = duties !== null && !duties.length;
  state.map = null;
  if (state.primary) {
    const card = box.querySelector(".duty");
    const mapBox = card.querySelector(".duty-map");
    mapBox.setAttribute("aria-label", state.primary.post_name);
    // Placed after the card is in the page: Leaflet needs its size.
    state.map = postMap(mapBox, state.primary, S.tileUrl);
  }
  showPosition();
}

async function loadDuties() {
  try {
    const answer = await api("GET", S.assignmentsUrl);
    await store.put(store.SAVED, { key: DUTIES_KEY, items: answer.items, saved_at: Date.now() });
    await renderDuties(answer.items, null);
  } catch (failure) {
    if (failure instanceof ApiFailure && failure.code === "unauthorized") {
      notify(T.session_ended, "error");
    }
    const saved = await store.get(store.SAVED, DUTIES_KEY);
    await renderDuties(saved ? saved.items : null, saved ? saved.saved_at : null);
  }
}

// --- position ----------------------------------------------------------------------------------

function showPosition() {
  const line = $("#position");
  const fix = state.lastFix;
  const duty = state.primary;
  line.classList.toggle("problem", Boolean(state.geoProblem) && !fix);
  if (!fix || !duty) {
    line.textContent = fix ? "" : state.geoProblem || (duty ? T.position_unknown : "");
    return;
  }
  const metres = distanceM(fix.lat, fix.lon, duty.lat, duty.lon);
  const where = metres <= duty.radius_m
    ? fmt(T.position_inside, { distance: distanceText(metres) })
    : fmt(T.position_outside, { distance: distanceText(metres),
      direction: T.directions[compassPoint(bearingDeg(fix.lat, fix.lon, duty.lat, duty.lon))] });
  line.replaceChildren(el("strong", {}, where), " ", el("span", { class: "accuracy" },
    fmt(T.position_accuracy, { accuracy: distanceText(fix.accuracy) })));
  if (state.map) state.map.showMe(fix);
}

function geoProblem(failure) {
  return T[`geo_${failure.code}`] || T.geo_unavailable;
}

async function locate() {
  try {
    state.lastFix = await readPosition();
    state.geoProblem = null;
  } catch (failure) {
    state.geoProblem = geoProblem(failure);
    if (!state.lastFix) showPosition();
    throw failure;
  }
  showPosition();
  return state.lastFix;
}

/** Why a record is still waiting after a send: no network, a signed-out phone, or the server. */
function heldMessage(offline, held, words) {
  if (outbox.heldBy === 401) return T.session_ended;
  return fmt(outbox.heldBy ? held : offline, words);
}

// --- check-ins ---------------------------------------------------------------------------------

const actionButtons = () => document.querySelectorAll("#actions button");

function setBusy(busy) {
  for (const button of actionButtons()) button.disabled = busy;
}

function checkinResult(record) {
  const answer = record.answer;
  const duty = dutyById(answer.assignment_id);
  const kind = kindName(answer.kind);
  const distance = distanceText(answer.distance_m);
  let main;
  // An answer kept on the phone from before `fence_reading` existed: read from its fields.
  const reading = answer.fence_reading ?? (answer.within_fence ? "inside"
    : duty && answer.distance_m <= duty.radius_m ? "unknown" : "outside");
  if (reading === "inside") main = fmt(T.result_inside, { kind, distance });
  else if (reading === "unknown") {
    main = fmt(T.result_uncertain, { kind, distance });
  } else {
    const radius = duty ? distanceText(duty.radius_m) : "?";
    main = fmt(T.result_outside, { kind, distance, radius });
  }
  return { main, tone: answer.within_fence && !answer.flags.length ? "ok" : "warn" };
}

function showCheckinAnswer(record) {
  const { main, tone } = checkinResult(record);
  const lines = [main, record.status === 200 ? T.result_replay : null, record.warning];
  showResult($("#result"), tone, lines, record.answer.flags);
}

async function checkIn(kind, note) {
  const box = $("#result");
  setBusy(true);
  showResult(box, "busy", [T.locating]);
  try {
    let fix;
    try {
      fix = await locate();
    } catch (failure) {
      showResult(box, "error", [geoProblem(failure), T.nothing_sent]);
      return;
    }
    const warning = fix.accuracy <= S.accuracyLimitM ? null : fmt(T.geo_poor,
      { accuracy: distanceText(fix.accuracy), limit: distanceText(S.accuracyLimitM) });
    const body = { client_id: crypto.randomUUID(), kind, lat: fix.lat, lon: fix.lon,
      accuracy_m: fix.accuracy, taken_at: fix.takenAt.toISOString() };
    if (state.primary) body.assignment_id = state.primary.id;
    if (note) body.note = note;
    const record = { client_id: body.client_id, kind, url: S.checkinsUrl, body,
      taken_at: body.taken_at, created_at: Date.now(), post_name: state.primary?.post_name || "",
      warning };
    await outbox.add(record);
    state.awaiting = record.client_id;
    await outbox.flush();
    if (await outbox.has(record.client_id)) {
      const words = { kind: kindName(kind), time: shortTime(body.taken_at) };
      showResult(box, "queued", [heldMessage(T.result_queued, T.result_held, words), warning]);
    }
  } finally {
    setBusy(false);
  }
}

function setUpActions() {
  const handover = $("#handover");
  for (const button of document.querySelectorAll("#actions [data-kind]")) {
    button.addEventListener("click", () => {
      handover.hidden = true;
      if (button.dataset.kind === "check_out") {
        handover.hidden = false;
        handover.elements.note.focus();
        return;
      }
      checkIn(button.dataset.kind);
    });
  }
  handover.addEventListener("submit", (event) => {
    event.preventDefault();
    const note = handover.elements.note.value.trim();
    handover.hidden = true;
    handover.reset();
    checkIn("check_out", note || null);
  });
  handover.querySelector("[data-cancel]").addEventListener("click", () => {
    handover.hidden = true;
  });
}

// --- acknowledgement ---------------------------------------------------------------------------

async function acknowledge(duty) {
  const record = { client_id: crypto.randomUUID(), kind: "ack", assignment_id: duty.id,
    url: S.ackUrl.replace("/0/", `/${duty.id}/`), body: null, created_at: Date.now(),
    taken_at: new Date().toISOString(), post_name: duty.post_name };
  await outbox.add(record);
  await renderDuties(state.duties, null);
  await outbox.flush();
}

function acknowledged(record) {
  const duty = dutyById(record.assignment_id);
  if (duty) duty.acknowledged_at = record.answer.acknowledged_at;
  notify(T.ack_sent);
  renderDuties(state.duties, null);
}

// --- hazard report -----------------------------------------------------------------------------

function loadImage(file) {
  return new Promise((resolve, reject) => {
    const image = new Image();
    const url = URL.createObjectURL(file);
    image.onload = () => resolve(image);
    image.onerror = reject;
    image.src = url;
  });
}

/** The photo as a JPEG data URL of at most PHOTO_MAX_PX on its long side. */
async function shrink(file) {
  const image = await loadImage(file);
  URL.revokeObjectURL(image.src);
  const scale = Math.min(1, PHOTO_MAX_PX / Math.max(image.naturalWidth, image.naturalHeight));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(image.naturalWidth * scale);
  canvas.height = Math.round(image.naturalHeight * scale);
  canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL("image/jpeg", PHOTO_QUALITY);
}

function clearPhoto(form) {
  state.photo = null;
  form.elements.photo.value = "";
  $("#photo-preview").hidden = true;
}

function setUpReport() {
  const form = $("#report-form");
  const preview = $("#photo-preview");
  const result = $("#report-result");
  form.elements.photo.addEventListener("change", async () => {
    const file = form.elements.photo.files[0];
    if (!file) return clearPhoto(form);
    showResult(result, "busy", [T.photo_shrinking]);
    try {
      state.photo = await shrink(file);
    } catch {
      clearPhoto(form);
      showResult(result, "error", [T.photo_failed]);
      return;
    }
    preview.querySelector("img").src = state.photo;
    const kilobytes = Math.round((state.photo.length * 3) / 4 / 1024);
    preview.querySelector(".photo-size").textContent = fmt(T.photo_ready,
      { size: `${kilobytes} KB` });
    preview.hidden = false;
    result.hidden = true;
  });
  preview.querySelector("[data-remove-photo]").addEventListener("click", () => clearPhoto(form));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const description = form.elements.description.value.trim();
    const error = $("#report-description-error");
    error.hidden = Boolean(description);
    error.textContent = description ? "" : T.report_describe;
    if (!description) {
      form.elements.description.focus();
      return;
    }
    const buttons = form.querySelectorAll("button");
    buttons.forEach((button) => { button.disabled = true; });
    try {
      await sendReport(form, description, result);
    } finally {
      buttons.forEach((button) => { button.disabled = false; });
    }
  });
}

async function sendReport(form, description, result) {
  showResult(result, "busy", [T.locating]);
  let fix;
  let note = null;
  try {
    fix = await locate();
  } catch (failure) {
    const last = state.lastFix;
    if (!last || Date.now() - last.takenAt.getTime() > LAST_FIX_MAX_AGE_MS) {
      showResult(result, "error", [geoProblem(failure), T.nothing_sent]);
      return;
    }
    fix = last;
    note = fmt(T.report_last_fix, { time: shortTime(last.takenAt.toISOString()) });
  }
  const body = { client_id: crypto.randomUUID(), lat: fix.lat, lon: fix.lon,
    category: form.elements.category.value, description };
  if (state.photo) body.photo = state.photo.slice(state.photo.indexOf(",") + 1);
  const record = { client_id: body.client_id, kind: "report", url: S.reportsUrl, body,
    taken_at: fix.takenAt.toISOString(), created_at: Date.now(), post_name: "", warning: note };
  await outbox.add(record);
  form.reset();
  clearPhoto(form);
  state.awaitingReport = record.client_id;
  await outbox.flush();
  if (await outbox.has(record.client_id)) {
    showResult(result, "queued", [heldMessage(T.report_queued, T.report_held, {}), note]);
  }
}

// --- the records on this phone -----------------------------------------------------------------

function recordLine(record) {
  const parts = [shortTime(record.taken_at), kindName(record.kind)];
  if (record.post_name) parts.push(record.post_name);
  const answer = record.answer;
  if (answer && CHECK_IN_KINDS.has(record.kind)) {
    parts.push(`${answer.within_fence ? T.inside : T.outside} ${distanceText(answer.distance_m)}`);
    for (const flag of answer.flags) if (flag !== "outside_fence") parts.push(T.flags[flag]);
  } else if (answer) {
    parts.push(T.sent_ok);
  }
  return parts.join(" · ");
}

function failedItem(record) {
  const reason = T.failure_reasons[record.error.code] || "";
  const server = [record.error.message, ...Object.values(record.error.fields || {})].join(" ");
  return el("li", { class: "failed" },
    el("span", {}, recordLine(record)),
    el("span", { class: "why" }, fmt(T.failed_reason, { reason, message: server })),
    el("button", { type: "button", class: "small",
      onclick: () => outbox.dismiss(record.client_id) }, T.dismiss));
}

async function renderRecords() {
  const [waiting, failed, sent] = await Promise.all(
    [store.OUTBOX, store.FAILED, store.SENT].map((name) => outbox.list(name)));
  const badge = $("#queue-count");
  badge.dataset.count = String(waiting.length);
  badge.textContent = waiting.length
    ? fmt(T.queue_waiting, { count: waiting.length }) : T.queue_clear;
  badge.classList.toggle("waiting", waiting.length > 0);
  $("#waiting-list").replaceChildren(...waiting.map((r) => el("li", {}, recordLine(r))));
  $("#failed-list").replaceChildren(...failed.map(failedItem));
  sent.sort((a, b) => b.sent_at - a.sent_at);
  $("#history-list").replaceChildren(...sent.slice(0, 10).map((r) => el("li", {}, recordLine(r))));
  $("#waiting").hidden = !waiting.length;
  $("#failed").hidden = !failed.length;
  $("#history").hidden = !sent.length;
  $("#records").hidden = !(waiting.length || failed.length || sent.length);
}

function onSent(record) {
  if (record.kind === ANSWER_KIND) calls.sent(record);
  else if (record.kind === "ack") acknowledged(record);
  else if (record.kind === "report" && record.client_id === state.awaitingReport) {
    showResult($("#report-result"), "ok", [T.report_sent, record.warning]);
  } else if (record.client_id === state.awaiting) showCheckinAnswer(record);
  if (record.kind === "check_in") loadDuties();
}

function onFailed(record) {
  const reason = T.failure_reasons[record.error.code] || record.error.message;
  const text = fmt(T.result_failed, { kind: kindName(record.kind), reason });
  if (record.kind === ANSWER_KIND) calls.failed(record, text);
  else if (record.client_id === state.awaiting) showResult($("#result"), "error", [text]);
  else if (record.client_id === state.awaitingReport) {
    showResult($("#report-result"), "error", [text]);
  } else notify(text, "error");
}

const outbox = new Outbox({
  personId: S.personId,
  csrf: document.querySelector('meta[name="csrf-token"]').content,
  csrfUrl: S.csrfUrl,
  onChange: () => renderRecords(),
  onSent,
  onFailed,
  onSessionEnded: () => notify(T.session_ended, "error"),
});

const calls = new CallBanners({
  root: $("#calls"),
  template: $("#call-template"),
  personId: S.personId,
  urls: { mine: S.myCallsUrl, answer: S.callAnswerUrl },
  outbox,
  locate,
  geoProblem,
  heldText: () => heldMessage(T.calls.queued, T.calls.held, {}),
});

const relocation = new RelocationList({
  personId: S.personId,
  urls: { mine: S.myRelocationUrl, reports: S.relocationsUrl, arrivals: S.arrivalsUrl },
  outbox,
  tileUrl: S.tileUrl,
  lastFix: () => state.lastFix,
});

// --- start -------------------------------------------------------------------------------------

function showNetwork() {
  $("#net").hidden = navigator.onLine;
}

async function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  try {
    await navigator.serviceWorker.register(S.serviceWorker);
    await navigator.serviceWorker.ready;
    document.body.dataset.offlineReady = "true";
  } catch {
    // Without a service worker the page still works online; only offline reloads need it.
  }
}

setUpActions();
setUpReport();
showNetwork();
window.addEventListener("online", () => {
  showNetwork();
  outbox.resume();
  calls.refresh();
  loadDuties();
  relocation.refresh();
  showResponsibilities(S.responsibilitiesUrl, S.personId);
});
window.addEventListener("offline", showNetwork);
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") outbox.flush();
});
await renderRecords();
await calls.start();
showResponsibilities(S.responsibilitiesUrl, S.personId);
await loadDuties();
outbox.flush();
relocation.refresh();
locate().catch(() => {}); // shown in the position line
registerServiceWorker();
