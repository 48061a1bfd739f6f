// The command-center map: posts as fence circles and status dots on one canvas, people as
// clustered markers, hazard reports as warning pins. Layers are built once and then updated in
// place, so that a message changes one marker instead of redrawing thousands.

import { projector } from "./command-gcj02.js";

const L = window.L;

export const STATUS_COLORS = { empty: "#d92d20", under: "#f79009", full: "#12b76a", idle: "#98a2b3" };
// Fence circles are a few hundred metres: below this zoom they are specks, so they are hidden.
const FENCE_MIN_ZOOM = 13;
const DEFAULT_VIEW = { center: [30.0, 120.0], zoom: 9 };

function personIcon(onDuty) {
  return L.divIcon({
    className: `person-pin ${onDuty ? "on" : "off"}`,
    iconSize: [14, 14],
    iconAnchor: [7, 7],
  });
}

const ICONS = { on: personIcon(true), off: personIcon(false) };
const POST_ICONS = new Map();

/** The post's dot: one shared icon per status (and selection), so a change is one setIcon. */
function postIcon(status, selected) {
  const key = `${status}${selected ? "+" : ""}`;
  if (!POST_ICONS.has(key)) {
    POST_ICONS.set(key, L.divIcon({
      className: `post-pin status-${status}${selected ? " selected" : ""}`,
      iconSize: selected ? [22, 22] : [16, 16],
    }));
  }
  return POST_ICONS.get(key);
}

const REPORT_ICON = L.divIcon({
  className: "report-pin",
  html: "<span>!</span>",
  iconSize: [22, 22],
  iconAnchor: [11, 11],
});

function clusterIcon(cluster) {
  const count = cluster.getChildCount();
  const size = count < 10 ? 30 : count < 100 ? 36 : count < 1000 ? 42 : 48;
  return L.divIcon({
    html: `<span>${count}</span>`,
    className: "person-cluster",
    iconSize: [size, size],
  });
}

export class MapView {
  /**
   * @param {HTMLElement} element
   * @param {object} options tiles {url, attribution, coordinates}; callbacks onPost(postId),
   *   reportPopup(report) -> HTMLElement; titles {post(post), person(staff)}
   */
  constructor(element, { tiles, onPost, reportPopup, titles }) {
    this.project = projector(tiles.coordinates);
    this.onPost = onPost;
    this.reportPopup = reportPopup;
    this.titles = titles;
    this.renderer = L.canvas({ padding: 0.3, tolerance: 4 });
    this.map = L.map(element, {
      renderer: this.renderer, preferCanvas: true, minZoom: 3, maxZoom: 19,
      attributionControl: Boolean(tiles.url), zoomSnap: 0.5,
    }).setView(DEFAULT_VIEW.center, DEFAULT_VIEW.zoom);
    if (tiles.url) {
      L.tileLayer(tiles.url, { attribution: tiles.attribution || "", maxZoom: 19 }).addTo(this.map);
      this.map.attributionControl.setPrefix(false);
    } else {
      element.classList.add("no-tiles");
    }
    L.control.scale({ imperial: false, maxWidth: 160 }).addTo(this.map);
    this._overviewControl(titles.overview).addTo(this.map);
    // Post dots above the people's clusters: a post's status must never hide under a cluster.
    this.map.createPane("posts").style.zIndex = 640;
    this.map.createPane("reports").style.zIndex = 645;
    this.fences = L.layerGroup();
    // One click handler and one hover tooltip for all dots: thousands of bindings cost a second.
    this.dots = L.featureGroup().addTo(this.map);
    this.hoverTip = L.tooltip({ direction: "top", offset: [0, -8] });
    this.dots.on("click", (event) => this.onPost(event.layer.postId));
    this.dots.on("mouseover", (event) => {
      const entry = this.posts.get(event.layer.postId);
      const text = document.createElement("span"); // text, never HTML: names come from people
      text.textContent = this.titles.post(entry.post);
      this.hoverTip.setLatLng(event.layer.getLatLng()).setContent(text);
      this.map.openTooltip(this.hoverTip);
    });
    this.dots.on("mouseout", () => this.map.closeTooltip(this.hoverTip));
    this.reports = L.layerGroup().addTo(this.map);
    this.people = L.markerClusterGroup({
      chunkedLoading: true, chunkInterval: 120, chunkDelay: 16,
      showCoverageOnHover: false, maxClusterRadius: 45, spiderfyOnMaxZoom: true,
      iconCreateFunction: clusterIcon,
      chunkProgress: (done, total) => {
        if (done >= total) this._peopleLoaded();
      },
    }).addTo(this.map);
    this.posts = new Map(); // post id -> {post, fence, dot, shown}
    this.staff = new Map(); // assignment id -> {person, marker, shown}
    this.reportPins = new Map();
    this.visible = () => true;
    this.selected = null;
    this.fitted = false;
    this.peopleReady = Promise.resolve();
    this._release = null;
    this.map.on("zoomend", () => this._showFences());
    this._showFences();
  }

