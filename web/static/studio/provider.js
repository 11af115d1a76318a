// Our properties group in bpmn-js-properties-panel: every attribute the Guichet engine reads
// from a diagram, with pick lists the server gives (operators and their parameter schemas,
// forms, roles, deployed processes and decisions, data names) and those of the bundle.
import { h } from '@bpmn-io/properties-panel/preact';
import {
  CheckboxEntry, NumberFieldEntry, SelectEntry, TextAreaEntry, TextFieldEntry,
  isCheckboxEntryEdited, isNumberFieldEntryEdited, isSelectEntryEdited, isTextAreaEntryEdited, isTextFieldEntryEdited,
} from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';
import {
  getBody, getCalled, getCollection, getCondition, getOperator, getParameters, getProperty, getScript,
  getTimerDuration, hasOtherTimer, isMultiInstance, keepParameters, setBody, setCalled, setCollection,
  setCondition, setOperator, setParameter, setProperty, setScript, setTimerDuration, timerOf,
} from './extensions';
import { UNIT_NAMES, fromIso, quote, toIso, unquote } from './durations';
import { label as L, language } from './i18n';

function textEntry(id, label, read, write, description, area) {
  function Component({ element }) {
    const injector = useService('injector');
    const debounce = useService('debounceInput');
    return h(area ? TextAreaEntry : TextFieldEntry, {
      element, id, label, debounce, rows: area ? 4 : undefined, monospace: Boolean(area),
      description: typeof description === 'function' ? description(element) : description,
      getValue: () => read(element),
      setValue: (value) => write(element, injector, area ? (value || '').replace(/\s+$/, '') : (value || '').trim()),
    });
  }
  return (element) => ({ id, element, component: Component, isEdited: area ? isTextAreaEntryEdited : isTextFieldEntryEdited });
}

function selectEntry(id, label, read, write, options, describe) {
  function Component({ element }) {
    const injector = useService('injector');
    const value = read(element);
    return h(SelectEntry, {
      element, id, label,
      description: describe ? describe(value) : undefined,
      getValue: () => read(element),
      setValue: (v) => write(element, injector, v),
      getOptions: () => {
        const list = options(element);
        const known = list.some((o) => o.value === value);
        return known || !value ? list : [...list, { value, label: `${value} (?)` }];
      },
    });
  }
  return (element) => ({ id, element, component: Component, isEdited: isSelectEntryEdited });
}

/** Number + unit entries over an ISO duration that ``read``/``write`` hold. */
function durationEntries(id, read, write) {
  const parsed = (el) => fromIso(read(el));
  function Amount({ element }) {
    const injector = useService('injector');
    const debounce = useService('debounceInput');
    return h(NumberFieldEntry, {
      element, id: `${id}-amount`, label: L('amount'), min: 1, step: 1, debounce,
      getValue: () => (parsed(element) ? String(parsed(element).amount) : ''),
      setValue: (v) => write(element, injector, toIso(v, (parsed(element) || { unit: 'days' }).unit)),
    });
  }
  function Unit({ element }) {
    const injector = useService('injector');
    return h(SelectEntry, {
      element, id: `${id}-unit`, label: L('unit'),
      getValue: () => (parsed(element) || { unit: 'days' }).unit,
      setValue: (unit) => write(element, injector, toIso((parsed(element) || { amount: 1 }).amount, unit)),
      getOptions: () => UNIT_NAMES.map((u) => ({ value: u, label: L(u) })),
    });
  }
  return [
    (element) => ({ id: `${id}-amount`, element, component: Amount, isEdited: isNumberFieldEntryEdited }),
    (element) => ({ id: `${id}-unit`, element, component: Unit, isEdited: () => false }),
  ];
}

// -- a parameter's Python expression shown as the analyst typed it ---------------------------
function shownParam(expr) {
  if (!expr) return '';
  const text = unquote(expr);
  if (text !== null) return text;
  if (/^-?\d+(\.\d+)?$/.test(expr.trim())) return expr.trim();
  return `=${expr}`;
}

function writtenParam(shown, schema) {
  const value = (shown || '').trim();
  if (!value) return '';
  if (value.startsWith('=')) return value.slice(1).trim();
  const numeric = ['integer', 'number'].includes(schema.type) && /^-?\d+(\.\d+)?$/.test(value);
  return numeric ? value : quote(value);
}

// one entry factory per operator parameter, made once: a component made anew at each render
// would be remounted by preact, losing the focus and what is being typed
const paramFactories = new Map();

function paramEntries(element, operator, titleOf) {
  const schema = operator && operator.params;
  if (!schema || !schema.properties) return [];
  return Object.keys(schema.properties).map((name) => {
    const key = `${operator.key}/${name}`;
    if (!paramFactories.has(key)) paramFactories.set(key, paramFactory(schema, name, titleOf));
    return paramFactories.get(key).map((factory) => factory(element));
  }).flat();
}

