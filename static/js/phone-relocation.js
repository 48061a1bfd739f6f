// The phone page's 人员转移: the households a village official moves in the current response,
// and the shelters a shelter manager counts arrivals at. Each tap (已转移, 投亲靠友, 拒绝, 不在家, an
// arrival) is a record of the page's outbox (phone-queue.js), like a check-in: its client_id is
// made at the tap and its taken_at is the phone's time then, so a record sent later keeps when it
// was taken. The list shows it at once, marked 待同步 while it waits; the list itself is kept on
// the phone (phone-store.js) so that a reload without a network still shows it.

import { T, api, debounce, el, fmt, localTime, plainText } from "./common.js";
import { stillMap } from "./phone-map.js";
import * as store from "./phone-store.js";

export const REPORT_KIND = "relocation";
export const ARRIVAL_KIND = "shelter_arrival";
const KINDS = [REPORT_KIND, ARRIVAL_KIND];
const LEFT = new Set(["moved", "self_arranged"]); // the household is out of danger
const FIX_MAX_AGE_MS = 10 * 60 * 1000; // an older position is not sent with a report
const REFRESH_AFTER_MS = 500; // after the last of a burst of sent records, ask for the truth
const COLOURS = { moved: "#079455", self_arranged: "#079455", refused: "#7a271a",
  not_home: "#dc6803", none: "#dc6803" };
const VULNERABLE_COLOUR = "#b42318";
const HOUSEHOLD_STYLE = { radius: 6, color: "#fff", weight: 1.5, fillOpacity: 1 };
const SHELTER_STYLE = { radius: 9, color: "#fff", weight: 2, fillColor: "#1d4f91", fillOpacity: 1 };

const R = T.relocation;
const byId = (id) => document.getElementById(id);

/** The phone's time in ISO 8601 with the phone's own offset: 2026-07-21T08:05:00.000+08:00. */
export function localIso(date) {
  const offset = -date.getTimezoneOffset();
  const local = new Date(date.getTime() + offset * 60000).toISOString().slice(0, 23);
  const pad = (n) => String(Math.floor(n)).padStart(2, "0");
  const sign = offset >= 0 ? "+" : "-";
  return `${local}${sign}${pad(Math.abs(offset) / 60)}:${pad(Math.abs(offset) % 60)}`;
}

/** Whether the moment `a` is not before `b` (none at all counts as long ago). */
function notBefore(a, b) {
  return !b || Date.parse(a) >= Date.parse(b);
}

/** "07-21 08:05" in Beijing time. */
function shortTime(iso) {
  return localTime(iso).slice(5);
}

/** A household's state as the phone knows it: a report still waiting wins over an older one. */
function shownState(household, pending) {
  const state = household.state;
  if (pending && notBefore(pending.taken_at, state && state.taken_at)) {
    return { status: pending.body.status, people: pending.body.people, taken_at: pending.taken_at };
  }
  return state;
}

export class RelocationList {
  /**
   * `urls`: {mine, reports, arrivals} (the last two with the placeholder event id 0); `outbox`:
   * the page's Outbox; `lastFix()`: the phone's last GPS fix or null.
   */
  constructor({ personId, urls, outbox, tileUrl, lastFix }) {
    Object.assign(this, { urls, outbox, tileUrl, lastFix });
    this.key = `relocation:${personId}`;
    this.answer = null; // GET /api/v1/me/relocation as last known
    this.savedAt = null; // when that answer was kept, if it is shown without a network
    this.order = []; // households in the order first shown: a tap never moves the list
    this.cards = new Map();
    this.shelterCards = new Map();
    this.map = null;
    this.markers = new Map();
    this.awaitingArrival = null; // the client_id whose answer the arrival form shows
    this.refreshSoon = debounce(() => this.refresh(), REFRESH_AFTER_MS);
    outbox.listen(KINDS, { sent: (record) => this.sent(record), failed: () => this.render() });
  }

  /** The server's list, kept on the phone; the one kept last time when there is no network. */
  async refresh() {
    try {
      this.answer = await api("GET", this.urls.mine);
      this.savedAt = null;
      await this.save();
    } catch {
      const saved = await store.get(store.SAVED, this.key);
      if (!saved) return;
      this.answer = saved.answer;
      this.savedAt = saved.saved_at;
    }
    await this.render();
  }

