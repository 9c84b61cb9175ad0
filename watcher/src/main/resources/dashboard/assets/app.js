// ODM Watcher dashboard. Plain ES module, no build step. Third-party code only for the job's map
// (OpenLayers and geotiff.js from their WebJars, loaded by map.js when a job is opened).
// Two sources with one page:
//  - "watcher": the watcher's feed next to this page (jobs, job, job/output, login);
//  - "static": a copy of this page in the bucket (or on any static host) reading the summary
//    object the watcher writes (index.json) plus each job's status.json.
// Which one is said by dashboard.json next to the page (the watcher serves it; publish-site writes
// the static one); ?summary=<url> forces the static source.

const STATES = ['waiting', 'submitted', 'running', 'succeeded', 'failed', 'canceled', 'invalid'];
const FINAL = new Set(['succeeded', 'failed', 'canceled', 'invalid']);
const REFRESH_MS = 3000; // WebODM refreshes a task every 3 s
const PAGE_SIZE = 50;

const $ = (id) => document.getElementById(id);
const view = {
  states: new Set(), q: '', sort: 'updated', order: 'desc', page: 0,
  paused: false, selected: null, eTag: null, total: 0,
};
let source = null;

// ---------- sources ----------

class WatcherSource {
  constructor(settings) { this.settings = settings; this.kind = 'watcher'; }

  async page() {
    const params = new URLSearchParams({
      sort: view.sort, order: view.order, page: String(view.page), size: String(PAGE_SIZE),
    });
    if (view.states.size) params.set('state', [...view.states].join(','));
    if (view.q) params.set('q', view.q);
    const headers = view.eTag ? { 'If-None-Match': view.eTag } : {};
    const res = await fetch('jobs?' + params, { headers, credentials: 'same-origin' });
    if (res.status === 304) return null;
    if (res.status === 401) throw new SignInNeeded();
    if (!res.ok) throw new Error('jobs: HTTP ' + res.status);
    view.eTag = res.headers.get('ETag');
    return res.json();
  }

  async job(bucket, folder) {
    const res = await fetch('job?' + new URLSearchParams({ bucket, folder }), { credentials: 'same-origin' });
    if (res.status === 401) throw new SignInNeeded();
    if (!res.ok) throw new Error('job: HTTP ' + res.status);
    return res.json();
  }

  outputUrl(bucket, folder, key) {
    return 'job/output?' + new URLSearchParams({ bucket, folder, key });
  }

  // presigned links to the store, made by the watcher
  async mapSpec(bucket, folder) {
    const res = await fetch('job/map?' + new URLSearchParams({ bucket, folder }), { credentials: 'same-origin' });
    if (!res.ok) throw new Error('job/map: HTTP ' + res.status);
    return { ...(await res.json()), baseMap: this.settings.baseMap };
  }
}

class StaticSource {
  constructor(settings, summaryUrl) {
    this.settings = settings;
    this.kind = 'static';
    this.summaryUrl = new URL(summaryUrl, location.href);
    this.all = [];
    this.statusName = 'status.json';
  }

  async page() {
    // the browser revalidates with If-None-Match itself (no-cache), so an unchanged summary costs a 304
    const res = await fetch(this.summaryUrl, { cache: 'no-cache' });
    if (!res.ok) throw new Error(this.summaryUrl.pathname + ': HTTP ' + res.status);
    const summary = await res.json();
    this.all = summary.jobs || [];
    this.statusName = summary.statusName || 'status.json';
    const counts = Object.fromEntries(STATES.map((s) => [s, 0]));
    for (const j of this.all) counts[j.state] = (counts[j.state] || 0) + 1;
    const q = view.q.toLowerCase();
    let rows = this.all.filter((j) => (!view.states.size || view.states.has(j.state))
      && (!q || [j.folder, j.name, j.bucket, j.jobId].some((v) => v && v.toLowerCase().includes(q))));
    rows.sort(compare(view.sort));
    if (view.order === 'desc') rows.reverse();
    const total = rows.length;
    rows = rows.slice(view.page * PAGE_SIZE, (view.page + 1) * PAGE_SIZE);
    return { total, page: view.page, size: PAGE_SIZE, counts, complete: true, jobs: rows };
  }

