// The dispatch page: choose shifts, let the engine propose, adjust the proposal (drop a row,
// swap a person from the candidates), confirm it; the proposal is drawn on a Leaflet map.

import { T, api, el, fmt, notify, notifyFailure, plainText, timeRange } from "./common.js";
import { projector } from "./command-gcj02.js";

const page = document.getElementById("page");
const urls = page.dataset;
const filters = document.getElementById("filters");
const shiftBody = document.querySelector("#shifts tbody");
const pickAll = document.getElementById("pick-all");
const proposeButton = document.getElementById("propose");
const confirmButton = document.getElementById("confirm");
const discardButton = document.getElementById("discard");
const table = document.getElementById("proposal");
const rowsBody = table.querySelector("tbody");
const summary = document.getElementById("summary");
const project = projector(urls.tileCoordinates);

const state = { shifts: [], picked: new Set(), rows: [], unfilled: [], villages: new Set() };

// --- the map ----------------------------------------------------------------------------------

const map = L.map("map", { zoomSnap: 0.5, attributionControl: Boolean(urls.tileUrl) })
  .setView([28.1, 119.9], 11);
if (urls.tileUrl) L.tileLayer(urls.tileUrl, { maxZoom: 19 }).addTo(map);
const layer = L.layerGroup().addTo(map);

function drawMap() {
  layer.clearLayers();
  const points = [];
  const posts = new Map();
  for (const row of state.rows) {
    const post = project(row.post_lat, row.post_lon);
    const from = project(row.from_lat, row.from_lon);
    posts.set(row.post_id, { at: post, name: row.post_name });
    L.polyline([from, post], { color: row.swapped ? "#f79009" : "#1570ef", weight: 2, opacity: 0.8, className: "proposal-line" })
      .bindTooltip(plainText(`${row.person_name} → ${row.post_name} · ${distanceText(row.distance_m)}`))
      .addTo(layer);
    L.circleMarker(from, { radius: 5, color: "#fff", weight: 1.5, fillColor: "#1570ef", fillOpacity: 1, className: "proposal-person" })
      .bindTooltip(plainText(row.person_name)).addTo(layer);
    points.push(from, post);
  }
  for (const item of state.unfilled) {
    const shift = state.shifts.find((s) => s.id === item.shift_id);
    if (shift && !posts.has(shift.post_id)) {
      posts.set(shift.post_id, { at: project(shift.lat, shift.lon), name: shift.post_name, short: true });
    }
  }
  for (const post of posts.values()) {
    L.circleMarker(post.at, { radius: 8, color: "#b42318", weight: 2, fillColor: post.short ? "#fff" : "#f04438", fillOpacity: 0.9, className: "proposal-post" })
      .bindTooltip(plainText(post.name)).addTo(layer);
    points.push(post.at);
  }
  if (points.length) map.fitBounds(L.latLngBounds(points).pad(0.15), { maxZoom: 15 });
}

// --- the shifts to choose from ------------------------------------------------------------------

function localIso(name) {
  const value = filters.elements.namedItem(name).value;
  return value ? `${value.length === 16 ? `${value}:00` : value}+08:00` : null;
}

async function loadShifts() {
  const query = new URLSearchParams();
  for (const name of ["starts_from", "starts_until"]) {
    const value = localIso(name);
    if (value) query.set(name, value);
  }
  for (const name of ["village", "kind"]) {
    const value = filters.elements.namedItem(name).value;
    if (value) query.set(name, value);
  }
  try {
    const answer = await api("GET", `${urls.shiftsApi}?${query}`);
    state.shifts = answer.items;
  } catch (failure) {
    notifyFailure(failure);
    return;
  }
  state.picked = new Set(state.shifts.map((s) => s.id));
  pickAll.checked = true;
  rememberVillages();
  renderShifts();
}

function rememberVillages() {
  const select = filters.elements.namedItem("village");
  for (const shift of state.shifts) {
    if (shift.village && !state.villages.has(shift.village)) {
      state.villages.add(shift.village);
      select.append(el("option", { value: shift.village }, shift.village));
    }
  }
}

