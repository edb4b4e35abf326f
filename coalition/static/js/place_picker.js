// The pin picker. "Find on map" asks the server's geocoder (GET data-geocode-url?q=...) and shows the place
// as a draggable pin; dragging or clicking the map moves it, so a place can be given without any geocoder.
// The pin's point goes into the form's latitude and longitude fields, which can also be typed by hand when
// Leaflet or the map tiles cannot be loaded. Text from the server is only ever set with textContent.
(function () {
  "use strict";

  function setupPicker(picker) {
    const form = picker.closest("form");
    const address = form.querySelector(picker.dataset.address);
    const lat = form.querySelector(picker.dataset.lat);
    const lon = form.querySelector(picker.dataset.lon);
    const farBox = form.querySelector("[data-far-box]");
    const status = picker.querySelector("[data-status]");
    const choices = picker.querySelector("[data-choices]");
    const mapElement = picker.querySelector("[data-map]");
    const findButton = picker.querySelector("[data-find]");
    let map = null;
    let pin = null;

    function say(text, isError) {
      status.textContent = text;
      status.classList.toggle("error", Boolean(isError));
    }

    function showFar(farKm) {
      if (!farBox) return;
      farBox.hidden = !farKm;
      if (farKm) say("This place is " + Math.round(farKm) + " km from the nearest partner: check the pin, and tick the box if it is right.", true);
    }

    function popupFor(label) {
      const text = document.createElement("span");
      text.textContent = label;
      return text;
    }

    function placePin(point, label) {
      lat.value = point.lat.toFixed(6);
      lon.value = point.lng.toFixed(6);
      picker.dataset.pinned = "true";
      if (!map) return;
      if (!pin) {
        pin = L.marker(point, {draggable: true, title: "Drag the pin to the door", keyboard: true}).addTo(map);
        pin.on("dragend", function () {
          placePin(pin.getLatLng(), null);
          say("Pin moved. Save to keep it here.", false);
        });
      } else {
        pin.setLatLng(point);
      }
      // Centre without animation and open the popup without panning, so the pin is already
      // where it stays when the person reaches for it (a moving pin is hard to drag).
      map.setView(point, Math.max(map.getZoom(), 16), {animate: false});
      if (label) pin.bindPopup(popupFor(label), {autoPan: false}).openPopup();
    }

    function startMap() {
      if (typeof L === "undefined" || !mapElement) {
        // No map at all: the coordinates are the way in, so show them.
        const coordinates = form.querySelector('[data-coordinates-for="' + lat.id + '"]');
        if (coordinates) coordinates.open = true;
        return;
      }
      mapElement.hidden = false;
      const hint = picker.querySelector("[data-map-hint]");
      if (hint) hint.hidden = false;
      map = L.map(mapElement, {scrollWheelZoom: false});
      L.tileLayer(picker.dataset.tiles, {maxZoom: 19, attribution: picker.dataset.attribution}).addTo(map);
      const typed = [parseFloat(lat.value), parseFloat(lon.value)];
      if (typed.every(Number.isFinite)) {
        map.setView(typed, 16);
        placePin(L.latLng(typed[0], typed[1]), null);
      } else if (picker.dataset.centerLat) {
        map.setView([parseFloat(picker.dataset.centerLat), parseFloat(picker.dataset.centerLon)], 11);
      } else {
        map.setView([20, 0], 2);
      }
      map.on("click", function (event) {
        placePin(event.latlng, null);
        say("Pin placed. Drag it to the door if needed, then save.", false);
      });
    }

    function offerChoices(matches) {
      choices.replaceChildren();
      matches.forEach(function (match) {
        const item = document.createElement("li");
        const choose = document.createElement("button");
        choose.type = "button";
        choose.textContent = match.label;
        choose.addEventListener("click", function () {
          choices.hidden = true;
          choices.replaceChildren();
          placePin(L.latLng(match.lat, match.lon), match.label);
          say("Pin placed at " + match.label + ". Drag it to the door if needed, then save.", false);
          showFar(match.far_km);
        });
        item.appendChild(choose);
        choices.appendChild(item);
      });
      choices.hidden = false;
    }

    function answered(ok, body) {
      if (!ok) {
        const message = (body.fields && body.fields.address) || body.error || "The address could not be found.";
        say(message + (map ? " Click the map to place the pin." : " Type the coordinates below."), true);
        return;
      }
      if (body.matches.length === 1 || !map) {
        const match = body.matches[0];
        if (map) placePin(L.latLng(match.lat, match.lon), match.label);
        else { lat.value = match.lat; lon.value = match.lon; }
        say("Found: " + match.label + ". Drag the pin to the door if needed, then save.", false);
        showFar(match.far_km);
      } else {
        say("This address matches " + body.matches.length + " places: choose one.", false);
        offerChoices(body.matches);
      }
    }

    function find() {
      const query = address.value.trim();
      if (!query) { say("Type a street address first.", true); address.focus(); return; }
      const url = new URL(picker.dataset.geocodeUrl, window.location.href);
      url.searchParams.set("q", query);
      if (picker.dataset.organizationId) url.searchParams.set("organization_id", picker.dataset.organizationId);
      say("Looking for the address…", false);
      findButton.disabled = true;
      fetch(url, {headers: {Accept: "application/json"}, credentials: "same-origin"})
        .then(function (response) {
          return response.json().then(function (body) { answered(response.ok, body); });
        })
        .catch(function () { say("The server could not be reached. Click the map or type the coordinates.", true); })
        .finally(function () { findButton.disabled = false; });
    }

    // Without a geocoder set up there is no button: the pin is placed by a click on the map.
    if (findButton) {
      findButton.hidden = false;
      findButton.addEventListener("click", find);
      address.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); find(); }
      });
    }
    address.addEventListener("input", function () {
      if (picker.dataset.pinned) say("The address changed: Find on map again, or keep the pin where it is.", false);
    });
    [lat, lon].forEach(function (input) {
      input.addEventListener("change", function () {
        const point = [parseFloat(lat.value), parseFloat(lon.value)];
        if (map && point.every(Number.isFinite)) placePin(L.latLng(point[0], point[1]), null);
      });
    });
    // A picker inside a section shown only for some choices (a shift's "Home") draws its map once visible.
    picker.addEventListener("place-picker:shown", function () {
      if (map) map.invalidateSize();
    });
    try {
      startMap();
    } catch (error) {
      mapElement.hidden = true;  // the typed coordinates still work
      const coordinates = form.querySelector('[data-coordinates-for="' + lat.id + '"]');
      if (coordinates) coordinates.open = true;
    }
  }

  // Sections that matter for one choice of a select only, e.g. the address of a shift's home start.
  function setupShowWhen(section) {
    const select = document.querySelector(section.dataset.showWhen);
    if (!select) return;
    function update() {
      section.hidden = select.value !== section.dataset.showValue;
      if (!section.hidden) {
        section.querySelectorAll("[data-place-picker]").forEach(function (picker) {
          picker.dispatchEvent(new CustomEvent("place-picker:shown"));
        });
      }
    }
    select.addEventListener("change", update);
    update();
  }

  document.querySelectorAll("[data-place-picker]").forEach(setupPicker);
  document.querySelectorAll("[data-show-when]").forEach(setupShowWhen);
})();
