// The map's side of relocation (人员转移): a ring per village at its households' mean position,
// filled with the share of households that have left (moved or staying with relatives), red
// while vulnerable people there have not all left; and each shelter's occupancy beside its post.
// Markers are made once and re-iconed only when what they show changes.

import { T, fmt } from "./common.js";

const L = window.L;
const RING_SIZE = 44;
// r = 100 / 2π: the circle's circumference is 100, so a dash of P is P percent of the ring.
const RADIUS = 15.9155;

function escapeText(text) {
  const node = document.createElement("span");
  node.textContent = text;
  return node.innerHTML;
}

/** The whole percent of households that have left (100 only when every one has); null: none planned. */
export function leftPercent(row) {
  if (!row.households) return null;
  return Math.floor((100 * (row.moved + row.self_arranged)) / row.households);
}

function ringHtml(row) {
  const percent = leftPercent(row) ?? 0;
  const left = row.moved + row.self_arranged;
  const title = fmt(T.relocation.ring, { name: row.name, left, households: row.households, percent,
    vulnerable: row.vulnerable_outstanding });
  const classes = ["ring", row.vulnerable_outstanding > 0 ? "vulnerable" : "", percent === 100 ? "done" : ""];
  return `<div class="${classes.join(" ").trim()}" data-unit-id="${row.unit_id}" data-percent="${percent}"`
    + ` data-vulnerable="${row.vulnerable_outstanding}" title="${escapeText(title)}">`
    + `<svg viewBox="0 0 36 36" width="${RING_SIZE}" height="${RING_SIZE}" aria-hidden="true">`
    + `<circle class="ring-track" cx="18" cy="18" r="${RADIUS}"></circle>`
    + `<circle class="ring-fill" cx="18" cy="18" r="${RADIUS}" stroke-dasharray="${percent} 100"`
    + ` transform="rotate(-90 18 18)"></circle></svg>`
    + `<b>${percent}%</b><span class="ring-name">${escapeText(row.name)}</span></div>`;
}

function shelterHtml(shelter) {
  const values = { name: shelter.name, sheltered: shelter.sheltered, capacity: shelter.capacity };
  let title = fmt(shelter.capacity === null ? T.relocation.shelter_open : T.relocation.shelter, values);
  if (shelter.over_capacity) title += ` · ${T.relocation.over_capacity}`;
  const places = shelter.capacity === null ? "" : `/${shelter.capacity}`;
  return `<div class="shelter-occupancy${shelter.over_capacity ? " over" : ""}" data-post-id="${shelter.post_id}"`
    + ` data-sheltered="${shelter.sheltered}" data-capacity="${shelter.capacity ?? ""}"`
    + ` title="${escapeText(title)}"><span aria-hidden="true">⌂</span><b>${shelter.sheltered}</b>${places}</div>`;
}

export class RelocationLayer {
  /**
   * @param {object} view the MapView (its Leaflet map and projection)
   * @param {object} options onVillage(unitId) when a ring is clicked
   */
  constructor(view, { onVillage }) {
    this.view = view;
    this.onVillage = onVillage;
    view.map.createPane("relocation").style.zIndex = 635; // under the post dots, over the people
    this.group = L.layerGroup().addTo(view.map);
    this.rings = new Map(); // unit id -> marker
    this.shelters = new Map(); // post id -> marker
  }

  /** Show or hide every ring and shelter (the filter bar's switch). */
  setShown(shown) {
    if (shown) this.group.addTo(this.view.map);
    else this.group.remove();
  }

  _place(markers, key, lat, lon, icon, html, onClick) {
    let marker = markers.get(key);
    if (lat === null || lat === undefined || lon === null || lon === undefined) {
      if (marker) {
        this.group.removeLayer(marker);
        markers.delete(key);
      }
      return;
    }
    const where = this.view.latLng(lat, lon);
    if (!marker) {
      marker = L.marker(where, { pane: "relocation", icon: icon(html), keyboard: Boolean(onClick) });
      marker.html = html;
      if (onClick) marker.on("click", onClick);
      markers.set(key, marker);
      this.group.addLayer(marker);
      return;
    }
    if (!marker.getLatLng().equals(where)) marker.setLatLng(where);
    if (marker.html !== html) {
      marker.html = html;
      marker.setIcon(icon(html));
    }
  }

  /** Show every ring and shelter: the map of a response without posts opens on its villages. */
  fit() {
    const points = [...this.rings.values(), ...this.shelters.values()].map((marker) => marker.getLatLng());
    if (!points.length) return false;
    this.view.map.fitBounds(L.latLngBounds(points), { padding: [40, 40], maxZoom: 15, animate: false });
    return true;
  }

  /** The villages' rows: one ring each that has households placed on the map. */
  setVillages(rows) {
    const seen = new Set();
    for (const row of rows) {
      if (row.households > 0) seen.add(row.unit_id);
      this.updateVillage(row);
    }
    for (const [id, marker] of this.rings) {
      if (!seen.has(id)) {
        this.group.removeLayer(marker);
        this.rings.delete(id);
      }
    }
  }

  updateVillage(row) {
    const placed = row.households > 0 ? row : { lat: null, lon: null };
    this._place(this.rings, row.unit_id, placed.lat, placed.lon,
      (html) => L.divIcon({ className: "relocation-ring", html, iconSize: [RING_SIZE, RING_SIZE] }),
      row.households > 0 ? ringHtml(row) : "", () => this.onVillage(row.unit_id));
  }

  setShelters(items) {
    const seen = new Set(items.map((shelter) => shelter.post_id));
    for (const shelter of items) this.updateShelter(shelter);
    for (const [id, marker] of this.shelters) {
      if (!seen.has(id)) {
        this.group.removeLayer(marker);
        this.shelters.delete(id);
      }
    }
  }

  updateShelter(shelter) {
    // Beside the shelter's post dot, not over it: the dot is the post's staffing.
    this._place(this.shelters, shelter.post_id, shelter.lat, shelter.lon,
      (html) => L.divIcon({ className: "shelter-pin", html, iconSize: null, iconAnchor: [-11, 11] }),
      shelterHtml(shelter), null);
  }
}
