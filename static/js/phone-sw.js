// The phone page's service worker (served as /m/sw.js, scope /m/): it keeps the page shell so
// that the page opens, and a reload works, without a network. Check-ins and reports are never
// handled here: the page keeps them in IndexedDB and sends them itself.

const VERSION = "__VERSION__"; // a hash of the shell's files, filled in by the server
const SHELL = ["__SHELL__"]; // the page and its scripts, styles and Leaflet
const CACHE = `duty-phone-${VERSION}`;
const PAGE = SHELL[0];
const NETWORK_WAIT_MS = 5000;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(SHELL.slice(1).map((url) => new Request(url, { cache: "reload" })));
    await keepPage(cache, await fetch(PAGE, { credentials: "same-origin", cache: "reload" }));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("duty-phone-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

/** Keep the signed-in page (not a redirect to the sign-in page, not an error). */
async function keepPage(cache, response) {
  if (response.ok && response.type === "basic" && !response.redirected) {
    await cache.put(PAGE, response.clone());
  }
  return response;
}

/** The page from the network (kept for next time), or the kept page when the network fails. */
async function page(request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(PAGE);
  const fresh = fetch(request).then((response) => keepPage(cache, response));
  if (!kept) return fresh;
  // A storm's network may hang rather than fail: after a few seconds, show the kept page.
  const slow = new Promise((resolve) => { setTimeout(() => resolve(kept), NETWORK_WAIT_MS); });
  const answered = fresh.then((response) => (response.status >= 500 ? kept : response), () => kept);
  return Promise.race([answered, slow]);
}

async function shellFile(request) {
  const kept = await caches.match(request, { cacheName: CACHE, ignoreSearch: true });
  return kept || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === PAGE) {
    event.respondWith(page(request));
  } else if (SHELL.includes(url.pathname) && url.pathname !== PAGE) {
    event.respondWith(shellFile(request));
  }
});
