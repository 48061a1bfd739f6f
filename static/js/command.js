// The command-center page: wires the map, the live feed, the panels (alerts, reports, calls,
// relocation), the drawer and the replay.
// The snapshot is loaded once; after that, messages change what they touch, and the counts at
// the top are recounted at most once per animation frame.

import { T, api, describe, fmt, notify } from "./common.js";
import { AlertPanel, Beeper } from "./command-alerts.js";
import { CallPanel } from "./command-calls.js";
import { WarningList } from "./command-warnings.js";
import { PostDrawer, distanceText, withId } from "./command-drawer.js";
import { LiveFeed } from "./command-live.js";
import { MapView } from "./command-map.js";
import { Overview } from "./command-overview.js";
import { RelocationPanel } from "./command-relocation.js";
import { RelocationLayer } from "./command-relocation-map.js";
import { Replay } from "./command-replay.js";
import { RefusalPanel, ReportPanel } from "./command-side.js";

const page = document.getElementById("page");
const urls = page.dataset;
const eventId = Number(urls.eventId);
const canDispatch = urls.canDispatch === "true";
const $ = (id) => document.getElementById(id);
const collator = new Intl.Collator(document.documentElement.lang || "zh-CN");
const filters = { village: "", kind: "" };
const RESYNC_AFTER_MS = 800;
const REFUSALS_EVERY_MS = 60_000;
// Acknowledgements and shift changes without a status change send no message: catch up now and then.
const RESYNC_EVERY_MS = 120_000;
let replaying = false;

// --- what is on the screen -------------------------------------------------------------------

const map = new MapView($("map"), {
  tiles: { url: urls.tileUrl, attribution: urls.tileAttribution, coordinates: urls.tileCoordinates },
  onPost: (postId) => drawer.open(postId),
  reportPopup: (report) => reports.popup(report),
  titles: {
    overview: T.all_posts,
    post: (post) => `${post.name} · ${T.statuses[post.status]} · ${fmt(T.present_of, post)}`,
    person: (person) => fmt(T.person_at, { name: person.name, post: map.posts.get(person.post_id)?.post.name || "" }),
  },
});

const drawer = new PostDrawer({
  root: $("drawer"), title: $("drawer-title"), body: $("drawer-body"), closeButton: $("drawer-close"),
  urls, canDispatch, notify: toast,
  postOf: (id) => map.posts.get(id)?.post,
  onOpen: (postId) => map.select(postId),
});

const beeper = new Beeper();
let units = null; // the units in the caller's scope, loaded with the first snapshot
const alerts = new AlertPanel({
  list: $("alerts"), empty: $("alerts-empty"), counter: $("alerts-count"),
  postName: (id) => map.posts.get(id)?.post.name || null,
  unitName: (id) => relocation.rows.village.get(id)?.name || relocation.rows.town.get(id)?.name || null,
  actions: {
    openPost: (postId) => {
      drawer.open(postId);
      map.focus(postId, drawerCover());
    },
    openUnit: (unitId) => relocation.reveal(unitId),
    ack: canDispatch ? acknowledge : undefined,
    dispatch: canDispatch ? dispatchNearest : undefined,
  },
  onNew: () => {
    beeper.beep();
    flash($("tab-alerts"));
    scheduleCounts();
  },
});

const reports = new ReportPanel({
  list: $("reports"), empty: $("reports-empty"), counter: $("reports-count"),
  dialog: $("photo-dialog"), dialogImage: $("photo-full"), dialogCaption: $("photo-caption"),
  locate: (report) => map.openReport(report.id),
});

const overview = new Overview({
  view: map, table: $("overview-table"), tab: $("tab-overview"),
  levelButtons: document.querySelectorAll("#panel-overview [data-level]"),
  alertsOf: () => alerts.alerts.values(),
});

const calls = new CallPanel({
  list: $("calls"), empty: $("calls-empty"), counter: $("calls-count"), form: $("call-form"),
  eventId, urls, units: () => units, notify: toast,
  onNew: () => flash($("tab-calls")),
});

