// The studio page: one bpmn-js modeler (with its properties panel and our group), one
// dmn-js modeler and a form editor over a bundle of files; save a draft, validate (markers
// on the diagram, a list that selects the element), deploy.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import DmnModeler from 'dmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import spiffworkflow from './spiffworkflow.json';
import { makeProvider } from './provider';
import { restoreLoopRefs } from './extensions';
import { translateModule } from './i18n';

const $ = (id) => document.getElementById(id);
const config = JSON.parse($('studio-config').textContent);
const t = JSON.parse($('studio-messages').textContent);
const files = { ...config.files };
const forms = { ...config.forms };
let problems = [];
let current = null; // name of the file (or '#forms') shown

// what the bundle itself defines, for the called-process and called-decision pickers
function idsIn(suffix, tag, executableOnly) {
  const ids = [];
  for (const [name, text] of Object.entries(files)) {
    if (!name.endsWith(suffix)) continue;
    const doc = new DOMParser().parseFromString(text, 'application/xml');
    for (const el of doc.getElementsByTagNameNS('*', tag)) {
      if (el.id && (!executableOnly || el.getAttribute('isExecutable') === 'true')) ids.push(el.id);
    }
  }
  return ids;
}
const inBundle = { processes: () => idsIn('.bpmn', 'process', true), decisions: () => idsIn('.dmn', 'decision') };

const bpmn = new BpmnModeler({
  container: '#studio-canvas',
  propertiesPanel: { parent: '#studio-properties' },
  additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, translateModule(),
    makeProvider(config.picklists, t, inBundle)],
  moddleExtensions: { spiffworkflow },
});
const dmn = new DmnModeler({ container: '#studio-dmn-canvas', common: { additionalModules: [translateModule()] } });
window.studio = { bpmn, dmn, files, forms, problems: () => problems };

function status(text, kind) {
  const el = $('studio-status');
  el.textContent = text;
  el.className = kind || 'muted';
}

async function stash() {
  // the shown diagram back into the bundle, before switching or sending
  if (!current || current === '#forms') {
    if (current === '#forms') stashForm();
    return;
  }
  const modeler = current.endsWith('.dmn') ? dmn : bpmn;
  const { xml } = await modeler.saveXML({ format: true });
  files[current] = xml;
}

function showPane(id) {
  for (const pane of ['studio-bpmn', 'studio-dmn', 'studio-forms']) $(pane).hidden = pane !== id;
}

async function open(name) {
  await stash();
  current = name;
  for (const tab of document.querySelectorAll('#studio-tabs button')) {
    tab.setAttribute('aria-selected', String(tab.dataset.name === name));
  }
  if (name === '#forms') {
    showPane('studio-forms');
    showForm($('studio-form-select').value);
    return;
  }
  if (name.endsWith('.dmn')) {
    showPane('studio-dmn');
    await dmn.importXML(files[name]);
  } else {
    showPane('studio-bpmn');
    const { warnings } = await bpmn.importXML(files[name]);
    restoreLoopRefs(warnings, bpmn.get('moddle'));
    bpmn.get('canvas').zoom('fit-viewport');
    mark();
  }
}

function tabs() {
  const nav = $('studio-tabs');
  nav.textContent = '';
  const names = Object.keys(files).sort((a, b) => (a === config.first ? -1 : b === config.first ? 1 : a.localeCompare(b)));
  for (const name of [...names, '#forms']) {
    const button = document.createElement('button');
    button.type = 'button';
    button.setAttribute('role', 'tab');
    button.dataset.name = name;
    button.textContent = name === '#forms' ? t.forms : name;
    button.addEventListener('click', () => open(name));
    nav.appendChild(button);
  }
  return names;
}

// -- markers and the problem list ----------------------------------------------------------
let marked = [];
function mark() {
  if (!current || !current.endsWith('.bpmn')) return;
  const canvas = bpmn.get('canvas');
  const registry = bpmn.get('elementRegistry');
  for (const id of marked) if (registry.get(id)) canvas.removeMarker(id, 'studio-error');
  marked = problems.filter((p) => p.file === current && p.element_id && registry.get(p.element_id))
    .map((p) => p.element_id);
  for (const id of marked) canvas.addMarker(id, 'studio-error');
}

async function select(problem) {
  if (problem.file in files && problem.file !== current) await open(problem.file);
  if (problem.file in forms) {
    await open('#forms');
    $('studio-form-select').value = problem.file.replace('.ui.json', '.schema.json');
    showForm($('studio-form-select').value);
    return;
  }
  if (!problem.element_id || !current.endsWith('.bpmn')) return;
  const element = bpmn.get('elementRegistry').get(problem.element_id);
  if (element) {
    bpmn.get('selection').select(element);
    bpmn.get('canvas').scrollToElement(element);
  }
}

function listProblems(list) {
  problems = list;
  const ul = $('studio-problem-list');
  ul.textContent = '';
  for (const p of list) {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = '#';
    a.className = `problem ${p.severity}`;
    a.dataset.element = p.element_id || '';
    a.dataset.file = p.file;
    a.textContent = p.text;
    a.addEventListener('click', (event) => { event.preventDefault(); select(p); });
    li.appendChild(a);
    ul.appendChild(li);
  }
  mark();
}

