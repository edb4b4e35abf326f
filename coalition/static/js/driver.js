// The driver app: stop actions go through a queue kept on the phone (localStorage), so they survive
// a lost connection or a reload; each carries the id the page drew for it, and the server records an
// id once, so sending again after a timeout never counts a stop twice.
(function () {
  "use strict";
  const QUEUE_KEY = "driver-action-queue";
  const KEEP_SENT_MS = 12 * 3600 * 1000;
  const RETRY_MS = 15000;
  const tokenMeta = document.querySelector('meta[name="csrf-token"]');
  const csrfToken = tokenMeta ? tokenMeta.content : "";
  const STATE_AFTER = {arrived: "arrived", picked_up: "done", delivered: "done", problem: "problem"};

  function loadQueue() {
    try {
      const items = JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]");
      return Array.isArray(items) ? items : [];
    } catch (error) {
      return [];
    }
  }

  function saveQueue(items) {
    const now = Date.now();
    const kept = items.filter(item => item.state !== "sent" || now - (item.sentAt || now) < KEEP_SENT_MS);
    try {
      localStorage.setItem(QUEUE_KEY, JSON.stringify(kept));
    } catch (error) {
      // Storage full (a large photo): drop photos of items already sent, then try once more.
      kept.forEach(item => { if (item.state === "sent" && item.payload) delete item.payload.photo; });
      localStorage.setItem(QUEUE_KEY, JSON.stringify(kept));
    }
  }

  function updateItem(id, changes) {
    const items = loadQueue();
    const item = items.find(entry => entry.client_action_id === id);
    if (item) Object.assign(item, changes);
    saveQueue(items);
    return item;
  }

  function cardOf(stopId) {
    return document.getElementById("stop-" + stopId);
  }

  function setCardStatus(card, status) {
    card.dataset.status = status;
    card.className = card.className.replace(/\bis-\w+/, "is-" + status);
    const label = card.querySelector(".stop-state");
    if (label) label.textContent = status.replace("_", " ");
    const finished = status === "done" || status === "problem" || status === "skipped";
    card.querySelectorAll(".stop-actions").forEach(box => { box.hidden = finished; });
    const arrive = card.querySelector('form[data-action="arrived"]');
    if (arrive) arrive.hidden = status !== "pending";
  }

  function showQueueState(card, item) {
    const slot = card.querySelector(".queue-state");
    if (!slot) return;
    const text = {
      queued: navigator.onLine ? "· sending…" : "· saved on this phone, sent when you are back online",
      sent: "· sent ✓",
      failed: "· not recorded: " + (item.message || "see below"),
    }[item.state] || "";
    slot.textContent = text;
    slot.dataset.state = item.state;
  }

  function clearErrors(form) {
    form.querySelectorAll(".error[data-field]").forEach(p => { p.hidden = true; p.textContent = ""; });
    form.querySelectorAll(".field.has-error").forEach(field => field.classList.remove("has-error"));
    form.querySelectorAll("[aria-invalid]").forEach(input => input.removeAttribute("aria-invalid"));
  }

  function showErrors(form, fields, message) {
    let placed = false;
    Object.entries(fields || {}).forEach(([name, text]) => {
      const slot = form.querySelector('.error[data-field="' + name + '"]');
      if (!slot) return;
      const field = slot.closest(".field");
      field.hidden = false;
      field.classList.add("has-error");
      slot.textContent = text;
      slot.hidden = false;
      const input = field.querySelector("input, select, textarea");
      if (input && input.type !== "checkbox") input.setAttribute("aria-invalid", "true");
      placed = true;
    });
    if (!placed && message) {
      const first = form.querySelector(".error[data-field]");
      if (first) { first.textContent = message; first.hidden = false; }
    }
  }

  function renderStatusLine() {
    const items = loadQueue();
    const waiting = items.filter(item => item.state === "queued").length;
    const line = document.getElementById("queue-status");
    if (line) {
      line.dataset.state = waiting ? "queued" : "idle";
      line.textContent = waiting
        ? waiting + (waiting === 1 ? " action" : " actions") + (navigator.onLine ? " being sent…" : " waiting for a connection")
        : (items.some(item => item.state === "sent") ? "Everything you recorded has been sent." : "");
    }
    const banner = document.getElementById("offline-banner");
    if (banner) banner.hidden = navigator.onLine;
  }

  // After a pickup, its drop-off expects what was picked up (the cached page may predate the pickup).
  function carryPickedUp(card, kg) {
    if (!card || card.dataset.kind !== "pickup" || !kg) return;
    document.querySelectorAll('.stop[data-kind="delivery"][data-claim-id="' + card.dataset.claimId + '"]').forEach(drop => {
      const form = drop.querySelector('form[data-action="delivered"]');
      const input = form && form.querySelector('[name="kg"]');
      if (!input || drop.dataset.status !== "pending" && drop.dataset.status !== "arrived") return;
      if (input.value === input.defaultValue) input.value = kg;
      input.defaultValue = kg;
      form.dataset.expected = kg;
    });
  }

  function stateAfter(item) {
    if (item.action === "flag") {    // a flag leaves the stop as it is
      const card = cardOf(item.stop_id);
      return card ? card.dataset.serverStatus || card.dataset.status : "pending";
    }
    return item.action === "picked_up" && item.payload && item.payload.refuse_reason ? "problem" : STATE_AFTER[item.action];
  }

  // A refused line never comes on board: its drop-off leaves the route.
  function dropDeliveries(card) {
    if (card.dataset.kind !== "pickup") return;
    document.querySelectorAll('.stop[data-kind="delivery"][data-claim-id="' + card.dataset.claimId + '"]').forEach(drop => {
      if (drop.dataset.status === "pending" || drop.dataset.status === "arrived") setCardStatus(drop, "problem");
    });
  }

  // Optimistic view: what the phone knows that the (possibly cached) page does not show yet.
  function applyQueue() {
    loadQueue().forEach(item => {
      const card = cardOf(item.stop_id);
      if (!card) return;
      if (item.action === "picked_up" && item.state !== "failed") carryPickedUp(card, item.payload && item.payload.kg);
      if (item.state === "queued") setCardStatus(card, stateAfter(item));
      if (item.state !== "failed" && item.action === "picked_up" && item.payload && item.payload.refuse_reason) {
        dropDeliveries(card);
      }
      if (item.state === "sent" && item.result) setCardStatus(card, item.result.status);
      showQueueState(card, item);
    });
    renderStatusLine();
  }

  function checkForm(form, payload) {
    const fields = {};
    const action = form.dataset.action;
    if (action === "picked_up" || action === "delivered") {
      const kg = parseFloat(String(payload.kg || "").replace(",", "."));
      const unit = payload.weight_unit || "kg";
      if (!(kg >= 0)) fields.kg = "Give the weight in " + unit + ".";
      else if (kg === 0) fields.kg = "A zero needs a reason: use Problem (not ready, nothing to collect, refused...).";
      const expected = parseFloat(form.dataset.expected || "NaN");
      if (kg > expected && !payload.confirm_over) {
        fields.confirm_over = "Confirm " + kg + " " + unit + " (more than the " + expected + " " + unit + " expected).";
      }
      Object.assign(fields, checkReading(form, payload));
      if (form.querySelector('[name="receiver_name"]') && !String(payload.receiver_name || "").trim()) {
        fields.receiver_name = "Who received the food?";
      }
    }
    if (action === "problem" && !payload.problem_kind) fields.problem_kind = "Choose what went wrong.";
    if (action === "flag" && !payload.issue) fields.issue = "Choose what went wrong.";
    if (action === "flag" && payload.issue === "other" && !payload.note) fields.note = "Describe the problem.";
    return fields;
  }

  // The cold-chain rules, as the server applies them, so a warm reading asks its question offline too:
  // above the limit a pickup is refused with a reason; on arrival it is accepted within the grace margin or discarded.
  function checkReading(form, payload) {
    const box = form.querySelector(".cold-reading");
    if (!box) return {};
    const unit = payload.temperature_unit || "";
    const reading = parseFloat(String(payload.temperature || "").replace(",", ".").replace("−", "-"));
    if (!isFinite(reading)) return {temperature: "Check the food's temperature: give the thermometer's reading in °" + unit + "."};
    const limit = parseFloat(box.dataset.limit);
    const grace = parseFloat(box.dataset.grace);
    const warm = reading + " °" + unit;
    if (form.dataset.action === "picked_up") {
      if (reading > limit && !payload.refuse_reason) {
        return {refuse_reason: "Too warm (" + warm + ", limit " + limit + " °" + unit + "): refuse it and choose a reason."};
      }
    } else if (reading > limit) {
      const beyond = reading > limit + grace + 1e-9;
      if (!payload.cold_decision) {
        return {cold_decision: beyond ? "Discard it: it is beyond the grace margin."
                                       : "Accept (within the " + grace + " °" + unit + " grace margin) or discard."};
      }
      if (beyond && payload.cold_decision === "accept") {
        return {cold_decision: warm + " is more than " + grace + " °" + unit + " above the limit: the food must be discarded."};
      }
    }
    return {};
  }

  function shrinkPhoto(file) {
    // Phone photos are scaled to 1280 px so several fit in the queue; the server re-encodes them anyway.
    return createImageBitmap(file).then(bitmap => {
      const scale = Math.min(1, 1280 / Math.max(bitmap.width, bitmap.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return canvas.toDataURL("image/jpeg", 0.8);
    });
  }

  async function onSubmit(event) {
    const form = event.currentTarget;
    event.preventDefault();
    const card = form.closest(".stop");
    const data = new FormData(form);
    const payload = {};
    ["kg", "weight_unit", "temperature", "temperature_unit", "refuse_reason", "cold_decision", "receiver_name", "problem_kind",
     "issue", "note"].forEach(key => {
      const value = data.get(key);
      if (value) payload[key] = String(value);
    });
    if (data.get("confirm_over")) payload.confirm_over = true;
    clearErrors(form);
    const problems = checkForm(form, payload);
    if (Object.keys(problems).length) {
      showErrors(form, problems);
      return;
    }
    const photo = data.get("photo");
    if (photo && photo.size) {
      try {
        payload.photo = await shrinkPhoto(photo);
      } catch (error) {
        showErrors(form, {photo: "This file is not a photo the phone can read."});
        return;
      }
    }
    const id = String(data.get("client_action_id"));
    const items = loadQueue().filter(item => !(item.client_action_id === id && item.state === "failed"));
    if (!items.some(item => item.client_action_id === id)) {  // a double tap queues it once
      items.push({
        client_action_id: id, stop_id: Number(card.dataset.stopId), action: form.dataset.action,
        performed_at: new Date().toISOString(), payload: payload, state: "queued",
      });
      saveQueue(items);
    }
    if (!card.dataset.serverStatus) card.dataset.serverStatus = card.dataset.status;
    applyQueue();
    flush();
  }

  let flushing = false;

  async function flush() {
    if (flushing) return;
    flushing = true;
    try {
      for (const item of loadQueue().filter(entry => entry.state === "queued")) {
        let response;
        try {
          response = await fetch("/driver/actions", {
            method: "POST",
            credentials: "same-origin",
            headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken},
            body: JSON.stringify({
              client_action_id: item.client_action_id, stop_id: item.stop_id, action: item.action,
              performed_at: item.performed_at, payload: item.payload,
            }),
          });
        } catch (error) {
          break;  // no connection: keep it queued, try again later
        }
        if (response.redirected || response.status >= 500) break;  // signed out or server trouble: retry later
        let body = {};
        try { body = await response.json(); } catch (error) { body = {}; }
        const card = cardOf(item.stop_id);
        if (response.ok) {
          const sent = updateItem(item.client_action_id, {state: "sent", sentAt: Date.now(), result: body.stop});
          if (sent && sent.payload) delete sent.payload.photo;
          if (card) {
            card.dataset.serverStatus = body.stop.status;
            setCardStatus(card, body.stop.status);
            showQueueState(card, sent || item);
          }
        } else {
          const failed = updateItem(item.client_action_id, {state: "failed", message: body.error || "Refused."});
          if (card) {
            setCardStatus(card, card.dataset.serverStatus || "pending");
            showQueueState(card, failed || item);
            const form = card.querySelector('form[data-action="' + item.action + '"]');
            if (form) {
              const details = form.closest("details");
              if (details) details.open = true;
              showErrors(form, body.fields, body.error);
            }
          }
        }
      }
    } finally {
      flushing = false;
      renderStatusLine();
    }
  }

  function formatLeft(ms) {
    if (ms <= 0) return "time is up";
    const minutes = Math.floor(ms / 60000);
    const hours = Math.floor(minutes / 60);
    return (hours ? hours + " h " + (minutes % 60) + " min" : minutes + " min") + " left";
  }

  function tickCountdowns() {
    document.querySelectorAll(".safe-until[data-until]").forEach(box => {
      const left = new Date(box.dataset.until).getTime() - Date.now();
      const slot = box.querySelector(".countdown");
      if (slot) slot.textContent = formatLeft(left);
      box.classList.toggle("late", left <= 0);
    });
  }

  // A tooltip made of text: Leaflet reads a string as HTML, and stop names are typed by partners.
  function textBox(text) {
    const box = document.createElement("div");
    box.textContent = text;
    return box;
  }

  function drawMaps() {
    document.querySelectorAll(".route").forEach(section => {
      const element = section.querySelector(".map");
      const stops = Array.from(section.querySelectorAll(".stop")).map(card => ({
        lat: parseFloat(card.dataset.lat), lon: parseFloat(card.dataset.lon), name: card.dataset.name,
      })).filter(stop => isFinite(stop.lat) && isFinite(stop.lon));
      if (!element) return;
      if (typeof L === "undefined" || !stops.length) { element.hidden = true; return; }
      const map = L.map(element, {scrollWheelZoom: false});
      // The pages send no Referer off-site; the tile server's usage policy asks for one, so tiles send the origin.
      L.tileLayer(element.dataset.tiles, {
        maxZoom: 18, attribution: element.dataset.attribution, referrerPolicy: "strict-origin-when-cross-origin",
      }).addTo(map);
      // Vector markers and line: they are drawn even when the tile server is unreachable.
      const markers = stops.map(stop => L.circleMarker([stop.lat, stop.lon], {
        radius: 9, weight: 2, color: "#1b5e20", fillColor: "#43a047", fillOpacity: 0.85,
      }).bindTooltip(textBox(stop.name)).addTo(map));
      L.polyline(stops.map(stop => [stop.lat, stop.lon]), {color: "#1b5e20", weight: 3, opacity: 0.6}).addTo(map);
      map.fitBounds(L.featureGroup(markers).getBounds().pad(0.15), {maxZoom: 15});
      element.dataset.markers = String(markers.length);
    });
  }

  document.querySelectorAll("form[data-action]").forEach(form => {
    const card = form.closest(".stop");
    const kg = form.querySelector('[name="kg"]');
    if (kg) form.dataset.expected = kg.defaultValue;
    if (card) form.addEventListener("submit", onSubmit);
  });
  document.querySelectorAll(".stop").forEach(card => { card.dataset.serverStatus = card.dataset.status; });
  applyQueue();
  drawMaps();
  tickCountdowns();
  setInterval(tickCountdowns, 30000);
  window.addEventListener("online", () => { renderStatusLine(); flush(); });
  window.addEventListener("offline", renderStatusLine);
  setInterval(flush, RETRY_MS);
  flush();
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/driver/sw.js", {scope: "/driver/"}).catch(() => {});
  }
})();
