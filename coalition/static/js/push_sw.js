// The push service worker (served as /notifications/push/sw.js; its scope holds no page, so it never
// handles the site's requests). It shows each pushed notification and opens its page on tap.
// The payload is JSON made by the server: {"title", "body", "url", "tag", "actions"}; title and body are plain
// text. Actions ([{action, title}], a late pickup's "on my way" / "can't make it") open the page with
// ?answer=<action>, where one more tap posts it with the page's CSRF token.
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

const ACTION_NAME = /^[a-z_]{1,30}$/;

function actions(data) {
  if (!Array.isArray(data.actions)) return [];
  return data.actions.filter(item => item && typeof item.action === "string" && ACTION_NAME.test(item.action)
    && typeof item.title === "string").slice(0, 2).map(item => ({action: item.action, title: item.title}));
}

self.addEventListener("push", event => {
  const data = message(event);
  const title = typeof data.title === "string" && data.title ? data.title : "Feeding Our City";
  const buttons = actions(data);
  event.waitUntil(self.registration.showNotification(title, {
    body: typeof data.body === "string" ? data.body : "",
    tag: typeof data.tag === "string" ? data.tag : undefined,
    actions: buttons,
    data: {url: sameSite(data.url || FALLBACK_URL), actions: buttons.map(item => item.action)},
  }));
});

// The page to open: the notification's own, with the chosen action as ?answer= when a button was tapped.
function target(notification, action) {
  const data = notification.data || {};
  const url = data.url || sameSite(FALLBACK_URL);
  if (!action || !Array.isArray(data.actions) || !data.actions.includes(action)) return url;
  const withAnswer = new URL(url);
  withAnswer.searchParams.set("answer", action);
  return withAnswer.href;
}

self.addEventListener("notificationclick", event => {
  event.notification.close();
  const url = target(event.notification, event.action);
  event.waitUntil(self.clients.matchAll({type: "window", includeUncontrolled: true}).then(windows => {
    const open = windows.find(client => client.url === url && "focus" in client);
    return open ? open.focus() : self.clients.openWindow(url);
  }));
});