function renderShifts() {
  const empty = document.getElementById("shifts-empty");
  empty.hidden = state.shifts.length > 0;
  empty.textContent = T.no_open_shifts;
  shiftBody.replaceChildren(...state.shifts.map((shift) => {
    const box = el("input", {
      type: "checkbox", checked: state.picked.has(shift.id), "aria-label": shift.post_name,
      onchange: (event) => {
        if (event.target.checked) state.picked.add(shift.id);
        else state.picked.delete(shift.id);
        showPicked();
      },
    });
    const skills = shift.skills.length
      ? el("div", { class: "why" }, fmt(T.skills_needed, { skills: shift.skills.join("、") })) : null;
    return el("tr", { "data-shift-id": shift.id },
      el("td", { class: "pick" }, box),
      el("td", {}, shift.post_name, el("div", { class: "why" },
        [shift.village, T.kinds[shift.post_kind]].filter(Boolean).join(" · ")), skills),
      el("td", {}, timeRange(shift.starts_at, shift.ends_at)),
      el("td", {}, fmt(T.places, { open: shift.open, required: shift.required })));
  }));
  showPicked();
}

function showPicked() {
  const places = state.shifts.filter((s) => state.picked.has(s.id)).reduce((n, s) => n + s.open, 0);
  document.getElementById("picked").textContent = `${state.picked.size} / ${state.shifts.length} · ${places}`;
  proposeButton.disabled = state.picked.size === 0;
}

pickAll.addEventListener("change", () => {
  state.picked = pickAll.checked ? new Set(state.shifts.map((s) => s.id)) : new Set();
  renderShifts();
});
filters.addEventListener("change", loadShifts);
filters.addEventListener("submit", (event) => { event.preventDefault(); loadShifts(); });

// --- the proposal ---------------------------------------------------------------------------------

function distanceText(metres) {
  if (metres === null || metres === undefined) return "—";
  return metres >= 1000 ? fmt(T.km, { km: (metres / 1000).toFixed(1) }) : fmt(T.m, { m: Math.round(metres) });
}

function renderProposal() {
  table.hidden = state.rows.length === 0;
  rowsBody.replaceChildren(...state.rows.map((row, index) => el("tr",
    { class: row.swapped ? "swapped" : null, "data-person-id": row.person_id, "data-shift-id": row.shift_id },
    el("td", {}, row.post_name),
    el("td", {}, timeRange(row.starts_at, row.ends_at)),
    el("td", {}, el("strong", {}, row.person_name),
      el("div", { class: "why" }, [row.person_unit, T.person_kinds[row.person_kind]].filter(Boolean).join(" · "))),
    el("td", {}, distanceText(row.distance_m),
      el("div", { class: "why" }, row.from_where === "last_fix" ? T.from_last_fix : T.from_home)),
    el("td", { class: "why" }, row.swapped ? T.changed_by_you : row.reason,
      row.hours_before ? el("div", {}, fmt(T.hours_before, { hours: row.hours_before })) : null),
    el("td", {},
      el("button", { type: "button", class: "link", "data-action": "swap", onclick: () => openSwap(index) }, T.swap),
      " ",
      el("button", { type: "button", class: "link danger", "data-action": "drop", onclick: () => drop(index) }, T.drop)))));
  const box = document.getElementById("unfilled-box");
  box.hidden = state.unfilled.length === 0;
  document.getElementById("unfilled").replaceChildren(...state.unfilled.map((item) => el("li",
    { "data-shift-id": item.shift_id }, `${item.post_name}: ${item.missing} · ${item.reason_text}`)));
  const total = state.rows.reduce((sum, row) => sum + (row.distance_m || 0), 0);
  const open = state.unfilled.reduce((sum, item) => sum + item.missing, 0);
  summary.textContent = state.rows.length || open
    ? fmt(T.proposal_summary, { people: state.rows.length, distance: (total / 1000).toFixed(1), unfilled: open })
    : T.nothing_proposed;
  confirmButton.disabled = state.rows.length === 0;
  discardButton.disabled = state.rows.length === 0 && open === 0;
  drawMap();
}

async function propose() {
  if (state.picked.size === 0) return notify(T.choose_shifts, "error");
  proposeButton.disabled = true;
  summary.textContent = T.proposing;
  try {
    const answer = await api("POST", urls.proposalApi, { shift_ids: [...state.picked] });
    state.rows = answer.assignments.map((row) => ({ ...row, swapped: false }));
    state.unfilled = answer.unfilled;
    renderProposal();
  } catch (failure) {
    summary.textContent = "";
    notifyFailure(failure);
  } finally {
    proposeButton.disabled = state.picked.size === 0;
  }
}

