// The review queue: check-ins flagged as a suspected spoof, each with its reasons and a small map
// of the post's fence and the person's fixes around it, and a verdict with a note.
// Leaflet comes from static/vendor as the global `L`; without a tile server the map is drawn on a
// plain background, which is enough to see distances and jumps.

import { T, api, busy, el, fmt, localTime, notify, notifyFailure, plainText, showFailure } from "./common.js";
import { projector } from "./command-gcj02.js";

const page = document.getElementById("page");
const queue = document.getElementById("queue");
const empty = document.getElementById("empty");
const tiles = JSON.parse(page.dataset.tiles);
const project = projector(tiles.coordinates);
let reviewed = false;

function idUrl(template, id) {
  return template.replace(/\/0(?=\/|$)/, `/${id}`);
}

function drawMap(container, item) {
  const map = L.map(container, { attributionControl: Boolean(tiles.url), zoomControl: true });
  if (tiles.url) L.tileLayer(tiles.url, { attribution: tiles.attribution || "", maxZoom: 19 }).addTo(map);
  else container.classList.add("no-tiles");
  const post = project(item.post.lat, item.post.lon);
  const shapes = [L.circle(post, { radius: item.post.radius_m, color: "#1d4f91", weight: 2, fillOpacity: 0.08 })
    .bindTooltip(plainText(item.post.name))];
  const path = item.fixes.map((fix) => project(fix.lat, fix.lon));
  if (path.length > 1) shapes.push(L.polyline(path, { color: "#93370d", weight: 2, dashArray: "4 4" }));
  for (const fix of item.fixes) {
    const point = project(fix.lat, fix.lon);
    const own = fix.id === item.id;
    shapes.push(L.circle(point, { radius: fix.accuracy_m, color: own ? "#b42318" : "#5f6b7a", weight: 1, fillOpacity: 0.1 }));
    shapes.push(L.circleMarker(point, { radius: own ? 7 : 5, color: own ? "#b42318" : "#5f6b7a", fillOpacity: 0.9 })
      .bindTooltip(plainText(`${own ? T.this_fix : T.other_fix} · ${T.kinds[fix.kind] || fix.kind} · ${localTime(fix.taken_at)}`)));
  }
  // A circle knows its bounds only once it is on a map with a view: set one, then fit.
  map.setView(post, 16);
  const group = L.featureGroup(shapes).addTo(map);
  map.fitBounds(group.getBounds().pad(0.2), { maxZoom: 17 });
}

function showVerdict(node, item) {
  const line = node.querySelector(".verdict");
  line.hidden = !item.review_verdict;
  if (!item.review_verdict) return;
  line.className = `verdict ${item.review_verdict}`;
  line.textContent = `${T[item.review_verdict]}${item.review_note ? ` · ${item.review_note}` : ""}`;
}

function render(item) {
  const node = document.getElementById("item-template").content.firstElementChild.cloneNode(true);
  node.dataset.checkinId = item.id;
  node.querySelector(".who").textContent = `${item.person.name} · ${item.post.name}`;
  node.querySelector(".when").append(`${T.kinds[item.kind] || item.kind} · ${localTime(item.taken_at)} · `,
    fmt(T.distance, { distance: Math.round(item.distance_m) }), " · ",
    fmt(T.accuracy, { accuracy: Math.round(item.accuracy_m) }));
  node.querySelector(".flags").append(...item.flags.map((flag) =>
    el("span", { class: `badge ${flag === "suspected_spoof" ? "warn" : "muted"}` }, T.flags[flag] || flag)));
  node.querySelector(".reasons").append(...item.spoof_reasons.map((reason) => el("li", {}, reason.detail)));
  showVerdict(node, item);
  const form = node.querySelector("form");
  form.hidden = Boolean(item.review_verdict);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const verdict = event.submitter ? event.submitter.value : "confirmed";
    await busy(form, async () => {
      try {
        const answer = await api("POST", idUrl(page.dataset.review, item.id),
          { verdict, note: form.elements.namedItem("note").value.trim() });
        notify(fmt(verdict === "rejected" ? T.done_rejected : T.done_confirmed, { name: item.person.name }));
        item.review_verdict = answer.review_verdict;
        item.review_note = form.elements.namedItem("note").value.trim();
        node.remove();
        if (!queue.children.length) showEmpty();
      } catch (failure) {
        showFailure(form, failure);
      }
    });
  });
  queue.append(node);
  drawMap(node.querySelector(".review-map"), item);
}

function showEmpty() {
  empty.hidden = false;
  empty.textContent = reviewed ? T.reviewed_empty : T.queue_empty;
}

async function load() {
  queue.replaceChildren();
  empty.hidden = true;
  const params = new URLSearchParams({ flag: "suspected_spoof", reviewed: String(reviewed), limit: 50 });
  try {
    const answer = await api("GET", `${idUrl(page.dataset.checkins, queue.dataset.eventId)}?${params}`);
    if (!answer.items.length) return showEmpty();
    for (const item of answer.items) render(item);
  } catch (failure) {
    notifyFailure(failure);
  }
}

if (queue) {
  for (const tab of document.querySelectorAll(".tabs button")) {
    tab.addEventListener("click", () => {
      reviewed = tab.dataset.reviewed === "true";
      for (const other of document.querySelectorAll(".tabs button")) other.setAttribute("aria-pressed", String(other === tab));
      load();
    });
  }
  load();
}
const picker = document.getElementById("event-choice");
if (picker) picker.addEventListener("change", () => picker.form.submit());