  save() {
    return store.put(store.SAVED, { key: this.key, answer: this.answer, saved_at: Date.now() });
  }

  household(id) {
    return this.answer.households.find((household) => household.id === id) || null;
  }

  // --- what the outbox delivered -------------------------------------------------------------

  async sent(record) {
    const answer = record.answer;
    if (this.answer && answer && answer.event_id === this.answer.event_id) {
      if (record.kind === REPORT_KIND) this.took(answer);
      else if (record.status === 201) this.arrived(answer);
      await this.save();
    }
    if (record.kind === ARRIVAL_KIND && record.client_id === this.awaitingArrival) {
      this.showArrival(record.body.shelter_post_id, "ok",
        fmt(R.arrival_sent, { people: record.body.people }));
    }
    await this.render();
    this.refreshSoon();
  }

  /** A stored report becomes the household's state unless a later one is already. */
  took(report) {
    const household = this.household(report.household_id);
    if (!household || !notBefore(report.taken_at, household.state && household.state.taken_at)) {
      return;
    }
    household.state = { status: report.status, people: report.people, report_id: report.id,
      shelter_post_id: report.shelter_post_id, taken_at: report.taken_at };
  }

  arrived(arrival) {
    const shelter = this.answer.shelters.find((s) => s.post_id === arrival.shelter_post_id);
    if (!shelter) return;
    shelter.sheltered += arrival.people;
    shelter.over_capacity = shelter.capacity !== null && shelter.sheltered > shelter.capacity;
  }

  // --- taps ----------------------------------------------------------------------------------

  async queue(kind, body, label) {
    const eventId = this.answer.event_id;
    const url = (kind === REPORT_KIND ? this.urls.reports : this.urls.arrivals)
      .replace("/0/", `/${eventId}/`);
    const record = { client_id: body.client_id, kind, event_id: eventId, url, body,
      taken_at: body.taken_at, created_at: Date.now(), post_name: label };
    await this.outbox.add(record);
    await this.render();
    return record;
  }

  async report(id, status, card) {
    const input = card.querySelector('input[name="people"]');
    const people = Number(input.value);
    const bad = input.value === "" || !Number.isInteger(people) || people < 0
      || (status === "moved" && people < 1);
    const error = card.querySelector(".household-error");
    error.textContent = bad ? R.people_needed : "";
    error.hidden = !bad;
    if (bad) {
      input.focus();
      return;
    }
    const household = this.household(id);
    const now = new Date();
    const body = { client_id: crypto.randomUUID(), household_id: id, status, people,
      taken_at: localIso(now) };
    const fix = this.lastFix();
    if (fix && now - fix.takenAt >= 0 && now - fix.takenAt <= FIX_MAX_AGE_MS) {
      Object.assign(body, { lat: fix.lat, lon: fix.lon });
    }
    await this.queue(REPORT_KIND, body, fmt(R.report_label,
      { name: household.head_name, status: R[status], people }));
    this.outbox.flush();
  }

  async arrive(shelter, form) {
    const people = Number(form.elements.people.value);
    if (form.elements.people.value === "" || !Number.isInteger(people) || people < 1) {
      this.showArrival(shelter.post_id, "error", R.arrival_needed);
      form.elements.people.focus();
      return;
    }
    const body = { client_id: crypto.randomUUID(), shelter_post_id: shelter.post_id, people,
      taken_at: localIso(new Date()) };
    const householdId = Number(form.elements.household.value);
    if (householdId) body.household_id = householdId;
    form.reset();
    this.awaitingArrival = body.client_id;
    this.showArrival(shelter.post_id, "busy", "");
    const record = await this.queue(ARRIVAL_KIND, body, fmt(R.arrival_label,
      { shelter: shelter.name, people }));
    await this.outbox.flush();
    if (await this.outbox.has(record.client_id)) {
      this.showArrival(shelter.post_id, "queued", R.queued);
    }
  }

  showArrival(shelterId, kind, text) {
    const card = this.shelterCards.get(shelterId);
    if (!card) return;
    const line = card.querySelector(".arrival-result");
    line.textContent = text;
    line.className = `arrival-result ${kind}`;
    line.hidden = !text;
  }

  // --- the list ------------------------------------------------------------------------------

