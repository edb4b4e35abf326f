// The push service worker (served as /notifications/push/sw.js; its scope holds no page, so it never
// handles the site's requests). It shows each pushed notification and opens its page on tap.
// The payload is JSON made by the server: {"title", "body", "url", "tag"}; title and body are plain text.
"use strict";
const FALLBACK_URL = "/notifications/";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", event => event.waitUntil(self.clients.claim()));

function message(event) {
  try {
    const data = event.data ? event.data.json() : {};
    return data && typeof data === "object" ? data : {};
  } catch (error) {
    return {body: event.data ? event.data.text() : ""};
  }
}

// Only pages of this site open on tap; anything else opens the notification list.
function sameSite(url) {
  try {
    const target = new URL(url, self.location.origin);
    return target.origin === self.location.origin ? target.href : new URL(FALLBACK_URL, self.location.origin).href;
  } catch (error) {
    return new URL(FALLBACK_URL, self.location.origin).href;
  }
}

self.addEventListener("push", event => {
  const data = message(event);
  const title = typeof data.title === "string" && data.title ? data.title : "Feeding Our City";
  event.waitUntil(self.registration.showNotification(title, {
    body: typeof data.body === "string" ? data.body : "",
    tag: typeof data.tag === "string" ? data.tag : undefined,
    data: {url: sameSite(data.url || FALLBACK_URL)},
  }));
});

self.addEventListener("notificationclick", event => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || sameSite(FALLBACK_URL);
  event.waitUntil(self.clients.matchAll({type: "window", includeUncontrolled: true}).then(windows => {
    const open = windows.find(client => client.url === url && "focus" in client);
    return open ? open.focus() : self.clients.openWindow(url);
  }));
});
