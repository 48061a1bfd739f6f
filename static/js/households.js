// The households page (转移户): browse them by village, search and page through them, correct a
// household in its own row, deactivate or reactivate it, add one, and import a county's list.

import { wireImport } from "./catalogue.js";
import {
  T, api, busy, canEdit, clearErrors, debounce, el, fmt, notify, notifyFailure, number, showFailure, text,
} from "./common.js";
import { loadUnits, pathText } from "./organisation.js";

const PAGE_SIZE = 20;
const page = document.getElementById("page");
const urls = page.dataset;
const endpoint = urls.api;
const editable = canEdit();
const table = document.getElementById("table");
const search = document.getElementById("search");
const columns = [...table.querySelectorAll("thead th")].map((th) => ({
  key: th.dataset.col, label: th.textContent.trim(),
}));
const state = { offset: 0, total: 0, ticket: 0, editor: null };

async function loadShelters() {
  try {
    const query = new URLSearchParams({ kind: "shelter", active: "true", limit: 500 });
    return (await api("GET", `${urls.sheltersApi}?${query}`)).items;
  } catch (failure) {
    notifyFailure(failure);
    return [];
  }
}

const [units, shelters] = await Promise.all([
  loadUnits(urls.unitsApi), editable ? loadShelters() : Promise.resolve([]),
]);
const unitsById = new Map(units.map((unit) => [unit.id, unit]));

function unitText(household) {
  const unit = unitsById.get(household.unit_id);
  return unit ? pathText(unit) : (household.unit_path || "—").split("/").join(" / ");
}

/** "太湖源镇 / 白沙村": the path below the county, which every row would repeat; all of it on hover. */
function unitCell(household) {
  const path = unitText(household);
  const parts = path.split(" / ");
  return el("span", { title: path }, parts.length > 1 ? parts.slice(1).join(" / ") : path);
}

// --- the list --------------------------------------------------------------------------------

const CELLS = {
  head_name: (h) => h.head_name,
  phone: (h) => el("a", { href: `tel:${h.phone}`, title: fmt(T.dial, { name: h.head_name }) }, h.phone),
  unit: unitCell,
  people: (h) => String(h.people),
  vulnerable: (h) => (h.vulnerable
    ? el("span", { class: "badge warn" }, fmt(T.vulnerable_count, { count: h.vulnerable }))
    : "0"),
  shelter: (h) => h.shelter_name || el("span", { class: "hint" }, T.no_shelter),
  position: (h) => (h.lat === null || h.lon === null ? "—" : `${h.lat}, ${h.lon}`),
  note: (h) => h.note || "",
  active: (h) => el("span", { class: `badge ${h.active ? "ok" : "muted"}` }, h.active ? T.active : T.inactive),
  actions: (h) => el("div", { class: "row-actions" },
    el("button", { type: "button", class: "small", onclick: (e) => openEditor(h, e.currentTarget.closest("tr")) }, T.edit),
    h.active
      ? el("button", { type: "button", class: "small danger", onclick: () => setActive(h, false) }, T.deactivate)
      : el("button", { type: "button", class: "small", onclick: () => setActive(h, true) }, T.reactivate)),
};

function row(household) {
  return el("tr", { "data-id": household.id, class: household.active ? null : "inactive" },
    ...columns.map((column) => el("td", {
      "data-label": column.key === "actions" ? null : column.label, class: `col-${column.key}`,
    }, CELLS[column.key](household))));
}

function query() {
  const params = new URLSearchParams({ limit: PAGE_SIZE, offset: state.offset });
  for (const name of ["unit_id", "q", "active"]) {
    const value = search.elements[name].value.trim();
    if (value) params.set(name, value);
  }
  return params;
}

async function load() {
  const ticket = ++state.ticket;
  const params = query();
  table.setAttribute("aria-busy", "true");
  let answer;
  try {
    answer = await api("GET", `${endpoint}?${params}`);
  } catch (failure) {
    if (ticket === state.ticket) notifyFailure(failure);
    return;
  } finally {
    if (ticket === state.ticket) table.removeAttribute("aria-busy");
  }
  if (ticket !== state.ticket) return; // a newer search has been sent meanwhile
  if (answer.items.length === 0 && state.offset > 0) {
    state.offset = Math.max(0, state.offset - PAGE_SIZE);
    return load();
  }
  state.editor = null;
  state.total = answer.total;
  table.tBodies[0].replaceChildren(...answer.items.map(row));
  const empty = document.getElementById("empty");
  empty.hidden = answer.total > 0;
  empty.textContent = params.has("q") || params.has("unit_id") || params.has("active") ? T.no_match : T.empty;
  const pager = document.getElementById("pager");
  pager.hidden = answer.total <= PAGE_SIZE;
  pager.querySelector(".page-info").textContent = fmt(T.page_info, {
    first: state.offset + 1, last: state.offset + answer.items.length, total: answer.total,
  });
  pager.querySelector('[data-page="prev"]').disabled = state.offset === 0;
  pager.querySelector('[data-page="next"]').disabled = state.offset + PAGE_SIZE >= answer.total;
}