/** One check box per code of a comma-separated list parameter (``x-choices``: code → [fr, ar]). */
function choiceEntries(id, name, choices) {
  const codes = Object.keys(choices);
  const listed = (el) => (unquote(getParameters(el)[name] || '') || '').split(',').map((c) => c.trim()).filter(Boolean);
  return codes.map((code) => {
    function Component({ element }) {
      const injector = useService('injector');
      const [fr, ar] = choices[code];
      return h(CheckboxEntry, {
        element, id: `${id}-${code}`, label: language() === 'ar' ? ar : fr,
        getValue: () => listed(element).includes(code),
        setValue: (checked) => {
          const now = new Set(listed(element));
          if (checked) now.add(code); else now.delete(code);
          // the choices' order, then any other code already written
          const ordered = [...codes.filter((c) => now.has(c)), ...[...now].filter((c) => !codes.includes(c))];
          setParameter(element, injector, name, ordered.length ? quote(ordered.join(',')) : '');
        },
      });
    }
    return (element) => ({ id: `${id}-${code}`, element, component: Component, isEdited: isCheckboxEntryEdited });
  });
}

function paramFactory(schema, name, titleOf) {
  const required = schema.required || [];
  const prop = schema.properties[name];
  {
    const id = `guichet-param-${name}`;
    const title = `${titleOf(prop, name)}${required.includes(name) ? ` (${L('required')})` : ''}`;
    const read = (el) => shownParam(getParameters(el)[name] || '');
    const write = (el, inj, v) => setParameter(el, inj, name, writtenParam(v, prop));
    if (prop.enum) {
      // labels the server gives with the codes (e.g. a status's fr/ar labels from the deployed catalog)
      const named = prop['x-enum-labels'] || {};
      const options = () => [{ value: '', label: L('none') },
        ...prop.enum.map((v) => ({ value: String(v), label: named[v] ? `${named[v]} (${v})` : String(v) }))];
      return [selectEntry(id, title, read, write, options)];
    }
    const described = (language() === 'ar' && prop['x-description-ar']) || prop.description;
    const hint = [described, L('paramHint')].filter(Boolean).join(' — ');
    const choices = prop['x-choices'] ? choiceEntries(id, name, prop['x-choices']) : [];
    return [textEntry(id, title, read, write, hint), ...choices];
  }
}

// -- what a condition can read: the dossier's start data and the upstream tasks' forms ------
function upstreamForms(element) {
  const seen = new Set();
  const forms = new Set();
  const stack = [getBusinessObject(element).get('sourceRef')];
  while (stack.length) {
    const node = stack.pop();
    if (!node || seen.has(node)) continue;
    seen.add(node);
    if (is(node, 'bpmn:UserTask')) {
      const props = (node.get('extensionElements') ? node.get('extensionElements').get('values') : [])
        .find((v) => is(v, 'spiffworkflow:Properties'));
      const form = props && props.get('properties').find((p) => p.name === 'formJsonSchemaFilename');
      if (form) forms.add(form.value);
    }
    for (const flow of node.get('incoming') || []) stack.push(flow.get('sourceRef'));
  }
  return forms;
}

