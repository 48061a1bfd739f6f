// The phone's GPS fix, and the distance and compass direction from it to a post.

const FIX_TIMEOUT_MS = 15000;
const EARTH_RADIUS_M = 6371008.8;
const ERRORS = { 1: "denied", 2: "unavailable", 3: "timeout" };

/** A fresh high-accuracy fix: {lat, lon, accuracy, takenAt}; rejects with {code}. */
export function readPosition() {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) {
      reject({ code: "unsupported" });
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (position) => resolve({
        lat: position.coords.latitude,
        lon: position.coords.longitude,
        accuracy: position.coords.accuracy,
        // The phone's clock when the fix arrived: some phones stamp `position.timestamp` with
        // the GPS chip's own clock, which can be far off; maximumAge 0 makes the two agree.
        takenAt: new Date(),
      }),
      (error) => reject({ code: ERRORS[error.code] || "unavailable" }),
      { enableHighAccuracy: true, timeout: FIX_TIMEOUT_MS, maximumAge: 0 },
    );
  });
}

const radians = (degrees) => (degrees * Math.PI) / 180;

/** Great-circle distance in metres (within a metre of the server's geodesic at post scale). */
export function distanceM(lat1, lon1, lat2, lon2) {
  const dLat = radians(lat2 - lat1);
  const dLon = radians(lon2 - lon1);
  const a = Math.sin(dLat / 2) ** 2
    + Math.cos(radians(lat1)) * Math.cos(radians(lat2)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** The compass bearing from the first point to the second, 0–360 degrees (0 = north). */
export function bearingDeg(lat1, lon1, lat2, lon2) {
  const dLon = radians(lon2 - lon1);
  const y = Math.sin(dLon) * Math.cos(radians(lat2));
  const x = Math.cos(radians(lat1)) * Math.sin(radians(lat2))
    - Math.sin(radians(lat1)) * Math.cos(radians(lat2)) * Math.cos(dLon);
  return ((Math.atan2(y, x) * 180) / Math.PI + 360) % 360;
}

/** Which of the eight compass points (0 = north, 1 = north-east, …) a bearing is nearest. */
export function compassPoint(bearing) {
  return Math.round(bearing / 45) % 8;
}
