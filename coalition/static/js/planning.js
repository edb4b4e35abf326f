// The plan page: polls the job's status while it solves, and draws every route on a Leaflet map.
// Markers and lines are vectors, so they still show when the tile server cannot be reached.
(function () {
  const box = document.getElementById("plan-status");
  if (box && box.dataset.status === "solving") {
    const poll = () => fetch(box.dataset.statusUrl, {headers: {Accept: "application/json"}})
      .then(r => r.ok ? r.json() : Promise.reject(new Error(`status ${r.status}`))).then(s => {
        document.getElementById("status-word").textContent = s.status;
        document.getElementById("status-message").textContent = s.message;
        const bar = document.getElementById("progress");
        if (bar) bar.value = s.progress_pct;
        if (s.done) window.location.reload(); else setTimeout(poll, 1000);
      }).catch(() => setTimeout(poll, 3000));
    setTimeout(poll, 1000);
  }
  const element = document.getElementById("plan-map");
  if (!element || typeof L === "undefined") return;
  const routes = JSON.parse(element.dataset.routes || "[]");
  if (!routes.length) { element.hidden = true; return; }
  const map = L.map(element, {scrollWheelZoom: false});
  // The pages send no Referer off-site; the tile server's usage policy asks for one, so tiles send the origin.
  L.tileLayer(element.dataset.tiles, {
    maxZoom: 18, attribution: element.dataset.attribution, referrerPolicy: "strict-origin-when-cross-origin",
  }).addTo(map);
  // Popups are built as text: Leaflet reads a string as HTML, and names are typed by people.
  const textBox = text => {
    const box = document.createElement("div");
    box.textContent = text;
    return box;
  };
  const colours = ["#1b5e20", "#0d47a1", "#b71c1c", "#e65100", "#4a148c", "#006064", "#827717", "#3e2723"];
  const layers = [];
  let lines = 0;
  routes.forEach((route, i) => {
    const colour = colours[i % colours.length];
    const points = route.stops.map(s => [s.lat, s.lon]);
    if (points.length > 1) {
      layers.push(L.polyline(points, {color: colour, weight: 4, opacity: 0.8, className: "route-line"})
        .bindPopup(textBox(route.driver)).addTo(map));
      lines += 1;
    }
    route.stops.forEach(s => layers.push(L.circleMarker([s.lat, s.lon], {
      radius: s.kind === "pickup" ? 7 : 5, weight: 2, color: colour, fillColor: s.kind === "pickup" ? colour : "#fff",
      fillOpacity: 0.9}).bindPopup(textBox(`${route.driver}: ${s.position + 1}. ${s.kind} ${s.name}`)).addTo(map)));
  });
  map.fitBounds(L.featureGroup(layers).getBounds().pad(0.1));
  element.dataset.lines = String(lines);
})();
