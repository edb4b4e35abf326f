// The neighborhoods choropleth: colour by underserved score. Polygons are vector paths,
// so the map still reads when the tile server cannot be reached.
function underservedColour(score) {
  if (score === null || score === undefined) return "#bdbdbd";
  if (score >= 75) return "#b71c1c";
  if (score >= 50) return "#ef6c00";
  if (score >= 25) return "#fbc02d";
  return "#43a047";
}

function drawChoropleth(element, collection) {
  if (!element || typeof L === "undefined" || !collection || collection.features.length === 0) {
    if (element) element.hidden = true;
    return null;
  }
  const map = L.map(element, {scrollWheelZoom: false});
  // The pages send no Referer off-site; the tile server's usage policy asks for one, so tiles send the origin.
  L.tileLayer(element.dataset.tiles, {
    maxZoom: 18, attribution: element.dataset.attribution, referrerPolicy: "strict-origin-when-cross-origin",
  }).addTo(map);
  const fmt = (value, digits) => (value === null || value === undefined) ? "n/a" : Number(value).toFixed(digits);
  const layer = L.geoJSON(collection, {
    style: feature => ({color: "#37474f", weight: 1, fillOpacity: 0.6,
                        fillColor: underservedColour(feature.properties.underserved_score)}),
    onEachFeature: (feature, path) => {
      const p = feature.properties;
      const box = document.createElement("div");
      const title = document.createElement("strong");
      title.textContent = p.name + (p.is_demo ? " (demo data)" : "");
      box.appendChild(title);
      [["Food insecure", fmt(p.food_insecurity_pct, 1) + "% of " + p.population],
       ["Meals per food-insecure resident", fmt(p.meals_per_food_insecure, 2)],
       ["Nearest food bank or shelter", fmt(p.distance_km, 1) + " km"],
       ["Underserved score", fmt(p.underserved_score, 1) + (p.rank ? " (rank " + p.rank + ")" : "")]
      ].forEach(([label, value]) => {
        const line = document.createElement("div");
        line.textContent = label + ": " + value;
        box.appendChild(line);
      });
      path.bindPopup(box);
    },
  }).addTo(map);
  map.fitBounds(layer.getBounds().pad(0.05));
  element.dataset.features = String(collection.features.length);
  return map;
}

// The dashboard puts its GeoJSON in a <script type="application/json"> block: the
// Content-Security-Policy runs no inline script, so the map starts from here.
(function () {
  "use strict";
  const data = document.getElementById("neighborhoods-data");
  if (data) drawChoropleth(document.getElementById("measurement-map"), JSON.parse(data.textContent));
})();
