// The phone's small, still maps: a post with its fence circle and, once known, my position (and
// the map the relocation list draws its households on). Without a tile server (TILE_URL unset,
// or no network) they draw on a plain background.

const POST_STYLE = { radius: 7, color: "#fff", weight: 2, fillColor: "#b42318", fillOpacity: 1 };
const FENCE_STYLE = { color: "#b42318", weight: 2, fillColor: "#b42318", fillOpacity: 0.08 };
const ME_STYLE = { radius: 8, color: "#fff", weight: 3, fillColor: "#1d4f91", fillOpacity: 1 };
const ACCURACY_STYLE = { color: "#1d4f91", weight: 1, fillOpacity: 0.1, interactive: false };
const WAY_STYLE = { color: "#1d4f91", weight: 2, dashArray: "6 6", interactive: false };

/** A still Leaflet map in `container` (the page scrolls over it); null when Leaflet is missing. */
export function stillMap(container, tileUrl) {
  const L = window.L;
  if (!L) return null;
  container.hidden = false;
  const map = L.map(container, {
    zoomControl: false, attributionControl: Boolean(tileUrl), dragging: false, touchZoom: false,
    doubleClickZoom: false, scrollWheelZoom: false, boxZoom: false, keyboard: false,
    zoomAnimation: false, fadeAnimation: false, markerZoomAnimation: false,
  });
  if (tileUrl) L.tileLayer(tileUrl, { maxZoom: 18 }).addTo(map);
  else container.classList.add("plain");
  return map;
}

/** Draw `duty`'s post in `container`; returns {showMe(fix)} or null when Leaflet is missing. */
export function postMap(container, duty, tileUrl) {
  const map = stillMap(container, tileUrl);
  if (!map) return null;
  const L = window.L;
  const post = [duty.lat, duty.lon];
  const fenceBounds = L.latLng(post).toBounds(duty.radius_m * 2);
  map.fitBounds(fenceBounds, { animate: false });
  L.circle(post, { radius: duty.radius_m, ...FENCE_STYLE }).addTo(map);
  L.circleMarker(post, POST_STYLE).addTo(map);
  let me = null;
  let accuracy = null;
  let way = null;
  const fit = () => {
    const bounds = L.latLngBounds(fenceBounds.getSouthWest(), fenceBounds.getNorthEast());
    if (me) bounds.extend(me.getLatLng());
    map.fitBounds(bounds, { padding: [18, 18], maxZoom: 17, animate: false });
  };
  fit();
  return {
    showMe(fix) {
      const where = [fix.lat, fix.lon];
      if (!me) {
        way = L.polyline([where, post], WAY_STYLE).addTo(map);
        accuracy = L.circle(where, { radius: fix.accuracy, ...ACCURACY_STYLE }).addTo(map);
        me = L.circleMarker(where, ME_STYLE).addTo(map);
      } else {
        way.setLatLngs([where, post]);
        accuracy.setLatLng(where).setRadius(fix.accuracy);
        me.setLatLng(where);
      }
      fit();
    },
  };
}