function searchNow() {
  state.offset = 0;
  const unit = search.elements.unit_id.value;
  const address = new URL(location.href);
  if (unit) address.searchParams.set("unit_id", unit);
  else address.searchParams.delete("unit_id");
  history.replaceState(null, "", address);
  load();
}

const unitFilter = search.elements.unit_id;
unitFilter.append(...units.map((unit) => el("option", { value: unit.id }, pathText(unit))));
const asked = new URLSearchParams(location.search).get("unit_id");
if (asked && unitsById.has(Number(asked))) unitFilter.value = asked;

search.addEventListener("submit", (event) => {
  event.preventDefault();
  searchNow();
});
search.elements.q.addEventListener("input", debounce(searchNow));
unitFilter.addEventListener("change", searchNow);
search.elements.active.addEventListener("change", searchNow);
document.getElementById("pager").addEventListener("click", (event) => {
  const direction = event.target.dataset.page;
  if (!direction) return;
  state.offset = Math.max(0, state.offset + (direction === "next" ? PAGE_SIZE : -PAGE_SIZE));
  load();
});

// --- correcting a household in its row, or adding one ----------------------------------------

function options(select, choices, value) {
  select.replaceChildren(...choices.map(([key, label]) => el("option", { value: key }, label)));
  select.value = value === null || value === undefined ? "" : String(value);
}

function fill(form, household) {
  const unitChoices = units.map((unit) => [unit.id, pathText(unit)]);
  if (household && !unitsById.has(household.unit_id)) unitChoices.unshift([household.unit_id, unitText(household)]);
  const village = units.find((unit) => unit.kind === "village");
  const fallbackUnit = unitFilter.value || (village ? village.id : urls.ownUnit);
  options(form.elements.unit_id, unitChoices, household ? household.unit_id : fallbackUnit);
  const shelterChoices = [["", T.no_shelter], ...shelters.map((post) => [post.id, post.name])];
  if (household && household.shelter_post_id && !shelters.some((post) => post.id === household.shelter_post_id)) {
    shelterChoices.push([household.shelter_post_id, household.shelter_name || `#${household.shelter_post_id}`]);
  }
  options(form.elements.shelter_post_id, shelterChoices, household ? household.shelter_post_id : "");
  for (const name of ["head_name", "phone", "people", "vulnerable", "lat", "lon", "note"]) {
    const value = household ? household[name] : { people: "", vulnerable: "0" }[name];
    form.elements[name].value = value === null || value === undefined ? "" : String(value);
  }
}

function toBody(form) {
  const id = (name) => (form.elements[name].value ? Number(form.elements[name].value) : null);
  return {
    head_name: text(form, "head_name"),
    phone: text(form, "phone"),
    unit_id: id("unit_id"),
    people: number(form, "people"),
    vulnerable: number(form, "vulnerable") ?? 0,
    shelter_post_id: id("shelter_post_id"),
    lat: number(form, "lat"),
    lon: number(form, "lon"),
    note: text(form, "note"),
  };
}

function closeEditor() {
  const editor = state.editor;
  if (!editor) return;
  editor.node.remove();
  if (editor.row) editor.row.hidden = false;
  state.editor = null;
}

/** Open the editor in place of `rowNode` (a household's row), or above the list (a new one). */
function openEditor(household, rowNode) {
  closeEditor();
  const node = document.getElementById("editor-tpl").content.firstElementChild.cloneNode(true);
  node.querySelector("td").colSpan = columns.length;
  const form = node.querySelector("form");
  form.querySelector(".editor-title").textContent = household
    ? fmt(T.form_edit, { name: household.head_name }) : T.form_add;
  fill(form, household);
  if (rowNode) {
    rowNode.after(node);
    rowNode.hidden = true;
  } else {
    table.tBodies[0].prepend(node);
  }
  state.editor = { node, row: rowNode, household };
  form.querySelector('[data-action="cancel"]').addEventListener("click", closeEditor);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    save(form, household);
  });
  form.elements.head_name.focus();
}

function save(form, household) {
  clearErrors(form);
  const body = toBody(form);
  busy(form, async () => {
    try {
      const saved = household
        ? await api("PATCH", `${endpoint}/${household.id}`, body)
        : await api("POST", endpoint, body);
      notify(fmt(household ? T.updated : T.created, { name: saved.head_name }));
      closeEditor();
      await load();
    } catch (failure) {
      showFailure(form, failure, { field: T.conflict_field, message: T.conflict_message });
    }
  });
}

async function setActive(household, active) {
  if (!active && !window.confirm(fmt(T.confirm_deactivate, { name: household.head_name }))) return;
  try {
    await api("PATCH", `${endpoint}/${household.id}`, { active });
    notify(fmt(active ? T.reactivated : T.deactivated, { name: household.head_name }));
    await load();
  } catch (failure) {
    notifyFailure(failure);
  }
}

if (editable) {
  document.getElementById("add").addEventListener("click", () => openEditor(null, null));
  wireImport(document.getElementById("import-form"), `${endpoint}/import`, load);
}

load();
