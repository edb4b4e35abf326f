// Draws partner sites on a Leaflet map. Markers are vector circles, so they
// still show when the tile server cannot be reached.
function drawSitesMap(element, sites) {
  if (!element || typeof L === "undefined" || sites.length === 0) {
    if (element) element.hidden = true;
    return null;
  }
  const map = L.map(element, {scrollWheelZoom: false});
  L.tileLayer(element.dataset.tiles, {maxZoom: 18, attribution: element.dataset.attribution}).addTo(map);
  const markers = sites.map(site =>
    L.circleMarker([site.lat, site.lon], {radius: 8, weight: 2, color: "#1b5e20", fillColor: "#43a047", fillOpacity: 0.8})
      .bindPopup(site.name).addTo(map));
  if (markers.length === 1) {
    map.setView([sites[0].lat, sites[0].lon], 14);
  } else {
    map.fitBounds(L.featureGroup(markers).getBounds().pad(0.1));
  }
  element.dataset.markers = String(markers.length);
  return map;
}
