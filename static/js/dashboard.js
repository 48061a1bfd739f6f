// The administrator's dashboard: attendance and punctuality per unit as bars, people on duty over
// the response's time, the most commended, and who is missing from a running shift now.
// Chart.js comes from static/vendor (copied from npm by `make setup`), as the global `Chart`.

import { T, api, el, fmt, localTime, notifyFailure, timeRange } from "./common.js";
import { followEventPicker } from "./records-picker.js";

const page = document.getElementById("page");
const BLUE = "#1d4f91";
const GREEN = "#12b76a";

function percent(rate) {
  return rate === null || rate === undefined ? T.none : fmt(T.percent, { value: (rate * 100).toFixed(1) });
}

function kpi(name, value) {
  document.querySelector(`[data-kpi="${name}"]`).textContent = String(value);
}

function unitsChart(units) {
  const canvas = document.getElementById("units-chart");
  canvas.parentElement.style.height = `${Math.max(16, units.length * 2.4 + 4)}rem`;
  return new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: units.map((u) => u.unit),
      datasets: [
        { label: T.attendance, data: units.map((u) => (u.attendance_rate ?? 0) * 100), backgroundColor: BLUE },
        { label: T.punctuality, data: units.map((u) => (u.punctuality_rate ?? 0) * 100), backgroundColor: GREEN },
      ],
    },
    options: {
      indexAxis: "y", maintainAspectRatio: false, animation: false,
      scales: { x: { min: 0, max: 100, ticks: { callback: (v) => `${v}%` } } },
      plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${c.parsed.x.toFixed(1)}%` } } },
    },
  });
}

function timelineChart(points) {
  return new window.Chart(document.getElementById("timeline-chart"), {
    type: "line",
    data: {
      labels: points.map((p) => localTime(p.at).slice(5)),
      datasets: [{ label: T.on_duty, data: points.map((p) => p.on_duty), borderColor: BLUE,
        backgroundColor: "rgba(29, 79, 145, .15)", fill: true, stepped: true, pointRadius: 0 }],
    },
    options: { maintainAspectRatio: false, animation: false,
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
}

function personLink(item) {
  return el("a", { href: page.dataset.personUrl.replace(/0$/, String(item.person_id)) }, item.name);
}

async function load() {
  try {
    const [summary, units] = await Promise.all([api("GET", page.dataset.summary), api("GET", page.dataset.units)]);
    const totals = summary.totals;
    kpi("people", totals.people);
    kpi("attendance", percent(totals.attendance_rate));
    kpi("punctuality", percent(totals.punctuality_rate));
    kpi("on_duty", summary.on_duty_now);
    kpi("missing", summary.open_absences.length);
    document.getElementById("as-of").textContent = localTime(summary.as_of);

    unitsChart(units.items);
    document.querySelector("#units-table tbody").replaceChildren(...units.items.map((u) => el("tr", {},
      el("td", {}, u.unit), el("td", { class: "num" }, percent(u.attendance_rate)),
      el("td", { class: "num" }, percent(u.punctuality_rate)))));
    timelineChart(summary.timeline);

    document.getElementById("top").replaceChildren(...(summary.top_commended.length
      ? summary.top_commended.map((p) => el("li", {}, personLink(p), ` · ${p.unit} · `,
        fmt(T.commendations, { count: p.commendations })))
      : [el("li", { class: "empty" }, T.no_commended)]));

    const absences = summary.open_absences;
    document.querySelector("#absences tbody").replaceChildren(...absences.map((a) => el("tr", {},
      el("td", {}, personLink(a)), el("td", {}, a.unit), el("td", {}, a.post_name),
      el("td", {}, timeRange(a.starts_at, a.ends_at)),
      el("td", {}, el("span", { class: "badge warn" }, a.reason === "left" ? T.left : T.not_arrived)))));
    const none = document.getElementById("absences-empty");
    none.hidden = absences.length > 0;
    none.textContent = T.no_absences;
    page.dataset.ready = "true";
  } catch (failure) {
    notifyFailure(failure);
  }
}

followEventPicker();
load();