// -- forms ------------------------------------------------------------------------------------
function formNames() {
  return Object.keys(forms).filter((n) => n.endsWith('.schema.json')).sort();
}

function fillFormSelect(selected) {
  const sel = $('studio-form-select');
  sel.textContent = '';
  for (const name of formNames()) {
    const option = document.createElement('option');
    option.value = name;
    option.textContent = name;
    sel.appendChild(option);
  }
  if (selected) sel.value = selected;
}

let shownForm = null;
function stashForm() {
  if (!shownForm) return;
  forms[shownForm] = $('studio-form-schema').value;
  const ui = $('studio-form-ui').value.trim();
  const uiName = shownForm.replace('.schema.json', '.ui.json');
  if (ui) forms[uiName] = $('studio-form-ui').value; else delete forms[uiName];
}

function showForm(name) {
  stashForm();
  shownForm = name || null;
  $('studio-form-schema').value = name ? forms[name] || '' : '';
  $('studio-form-ui').value = name ? forms[name.replace('.schema.json', '.ui.json')] || '' : '';
  preview();
}

let previewTimer = null;
function preview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(async () => {
    const out = $('studio-form-preview');
    try {
      const body = await post(config.urls.preview, { schema: $('studio-form-schema').value, ui: $('studio-form-ui').value });
      out.innerHTML = body.html; // rendered server-side by the inbox's renderer (escaped by Jinja)
    } catch (err) {
      out.textContent = err.message;
    }
  }, 300);
}

function createForm() {
  const name = $('studio-form-new').value.trim();
  if (!/^[a-z0-9_]+\.schema\.json$/.test(name)) { status(t.formName, 'error'); return; }
  if (name in forms) { status(t.formExists, 'error'); return; }
  stashForm();
  forms[name] = JSON.stringify({ type: 'object', properties: {}, required: [] }, null, 2);
  forms[name.replace('.schema.json', '.ui.json')] = JSON.stringify({ title: { fr: '', ar: '' } }, null, 2);
  config.picklists.forms.push(name);
  fillFormSelect(name);
  shownForm = null;
  showForm(name);
}

// -- server calls -------------------------------------------------------------------------------
async function post(url, body) {
  const response = await fetch(url, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRFToken': t.csrf },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok && !((response.status === 422 || response.status === 409) && data.problems)) {
    throw new Error(`${t.failed} (${response.status}): ${data.message || ''}`);
  }
  return { status: response.status, ...data };
}

async function bundle() {
  await stash();
  return { key: config.key, base_version: config.base_version, called_versions: config.called_versions || {}, files, forms };
}

async function saveDraft() {
  await post(config.urls.draft, await bundle());
  status(t.saved, 'success');
}

async function validate() {
  const result = await post(config.urls.validate, await bundle());
  listProblems(result.problems);
  status(result.ok ? t.valid : t.invalid, result.ok ? 'success' : 'error');
  return result.ok;
}

async function deploy() {
  if (!window.confirm(t.confirmDeploy)) return;
  const body = { ...(await bundle()), comment: $('studio-comment').value };
  let result = await post(config.urls.deploy, body);
  if (result.status === 409 && result.stale) {
    // someone deployed since this bundle was opened: say who, deploy only if confirmed
    if (!window.confirm(`${result.message}\n\n${t.deployAnyway}`)) { status(result.message, 'error'); return; }
    result = await post(config.urls.deploy, { ...body, force: true });
  }
  listProblems(result.problems || []);
  if (result.status !== 201) { status(t.invalid, 'error'); return; }
  // a called process the bundle carries an older copy of is left as it is: say which version runs
  const parts = result.deployed.map((d) => (d.newest
    ? `${d.key} ${t.kept.replace('{newest}', d.newest).replace('{old}', d.version)}`
    : `${d.key} v${d.version}${d.created ? '' : ` (${t.unchanged})`}`));
  status(`${t.deployed} : ${parts.join(', ')}`, 'success');
  // a called process deployed from here: the bundle's copy is now that version
  for (const d of result.deployed) {
    if (config.called_versions && d.key in config.called_versions && !d.newest) config.called_versions[d.key] = d.version;
  }
  const mine = result.deployed.find((d) => d.key === config.key);
  if (mine) {
    config.base_version = mine.version;
    $('studio-version').textContent = `v${mine.version}`;
  }
}

async function discard() {
  if (!window.confirm(t.confirmDiscard)) return;
  await post(config.urls.discard, {});
  window.location.assign(config.urls.index);
}

function guard(fn) {
  return () => fn().catch((err) => status(err.message, 'error'));
}

$('studio-save').addEventListener('click', guard(saveDraft));
$('studio-validate').addEventListener('click', guard(validate));
$('studio-deploy').addEventListener('click', guard(deploy));
if ($('studio-discard')) $('studio-discard').addEventListener('click', guard(discard));
$('studio-form-select').addEventListener('change', (e) => showForm(e.target.value));
$('studio-form-create').addEventListener('click', createForm);
for (const id of ['studio-form-schema', 'studio-form-ui']) $(id).addEventListener('input', preview);

fillFormSelect();
const names = tabs();
open(names[0]).then(() => document.body.classList.add('studio-ready')).catch((err) => status(err.message, 'error'));