function drop(index) {
  const [row] = state.rows.splice(index, 1);
  const short = state.unfilled.find((item) => item.shift_id === row.shift_id);
  if (short) short.missing += 1;
  else {
    state.unfilled.push({ shift_id: row.shift_id, missing: 1, post_name: row.post_name,
      reason: "dropped", reason_text: T.left_open });
  }
  notify(fmt(T.dropped, { name: row.person_name }));
  renderProposal();
}

// --- swapping one person for another from the candidates -------------------------------------------

const dialog = document.getElementById("swap-dialog");

function overlaps(a, b) {
  return new Date(a.starts_at) < new Date(b.ends_at) && new Date(b.starts_at) < new Date(a.ends_at);
}

async function openSwap(index) {
  const row = state.rows[index];
  document.getElementById("swap-title").textContent = fmt(T.candidates_for, { post: row.post_name });
  const list = document.getElementById("swap-list");
  list.replaceChildren(el("li", {}, T.loading));
  dialog.showModal();
  let answer;
  try {
    answer = await api("GET", `${urls.candidatesApi.replace("/0/", `/${row.shift_id}/`)}?limit=20`);
  } catch (failure) {
    dialog.close();
    notifyFailure(failure);
    return;
  }
  // People the proposal already sends to a shift at the same time are not free for this one.
  const taken = new Set(state.rows.filter((other) => overlaps(other, row)).map((other) => other.person_id));
  const items = answer.items.filter((c) => !taken.has(c.person_id));
  list.replaceChildren(...(items.length ? items.map((c) => el("li", { "data-person-id": c.person_id },
    el("span", { class: "grow" }, el("strong", {}, c.name), ` · ${c.unit} · ${distanceText(c.distance_m)}`,
      el("div", { class: "why" }, c.reason)),
    el("button", { type: "button", onclick: () => swap(index, c) }, T.choose)))
    : [el("li", {}, T.no_candidates)]));
}

function swap(index, candidate) {
  const row = state.rows[index];
  const old = row.person_name;
  Object.assign(row, {
    person_id: candidate.person_id, person_name: candidate.name, person_unit: candidate.unit,
    person_phone: candidate.phone, person_kind: null, distance_m: candidate.distance_m,
    from_where: candidate.from_where, from_lat: candidate.from_lat, from_lon: candidate.from_lon,
    why: candidate.why, reason: candidate.reason, hours_before: 0, swapped: true,
  });
  dialog.close();
  notify(fmt(T.swapped, { old, new: candidate.name }));
  renderProposal();
}

// --- confirming -------------------------------------------------------------------------------------

async function confirm() {
  if (state.rows.length === 0) return notify(T.confirm_empty, "error");
  confirmButton.disabled = true;
  summary.textContent = T.confirming;
  try {
    const answer = await api("POST", urls.confirmApi, {
      rows: state.rows.map((row) => ({ shift_id: row.shift_id, person_id: row.person_id, swapped: row.swapped })),
    });
    notify(fmt(T.confirmed, { count: answer.assignments.length }));
    state.rows = [];
    state.unfilled = [];
    renderProposal();
    summary.textContent = "";
    await loadShifts();
  } catch (failure) {
    confirmButton.disabled = false;
    if (failure.code === "validation_error" && failure.fields) {
      const lines = Object.entries(failure.fields).map(([path, why]) => {
        const index = Number(String(path).split(".")[1]);
        const row = state.rows[index];
        return fmt(T.row_problem, { row: row ? `${row.post_name} · ${row.person_name}` : path, reason: why });
      });
      notify(lines.join(" "), "error");
    } else if (failure.code === "conflict") {
      notify(`${T.conflict} ${failure.message || ""}`, "error");
    } else {
      notifyFailure(failure);
    }
    renderProposal();
  }
}

proposeButton.addEventListener("click", propose);
confirmButton.addEventListener("click", confirm);
discardButton.addEventListener("click", () => {
  state.rows = [];
  state.unfilled = [];
  renderProposal();
  summary.textContent = "";
});

loadShifts();