  async job(bucket, folder) {
    const res = await fetch(new URL(folder + this.statusName, this.summaryUrl), { cache: 'no-cache' });
    if (!res.ok) throw new Error(folder + this.statusName + ': HTTP ' + res.status);
    return { bucket, folder, status: await res.json() };
  }

  outputUrl(bucket, folder, key) {
    return new URL(folder + key, this.summaryUrl).href;
  }

  // the same objects, read from the bucket as the status is
  async mapSpec(bucket, folder, status) {
    const layers = {};
    for (const [kind, suffix] of Object.entries(MAP_OUTPUTS)) {
      const key = (status.outputs || []).find((k) => k.endsWith(suffix));
      if (key) layers[kind] = this.outputUrl(bucket, folder, key);
    }
    return { layers, positions: new URL(folder + POSITIONS_KEY, this.summaryUrl).href, baseMap: this.settings.baseMap };
  }
}

// the outputs the map draws (the watcher's MapLayers says the same)
const MAP_OUTPUTS = {
  orthophoto: 'odm_orthophoto/odm_orthophoto.tif', dsm: 'odm_dem/dsm.tif', dtm: 'odm_dem/dtm.tif', shots: 'odm_report/shots.geojson',
};
const POSITIONS_KEY = '.odm-watcher/positions.geojson';
let jobMap = null;
let lastShown = null;

// The map is kept across the 3 s refreshes (only the image positions are read again while the
// job has not finished); it is built again when the job or its outputs change.
let mapBusy = false;
async function updateMap(bucket, folder, status) {
  if (mapBusy) return; // the previous refresh's map work is still going
  mapBusy = true;
  try {
    await drawMap(bucket, folder, status);
  } finally {
    mapBusy = false;
  }
}

async function drawMap(bucket, folder, status) {
  const panel = $('map-panel');
  if (status.state === 'invalid') { panel.hidden = true; return; }
  const key = bucket + '/' + folder + '|' + (status.outputs || []).join(',');
  if (jobMap && jobMap.key === key && FINAL.has(status.state)) return;
  try {
    const spec = await source.mapSpec(bucket, folder, status);
    // loaded when a job is first opened: the list never waits for the map's code
    if (!jobMap) jobMap = new (await import('./map.js')).JobMap(panel);
    panel.hidden = false;
    await jobMap.show(spec, key);
  } catch (e) {
    panel.hidden = false;
    panel.replaceChildren(el('p', { class: 'error', text: `Cannot show the map: ${e.message}` }));
    if (jobMap) { jobMap.destroy(); jobMap.key = null; }
  }
}

function compare(sort) {
  const key = {
    folder: (j) => j.bucket + '/' + j.folder,
    name: (j) => (j.name || '').toLowerCase(),
    state: (j) => j.state,
    progress: (j) => (j.progress ?? -1),
    images: (j) => (j.images ?? -1),
    created: (j) => j.createdAt,
    duration: (j) => durationMs(j),
    updated: (j) => j.updatedAt,
  }[sort] || ((j) => j.updatedAt);
  return (a, b) => {
    const x = key(a); const y = key(b);
    if (x < y) return -1;
    if (x > y) return 1;
    return (a.bucket + a.folder).localeCompare(b.bucket + b.folder);
  };
}

class SignInNeeded extends Error {}

// ---------- words ----------

const fmtDate = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const fmtShort = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

function when(iso, short) {
  if (!iso) return '—';
  const d = new Date(iso);
  return short ? fmtShort.format(d) : fmtDate.format(d);
}

function durationMs(j) {
  const end = j.finishedAt ? new Date(j.finishedAt) : (FINAL.has(j.state) ? new Date(j.updatedAt) : new Date());
  return end - new Date(j.createdAt);
}

function duration(ms) {
  if (!(ms >= 0)) return '—';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600); const m = Math.floor((s % 3600) / 60); const sec = s % 60;
  if (h) return `${h} h ${m} min`;
  if (m) return `${m} min ${sec} s`;
  return `${sec} s`;
}

// How far the watcher's list is: still being read; complete from the summary of a given time and
// being checked against the bucket; or checked (a static copy's summary says neither: nothing to add).
function stageText(data) {
  if (!data.complete) return ' (still reading the bucket)';
  if (data.checked === false) {
    return data.asOf
      ? ` (as of the summary of ${when(data.asOf, true)}; being checked against the bucket)`
      : ' (being checked against the bucket)';
  }
  return '';
}