const warnings = new WarningList({
  list: $("warnings"), box: $("warnings-box"), eventId, urls, notify: toast,
  onCalled: () => calls.load().catch(() => null),
});

const relocation = new RelocationPanel({
  table: $("relocation-table"), tab: $("tab-relocation"), counter: $("relocation-count"),
  empty: $("relocation-empty"), levelButtons: document.querySelectorAll("#panel-relocation [data-level]"),
  urls, showTab: () => selectTab($("tab-relocation")),
  layer: new RelocationLayer(map, { onVillage: (unitId) => relocation.reveal(unitId) }),
});

$("f-relocation").addEventListener("change", (event) => relocation.layer.setShown(event.currentTarget.checked));

const refusals = $("refusals")
  ? new RefusalPanel({ list: $("refusals"), empty: $("refusals-empty"), counter: $("refusals-count"), url: urls.refusalsApi })
  : null;

/** How much of the map the open drawer covers, in pixels. */
function drawerCover() {
  const box = $("drawer");
  return box.hidden ? 0 : box.offsetWidth + 10;
}

function toast(text, kind = "ok") {
  notify(text, kind);
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => {
    $("notice").hidden = true;
  }, 6000);
}

function flash(node) {
  node.classList.remove("flash");
  void node.offsetWidth; // restart the animation
  node.classList.add("flash");
}

// --- counts, batched per frame ---------------------------------------------------------------

let countsFrame = null;

function scheduleCounts() {
  if (countsFrame === null) countsFrame = requestAnimationFrame(renderCounts);
}

function renderCounts() {
  countsFrame = null;
  const counts = { full: 0, under: 0, empty: 0, idle: 0, on_duty: 0, assigned: 0, acknowledged: 0 };
  for (const entry of map.posts.values()) if (entry.shown) counts[entry.post.status] += 1;
  for (const entry of map.staff.values()) {
    const post = map.posts.get(entry.person.post_id);
    if (post && !post.shown) continue;
    counts.assigned += 1;
    if (entry.person.on_duty) counts.on_duty += 1;
    if (entry.person.acknowledged) counts.acknowledged += 1;
  }
  counts.alerts = alerts.size;
  for (const [name, value] of Object.entries(counts)) {
    const slot = document.querySelector(`[data-count="${name}"] b`);
    if (slot && slot.textContent !== String(value)) slot.textContent = String(value);
  }
  page.dataset.seq = String(feed.last ?? "");
  overview.render();
}

// --- filters ---------------------------------------------------------------------------------

function option(value, label, selected) {
  const node = document.createElement("option");
  node.value = value;
  node.textContent = label;
  node.selected = value === selected;
  return node;
}

function fillFilters() {
  const villages = new Set();
  const kinds = new Set();
  for (const { post } of map.posts.values()) {
    villages.add(post.village || "");
    kinds.add(post.kind);
  }
  const villageSelect = $("f-village");
  villageSelect.replaceChildren(option("", T.all_villages, filters.village),
    ...[...villages].filter(Boolean).sort(collator.compare).map((v) => option(v, v, filters.village)));
  if (villages.has("")) villageSelect.append(option("\u0000", T.no_village, filters.village));
  const kindSelect = $("f-kind");
  kindSelect.replaceChildren(option("", T.all_kinds, filters.kind),
    ...Object.entries(T.post_kinds).filter(([k]) => kinds.has(k)).map(([k, label]) => option(k, label, filters.kind)));
}

function applyFilters() {
  filters.village = $("f-village").value;
  filters.kind = $("f-kind").value;
  const village = filters.village === "\u0000" ? "" : filters.village;
  const any = filters.village === "" && filters.kind === "";
  map.setFilter(any ? () => true : (post) =>
    (filters.village === "" || (post.village || "") === village) && (filters.kind === "" || post.kind === filters.kind));
  page.classList.toggle("filtered", !any);
  scheduleCounts();
}

$("f-village").addEventListener("change", applyFilters);
$("f-kind").addEventListener("change", applyFilters);

// --- the snapshot and the messages -----------------------------------------------------------

