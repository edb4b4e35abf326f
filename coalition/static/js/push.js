// "Notify this phone" / "Stop": subscribes this browser to web push through the push service worker
// (/notifications/push/sw.js) and tells the server, or unsubscribes it. Text is set with textContent only.
"use strict";
(function () {
  const control = document.getElementById("push-control");
  if (!control) return;
  const status = document.getElementById("push-status");
  const onButton = document.getElementById("push-on");
  const offButton = document.getElementById("push-off");
  const tokenMeta = document.querySelector('meta[name="csrf-token"]');
  const csrfToken = tokenMeta ? tokenMeta.content : "";
  const workerUrl = control.dataset.workerUrl;
  const scope = new URL(".", new URL(workerUrl, location.href)).pathname;

  function show(message, subscribed) {
    status.textContent = message;
    onButton.hidden = subscribed !== false;
    offButton.hidden = subscribed !== true;
  }

  // The VAPID public key comes base64url; the Push API wants its bytes.
  function keyBytes(base64url) {
    const base64 = (base64url + "=".repeat((4 - base64url.length % 4) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(base64), c => c.charCodeAt(0));
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin", body: JSON.stringify(body),
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken},
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(answer.error || `The server answered ${response.status}.`);
    return answer;
  }

  async function registration() {
    await navigator.serviceWorker.register(workerUrl, {scope: scope});
    return navigator.serviceWorker.getRegistration(scope);
  }

  async function refresh() {
    const subscription = await (await registration()).pushManager.getSubscription();
    if (subscription) show("This phone receives notifications.", true);
    else show("This phone does not receive notifications.", false);
  }

  async function subscribe() {
    onButton.disabled = true;
    try {
      if (await Notification.requestPermission() !== "granted") {
        show("Notifications are blocked for this site in the browser's settings.", false);
        return;
      }
      const reg = await registration();
      const subscription = await reg.pushManager.subscribe(
        {userVisibleOnly: true, applicationServerKey: keyBytes(control.dataset.vapidKey)});
      await post(control.dataset.subscribeUrl, subscription.toJSON());
      show("This phone receives notifications.", true);
    } catch (error) {
      show(`This phone could not be subscribed: ${error.message}`, false);
    } finally {
      onButton.disabled = false;
    }
  }

  async function unsubscribe() {
    offButton.disabled = true;
    try {
      const subscription = await (await registration()).pushManager.getSubscription();
      if (subscription) {
        await post(control.dataset.unsubscribeUrl, {endpoint: subscription.endpoint});
        await subscription.unsubscribe();
      }
      show("This phone does not receive notifications.", false);
    } catch (error) {
      show(`Could not stop: ${error.message}`, true);
    } finally {
      offButton.disabled = false;
    }
  }

  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    show("This browser cannot receive notifications (on an iPhone, add the site to the home screen first).");
    return;
  }
  onButton.addEventListener("click", subscribe);
  offButton.addEventListener("click", unsubscribe);
  refresh().catch(error => show(`Notifications are unavailable here: ${error.message}`));
})();
