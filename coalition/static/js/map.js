// Draws partner sites on a Leaflet map. Markers are vector circles, so they
// still show when the tile server cannot be reached.

// A popup or tooltip made of text: Leaflet reads a string as HTML, and names are typed by partners.
function textBox(text) {
  const box = document.createElement("div");
  box.textContent = text;
  return box;
}

function drawSitesMap(element, sites) {
  if (!element || typeof L === "undefined" || sites.length === 0) {
    if (element) element.hidden = true;
    return null;
  }
  const map = L.map(element, {scrollWheelZoom: false});
  // The pages send no Referer off-site; the tile server's usage policy asks for one, so tiles send the origin.
  L.tileLayer(element.dataset.tiles, {
    maxZoom: 18, attribution: element.dataset.attribution, referrerPolicy: "strict-origin-when-cross-origin",
  }).addTo(map);
  const markers = sites.map(site =>
    L.circleMarker([site.lat, site.lon], {radius: 8, weight: 2, color: "#1b5e20", fillColor: "#43a047", fillOpacity: 0.8})
      .bindPopup(textBox(site.name)).addTo(map));
  if (markers.length === 1) {
    map.setView([sites[0].lat, sites[0].lon], 14);
  } else {
    map.fitBounds(L.featureGroup(markers).getBounds().pad(0.1));
  }
  element.dataset.markers = String(markers.length);
  return map;
}

// Pages say where their sites are instead of calling drawSitesMap from an inline script (the
// Content-Security-Policy runs no inline script): data-sites names a <script type="application/json">
// block, data-site-rows a selector of elements carrying data-lat, data-lon and data-name.
(function () {
  "use strict";
  document.querySelectorAll(".map[data-sites]").forEach(element => {
    const block = document.getElementById(element.dataset.sites);
    drawSitesMap(element, block ? JSON.parse(block.textContent) : []);
  });
  document.querySelectorAll(".map[data-site-rows]").forEach(element => {
    const sites = Array.from(document.querySelectorAll(element.dataset.siteRows))
      .filter(row => row.dataset.lat && row.dataset.lon)
      .map(row => ({lat: Number(row.dataset.lat), lon: Number(row.dataset.lon), name: row.dataset.name}));
    drawSitesMap(element, sites);
  });
})();
