// The job's map. Rasters are read straight from the store with HTTP range requests: OpenLayers'
// ol.source.GeoTIFF (the full build, assets/vendor/ol.js) over geotiff.js's browser build
// (assets/vendor/geotiff.js, the global GeoTIFF it expects). Both are loaded only when a job is
// opened. Quirks as hotosm/drone-tm's TaskOrthoCogViewer.tsx notes them: RGBA band detection is
// left to the source (no `bands`), the View is built only after `await source.getView()`, and
// without its `resolutions` (they would pin the zoom levels to the COG's overviews).
//
// spec = { layers: { orthophoto?, dsm?, dtm?, shots? }, positions?, baseMap? { url, attribution } }

const RAMP = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]]; // viridis

let libraries = null;

function script(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error('cannot load ' + src));
    document.head.append(s);
  });
}

function stylesheet(href) {
  const l = document.createElement('link');
  l.rel = 'stylesheet';
  l.href = href;
  document.head.append(l);
}

export function loadLibraries() {
  if (!libraries) {
    stylesheet('assets/vendor/ol.css');
    libraries = script('assets/vendor/geotiff.js').then(() => script('assets/vendor/ol.js'));
  }
  return libraries;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c != null) node.append(c);
  return node;
}

// Min and max of a DEM for its colour ramp: GDAL's statistics when the file has them, else the
// smallest overview's values (a few KB, read with one more range request).
async function demRange(url) {
  const tiff = await GeoTIFF.fromUrl(url);
  const full = await tiff.getImage(0);
  const meta = full.getGDALMetadata(0) || {};
  if (meta.STATISTICS_MINIMUM != null && meta.STATISTICS_MAXIMUM != null) {
    return [Number(meta.STATISTICS_MINIMUM), Number(meta.STATISTICS_MAXIMUM)];
  }
  const count = await tiff.getImageCount();
  const small = await tiff.getImage(count - 1);
  const nodata = full.getGDALNoData();
  const [band] = await small.readRasters({ samples: [0] });
  let min = Infinity; let max = -Infinity;
  for (const v of band) {
    if (v === nodata || Number.isNaN(v) || v < -1e30) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? [min, max] : [0, 1];
}

function rampExpression(min, max) {
  const stops = [];
  RAMP.forEach((c, i) => stops.push(min + ((max - min) * i) / (RAMP.length - 1), [...c, 1]));
  return ['interpolate', ['linear'], ['band', 1], ...stops];
}

// The outline of a set of points: their convex hull (Andrew's monotone chain).
function hull(points) {
  const p = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (p.length < 3) return null;
  const cross = (o, a, b) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower = []; const upper = [];
  for (const q of p) { while (lower.length >= 2 && cross(lower.at(-2), lower.at(-1), q) <= 0) lower.pop(); lower.push(q); }
  for (const q of p.reverse()) { while (upper.length >= 2 && cross(upper.at(-2), upper.at(-1), q) <= 0) upper.pop(); upper.push(q); }
  const ring = lower.slice(0, -1).concat(upper.slice(0, -1));
  ring.push(ring[0]);
  return ring;
}

function pointStyle(fill, radius) {
  return new ol.style.Style({
    image: new ol.style.Circle({
      radius, fill: new ol.style.Fill({ color: fill }), stroke: new ol.style.Stroke({ color: '#fff', width: 1.5 }),
    }),
  });
}

/** One job's map in `root`; `update(spec)` swaps what changed, `destroy()` ends it. */
export class JobMap {
  constructor(root) {
    this.root = root;
    this.key = null;
    this.rasters = {};
    this.vectors = {};
    this.positionsUrl = null;
  }

  async show(spec, key) {
    await loadLibraries();
    if (key !== this.key) {
      this.key = key;
      await this.build(spec);
    }
    await this.refreshPositions(spec.positions);
  }

  async build(spec) {
    this.destroy();
    const root = this.root;
    root.hidden = false;
    root.dataset.ready = '';
    const target = el('div', { id: 'map', class: 'map', role: 'region', 'aria-label': 'map of the job' });
    const controls = el('div', { class: 'map-controls' });
    const legend = el('div', { id: 'map-legend', class: 'map-legend', hidden: true });
    const notes = el('p', { id: 'map-notes', class: 'map-notes', 'aria-live': 'polite' });
    root.replaceChildren(target, controls, legend, notes);

    const layers = [];
    if (spec.baseMap?.url) {
      layers.push(new ol.layer.Tile({
        source: new ol.source.XYZ({ url: spec.baseMap.url, attributions: spec.baseMap.attribution, crossOrigin: 'anonymous' }),
      }));
    }
    let viewConfig = null;
    const kinds = [['orthophoto', 'Orthophoto'], ['dsm', 'Surface (DSM)'], ['dtm', 'Terrain (DTM)']]
      .filter(([k]) => spec.layers?.[k]);
    for (const [kind] of kinds) {
      const url = spec.layers[kind];
      const dem = kind !== 'orthophoto';
      const source = new ol.source.GeoTIFF({ sources: [{ url }], normalize: !dem });
      const layer = new ol.layer.WebGLTile({ source, visible: kind === kinds[0][0] });
      if (dem) {
        layer.odmRange = demRange(url).then(([min, max]) => {
          layer.setStyle({ color: rampExpression(min, max) });
          return [min, max];
        });
      }
      this.rasters[kind] = layer;
      layers.push(layer);
      if (!viewConfig) viewConfig = source.getView(); // awaited below, before the View is built
    }
    for (const name of ['outline', 'shots', 'positions']) {
      const style = {
        outline: new ol.style.Style({ stroke: new ol.style.Stroke({ color: '#ff6d00', width: 2, lineDash: [6, 4] }) }),
        shots: pointStyle('#d81b60', 5),
        positions: pointStyle('#1e88e5', 4),
      }[name];
      this.vectors[name] = new ol.layer.Vector({ source: new ol.source.Vector(), style });
      layers.push(this.vectors[name]);
    }

    const map = new ol.Map({ target, layers, controls: ol.control.defaults.defaults({ attribution: !!spec.baseMap?.url }) });
    this.map = map;
    window.odmJobMap = this; // for the browser tests and the curious: the OpenLayers map is .map
    let projection = 'EPSG:3857';
    if (viewConfig) {
      const config = await viewConfig;
      projection = config.projection;
      // no `resolutions`: see the note at the top
      map.setView(new ol.View({ projection: config.projection, center: config.center, zoom: config.zoom }));
      map.getView().fit(config.extent, { padding: [20, 20, 20, 20] });
    } else {
      map.setView(new ol.View({ projection, center: [0, 0], zoom: 2 }));
    }
    this.projection = projection;

    // the toggle between the rasters, and the legend of the elevation ramp
    if (kinds.length) {
      const group = el('fieldset', { class: 'map-layers' }, el('legend', { text: 'Raster' }));
      for (const [kind, label] of kinds) {
        group.append(el('label', {}, el('input', {
          type: 'radio', name: 'map-raster', value: kind, checked: kind === kinds[0][0] ? true : null,
          onchange: () => this.showRaster(kind),
        }), ' ', label));
      }
      controls.append(group);
    }
    const toggles = el('fieldset', { class: 'map-layers' }, el('legend', { text: 'Points' }));
    for (const [name, label] of [['shots', 'Camera positions (ODM)'], ['positions', 'Image positions (GPS)'], ['outline', 'Outline']]) {
      toggles.append(el('label', {}, el('input', {
        type: 'checkbox', name: 'map-' + name, checked: true,
        onchange: (e) => this.vectors[name].setVisible(e.target.checked),
      }), ' ', label));
    }
    controls.append(toggles);

    if (spec.layers?.shots) {
      const res = await fetch(spec.layers.shots);
      if (res.ok) {
        const features = new ol.format.GeoJSON().readFeatures(await res.json(), { dataProjection: 'EPSG:4326', featureProjection: projection });
        this.vectors.shots.getSource().addFeatures(features);
        this.root.dataset.shots = String(features.length);
      }
    }
    if (!viewConfig) this.fitPoints();
    map.once('rendercomplete', () => { root.dataset.ready = kinds.length ? kinds[0][0] : 'points'; });
  }

  async showRaster(kind) {
    for (const [k, layer] of Object.entries(this.rasters)) layer.setVisible(k === kind);
    const legend = document.getElementById('map-legend');
    this.root.dataset.ready = '';
    if (kind === 'orthophoto') {
      legend.hidden = true;
    } else {
      const [min, max] = await this.rasters[kind].odmRange;
      const bar = el('span', { class: 'ramp' });
      bar.style.background = `linear-gradient(to right, ${RAMP.map((c) => `rgb(${c.join(',')})`).join(', ')})`;
      legend.replaceChildren(el('span', { text: `${min.toFixed(1)} m` }), bar, el('span', { text: `${max.toFixed(1)} m` }),
        el('span', { class: 'what', text: kind === 'dsm' ? ' surface elevation' : ' terrain elevation' }));
      legend.hidden = false;
    }
    this.map.once('rendercomplete', () => { this.root.dataset.ready = kind; });
    this.map.render();
  }

  async refreshPositions(url) {
    if (!url || !this.map) return;
    let data;
    try {
      const res = await fetch(url, { cache: 'no-cache' });
      if (!res.ok) return; // not read yet
      data = await res.json();
    } catch (e) {
      return;
    }
    if (data.generatedAt && data.generatedAt === this.positionsAt) return;
    this.positionsAt = data.generatedAt;
    const features = new ol.format.GeoJSON().readFeatures(data, { dataProjection: 'EPSG:4326', featureProjection: this.projection });
    const source = this.vectors.positions.getSource();
    source.clear();
    source.addFeatures(features);
    const ring = hull(features.map((f) => f.getGeometry().getCoordinates()));
    this.vectors.outline.getSource().clear();
    if (ring) this.vectors.outline.getSource().addFeature(new ol.Feature(new ol.geom.Polygon([ring])));
    this.root.dataset.positions = String(features.length);
    const missing = data.withoutGps || [];
    const notes = document.getElementById('map-notes');
    notes.replaceChildren(`${features.length} of ${data.images ?? features.length} images have a GPS position.`);
    if (missing.length) {
      notes.append(` ${missing.length} without: `, el('span', { id: 'without-gps', text: missing.join(', ') }));
    }
    if (!Object.keys(this.rasters).length) this.fitPoints();
    this.map.once('rendercomplete', () => { this.root.dataset.pointsShown = String(features.length); });
  }

  fitPoints() {
    const extent = ol.extent.createEmpty();
    for (const name of ['positions', 'shots']) ol.extent.extend(extent, this.vectors[name].getSource().getExtent());
    if (!ol.extent.isEmpty(extent)) this.map.getView().fit(ol.extent.buffer(extent, 30), { maxZoom: 19, padding: [30, 30, 30, 30] });
  }

  destroy() {
    if (this.map) this.map.setTarget(null);
    this.map = null;
    this.rasters = {};
    this.vectors = {};
    this.positionsAt = null;
  }
}