  /** A button under the zoom buttons that shows every post again. */
  _overviewControl(label) {
    const control = L.control({ position: "topleft" });
    control.onAdd = () => {
      const box = L.DomUtil.create("div", "leaflet-bar overview-control");
      const button = L.DomUtil.create("a", "", box);
      button.href = "#";
      button.role = "button";
      button.title = label;
      button.textContent = label;
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.on(button, "click", (event) => {
        L.DomEvent.preventDefault(event);
        this.fitAll();
      });
      return box;
    };
    return control;
  }

  latLng(lat, lon) {
    return this.project(lat, lon);
  }

  // --- posts ---------------------------------------------------------------------------------

  /** Make the posts on the map match `list`: update those known, add new ones, drop the rest. */
  setPosts(list) {
    const seen = new Set();
    const added = [];
    for (const post of list) {
      seen.add(post.id);
      if (this.posts.has(post.id)) this.updatePost(post);
      else added.push(post);
    }
    for (const id of [...this.posts.keys()]) if (!seen.has(id)) this._removePost(id);
    if (!this.fitted && list.length) {
      this.fitted = true;
      this.fitAll(list); // before the markers exist, so that each is placed once
    }
    // Many new dots go in off the map and join it at once: one insertion instead of thousands.
    const detach = added.length > 100;
    if (detach) this.dots.remove();
    for (const post of added) this._addPost(post);
    if (detach) this.dots.addTo(this.map);
  }

  _addPost(post) {
    const where = this.latLng(post.lat, post.lon);
    const color = STATUS_COLORS[post.status] || STATUS_COLORS.idle;
    const fence = L.circle(where, {
      radius: post.radius_m, renderer: this.renderer, color, weight: 1.5, opacity: 0.9,
      fillColor: color, fillOpacity: 0.12,
    });
    const dot = L.marker(where, { icon: postIcon(post.status, false), pane: "posts", keyboard: true,
      title: post.name, alt: post.name });

    dot.postId = post.id;
    fence.on("click", () => this.onPost(post.id));
    const entry = { post: { ...post }, fence, dot, shown: false };
    this.posts.set(post.id, entry);
    this._showPost(entry, this.visible(entry.post));
  }

  updatePost(change) {
    const entry = this.posts.get(change.id ?? change.post_id);
    if (!entry) return false;
    const before = entry.post;
    entry.post = { ...before, ...change, id: before.id };
    const post = entry.post;
    if (post.status !== before.status) {
      const color = STATUS_COLORS[post.status] || STATUS_COLORS.idle;
      entry.fence.setStyle({ color, fillColor: color });
      entry.dot.setIcon(postIcon(post.status, this.selected === post.id));
    }
    if (post.lat !== before.lat || post.lon !== before.lon) {
      const where = this.latLng(post.lat, post.lon);
      entry.fence.setLatLng(where);
      entry.dot.setLatLng(where);
    }
    if (post.radius_m !== before.radius_m) entry.fence.setRadius(post.radius_m);
    return true;
  }

  _removePost(id) {
    const entry = this.posts.get(id);
    this._showPost(entry, false);
    this.posts.delete(id);
  }

  _showPost(entry, shown) {
    if (entry.shown === shown) return;
    entry.shown = shown;
    if (shown) {
      this.fences.addLayer(entry.fence);
      this.dots.addLayer(entry.dot);
    } else {
      this.fences.removeLayer(entry.fence);
      this.dots.removeLayer(entry.dot);
    }
  }

  _showFences() {
    const wanted = this.map.getZoom() >= FENCE_MIN_ZOOM;
    if (wanted && !this.map.hasLayer(this.fences)) this.fences.addTo(this.map);
    if (!wanted && this.map.hasLayer(this.fences)) this.fences.remove();
  }

  /** Ring the chosen post (the open drawer's); null clears it. */
  select(postId) {
    const old = this.posts.get(this.selected);
    this.selected = postId;
    if (old) old.dot.setIcon(postIcon(old.post.status, false));
    const entry = this.posts.get(postId);
    if (entry) entry.dot.setIcon(postIcon(entry.post.status, true));
  }

  /** Center a post, zoomed in; `rightCover` px of the map's right edge are hidden (the drawer). */
  focus(postId, rightCover = 0) {
    const entry = this.posts.get(postId);
    if (!entry) return;
    // A view change asked for during a zoom animation is dropped by Leaflet: wait for its end.
    if (this.map._animatingZoom) {
      this.map.once("zoomend", () => this.focus(postId, rightCover));
      return;
    }
    const zoom = Math.max(this.map.getZoom(), 15);
    this.map.setView(entry.dot.getLatLng(), zoom, { animate: false });
    if (rightCover) this.map.panBy([rightCover / 2, 0], { animate: false });
  }