  async render() {
    if (!this.answer) return;
    const eventId = this.answer.event_id;
    const reports = new Map(); // household id → its latest report still waiting
    const arriving = new Map(); // shelter id → the people of arrivals still waiting
    for (const record of await this.outbox.waiting(KINDS)) {
      if (record.event_id !== eventId) continue;
      if (record.kind === REPORT_KIND) {
        const before = reports.get(record.body.household_id);
        if (!before || notBefore(record.taken_at, before.taken_at)) {
          reports.set(record.body.household_id, record);
        }
      } else {
        const id = record.body.shelter_post_id;
        arriving.set(id, (arriving.get(id) || 0) + record.body.people);
      }
    }
    this.renderHouseholds(reports);
    this.renderShelters(arriving);
  }

  renderHouseholds(reports) {
    const { households } = this.answer;
    const panel = byId("relocation");
    panel.hidden = !households.length;
    const stale = byId("relocation-stale");
    stale.hidden = !this.savedAt;
    if (this.savedAt) {
      stale.textContent = fmt(R.as_of, { time: localTime(new Date(this.savedAt).toISOString()) });
    }
    const found = new Map(households.map((household) => [household.id, household]));
    const known = new Set(this.order);
    this.order = this.order.filter((id) => found.has(id))
      .concat(households.filter((h) => !known.has(h.id)).map((h) => h.id));
    let outstanding = 0;
    let vulnerable = 0;
    const shown = new Map();
    for (const id of this.order) {
      const household = found.get(id);
      const state = shownState(household, reports.get(id));
      shown.set(id, state);
      if (!state || !LEFT.has(state.status)) {
        outstanding += 1;
        vulnerable += household.vulnerable;
      }
    }
    byId("relocation-count").textContent = fmt(R.outstanding, { households: outstanding,
      vulnerable });
    const cards = this.order.map((id) => this.card(found.get(id), shown.get(id), reports.has(id)));
    const list = byId("households");
    // Cards are moved only when the order changes: an input being typed in keeps its focus.
    cards.forEach((card, index) => {
      if (list.children[index] !== card) list.insertBefore(card, list.children[index] || null);
    });
    while (list.children.length > cards.length) list.lastElementChild.remove();
    for (const id of this.cards.keys()) if (!found.has(id)) this.cards.delete(id);
    if (households.length) this.drawMap(households, shown);
  }

  card(household, state, pending) {
    let card = this.cards.get(household.id);
    if (!card) {
      card = this.newCard(household);
      this.cards.set(household.id, card);
    }
    const status = state ? state.status : "none";
    card.dataset.status = status;
    card.classList.toggle("left", LEFT.has(status));
    card.querySelector(".household-name").textContent = household.head_name;
    const phone = card.querySelector(".household-phone");
    phone.href = `tel:${household.phone}`;
    phone.textContent = household.phone;
    card.querySelector(".household-people").textContent = fmt(R.people, { n: household.people });
    const vulnerable = card.querySelector(".household-vulnerable");
    vulnerable.textContent = fmt(R.vulnerable, { n: household.vulnerable });
    vulnerable.hidden = household.vulnerable === 0;
    card.classList.toggle("vulnerable", household.vulnerable > 0);
    card.querySelector(".household-shelter").textContent = household.shelter_name
      ? fmt(R.shelter, { name: household.shelter_name }) : R.no_shelter;
    const badge = card.querySelector(".household-state");
    badge.textContent = R[status] || status;
    badge.dataset.status = status;
    card.querySelector(".household-pending").hidden = !pending;
    const reported = card.querySelector(".household-reported");
    reported.hidden = !state;
    reported.textContent = state
      ? fmt(R.reported, { people: state.people, time: shortTime(state.taken_at) }) : "";
    for (const button of card.querySelectorAll("[data-status]")) {
      button.setAttribute("aria-pressed", String(button.dataset.status === status));
    }
    return card;
  }

  newCard(household) {
    const card = byId("household-template").content.firstElementChild.cloneNode(true);
    card.dataset.household = household.id;
    card.querySelector('input[name="people"]').value = String(household.people);
    for (const button of card.querySelectorAll("[data-status]")) {
      const status = button.dataset.status;
      button.addEventListener("click", () => this.report(household.id, status, card));
    }
    return card;
  }