export function makeProvider(picklists, t, bundle = {}) {
  const lang = language();
  const none = { value: '', label: t.noOperator };
  const operatorOf = (key) => picklists.operators.find((o) => o.key === key);
  const operators = () => [none, ...picklists.operators.map((o) => ({ value: o.key, label: o.key }))];
  const docOf = (key) => ((lang === 'ar' && (operatorOf(key) || {}).doc_ar) || (operatorOf(key) || {}).doc || '');
  const titleOf = (prop, name) => (lang === 'ar' && prop['x-title-ar']) || prop.title || name;
  const forms = () => [none, ...picklists.forms.map((f) => ({ value: f, label: f }))];
  const roles = () => [none, ...picklists.roles.map((r) => ({ value: r.fr, label: `${r.fr} — ${r.ar} (${r.key})` }))];
  const processes = () => {
    const local = (bundle.processes ? bundle.processes() : []);
    const keys = [...new Set([...picklists.processes, ...local])].sort();
    return [none, ...keys.map((k) => ({ value: k, label: `${k} (${local.includes(k) ? L('calledBundle') : L('calledDeployed')})` }))];
  };
  const decisions = () => {
    const ids = [...new Set([...picklists.decisions, ...(bundle.decisions ? bundle.decisions() : [])])].sort();
    return [none, ...ids.map((d) => ({ value: d, label: d }))];
  };
  const prop = (name) => [(el) => getProperty(el, name), (el, inj, v) => setProperty(el, inj, name, v)];
  const laneName = (el) => getBusinessObject(el).get('name') || '';
  const setLaneName = (el, inj, v) => inj.get('modeling').updateProperties(el, { name: v });

  const chooseOperator = (el, inj, key) => {
    setOperator(el, inj, key);
    const op = operatorOf(key);
    if (op && op.params) keepParameters(el, inj, Object.keys(op.params.properties || {}));
  };
  const variables = (el) => {
    const forms = upstreamForms(el);
    const names = picklists.data.filter((d) => !d.form || d.form.startsWith('depot_') || forms.has(d.form))
      .map((d) => d.name);
    return `${L('variables')} : ${[...new Set(names)].join(', ')}`;
  };
  const assigneeHelpers = (el) => {
    const own = getBusinessObject(el);
    const tasks = (own.$parent && own.$parent.get('flowElements') ? own.$parent.get('flowElements') : [])
      .filter((f) => is(f, 'bpmn:UserTask') && f !== own);
    return [
      { value: '', label: L('helperFree') },
      { value: 'applicant_id', label: L('applicant') },
      ...tasks.map((f) => ({ value: `auteur_de("${f.id}")`, label: L('performer', { name: f.name || f.id }) })),
      ...(picklists.organisms || []).map((o) => ({
        value: `membre_organisme("${o.code}")`, label: L('organism', { name: lang === 'ar' ? o.ar : o.fr }),
      })),
    ];
  };
  const readHelper = (el) => {
    const value = getProperty(el, 'assignee');
    return assigneeHelpers(el).some((o) => o.value === value) ? value : '';
  };
  const writeHelper = (el, inj, v) => { if (v) setProperty(el, inj, 'assignee', v); };
  // timers hold an expression: the quoted duration
  const timerIso = (el) => unquote(getTimerDuration(el)) || getTimerDuration(el);
  const setTimerIso = (el, inj, iso) => { if (iso) setTimerDuration(el, inj, `"${iso}"`); };
  const deadlineIso = (el) => getProperty(el, 'deadline');
  const setDeadlineIso = (el, inj, iso) => { if (iso) setProperty(el, inj, 'deadline', iso); };

  const entries = {
    operator: selectEntry('guichet-operator', t.operator, getOperator, chooseOperator, operators, docOf),
    form: selectEntry('guichet-form', t.form, ...prop('formJsonSchemaFilename'), forms),
    deadlinePicker: durationEntries('guichet-deadline', deadlineIso, setDeadlineIso),
    deadline: textEntry('guichet-deadline', t.deadline, ...prop('deadline')),
    helper: selectEntry('guichet-assignee-helper', L('helper'), readHelper, writeHelper, assigneeHelpers),
    assignee: textEntry('guichet-assignee', t.assignee, ...prop('assignee')),
    collection: textEntry('guichet-collection', t.collection, getCollection, setCollection),
    role: selectEntry('guichet-role', t.role, laneName, setLaneName, roles),
    condition: textEntry('guichet-condition', L('condition'), getCondition, setCondition, variables, true),
    script: textEntry('guichet-script', L('script'), getScript, setScript, undefined, true),
    called: selectEntry('guichet-called', L('called'), getCalled, setCalled, processes),
    decision: selectEntry('guichet-decision', L('decision'),
      (el) => getBody(el, 'spiffworkflow:CalledDecisionId'),
      (el, inj, v) => setBody(el, inj, 'spiffworkflow:CalledDecisionId', v), decisions),
    timerPicker: durationEntries('guichet-timer', timerIso, setTimerIso),
    timer: textEntry('guichet-timer', L('timerExpression'), getTimerDuration, setTimerDuration),
  };

  function entriesFor(element) {
    const list = [];
    const add = (...keys) => keys.forEach((k) => list.push(...[].concat(entries[k]).map((e) => e(element))));
    if (is(element, 'bpmn:ServiceTask')) {
      add('operator');
      list.push(...paramEntries(element, operatorOf(getOperator(element)), titleOf));
    } else if (is(element, 'bpmn:Lane')) add('role');
    else if (is(element, 'bpmn:UserTask')) add('form', 'deadlinePicker', 'deadline', 'helper', 'assignee');
    else if (is(element, 'bpmn:ScriptTask')) add('script');
    else if (is(element, 'bpmn:CallActivity')) add('called');
    else if (is(element, 'bpmn:BusinessRuleTask')) add('decision');
    else if (is(element, 'bpmn:SequenceFlow')) {
      const source = getBusinessObject(element).get('sourceRef');
      if (source && !is(source, 'bpmn:ParallelGateway') && !is(source, 'bpmn:EventBasedGateway')) add('condition');
    } else if (is(element, 'bpmn:Event') && timerOf(element) && !hasOtherTimer(element)) add('timerPicker', 'timer');
    if (is(element, 'bpmn:Activity') && isMultiInstance(element)) add('collection');
    return list;
  }

  function GuichetProvider(propertiesPanel) {
    propertiesPanel.registerProvider(500, this);
  }
  GuichetProvider.$inject = ['propertiesPanel'];
  GuichetProvider.prototype.getGroups = function getGroups(element) {
    return (groups) => {
      const list = entriesFor(element);
      if (!list.length) return groups;
      // our duration picker replaces bpmn.io's generic timer fields (dates and cycles keep them)
      const kept = timerOf(element) && !hasOtherTimer(element) ? groups.filter((g) => g.id !== 'timer') : groups;
      kept.splice(1, 0, { id: 'guichet', label: t.group, entries: list });
      return kept;
    };
  };
  return { __init__: ['guichetPropertiesProvider'], guichetPropertiesProvider: ['type', GuichetProvider] };
}
