// The command center's 人员转移 panel (应转尽转): planned against moved per village or per town,
// the totals, and a unit's households not yet moved (a tap dials them). Loaded with every
// snapshot, then kept live: a `relocation_status` message carries a village's row and its
// town's row as they are now, so the rows are replaced and the totals move by the village's
// change; `shelter_status` carries a shelter's occupancy. The map's rings follow the villages.

import { T, api, el, fmt } from "./common.js";
import { leftPercent } from "./command-relocation-map.js";

// Every figure of a row and of the totals (GET /api/v1/events/{id}/relocation).
const FIGURES = ["households", "people", "moved", "self_arranged", "refused", "not_home", "outstanding",
  "vulnerable_outstanding", "sheltered", "people_moved", "people_self_arranged",
  "vulnerable_households_outstanding"];
// The table's columns after the unit's name, in order; `rate` is the share of households that left.
const COLUMNS = ["households", "people", "moved", "self_arranged", "refused", "not_home", "outstanding",
  "vulnerable_outstanding", "sheltered", "rate"];
const LISTED = 100; // outstanding households listed under a row; the rest are counted
const RELOAD_AFTER_MS = 400; // a burst of reports reloads the open list, or the figures, once
const collator = new Intl.Collator(document.documentElement.lang || "zh-CN", { numeric: true });

function sortValue(row, key) {
  if (key === "rate") return leftPercent(row) ?? -1;
  return row[key];
}

function cellText(row, key) {
  if (key !== "rate") return String(row[key]);
  const percent = leftPercent(row);
  return percent === null ? "—" : `${percent}%`;
}

function rowOf(message) {
  const { event_id: _event, seq: _seq, by: _by, town: _town, ...row } = message;
  return row;
}

export class RelocationPanel {
  /**
   * @param {object} options table, tab, counter, empty (elements); levelButtons; urls
   *   {relocationApi, sheltersApi, eventHouseholdsApi, householdsPage}; layer (RelocationLayer);
   *   showTab() selects the panel's tab
   */
  constructor({ table, tab, counter, empty, levelButtons, urls, layer, showTab }) {
    Object.assign(this, { table, tab, counter, empty, levelButtons, urls, layer, showTab });
    this.rows = { village: new Map(), town: new Map() }; // unit id -> row, in the server's tree order
    this.totals = null;
    this.level = "village";
    this.sort = null; // {key, descending}; none: the tree's order
    this.open = null; // the unit whose households not yet moved are listed
    this.detail = null; // that list's row (a <tr>), once loaded
    this.timers = { figures: null, detail: null };
    this.frame = null;
    for (const button of levelButtons) {
      button.addEventListener("click", () => this.setLevel(button.dataset.level));
    }
    for (const header of table.querySelectorAll("th[data-sort]")) {
      header.querySelector("button").addEventListener("click", () => {
        const key = header.dataset.sort;
        const again = this.sort && this.sort.key === key;
        this.sort = { key, descending: again ? !this.sort.descending : key !== "name" };
        this.schedule();
      });
    }
  }

  /** The figures of both levels and the shelters: loaded with every snapshot. */
  async load() {
    const by = (level) => api("GET", `${this.urls.relocationApi}?by=${level}`);
    const [villages, towns, shelters] = await Promise.all([
      by("village"), by("town"), api("GET", this.urls.sheltersApi)]);
    this.rows.village = new Map(villages.items.map((row) => [row.unit_id, row]));
    this.rows.town = new Map(towns.items.map((row) => [row.unit_id, row]));
    this.totals = villages.totals;
    this.layer.setVillages(villages.items);
    this.layer.setShelters(shelters.items);
    if (this.open !== null) this.loadDetail();
    this.schedule();
  }

  /** Whether the response plans any household to move (else the tab stays hidden). */
  get active() {
    return Boolean(this.totals && this.totals.households > 0);
  }

  /** A `relocation_status` message: the unit's row (a village's, with its town's) as it is now. */
  status(message) {
    const rows = this.rows[message.by];
    const before = rows ? rows.get(message.unit_id) : null;
    if (!before || !this.totals) {
      this.reloadSoon(); // a unit this page has not loaded (a new one, or the county itself)
      return;
    }
    const row = rowOf(message);
    for (const name of FIGURES) this.totals[name] += row[name] - before[name];
    rows.set(row.unit_id, row);
    if (message.town && this.rows.town.has(message.town.unit_id)) {
      this.rows.town.set(message.town.unit_id, message.town);
    }
    if (message.by === "village") this.layer.updateVillage(row);
    if (this.open === row.unit_id || (message.town && this.open === message.town.unit_id)) {
      clearTimeout(this.timers.detail);
      this.timers.detail = setTimeout(() => this.loadDetail(), RELOAD_AFTER_MS);
    }
    this.schedule();
  }

  /** A `shelter_status` message: one shelter's occupancy. */
  shelter(message) {
    const { event_id: _event, seq: _seq, ...shelter } = message;
    this.layer.updateShelter(shelter);
  }

  reloadSoon() {
    clearTimeout(this.timers.figures);
    this.timers.figures = setTimeout(() => this.load().catch(() => null), RELOAD_AFTER_MS);
  }