  drawMap(households, shown) {
    const L = window.L;
    const placed = households.filter((h) => h.lat !== null && h.lon !== null);
    if (!L || !placed.length) return;
    if (!this.map) {
      this.map = stillMap(byId("relocation-map"), this.tileUrl);
      for (const shelter of this.answer.shelters) {
        L.circleMarker([shelter.lat, shelter.lon], SHELTER_STYLE)
          .bindTooltip(plainText(shelter.name)).addTo(this.map);
      }
    }
    let added = false;
    for (const household of placed) {
      const state = shown.get(household.id);
      const status = state ? state.status : "none";
      const fillColor = !LEFT.has(status) && household.vulnerable > 0
        ? VULNERABLE_COLOUR : COLOURS[status];
      let marker = this.markers.get(household.id);
      if (!marker) {
        marker = L.circleMarker([household.lat, household.lon], { ...HOUSEHOLD_STYLE, fillColor })
          .bindTooltip(plainText(household.head_name)).addTo(this.map);
        marker.on("click", () => this.cards.get(household.id)?.scrollIntoView({ block: "center" }));
        this.markers.set(household.id, marker);
        added = true;
      } else {
        marker.setLatLng([household.lat, household.lon]).setStyle({ fillColor });
      }
    }
    if (added) {
      const bounds = L.latLngBounds(placed.map((h) => [h.lat, h.lon]));
      this.map.fitBounds(bounds, { padding: [16, 16], maxZoom: 16, animate: false });
    }
  }

  // --- the shelters --------------------------------------------------------------------------

  renderShelters(arriving) {
    const { shelters } = this.answer;
    byId("shelters").hidden = !shelters.length;
    const cards = shelters.map((shelter) => this.shelterCard(shelter,
      arriving.get(shelter.post_id) || 0));
    const list = byId("shelter-list");
    cards.forEach((card, index) => {
      if (list.children[index] !== card) list.insertBefore(card, list.children[index] || null);
    });
    while (list.children.length > cards.length) list.lastElementChild.remove();
  }

  shelterCard(shelter, waitingPeople) {
    let card = this.shelterCards.get(shelter.post_id);
    if (!card) {
      card = byId("shelter-template").content.firstElementChild.cloneNode(true);
      card.dataset.shelter = shelter.post_id;
      const form = card.querySelector(".arrival-form");
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        this.arrive(this.answer.shelters.find((s) => s.post_id === shelter.post_id), form);
      });
      form.elements.household.addEventListener("change", () => {
        const household = this.household(Number(form.elements.household.value));
        form.elements.people.value = String(household ? household.people : 1);
      });
      this.shelterCards.set(shelter.post_id, card);
    }
    const sheltered = shelter.sheltered + waitingPeople;
    const over = shelter.capacity !== null && sheltered > shelter.capacity;
    card.querySelector(".shelter-name").textContent = shelter.name;
    card.querySelector(".shelter-figure").textContent = shelter.capacity !== null
      ? fmt(R.sheltered, { sheltered, capacity: shelter.capacity })
      : fmt(R.sheltered_only, { sheltered });
    card.classList.toggle("over", over);
    card.querySelector(".shelter-over").hidden = !over;
    card.querySelector(".shelter-planned").textContent = fmt(R.planned,
      { planned: shelter.planned });
    const pending = card.querySelector(".shelter-pending");
    pending.hidden = !waitingPeople;
    pending.textContent = waitingPeople ? fmt(R.waiting_people, { people: waitingPeople }) : "";
    this.householdChoices(card.querySelector('select[name="household"]'), shelter);
    return card;
  }

  /** The households planned for the shelter, to name who arrived (the choice made is kept). */
  householdChoices(select, shelter) {
    const planned = this.answer.households.filter((h) => h.shelter_post_id === shelter.post_id);
    const signature = planned.map((h) => `${h.id}:${h.head_name}`).join("|");
    if (select.dataset.signature === signature) return;
    const chosen = select.value;
    select.replaceChildren(select.options[0], ...planned.map((h) => el("option",
      { value: String(h.id) }, `${h.head_name} · ${fmt(R.people, { n: h.people })}`)));
    select.value = planned.some((h) => String(h.id) === chosen) ? chosen : "";
    select.dataset.signature = signature;
  }
}
