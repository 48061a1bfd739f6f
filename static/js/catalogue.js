// A searchable, paged list with an add/edit form and a file import: the roster and the post
// catalogue differ only in their fields and columns, which the page modules pass in.

import {
  T, api, busy, clearErrors, debounce, describe, el, fmt, notify, notifyFailure, showFailure,
  showFieldErrors, upload,
} from "./common.js";

const PAGE_SIZE = 20;

/**
 * Explain one import row's reason in plain words: the API writes "field: why; field: why" or
 * "phone X repeats row N"; parts it does not recognise are shown as they are.
 */
function explainRow(message) {
  return message.split("; ").map((part) => {
    const fieldError = /^([a-z_]+)(?:\.\d+)?: /.exec(part);
    if (fieldError && T.field_errors[fieldError[1]]) {
      return fmt(T.field_reason, { field: T.fields[fieldError[1]], reason: T.field_errors[fieldError[1]] });
    }
    const repeat = /^[a-z_]+ (.+) repeats row (\d+)$/.exec(part);
    if (repeat) return fmt(T.repeats_row, { value: repeat[1], row: repeat[2] });
    return part;
  }).join(T.reason_separator);
}

// What the import endpoints say about a whole file, and how the page says it.
const FILE_REASONS = [
  [/^the header row lacks the columns: (.+)$/, (m) => fmt(T.file_columns, {
    columns: m[1].split(", ").map((name) => T.fields[name] || name).join(T.list_separator),
  })],
  [/^the file is empty$/, () => T.file_empty],
  [/^the file must be one of: (.+)$/, (m) => fmt(T.file_type, { types: m[1] })],
  [/^no file was uploaded$/, () => T.choose_file],
  [/not a readable \.xlsx/, () => T.file_xlsx],
  [/neither UTF-8 nor GB18030/, () => T.file_encoding],
  [/not a GeoJSON/, () => T.file_geojson],
  [/at most (\d+) rows/, (m) => fmt(T.file_rows, { rows: m[1] })],
];

function explainFile(reason) {
  for (const [pattern, say] of FILE_REASONS) {
    const match = pattern.exec(reason);
    if (match) return say(match);
  }
  return reason;
}

/**
 * Wire the page. `config`: {cells: {column: item => text|Node}, toBody(form), fill(form, item),
 * blank(form), actions?: item => [Node]} (buttons before "Edit"); the columns themselves come
 * from the table's headings in the template. Answers {reload()}.
 */