  setLevel(level) {
    this.level = level;
    for (const button of this.levelButtons) {
      button.setAttribute("aria-pressed", String(button.dataset.level === level));
    }
    this.schedule();
  }

  /** Open a unit's list of households not yet moved, from its ring or an alert. */
  reveal(unitId) {
    const level = this.rows.village.has(unitId) ? "village" : this.rows.town.has(unitId) ? "town" : null;
    if (!level) return;
    if (level !== this.level) this.setLevel(level);
    this.showTab();
    if (this.open !== unitId) this.toggle(unitId);
    this.render();
    this.table.querySelector(`tr[data-unit-id="${unitId}"]`)?.scrollIntoView({ block: "nearest" });
  }

  toggle(unitId) {
    this.open = this.open === unitId ? null : unitId;
    this.detail = null;
    if (this.open !== null) this.loadDetail();
    this.schedule();
  }

  async loadDetail() {
    const unitId = this.open;
    const query = new URLSearchParams({ unit_id: unitId, status: "outstanding", limit: LISTED });
    let answer;
    try {
      answer = await api("GET", `${this.urls.eventHouseholdsApi}?${query}`);
    } catch {
      return; // the next message or snapshot tries again
    }
    if (this.open !== unitId) return;
    const row = this.rows.village.get(unitId) || this.rows.town.get(unitId);
    this.detail = this.detailRow(row, answer);
    this.schedule();
  }

  detailRow(row, answer) {
    const S = T.relocation;
    const name = row ? row.name : "";
    const items = answer.items.map((household) => {
      const state = household.state ? household.state.status : "none";
      return el("li", { "data-household-id": household.id },
        el("span", { class: "who-line" }, el("strong", {}, household.head_name),
          ` · ${fmt(S.household_line, { people: household.people })}`,
          household.vulnerable ? el("span", { class: "badge warn" }, fmt(S.vulnerable, { count: household.vulnerable })) : null,
          el("span", { class: `badge muted state-${state}` }, S.states[state] || state)),
        el("a", { class: "button small tel", href: `tel:${household.phone}`,
          title: fmt(S.dial, { name: household.head_name }) }, household.phone));
    });
    const more = answer.total - answer.items.length;
    const cell = el("td", { colspan: COLUMNS.length + 1 },
      el("p", { class: "detail-title" }, answer.total
        ? fmt(S.outstanding_of, { name, count: answer.total }) : fmt(S.none_outstanding, { name })),
      items.length ? el("ul", { class: "outstanding-list" }, ...items) : null,
      more > 0 ? el("p", { class: "hint" }, fmt(S.more, { count: more })) : null,
      el("p", { class: "hint" }, el("a", { href: `${this.urls.householdsPage}?unit_id=${row ? row.unit_id : ""}` },
        fmt(S.households_page, { name }))));
    return el("tr", { class: "relocation-detail", "data-unit-id": row ? row.unit_id : "" }, cell);
  }

  schedule() {
    if (this.frame === null) this.frame = requestAnimationFrame(() => this.render());
  }

  sorted() {
    const rows = [...this.rows[this.level].values()];
    if (!this.sort) return rows;
    const { key, descending } = this.sort;
    return rows.sort((a, b) => {
      const order = key === "name" ? collator.compare(a.name, b.name)
        : sortValue(a, key) - sortValue(b, key) || collator.compare(a.name, b.name);
      return descending ? -order : order;
    });
  }

  render() {
    this.frame = null;
    this.tab.hidden = !this.active;
    if (!this.totals) return;
    this.counter.textContent = String(this.totals.outstanding);
    this.table.dataset.level = this.level;
    this.table.querySelector('th[data-sort="name"] button').textContent = T.relocation.levels[this.level];
    for (const header of this.table.querySelectorAll("th[data-sort]")) {
      if (this.sort && header.dataset.sort === this.sort.key) {
        header.setAttribute("aria-sort", this.sort.descending ? "descending" : "ascending");
      } else header.removeAttribute("aria-sort");
    }
    const lines = [];
    for (const row of this.sorted()) {
      lines.push(this.line(row));
      if (row.unit_id === this.open && this.detail) lines.push(this.detail);
    }
    this.table.tBodies[0].replaceChildren(...lines);
    this.empty.hidden = lines.length > 0;
    const foot = this.table.tFoot.rows[0];
    for (const key of COLUMNS) {
      const cell = foot.querySelector(`[data-figure="${key}"]`);
      const value = cellText(this.totals, key);
      if (cell.textContent !== value) cell.textContent = value;
    }
  }

  line(row) {
    const classes = [row.vulnerable_outstanding > 0 ? "vulnerable" : "",
      row.households > 0 && row.outstanding === 0 ? "done" : "", row.unit_id === this.open ? "open" : ""];
    const name = el("th", { scope: "row" }, el("button", {
      type: "button", class: "link", "aria-expanded": String(row.unit_id === this.open),
      onclick: () => this.toggle(row.unit_id),
    }, row.name));
    return el("tr", { "data-unit-id": row.unit_id, class: classes.filter(Boolean).join(" ") || null,
      "data-percent": leftPercent(row) ?? "" },
    name, ...COLUMNS.map((key) => el("td", { class: "num", "data-figure": key }, cellText(row, key))));
  }
}
