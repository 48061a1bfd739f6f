// The county's overview on the command center: at low zoom one badge per town (further in, per
// village) with its posts staffed against required and its open alerts, a click drills down to
// the unit's posts; and the same figures as a table that sorts by any column. Both are counted
// from what the map already holds (the snapshot, then every `post_status` and `alert`), so
// they stay live with it. A response without units shows neither.

import { T, fmt } from "./common.js";

const L = window.L;
// Below TOWN_ZOOM the map shows towns, below VILLAGE_ZOOM villages, from there the posts.
const TOWN_ZOOM = 11;
const VILLAGE_ZOOM = 13;
const collator = new Intl.Collator(document.documentElement.lang || "zh-CN", { numeric: true });

function share(row) {
  return row.required ? row.present / row.required : 1;
}

function badgeState(row) {
  if (!row.required) return "idle";
  if (row.present >= row.required) return "full";
  return row.present === 0 ? "empty" : "under";
}

export class Overview {
  /**
   * @param {object} options view (the MapView), table (the overview table), levelButtons,
   *   tab (its side tab), alertsOf() -> iterable of open alerts
   */
  constructor({ view, table, levelButtons, tab, alertsOf }) {
    this.view = view;
    this.table = table;
    this.levelButtons = levelButtons;
    this.tab = tab;
    this.alertsOf = alertsOf;
    this.units = new Map(); // id -> {id, name, kind, parent_id}
    this.level = "town"; // the table's
    this.sort = { key: "name", descending: false };
    this.badges = L.layerGroup();
    this.badgeMarkers = new Map(); // unit id -> marker
    this.shownLevel = null; // the badges' level on the map now, or null (posts shown)
    view.map.createPane("badges").style.zIndex = 660;
    view.map.on("zoomend", () => this.render());
    for (const button of levelButtons) {
      button.addEventListener("click", () => {
        this.level = button.dataset.level;
        for (const other of levelButtons) other.setAttribute("aria-pressed", String(other === button));
        this.renderTable();
      });
    }
    for (const header of table.querySelectorAll("th[data-sort]")) {
      header.querySelector("button").addEventListener("click", () => {
        const key = header.dataset.sort;
        this.sort = { key, descending: this.sort.key === key ? !this.sort.descending : key !== "name" };
        this.renderTable();
      });
    }
  }

  /** The units in the caller's scope (GET /api/v1/units). */
  setUnits(units) {
    this.units = new Map(units.map((unit) => [unit.id, unit]));
    this.tab.hidden = !this.active;
    this.render();
  }

  get active() {
    return [...this.units.values()].some((unit) => unit.kind !== "county");
  }

  /** The unit of `kind` at or above `unitId`. */
  ancestor(unitId, kind) {
    let unit = this.units.get(unitId);
    while (unit && unit.kind !== kind) unit = this.units.get(unit.parent_id);
    return unit || null;
  }

  /** One row per unit of `kind` that has posts in the response: the counts and the posts. */
  rows(kind) {
    const rows = new Map();
    for (const entry of this.view.posts.values()) {
      const unit = this.ancestor(entry.post.unit_id, kind);
      if (!unit) continue;
      if (!rows.has(unit.id)) {
        rows.set(unit.id, { unit, name: unit.name, posts: 0, required: 0, present: 0, alerts: 0,
          lat: 0, lon: 0, members: [] });
      }
      const row = rows.get(unit.id);
      row.posts += 1;
      row.required += entry.post.required;
      row.present += entry.post.present;
      row.lat += entry.post.lat;
      row.lon += entry.post.lon;
      row.members.push(entry.post);
    }
    const postUnit = new Map([...this.view.posts.values()].map((e) => [e.post.id, e.post.unit_id]));
    for (const alert of this.alertsOf()) {
      const unit = this.ancestor(postUnit.get(alert.post_id), kind);
      if (unit && rows.has(unit.id)) rows.get(unit.id).alerts += 1;
    }
    for (const row of rows.values()) {
      row.lat /= row.posts;
      row.lon /= row.posts;
      row.share = share(row);
    }
    return [...rows.values()];
  }