  /** Show every post (those given, or those on the map). */
  fitAll(posts = null) {
    const points = posts
      ? posts.map((p) => this.latLng(p.lat, p.lon))
      : [...this.posts.values()].map((e) => e.dot.getLatLng());
    if (points.length === 1) this.map.setView(points[0], 15, { animate: false });
    else if (points.length) {
      this.map.fitBounds(L.latLngBounds(points), { padding: [30, 30], maxZoom: 16, animate: false });
    }
  }

  // --- people --------------------------------------------------------------------------------

  /** Make the people on the map match `list` (snapshot `staff` entries, keyed by assignment). */
  setStaff(list) {
    const seen = new Set();
    const added = [];
    const removed = [];
    for (const person of list) {
      seen.add(person.assignment_id);
      const entry = this.staff.get(person.assignment_id);
      if (entry) this._updateStaffEntry(entry, person, added, removed);
      else {
        const created = this._newStaffEntry(person);
        if (created.shown) added.push(created.marker);
      }
    }
    for (const [id, entry] of [...this.staff.entries()]) {
      if (seen.has(id)) continue;
      if (entry.shown) removed.push(entry.marker);
      this.staff.delete(id);
    }
    this._changePeople(added, removed);
  }

  updateStaff(person) {
    const added = [];
    const removed = [];
    const entry = this.staff.get(person.assignment_id);
    if (entry) this._updateStaffEntry(entry, person, added, removed);
    else {
      const created = this._newStaffEntry(person);
      if (created.shown) added.push(created.marker);
    }
    this._changePeople(added, removed);
  }

  removeStaff(assignmentId) {
    const entry = this.staff.get(assignmentId);
    if (!entry) return;
    if (entry.shown) this.people.removeLayer(entry.marker);
    this.staff.delete(assignmentId);
  }

  _newStaffEntry(person) {
    const entry = { person: { ...person }, marker: null, shown: false };
    this.staff.set(person.assignment_id, entry);
    if (person.lat !== null && person.lat !== undefined) {
      entry.marker = this._marker(entry.person);
      entry.shown = this._staffVisible(entry.person);
    }
    return entry;
  }

  _marker(person) {
    const marker = L.marker(this.latLng(person.lat, person.lon), {
      icon: person.on_duty ? ICONS.on : ICONS.off, title: this.titles.person(person),
      keyboard: false, riseOnHover: true,
    });
    marker.on("click", () => this.onPost(this.staff.get(person.assignment_id)?.person.post_id));
    return marker;
  }

  _updateStaffEntry(entry, change, added, removed) {
    const before = entry.person;
    entry.person = { ...before, ...change };
    const person = entry.person;
    const located = person.lat !== null && person.lat !== undefined;
    if (!located) {
      if (entry.shown) removed.push(entry.marker);
      entry.shown = false;
      return;
    }
    if (!entry.marker) {
      entry.marker = this._marker(person);
    } else {
      if (person.lat !== before.lat || person.lon !== before.lon) {
        entry.marker.setLatLng(this.latLng(person.lat, person.lon));
      }
      if (person.on_duty !== before.on_duty) entry.marker.setIcon(person.on_duty ? ICONS.on : ICONS.off);
    }
    const shown = this._staffVisible(person);
    if (shown && !entry.shown) added.push(entry.marker);
    if (!shown && entry.shown) removed.push(entry.marker);
    entry.shown = shown;
  }

  _staffVisible(person) {
    const post = this.posts.get(person.post_id);
    return post ? this.visible(post.post) : true;
  }

  _changePeople(added, removed) {
    if (removed.length) this.people.removeLayers(removed);
    if (added.length) {
      this.peopleReady = new Promise((resolve) => {
        this._release = resolve;
      });
      this.people.addLayers(added);
    }
  }

  _peopleLoaded() {
    if (this._release) this._release();
    this._release = null;
  }

  // --- filters and hazard reports ------------------------------------------------------------

  /** Show only the posts (and their people) for which `visible(post)` holds. */
  setFilter(visible) {
    this.visible = visible;
    for (const entry of this.posts.values()) this._showPost(entry, visible(entry.post));
    const added = [];
    const removed = [];
    for (const entry of this.staff.values()) {
      if (!entry.marker) continue;
      const shown = this._staffVisible(entry.person);
      if (shown && !entry.shown) added.push(entry.marker);
      if (!shown && entry.shown) removed.push(entry.marker);
      entry.shown = shown;
    }
    this._changePeople(added, removed);
  }

  setReports(list) {
    this.reports.clearLayers();
    this.reportPins.clear();
    for (const report of list) this.addReport(report);
  }

  addReport(report) {
    if (this.reportPins.has(report.id)) return;
    const pin = L.marker(this.latLng(report.lat, report.lon), { icon: REPORT_ICON, pane: "reports" });
    pin.bindPopup(() => this.reportPopup(report), { maxWidth: 280 });
    this.reportPins.set(report.id, pin);
    this.reports.addLayer(pin);
  }

  openReport(reportId) {
    const pin = this.reportPins.get(reportId);
    if (!pin) return;
    this.map.setView(pin.getLatLng(), Math.max(this.map.getZoom(), 15), { animate: false });
    pin.openPopup();
  }
}