function imagesText(j) {
  if (j.images == null && j.expectedImages == null) return '—';
  if (j.expectedImages != null) return `${j.images ?? 0} of ${j.expectedImages}`;
  return String(j.images);
}

// ODM's exit codes (OpenDroneMap/ODM stages/odm_app.py; the watcher's OdmExitCode says the same)
// and WebODM's log patterns (app/static/app/js/components/TaskListItem.jsx).
export function hintFor(status) {
  // The watcher's WorkflowPhase.WAITING_FOR_NODE: a step's pod unschedulable for longer than
  // watcher.placement.unschedulable-after; the message carries the scheduler's reason.
  if (status.state === 'running' && (status.message || '').startsWith('waiting for a node: ')) {
    return 'No node can run this step yet: the cluster has none with what it asks for (the scheduler says why, above). If the autoscaler cannot add one, the operator needs a larger node class (watcher.placement.node-classes), or the job must ask for less: fewer or smaller images, or split-merge (split in odm.json). Cancel the job with {"cancel": true} in odm.json if it should not wait.';
  }
  if (status.state !== 'failed') return null;
  const text = [status.message || '', ...(status.logTail || [])].join('\n');
  const code = /exit(?: code)?\s*(\d+)/i.exec(text);
  const exit = code ? Number(code[1]) : null;
  if (exit === 137 || /out of memory|MemoryError|OOMKilled|std::bad_alloc/i.test(text)) {
    return 'Out of memory: the processing ran out of memory. Give the node more memory, or process fewer or smaller images (options resize-to, pc-quality: low, feature-quality: medium), or split the job (split, split-overlap).';
  }
  if (exit === 132 || /Illegal instruction/i.test(text)) {
    return 'Unsupported processor: ODM uses CPU instructions this machine lacks (exit 132). Run it on a newer CPU or a native build.';
  }
  if (exit === 1 || exit === 134 || exit === 139) {
    return `Dataset problem (exit ${exit}): ODM could not reconstruct these images. They may overlap too little, lack GPS, or be too few; check the log below, or try other options (e.g. feature-quality: high, matcher-neighbors).`;
  }
  if (exit === 3 || /command not found|No such file or directory: '.*(docker|podman|run\.py)/i.test(text)) {
    return 'A program is missing (exit 3): the processing image or runtime lacks something it needs. Check the engine and image settings.';
  }
  return 'The job failed. The message and the log below say where; upload odm.json again (unchanged is fine) to run the job again.';
}

// ---------- rendering ----------

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

function badge(state) {
  return el('span', { class: `badge state-${state}`, text: state });
}

// The test engine's placeholders must never pass for a real result: marked next to the state, so
// the mark stays where the engine column is dropped (a job open, a tablet).
function testBadge() {
  return el('span', { class: 'badge engine-test', text: 'test',
    title: 'test engine: replays a recorded run and writes placeholders, NOT real processing' });
}

function bar(j) {
  const pct = j.progress ?? (j.state === 'succeeded' ? 100 : 0);
  const cls = j.state === 'succeeded' ? 'bar done' : (FINAL.has(j.state) ? 'bar bad' : 'bar');
  const label = j.progress == null ? 'no progress reported' : `${pct}%`;
  const fill = el('div', { class: 'fill' });
  fill.style.width = `${pct}%`; // through the CSSOM: the page's CSP allows no inline style attributes
  return el('div', { class: cls, role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100',
    'aria-valuenow': String(pct), 'aria-label': `progress of ${j.name || j.folder}: ${label}` },
  el('div', { class: 'track' }, fill),
  el('span', { class: 'pct', text: j.progress == null ? '—' : `${pct}%` }));
}

function renderStates(counts) {
  const box = $('state-buttons');
  box.replaceChildren(...STATES.map((s) => el('button', {
    type: 'button', 'data-state': s, 'aria-pressed': String(view.states.has(s)),
    onclick: () => {
      if (view.states.has(s)) view.states.delete(s); else view.states.add(s);
      view.page = 0; view.eTag = null; refresh();
    },
  }, `${s} (${counts?.[s] ?? 0})`)));
}