/** Show a snapshot (or a replay moment): the map, people, alerts and the counts. */
function show(state, { readOnly = false } = {}) {
  map.setPosts(state.posts);
  map.setStaff(state.staff);
  alerts.setAll(state.alerts, readOnly);
  fillFilters();
  applyFilters();
}

async function loadSnapshot() {
  const [state, reportList, unitList] = await Promise.all([
    api("GET", urls.snapshotApi),
    api("GET", `${urls.reportsApi}?limit=200`).catch(() => null),
    units ? null : api("GET", urls.unitsApi).catch(() => null),
    calls.load().catch(() => null),
    warnings.load().catch(() => null),
    relocation.load().catch(() => null),
  ]);
  show(state);
  if (unitList) {
    units = unitList.items;
    overview.setUnits(units);
  }
  $("relocation-switch").hidden = !relocation.active;
  if (!map.fitted && relocation.layer.fit()) map.fitted = true;
  if (reportList) {
    reports.until = null;
    reports.setAll(reportList.items);
    map.setReports(reportList.items);
  }
  return state.seq;
}

const resyncSoon = (() => {
  let timer = null;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(() => feed.resync(), RESYNC_AFTER_MS);
  };
})();

/** The duty rule of the server (docs/scoring.md), applied to one new fix: two decided-outside
 * fixes in a row = off duty; an `unknown` one (too rough to tell) only moves the marker. */
function afterFix(person, checkin) {
  if (person.last_seen && Date.parse(checkin.taken_at) < Date.parse(person.last_seen)) return null;
  let { on_duty: onDuty, outside = 0 } = person;
  const reading = checkin.fence_reading ?? (checkin.within_fence ? "inside" : "outside");
  if (checkin.kind === "check_out") [onDuty, outside] = [false, 0];
  else if (reading === "inside") [onDuty, outside] = [true, 0];
  else if (reading === "outside" && onDuty && ++outside >= 2) onDuty = false;
  const change = { assignment_id: person.assignment_id, on_duty: onDuty, outside, last_seen: checkin.taken_at };
  if (typeof checkin.lat === "number") Object.assign(change, { lat: checkin.lat, lon: checkin.lon });
  return change;
}

const handlers = {
  checkin({ checkin }) {
    const entry = map.staff.get(checkin.assignment_id);
    if (entry && checkin.review_verdict !== "rejected") {
      const change = afterFix(entry.person, checkin);
      if (change) map.updateStaff(change);
    }
    drawer.touched(checkin.post_id);
  },
  post_status(message) {
    const before = map.posts.get(message.post_id)?.post;
    if (!map.updatePost({ id: message.post_id, required: message.required, present: message.present, status: message.status })
        || before.required !== message.required) {
      resyncSoon(); // a new post, or a shift began or ended: who is on shift changed
    }
    drawer.touched(message.post_id);
  },
  alert({ alert }) {
    alerts.upsert(alert);
  },
  assignment({ action, assignment }) {
    if (action === "removed") map.removeStaff(assignment.id);
    else resyncSoon(); // whether the shift runs now is the server's to say
    drawer.touched(assignment.post_id);
  },
  report({ report }) {
    reports.add(report);
    map.addReport(report);
    flash($("tab-reports"));
  },
  call_status(message) {
    calls.status(message);
  },
  relocation_status(message) {
    relocation.status(message);
  },
  shelter_status(message) {
    relocation.shelter(message);
  },
};

const feed = new LiveFeed({
  eventId,
  loadSnapshot,
  apply: (name, message) => {
    handlers[name](message);
    scheduleCounts();
  },
  onState: (state) => {
    const indicator = $("conn");
    indicator.dataset.state = state;
    indicator.querySelector(".conn-text").textContent = T[state] || state;
  },
});

// --- commander's actions ---------------------------------------------------------------------

async function acknowledge(alert, button) {
  button.disabled = true;
  try {
    alerts.upsert(await api("POST", withId(urls.ackApi, alert.id)));
    toast(T.ack_done);
  } catch (failure) {
    button.disabled = false;
    toast(describe(failure), "error");
  }
}