export function catalogue(config) {
  const page = document.getElementById("page");
  const endpoint = page.dataset.api;
  const table = document.getElementById("table");
  const columns = [...table.querySelectorAll("thead th")].map((th) => ({
    key: th.dataset.col, label: th.textContent.trim(),
  }));
  const state = { q: "", offset: 0, total: 0, request: 0, editing: null };

  function actions(item) {
    const cell = el("div", { class: "row-actions" }, ...(config.actions ? config.actions(item) : []),
      el("button", { type: "button", class: "small", onclick: () => edit(item) }, T.edit));
    cell.append(item.active
      ? el("button", { type: "button", class: "small danger", onclick: () => deactivate(item) }, T.deactivate)
      : el("button", { type: "button", class: "small", onclick: () => reactivate(item) }, T.reactivate));
    return cell;
  }

  function row(item) {
    const tr = el("tr", { "data-id": item.id, class: item.active ? null : "inactive" });
    for (const column of columns) {
      let content;
      if (column.key === "actions") content = actions(item);
      else if (column.key === "active") {
        content = el("span", { class: `badge ${item.active ? "ok" : "muted"}` }, item.active ? T.active : T.inactive);
      } else content = config.cells[column.key](item);
      tr.append(el("td", { "data-label": column.key === "actions" ? null : column.label }, content ?? ""));
    }
    return tr;
  }

  async function load() {
    const ticket = ++state.request;
    const query = new URLSearchParams({ limit: PAGE_SIZE, offset: state.offset });
    if (state.q) query.set("q", state.q);
    table.setAttribute("aria-busy", "true");
    let answer;
    try {
      answer = await api("GET", `${endpoint}?${query}`);
    } catch (failure) {
      if (ticket === state.request) notifyFailure(failure);
      return;
    } finally {
      if (ticket === state.request) table.removeAttribute("aria-busy");
    }
    if (ticket !== state.request) return; // a newer search has been sent meanwhile
    if (answer.items.length === 0 && state.offset > 0) {
      state.offset = Math.max(0, state.offset - PAGE_SIZE);
      return load();
    }
    state.total = answer.total;
    table.tBodies[0].replaceChildren(...answer.items.map(row));
    const empty = document.getElementById("empty");
    empty.hidden = answer.total > 0;
    empty.textContent = state.q ? T.no_match : T.empty;
    const pager = document.getElementById("pager");
    pager.hidden = answer.total <= PAGE_SIZE;
    pager.querySelector(".page-info").textContent = fmt(T.page_info, {
      first: state.offset + 1, last: state.offset + answer.items.length, total: answer.total,
    });
    pager.querySelector('[data-page="prev"]').disabled = state.offset === 0;
    pager.querySelector('[data-page="next"]').disabled = state.offset + PAGE_SIZE >= answer.total;
  }

  const search = document.getElementById("search");
  const searchNow = () => {
    state.q = search.elements.q.value.trim();
    state.offset = 0;
    load();
  };
  search.addEventListener("submit", (event) => {
    event.preventDefault();
    searchNow();
  });
  search.elements.q.addEventListener("input", debounce(searchNow));
  document.getElementById("pager").addEventListener("click", (event) => {
    const direction = event.target.dataset.page;
    if (!direction) return;
    state.offset = Math.max(0, state.offset + (direction === "next" ? PAGE_SIZE : -PAGE_SIZE));
    load();
  });

  const form = document.getElementById("form");
  const title = document.getElementById("form-title");
  const addTitle = title ? title.textContent : "";
  const cancel = form ? form.querySelector('[data-action="cancel"]') : null;

  function stopEditing() {
    state.editing = null;
    form.reset();
    config.blank(form);
    clearErrors(form);
    title.textContent = addTitle;
    cancel.hidden = true;
  }

  function edit(item) {
    stopEditing();
    state.editing = item;
    config.fill(form, item);
    title.textContent = fmt(T.form_edit, { name: item.name });
    cancel.hidden = false;
    document.getElementById("editor").scrollIntoView({ behavior: "smooth", block: "start" });
    form.elements[0].focus({ preventScroll: true });
  }

  async function deactivate(item) {
    if (!window.confirm(fmt(T.confirm_deactivate, { name: item.name }))) return;
    try {
      await api("POST", `${endpoint}/${item.id}/deactivate`);
      notify(fmt(T.deactivated, { name: item.name }));
      load();
    } catch (failure) {
      notifyFailure(failure);
    }
  }

  async function reactivate(item) {
    try {
      await api("PATCH", `${endpoint}/${item.id}`, { active: true });
      notify(fmt(T.reactivated, { name: item.name }));
      load();
    } catch (failure) {
      notifyFailure(failure);
    }
  }

  if (form) {
    cancel.addEventListener("click", stopEditing);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      clearErrors(form);
      const body = config.toBody(form, state.editing);
      busy(form, async () => {
        try {
          const saved = state.editing
            ? await api("PATCH", `${endpoint}/${state.editing.id}`, body)
            : await api("POST", endpoint, body);
          notify(fmt(state.editing ? T.updated : T.created, { name: saved.name }));
          stopEditing();
          await load();
        } catch (failure) {
          showFailure(form, failure, { field: T.conflict_field, message: T.conflict_message });
        }
      });
    });
  }

  const importForm = document.getElementById("import-form");
  if (importForm) wireImport(importForm, `${endpoint}/import`, load);

  load();
  return { reload: load };
}

/** Upload the import form's file to `url`, show the rows it skipped, then `reload()` the page. */
export function wireImport(form, url, reload) {
  const progress = form.querySelector(".progress");
  const bar = progress.querySelector("progress");
  const label = progress.querySelector(".progress-text");
  const result = document.getElementById("import-result");

  function showProgress(percent) {
    if (percent < 100) {
      bar.value = percent;
      label.textContent = fmt(T.uploading, { percent });
    } else {
      bar.removeAttribute("value"); // indeterminate while the server checks the rows
      label.textContent = T.processing;
    }
  }

  function showResult(answer) {
    result.querySelector(".summary").textContent = `${fmt(T.import_done, {
      created: answer.created, updated: answer.updated, errors: answer.errors.length,
    })}${answer.errors.length ? "" : ` ${T.import_clean}`}`;
    const bad = result.querySelector(".bad-rows");
    bad.hidden = answer.errors.length === 0;
    bad.querySelector(".bad-rows-intro").textContent = T.import_bad_rows;
    const [rowLabel, reasonLabel] = [...bad.querySelectorAll("th")].map((th) => th.textContent);
    bad.querySelector("tbody").replaceChildren(...answer.errors.map((error) => el("tr", {},
      el("td", { "data-label": rowLabel, class: "row-number" }, String(error.row)),
      el("td", { "data-label": reasonLabel, title: error.message }, explainRow(error.message)))));
    result.hidden = false;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearErrors(form);
    result.hidden = true;
    const file = form.elements.file.files[0];
    if (!file) {
      showFieldErrors(form, { file: T.choose_file }, true);
      return;
    }
    progress.hidden = false;
    showProgress(0);
    busy(form, async () => {
      try {
        showResult(await upload(url, file, showProgress));
        form.reset();
        await reload();
      } catch (failure) {
        const reason = failure.code === "validation_error" && failure.fields
          ? Object.values(failure.fields).map(explainFile).join(" ")
          : describe(failure);
        showFieldErrors(form, { file: fmt(T.file_error, { reason }) }, true);
        if (failure.code === "unauthorized") notifyFailure(failure);
      } finally {
        progress.hidden = true;
      }
    });
  });
}