function renderRows(data) {
  const rows = data.jobs.map((j) => {
    const key = j.bucket + '/' + j.folder;
    return el('tr', { 'data-job': key, class: view.selected === key ? 'selected' : null },
      el('td', { class: 'folder' }, el('button', {
        type: 'button', 'aria-label': `open job ${j.name || j.folder} (${j.state})`,
        onclick: () => openJob(j.bucket, j.folder, true),
      }, j.folder || '/')),
      el('td', { class: 'name', text: j.name || '—' }),
      el('td', {}, badge(j.state), j.engine === 'test' ? ' ' : null, j.engine === 'test' ? testBadge() : null),
      el('td', { class: 'wide', text: j.stage || '—' }),
      el('td', { class: 'wide', text: j.engine || '—' }),
      el('td', {}, bar(j)),
      el('td', { class: 'wide', text: imagesText(j) }),
      el('td', { class: 'wide' }, el('time', { datetime: j.createdAt, text: when(j.createdAt, true) })),
      el('td', {}, el('time', { datetime: j.updatedAt, text: when(j.updatedAt, true) })),
      el('td', { class: 'wide', text: duration(durationMs(j)) }));
  });
  $('rows').replaceChildren(...rows);
  view.total = data.total;
  const from = data.total ? data.page * data.size + 1 : 0;
  const to = Math.min(data.total, (data.page + 1) * data.size);
  const running = data.counts?.running ?? 0;
  $('summary').textContent = data.total
    ? `Jobs ${from}–${to} of ${data.total.toLocaleString()}${stageText(data)}; ${running} running.`
    : (view.states.size || view.q ? 'No job matches the filter.' : 'No jobs yet. Upload images and an odm.json to a folder.');
  const pages = Math.ceil(data.total / data.size);
  $('page-info').textContent = data.total ? `Page ${data.page + 1} of ${pages}` : '';
  document.querySelector('nav.pager').hidden = pages <= 1 && data.page === 0;
  $('prev').disabled = data.page === 0;
  $('next').disabled = to >= data.total;
  for (const th of document.querySelectorAll('th[data-sort]')) {
    th.setAttribute('aria-sort', th.dataset.sort === view.sort ? (view.order === 'asc' ? 'ascending' : 'descending') : 'none');
  }
}

function field(dl, label, value) {
  if (value == null || value === '') return;
  dl.append(el('dt', { text: label }), el('dd', {}, value));
}

async function openJob(bucket, folder, moveFocus) {
  view.selected = bucket + '/' + folder;
  history.replaceState(null, '', '#job=' + encodeURIComponent(view.selected));
  for (const tr of document.querySelectorAll('tr[data-job]')) tr.classList.toggle('selected', tr.dataset.job === view.selected);
  document.querySelector('main').classList.add('with-detail');
  $('detail').hidden = false;
  await renderJob();
  if (moveFocus) $('detail').focus();
}

