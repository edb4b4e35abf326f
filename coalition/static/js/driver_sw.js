// The driver app's service worker (served as /driver/sw.js, scope /driver/). It keeps the route page
// and its assets so the route stays readable with no connection: network first, the cached copy
// when the network fails. Actions are never cached: the page queues them itself (driver.js).
"use strict";
const CACHE = "driver-app-v1";
const SHELL = [
  "/driver/",
  "/static/css/app.css",
  "/static/css/driver.css",
  "/static/js/driver.js",
  "/vendor/leaflet/leaflet.js",
  "/vendor/leaflet/leaflet.css",
];

self.addEventListener("install", event => {
  event.waitUntil(
    caches.open(CACHE)
      .then(cache => Promise.all(SHELL.map(url => cache.add(url).catch(() => null))))
      .then(() => self.skipWaiting()));
});

self.addEventListener("activate", event => {
  event.waitUntil(
    caches.keys()
      .then(keys => Promise.all(keys.filter(key => key !== CACHE).map(key => caches.delete(key))))
      .then(() => self.clients.claim()));
});

function cacheable(url) {
  if (url.origin !== self.location.origin) return false;
  if (url.pathname.startsWith("/driver/calendar/")) return false;   // the secret feed stays out of caches
  return url.pathname === "/driver/" || SHELL.includes(url.pathname) || url.pathname.startsWith("/vendor/leaflet/");
}

self.addEventListener("fetch", event => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (!cacheable(url)) return;
  event.respondWith(
    fetch(request).then(response => {
      // Only a real page is kept: never the sign-in page a lapsed session redirects to.
      if (response.ok && !response.redirected && response.type === "basic") {
        const copy = response.clone();
        caches.open(CACHE).then(cache => cache.put(url.pathname, copy));
      }
      return response;
    }).catch(() => caches.match(url.pathname).then(hit => hit || Response.error())));
});
