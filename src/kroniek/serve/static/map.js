/* kroniek's interactive map: Leaflet + markercluster over the shipped basemap, no tile server.
 *
 * Every element with class "kmap" and a data-src (a /api/map?... URL answering GeoJSON) becomes a map: land and
 * borders from data-basemap (static/basemap.json), place labels from data-labels (static/map-labels.json),
 * event markers clustered with their counts, coloured by event type (classes in map.css) and sized by fatalities,
 * each with a popup linking to its event. Untrusted text (places, actors) only ever goes in through textContent.
 * Nothing here writes a style attribute or inline script, so the page's CSP (script-src/style-src 'self') holds.
 */
(function () {
  'use strict';

  var LAND = { stroke: true, color: '#8f8a78', weight: 0.8, fill: true, fillColor: '#f4f1e8', fillOpacity: 1,
               interactive: false };
  var MAX_LABELS = 250;  // labels drawn at once: the most important ones in view win
  var cache = {};

  function getJSON(url) {
    if (!cache[url]) {
      cache[url] = fetch(url, { credentials: 'same-origin' }).then(function (response) {
        if (!response.ok) { throw new Error(url + ': HTTP ' + response.status); }
        return response.json();
      });
    }
    return cache[url];
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  // A ring that crosses the antimeridian (Chukotka, Fiji) made continuous, as maps.py does for the SVG map:
  // otherwise its closing edge runs across the world and the fill covers the sea.
  function unwrapped(ring) {
    var out = [];
    var shift = 0;
    for (var i = 0; i < ring.length; i++) {
      var lon = ring[i][0] + shift;
      if (out.length) {
        var previous = out[out.length - 1][1];
        if (lon - previous > 180) { shift -= 360; lon -= 360; } else if (lon - previous < -180) { shift += 360; lon += 360; }
      }
      out.push([ring[i][1], lon]);
    }
    return out;
  }

  function drawBasemap(map, data) {
    var renderer = L.canvas({ pane: 'land', padding: 0.5 });  // one canvas: far cheaper than 250 SVG paths
    data.countries.forEach(function (country) {
      if (!country.rings.length) { return; }
      var polygons = country.rings.map(function (ring) { return [unwrapped(ring)]; });
      L.polygon(polygons, L.extend({ renderer: renderer, smoothFactor: 1.2 }, LAND)).addTo(map);
    });
  }

  function labelLayer(map, data) {
    var layer = L.layerGroup().addTo(map);
    var countries = data.countries.map(function (c) { return { name: c[0], at: L.latLng(c[1], c[2]), zoom: c[3], kind: 'country' }; });
    countries.sort(function (a, b) { return a.zoom - b.zoom; });  // big countries first
    var places = data.places.map(function (p) { return { name: p[0], at: L.latLng(p[1], p[2]), zoom: p[3], kind: 'place' }; });
    function redraw() {
      layer.clearLayers();
      var zoom = map.getZoom();
      var view = map.getBounds().pad(0.1);
      var shown = 0;
      var taken = [];  // boxes of the labels placed so far: a label that would overlap one is left out
      // countries only while zoomed out; places from their own zoom; the most important first (file order)
      var pool = (zoom <= 6 ? countries : []).concat(places);
      for (var i = 0; i < pool.length && shown < MAX_LABELS; i++) {
        var label = pool[i];
        if (label.zoom > zoom || !view.contains(label.at)) { continue; }
        var centre = map.latLngToLayerPoint(label.at);
        var half = label.name.length * (label.kind === 'country' ? 4.6 : 3.2) + 4;  // about half the text's width
        var top = label.kind === 'country' ? centre.y - 9 : centre.y - 3;  // a place's name hangs below its dot
        var box = L.bounds([centre.x - half, top], [centre.x + half, top + 18]);
        if (taken.some(function (other) { return other.intersects(box); })) { continue; }
        taken.push(box);
        var text = el('span', null, label.name);
        L.marker(label.at, {
          pane: 'labels', interactive: false, keyboard: false,
          icon: L.divIcon({ className: 'map-label map-label-' + label.kind, html: text, iconSize: null })
        }).addTo(layer);
        shown++;
      }
    }
    map.on('zoomend moveend', redraw);
    redraw();
  }

  function radius(fatalities) {
    // area grows with the dead: 14 px for none, capped at 44 px so a massacre does not hide a country
    return Math.round(14 + Math.min(30, 5 * Math.sqrt(fatalities || 0)));
  }

  function popup(p) {
    var box = el('div', 'map-popup');
    box.appendChild(el('strong', null, (p.event_type || 'Event') + (p.sub_event_type ? ' · ' + p.sub_event_type : '')));
    // the date as the pages print it (date_label: "January 2022" for a month), else the date and its precision
    var facts = [p.date_label || (p.date ? p.date + (p.date_precision && p.date_precision !== 'day' ? ' (' + p.date_precision + ')' : '') : 'undated')];
    if (p.place) { facts.push(p.place + (p.country && p.country !== p.place ? ', ' + p.country : '')); }
    box.appendChild(el('div', null, facts.join(' · ')));
    if (p.actor1) { box.appendChild(el('div', null, p.actor1 + (p.actor2 ? ' → ' + p.actor2 : ''))); }
    if (p.fatalities !== null && p.fatalities !== undefined) { box.appendChild(el('div', null, 'Fatalities: ' + p.fatalities)); }
    if (!p.happened) { box.appendChild(el('div', 'contexts', 'did not happen or uncertain')); }
    var link = el('a', 'map-popup-link', 'Open the event');
    link.href = p.href;  // built by the server from the event id: /events/<id>
    box.appendChild(link);
    return box;
  }

  function legendControl(map, rows) {
    var control = L.control({ position: 'bottomright' });
    control.onAdd = function () {
      // a <details>: open on a wide screen, folded to its title on a phone so that it does not hide the map
      var box = el('details', 'map-legend');
      box.open = map.getSize().x > 600;
      box.appendChild(el('summary', 'map-legend-title', 'Event type'));
      var list = el('ul');
      rows.forEach(function (row) {
        var item = el('li');
        item.appendChild(el('span', 'swatch ev-' + row.slug));
        item.appendChild(el('span', 'legend-label', row.label));
        item.appendChild(el('span', 'legend-count', row.count));
        list.appendChild(item);
      });
      box.appendChild(list);
      box.appendChild(el('div', 'map-legend-note', 'Size: fatalities · number: events in a cluster · dashed: place known only roughly'));
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    control.addTo(map);
    return control;
  }

  function drawEvents(map, container, data) {
    var cluster = L.markerClusterGroup({ maxClusterRadius: 45, showCoverageOnHover: false, spiderfyOnMaxZoom: true,
                                         chunkedLoading: true });
    var bounds = [];
    data.features.forEach(function (feature) {
      var p = feature.properties;
      var size = radius(p.fatalities);
      var marker = L.marker([feature.geometry.coordinates[1], feature.geometry.coordinates[0]], {
        title: [p.date, p.event_type, p.place].filter(Boolean).join(' · '),
        alt: p.event_type || 'event',
        icon: L.divIcon({ className: 'ev-marker ev-' + p.type_slug + ' gp-' + p.geo_precision + (p.happened ? '' : ' not-happened'),
                          iconSize: [size, size] })
      });
      marker.bindPopup(popup(p));
      cluster.addLayer(marker);
      bounds.push(marker.getLatLng());
    });
    map.addLayer(cluster);
    var legend = data.legend && data.legend.length ? legendControl(map, data.legend) : null;
    var status = container.parentNode.querySelector('.kmap-status');
    if (status) {
      var words = data.features.length + ' of ' + data.total + ' events on the map';
      if (data.unlocated) { words += '; ' + data.unlocated + ' without coordinates'; }
      if (data.truncated) { words += '; only the first ' + (data.features.length + data.unlocated) + ' were read: narrow the filters'; }
      status.textContent = words + '.';
    }
    if (bounds.length) {
      // keep the markers clear of the legend in the bottom right corner where the map is wide enough for both
      var size = map.getSize();
      var aside = legend && size.x > 600 ? legend.getContainer().offsetWidth + 20 : 0;
      map.fitBounds(L.latLngBounds(bounds), { paddingTopLeft: [30, 30], paddingBottomRight: [30 + aside, 30],
                                              maxZoom: 8 });
    }
    container.setAttribute('data-ready', String(data.features.length));
    return cluster;
  }

  function init(container) {
    container.hidden = false;
    var map = L.map(container, { minZoom: 1, maxZoom: 13, zoomSnap: 1, worldCopyJump: false,
                                 maxBounds: [[-89, -400], [89, 400]], attributionControl: true });
    map.attributionControl.setPrefix('Leaflet');
    map.attributionControl.addAttribution('Natural Earth · GeoNames');
    map.createPane('land').classList.add('kmap-land');
    map.createPane('labels').classList.add('kmap-labels');
    map.setView([30, 10], 2);
    container.kroniekMap = map;  // for the browser tests and the console
    Promise.all([getJSON(container.dataset.basemap), getJSON(container.dataset.labels), getJSON(container.dataset.src)])
      .then(function (loaded) {
        drawBasemap(map, loaded[0]);
        labelLayer(map, loaded[1]);
        container.kroniekCluster = drawEvents(map, container, loaded[2]);
      })
      .catch(function (error) {
        container.setAttribute('data-error', String(error));
        var status = container.parentNode.querySelector('.kmap-status');
        if (status) { status.textContent = 'The map could not be loaded: ' + error; }
      });
  }

  function start() {
    if (typeof L === 'undefined') {  // the vendored scripts did not load: a story page keeps its SVG map
      Array.prototype.forEach.call(document.querySelectorAll('.kmap-status'), function (status) {
        status.textContent = 'The interactive map could not be loaded.';
      });
      return;
    }
    Array.prototype.forEach.call(document.querySelectorAll('.kmap[data-src]'), init);
  }

  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
}());