  /** Recount after a change (at most once per frame, with the page's counts). */
  render() {
    if (!this.active) return;
    const zoom = this.view.map.getZoom();
    const level = zoom < TOWN_ZOOM ? "town" : zoom < VILLAGE_ZOOM ? "village" : null;
    if (level !== this.shownLevel) {
      this.shownLevel = level;
      this.badges.clearLayers();
      this.badgeMarkers.clear();
      const container = this.view.map.getContainer();
      container.classList.toggle("overview-badges", level !== null);
      if (level) this.badges.addTo(this.view.map);
      else this.badges.remove();
    }
    if (level) this.renderBadges(this.rows(level));
    if (!this.table.closest("[role=tabpanel]").hidden) this.renderTable();
  }

  renderBadges(rows) {
    const seen = new Set();
    for (const row of rows) {
      seen.add(row.unit.id);
      const html = `<b>${escapeText(row.name)}</b><span>${row.present}/${row.required}</span>`
        + (row.alerts ? `<i>${row.alerts}</i>` : "");
      const title = fmt(T.unit_badge, row);
      let marker = this.badgeMarkers.get(row.unit.id);
      if (!marker) {
        marker = L.marker(this.view.latLng(row.lat, row.lon), { pane: "badges", keyboard: true, title, alt: row.name });
        marker.on("click", () => this.drill(row.unit.id));
        marker.addTo(this.badges);
        this.badgeMarkers.set(row.unit.id, marker);
      }
      if (marker.html !== html) {
        marker.html = html;
        marker.setIcon(L.divIcon({ className: `unit-badge status-${badgeState(row)}`, html, iconSize: null }));
        marker.getElement()?.setAttribute("title", title);
        marker.getElement()?.setAttribute("data-unit-id", String(row.unit.id));
      }
    }
    for (const [id, marker] of this.badgeMarkers) {
      if (!seen.has(id)) {
        marker.remove();
        this.badgeMarkers.delete(id);
      }
    }
  }

  /** Zoom to a unit's posts: a town opens on its villages, a village on its posts. */
  drill(unitId) {
    const unit = this.units.get(unitId);
    const posts = [...this.view.posts.values()].map((e) => e.post)
      .filter((post) => this.ancestor(post.unit_id, unit.kind)?.id === unitId);
    if (!posts.length) return;
    const bounds = L.latLngBounds(posts.map((p) => this.view.latLng(p.lat, p.lon)));
    const floor = unit.kind === "town" ? TOWN_ZOOM : VILLAGE_ZOOM;
    const zoom = Math.max(floor, Math.min(this.view.map.getBoundsZoom(bounds.pad(0.2)), 17));
    this.view.map.setView(bounds.getCenter(), zoom, { animate: false });
  }

  renderTable() {
    const rows = this.rows(this.level);
    const { key, descending } = this.sort;
    rows.sort((a, b) => {
      const order = key === "name" ? collator.compare(a.name, b.name) : a[key] - b[key] || collator.compare(a.name, b.name);
      return descending ? -order : order;
    });
    for (const header of this.table.querySelectorAll("th[data-sort]")) {
      if (header.dataset.sort === key) header.setAttribute("aria-sort", descending ? "descending" : "ascending");
      else header.removeAttribute("aria-sort");
    }
    const body = this.table.tBodies[0];
    body.replaceChildren(...rows.map((row) => {
      const line = document.createElement("tr");
      line.dataset.unitId = String(row.unit.id);
      line.className = `status-${badgeState(row)}`;
      const name = document.createElement("th");
      name.scope = "row";
      const link = document.createElement("button");
      link.type = "button";
      link.className = "link";
      link.textContent = row.name;
      link.addEventListener("click", () => this.drill(row.unit.id));
      name.append(link);
      line.append(name, ...[row.posts, row.required, row.present, `${Math.round(row.share * 100)}%`, row.alerts]
        .map((value) => {
          const cell = document.createElement("td");
          cell.className = "num";
          cell.textContent = String(value);
          return cell;
        }));
      return line;
    }));
  }
}

function escapeText(text) {
  const node = document.createElement("span");
  node.textContent = text;
  return node.innerHTML;
}