async function renderJob() {
  if (!view.selected) return;
  const cut = view.selected.indexOf('/');
  const bucket = view.selected.slice(0, cut); const folder = view.selected.slice(cut + 1);
  let data;
  try {
    data = await source.job(bucket, folder);
  } catch (e) {
    if (e instanceof SignInNeeded) { showSignIn(); return; }
    $('detail-body').replaceChildren(el('p', { class: 'error', text: `Cannot read this job: ${e.message}` }));
    return;
  }
  const s = data.status;
  // unchanged since the last refresh: keep the view as it is (no flicker, links and focus stay)
  const shown = JSON.stringify(data);
  if (shown === lastShown && $('detail-body').childElementCount) {
    updateMap(bucket, folder, s);
    return;
  }
  lastShown = shown;
  $('detail-title').textContent = s.name || folder;
  const body = [];
  const dl = el('dl', { class: 'fields' });
  field(dl, 'State', el('span', {}, badge(s.state), ' ', s.message || ''));
  field(dl, 'Folder', `s3://${bucket}/${folder}`);
  field(dl, 'Name', s.name);
  field(dl, 'Stage', s.stage);
  field(dl, 'Progress', s.progress == null ? null : bar({ ...s, folder }));
  field(dl, 'Images', imagesText(s));
  field(dl, 'Engine', s.engine === 'test' ? 'test (replays a recorded run; NOT real processing)' : s.engine);
  if (s.workflow) {
    const wfText = `${s.workflow.name} (namespace ${s.workflow.namespace})`;
    field(dl, 'Workflow', data.argoUrl || source.settings.argoUiUrl
      ? el('a', { href: data.argoUrl || argoLink(source.settings.argoUiUrl, s.workflow), target: '_blank', rel: 'noopener' }, wfText, ' — open in Argo UI')
      : wfText);
  }
  field(dl, 'Submitted', el('time', { datetime: s.createdAt, text: when(s.createdAt) }));
  field(dl, 'Last update', el('time', { datetime: s.updatedAt, text: when(s.updatedAt) }));
  field(dl, 'Finished', s.finishedAt ? el('time', { datetime: s.finishedAt, text: when(s.finishedAt) }) : null);
  field(dl, 'Duration', duration(durationMs(s)));
  field(dl, 'Job id', s.jobId);
  field(dl, 'Manifest version', s.manifestETag ? `odm.json ETag ${s.manifestETag}` : null);
  field(dl, 'Status format', `status.json schema v${s.schemaVersion}`);
  body.push(dl);
  const hint = hintFor(s);
  if (hint) body.push(el('div', { class: 'hint', role: 'note' }, el('strong', { text: 'What went wrong: ' }), hint));
  if (s.workspace) {
    // status.json's workspace: kept (until when), resumed, or not found for a resume.
    body.push(el('h3', { text: 'Workspace' }), el('p', { class: 'workspace-note', text: s.workspace.note || '' }));
    if (s.workspace.resumeWith) {
      body.push(el('p', { text: `To resume${s.workspace.failedStage ? ` from ${s.workspace.failedStage}` : ''}, upload this odm.json to the folder:` }),
        el('pre', { class: 'resume-with', tabindex: '0', 'aria-label': 'odm.json that resumes the job' }, s.workspace.resumeWith));
    }
  }
  if (s.errors?.length) {
    body.push(el('h3', { text: `Why the manifest was refused (${s.errors.length})` }),
      el('ul', { class: 'reasons', id: 'reasons' }, ...s.errors.map((r) => el('li', { text: r }))));
  }
  if (s.outputs?.length) {
    body.push(el('h3', { text: 'Results' }), el('ul', { class: 'outputs' }, ...s.outputs.map((key) => el('li', {},
      el('a', { href: source.outputUrl(bucket, folder, key), download: key.split('/').pop() }, key)))));
  }
  if (s.notifications?.length) {
    // one line per notify target and state: delivered at / attempts / last error (status.json's record)
    body.push(el('h3', { text: `Notifications (${s.notifications.length})` }),
      el('ul', { class: 'notifications', id: 'notifications' }, ...s.notifications.map((n) => el('li', {
        text: `${n.target} · ${n.event}: ${n.outcome}` + (n.deliveredAt ? ` at ${n.deliveredAt}` : '')
          + ` · ${n.attempts} attempt${n.attempts === 1 ? '' : 's'}` + (n.lastError ? ` · last error: ${n.lastError}` : ''),
      }))));
  }
  if (s.logTail?.length) {
    body.push(el('h3', { text: `Log (last ${s.logTail.length} lines)` }),
      el('pre', { class: 'log', tabindex: '0', 'aria-label': 'log tail' }, s.logTail.join('\n')));
  }
  $('detail-body').replaceChildren(...body);
  updateMap(bucket, folder, s); // not awaited: the rasters load while the fields are already shown
}

function argoLink(base, wf) {
  return base.replace(/\/+$/, '') + `/workflows/${encodeURIComponent(wf.namespace)}/${encodeURIComponent(wf.name)}`;
}

function closeJob() {
  view.selected = null;
  history.replaceState(null, '', location.pathname + location.search);
  $('detail').hidden = true;
  if (jobMap) { jobMap.destroy(); jobMap.key = null; }
  $('map-panel').hidden = true;
  document.querySelector('main').classList.remove('with-detail');
  for (const tr of document.querySelectorAll('tr.selected')) tr.classList.remove('selected');
}

// ---------- sign-in ----------

function showSignIn() {
  $('signin').hidden = false;
  $('list').hidden = true;
  $('live').textContent = 'Sign in to see the jobs.';
  $('token').focus();
}

async function signIn(event) {
  event.preventDefault();
  const res = await fetch('login', {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: $('token').value }),
  });
  if (!res.ok) {
    $('signin-error').textContent = 'That is not the API token.';
    return;
  }
  $('token').value = '';
  $('signin').hidden = true;
  $('list').hidden = false;
  $('logout').hidden = false;
  view.eTag = null;
  refresh();
}