async function dispatchNearest(alert, button) {
  button.disabled = true;
  try {
    const sent = await api("POST", withId(urls.dispatchApi, alert.id));
    const post = map.posts.get(sent.post_id)?.post.name || "";
    const text = fmt(T.dispatched, { name: sent.person_name, post, distance: distanceText(sent.distance_m) });
    alerts.setResult(alert.id, text, "ok");
    toast(text);
    const opened = drawer.open(sent.post_id);
    map.focus(sent.post_id, drawerCover());
    await opened;
  } catch (failure) {
    const text = failure.code === "conflict"
      ? (failure.message.includes("ended") ? T.dispatch_ended : T.dispatch_none)
      : describe(failure);
    alerts.setResult(alert.id, text, "error");
    button.disabled = false;
  }
}

// --- tools: sound, replay, full screen, side tabs --------------------------------------------

$("sound").addEventListener("click", (event) => {
  const on = beeper.toggle();
  event.currentTarget.setAttribute("aria-pressed", String(on));
  event.currentTarget.querySelector(".label").textContent = on ? T.sound_on : T.sound_off;
});

$("fullscreen").addEventListener("click", () => {
  if (document.fullscreenElement) document.exitFullscreen();
  else document.documentElement.requestFullscreen?.();
});

const replay = new Replay({
  bar: $("replay"), slider: $("replay-slider"), label: $("replay-time"),
  playButton: $("replay-play"), exitButton: $("replay-exit"),
  startsAt: urls.startsAt, closedAt: urls.closedAt || null, serverNow: urls.serverNow,
  show: async (at, current) => {
    const state = await api("GET", `${urls.replayApi}?at=${encodeURIComponent(at)}`);
    if (!current()) return;
    show(state, { readOnly: true });
    reports.until = Date.parse(at);
    reports.render();
    map.setReports(reports.shown());
    page.dataset.replayAt = state.at;
  },
  onEnter: () => {
    replaying = true;
    feed.pause();
    page.classList.add("replaying");
    $("replay-toggle").setAttribute("aria-pressed", "true");
  },
  onExit: async () => {
    replaying = false;
    page.classList.remove("replaying");
    delete page.dataset.replayAt;
    $("replay-toggle").setAttribute("aria-pressed", "false");
    await feed.resume();
  },
});

$("replay-toggle").addEventListener("click", () => (replaying ? replay.exit() : replay.enter()));

function selectTab(tab) {
  for (const other of document.querySelectorAll('[role="tab"]')) {
    const selected = other === tab;
    other.setAttribute("aria-selected", String(selected));
    other.tabIndex = selected ? 0 : -1;
    $(other.getAttribute("aria-controls")).hidden = !selected;
  }
  tab.classList.remove("flash");
  if (tab.id === "tab-refusals" && refusals) refusals.load();
  if (tab.id === "tab-overview") overview.renderTable();
  // The relocation table is wide: the side panel widens while it is open, and the map follows.
  const wide = tab.id === "tab-relocation";
  if (page.classList.contains("side-wide") !== wide) {
    page.classList.toggle("side-wide", wide);
    map.map.invalidateSize({ pan: false });
  }
}

for (const tab of document.querySelectorAll('[role="tab"]')) {
  tab.addEventListener("click", () => selectTab(tab));
}

// --- start -----------------------------------------------------------------------------------

window.commandCenter = { map, feed, alerts, drawer, replay, reports, beeper, overview, calls,
  warnings, relocation };

async function start() {
  try {
    await feed.start();
  } catch (failure) {
    toast(describe(failure), "error");
    page.dataset.state = "failed";
    return;
  }
  await map.peopleReady;
  window.commandCenter.loadMs = performance.now();
  page.dataset.state = "ready";
  scheduleCounts();
  if (refusals) {
    refusals.load();
    setInterval(() => refusals.load(), REFUSALS_EVERY_MS);
  }
  setInterval(() => feed.resync(), RESYNC_EVERY_MS);
  if (urls.closedAt) replay.enter(); // a closed response opens for the after-action replay
}

start();
