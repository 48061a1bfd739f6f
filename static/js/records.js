// An event's duty records: everyone's record with the parts of their score, the units, the
// commendations and criticisms (with the form for commanders), and the export links.

import { T, api, el, fmt, localTime, notifyFailure } from "./common.js";
import { mountCommendForm } from "./records-commend.js";
import { followEventPicker } from "./records-picker.js";
import { scoreParts, signed } from "./records-score.js";

const page = document.getElementById("page");
const peopleBody = document.querySelector("#people tbody");
const empty = document.getElementById("empty");
const pager = document.getElementById("pager");
const LIMIT = 50;
let offset = 0;
let q = "";

/** The total and, under it, each part that is not zero. */
function scoreCell(item) {
  return el("td", { class: "score", "data-label": document.querySelector("#people th:last-child").textContent },
    el("strong", {}, String(item.score)), scoreParts(item));
}

function numberCell(value, label) {
  return el("td", { class: "num", "data-label": label }, String(value));
}

function labels(table) {
  return [...document.querySelectorAll(`#${table} thead th`)].map((th) => th.textContent.trim());
}

function personLink(item) {
  return el("a", { href: page.dataset.personUrl.replace(/0$/, String(item.person_id)) }, item.name);
}

function renderRule(weights) {
  const rule = document.getElementById("rule");
  const shown = [
    [T.parts.base, weights.base], [T.parts.absent, weights.absent], [T.parts.late, weights.late],
    [T.parts.left_early, weights.left_early], [T.parts.spot_check_absences, weights.spot_check_absence],
    [T.parts.rejected_checkins, weights.rejected_checkin], [T.parts.commendations, weights.commendation],
    [T.parts.criticisms, weights.criticism],
  ];
  rule.replaceChildren(...shown.map(([name, value], i) => el("li", {}, `${name} ${i === 0 ? value : signed(value)}`)),
    el("li", {}, `${T.parts.on_duty_hours} ${signed(weights.per_hour)}/h (≤ ${weights.hours_cap})`));
}

async function loadPeople() {
  const table = document.getElementById("people");
  table.setAttribute("aria-busy", "true");
  try {
    const params = new URLSearchParams({ limit: LIMIT, offset });
    if (q) params.set("q", q);
    const answer = await api("GET", `${page.dataset.performance}?${params}`);
    const heads = labels("people");
    renderRule(answer.weights);
    peopleBody.replaceChildren(...answer.items.map((item) => el("tr", { "data-person-id": item.person_id },
      el("td", { "data-label": heads[0] }, personLink(item)),
      el("td", { "data-label": heads[1] }, item.unit),
      ...["shifts", "attended", "late", "left_early", "absent"].map((key, i) => numberCell(item[key], heads[2 + i])),
      numberCell(fmt(T.hours, { hours: item.on_duty_hours }), heads[7]),
      ...["spot_check_absences", "rejected_checkins", "commendations", "criticisms"]
        .map((key, i) => numberCell(item[key], heads[8 + i])),
      scoreCell(item))));
    empty.hidden = answer.total > 0;
    empty.textContent = q ? T.no_match : T.empty;
    pager.hidden = answer.total <= LIMIT;
    pager.querySelector(".page-info").textContent = fmt(T.page_info, {
      first: answer.total ? offset + 1 : 0, last: Math.min(offset + LIMIT, answer.total), total: answer.total });
    pager.querySelector('[data-page="prev"]').disabled = offset === 0;
    pager.querySelector('[data-page="next"]').disabled = offset + LIMIT >= answer.total;
  } catch (failure) {
    notifyFailure(failure);
  } finally {
    table.removeAttribute("aria-busy");
  }
}

function percent(rate) {
  return rate === null ? T.none : fmt(T.percent, { value: (rate * 100).toFixed(1) });
}

async function loadUnits() {
  try {
    const answer = await api("GET", page.dataset.units);
    const heads = labels("units");
    document.querySelector("#units tbody").replaceChildren(...answer.items.map((unit) => el("tr", {},
      el("td", { "data-label": heads[0] }, unit.unit),
      numberCell(unit.people, heads[1]), numberCell(unit.shifts, heads[2]),
      numberCell(percent(unit.attendance_rate), heads[3]), numberCell(percent(unit.punctuality_rate), heads[4]),
      numberCell(unit.absent, heads[5]), numberCell(fmt(T.hours, { hours: unit.on_duty_hours }), heads[6]),
      numberCell(unit.average_score ?? T.none, heads[7]))));
  } catch (failure) {
    notifyFailure(failure);
  }
}

async function loadCommendations() {
  const list = document.getElementById("commendations");
  try {
    const answer = await api("GET", `${page.dataset.commendations}?limit=100`);
    list.replaceChildren(...(answer.items.length ? answer.items.map((item) => el("li", {},
      el("span", { class: `badge ${item.kind === "commend" ? "ok" : "warn"}` }, T[item.kind]), " ",
      el("strong", {}, item.person_name), ` · ${item.unit}`, el("br"), item.reason, " ",
      el("span", { class: "when" }, `${localTime(item.created_at)} · ${item.created_by}`)))
      : [el("li", { class: "empty" }, T.no_commendations)]));
  } catch (failure) {
    notifyFailure(failure);
  }
}

document.getElementById("search").addEventListener("submit", (event) => {
  event.preventDefault();
  q = event.target.elements.namedItem("q").value.trim();
  offset = 0;
  loadPeople();
});
pager.addEventListener("click", (event) => {
  const step = event.target.dataset.page;
  if (!step) return;
  offset = Math.max(0, offset + (step === "next" ? LIMIT : -LIMIT));
  loadPeople();
});
followEventPicker();
const form = document.getElementById("commend-form");
if (form) {
  mountCommendForm(form, { onSaved: () => Promise.all([loadPeople(), loadCommendations()]) });
}

loadPeople();
loadUnits();
loadCommendations();
