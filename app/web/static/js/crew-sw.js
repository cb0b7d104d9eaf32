// The crew app's service worker: the app's own files come from the phone when the network is
// poor or gone (fresh ones are fetched behind them); the API and the socket always go to the
// service (what is not sent waits in the app's outbox, not here).
"use strict";

const SHELL = "satria-crew-v2";
const FILES = [
  "/crew/", "/crew/manifest.webmanifest", "/static/css/satria.css", "/static/js/common.js",
  "/static/js/crew.js", "/static/icons/crew-192.png", "/static/icons/crew-512.png",
  "/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet/leaflet.css",
  // The region's map (public, rarely changed): the roads stay drawable without a network.
  "/api/region", "/api/region/roads", "/api/region/overlay",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((name) => name !== SHELL).map((name) => caches.delete(name))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin || !FILES.includes(url.pathname)) return;
  // Stale while revalidate: the cached file at once, the network's copy for next time.
  event.respondWith(caches.open(SHELL).then(async (cache) => {
    const cached = await cache.match(event.request);
    const fresh = fetch(event.request).then((response) => {
      if (response.ok) cache.put(event.request, response.clone());
      return response;
    }).catch(() => cached);
    return cached || fresh;
  }));
});