// ---------- refresh loop ----------

let timer = null;
let inFlight = false;

async function refresh() {
  if (inFlight) return;
  inFlight = true;
  try {
    const data = await source.page();
    if (data) {
      if (data.total && view.page * PAGE_SIZE >= data.total) { view.page = 0; view.eTag = null; inFlight = false; return refresh(); }
      renderStates(data.counts);
      renderRows(data);
      if (!performance.getEntriesByName('odm-first-list').length) performance.mark('odm-first-list');
    }
    if (view.selected) await renderJob();
    $('live').textContent = `Updated ${new Date().toLocaleTimeString()}${view.paused ? ' — updates paused' : ''}`;
  } catch (e) {
    if (e instanceof SignInNeeded) showSignIn();
    else $('live').textContent = `Cannot refresh: ${e.message}. Trying again.`;
  } finally {
    inFlight = false;
  }
}

function schedule() {
  clearInterval(timer);
  timer = null;
  if (!view.paused && !document.hidden) timer = setInterval(refresh, REFRESH_MS);
}

// ---------- start ----------

async function settings() {
  const forced = new URLSearchParams(location.search).get('summary');
  if (forced) return { source: 'static', summary: forced };
  try {
    const res = await fetch('dashboard.json', { cache: 'no-cache', credentials: 'same-origin' });
    if (res.ok) return await res.json();
  } catch (e) { /* fall through */ }
  return { source: 'static', summary: '../index.json' };
}

async function start() {
  const s = await settings();
  source = s.source === 'watcher' ? new WatcherSource(s) : new StaticSource(s, s.summary || '../index.json');
  document.body.dataset.source = source.kind;
  if (s.signInRequired) $('logout').hidden = !s.signedIn;
  for (const th of document.querySelectorAll('th[data-sort]')) {
    const label = th.textContent;
    th.replaceChildren(el('button', { type: 'button', class: 'sort', onclick: () => {
      view.order = view.sort === th.dataset.sort && view.order === 'desc' ? 'asc' : 'desc';
      view.sort = th.dataset.sort;
      $('sort').value = view.sort; $('order').value = view.order;
      view.eTag = null; refresh();
    } }, label));
  }
  renderStates(null);
  let typing = null;
  $('q').addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => { view.q = $('q').value.trim(); view.page = 0; view.eTag = null; refresh(); }, 250);
  });
  $('filters').addEventListener('submit', (e) => e.preventDefault());
  $('sort').addEventListener('change', () => { view.sort = $('sort').value; view.eTag = null; refresh(); });
  $('order').addEventListener('change', () => { view.order = $('order').value; view.eTag = null; refresh(); });
  $('prev').addEventListener('click', () => { view.page = Math.max(0, view.page - 1); view.eTag = null; refresh(); });
  $('next').addEventListener('click', () => { view.page += 1; view.eTag = null; refresh(); });
  $('close-detail').addEventListener('click', closeJob);
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && view.selected) closeJob(); });
  $('signin-form').addEventListener('submit', signIn);
  $('logout').addEventListener('click', async () => {
    await fetch('logout', { method: 'POST', credentials: 'same-origin' });
    location.reload();
  });
  $('pause').addEventListener('click', () => {
    view.paused = !view.paused;
    $('pause').setAttribute('aria-pressed', String(view.paused));
    $('pause').textContent = view.paused ? 'Resume updates' : 'Pause updates';
    schedule();
    if (!view.paused) refresh();
  });
  // pause while the tab is hidden; catch up at once when it shows again
  document.addEventListener('visibilitychange', () => { schedule(); if (!document.hidden && !view.paused) refresh(); });
  // a link to #job=<bucket>/<folder> opens that job (also when only the hash changes)
  window.addEventListener('hashchange', () => {
    const h = /^#job=(.+)$/.exec(location.hash);
    if (h && decodeURIComponent(h[1]) !== view.selected) openJob(...splitKey(decodeURIComponent(h[1])), true);
  });
  const m = /^#job=(.+)$/.exec(location.hash);
  if (m) view.selected = decodeURIComponent(m[1]);
  await refresh();
  if (view.selected) openJob(...splitKey(view.selected), false);
  schedule();
}

function splitKey(key) {
  const cut = key.indexOf('/');
  return [key.slice(0, cut), key.slice(cut + 1)];
}

start();
