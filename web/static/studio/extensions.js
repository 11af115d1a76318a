// Reading and writing the spiffworkflow extension elements our engine reads, through
// bpmn-js commands (so every change can be undone and marks the diagram as changed).
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

function extensionValues(bo) {
  const ext = bo.get('extensionElements');
  return ext ? ext.get('values') : [];
}

function ensureExtensionElements(element, injector) {
  const bo = getBusinessObject(element);
  let ext = bo.get('extensionElements');
  if (!ext) {
    ext = injector.get('bpmnFactory').create('bpmn:ExtensionElements', { values: [] });
    ext.$parent = bo;
    injector.get('modeling').updateProperties(element, { extensionElements: ext });
  }
  return ext;
}

function ensureChild(element, injector, type, attrs) {
  const ext = ensureExtensionElements(element, injector);
  let child = ext.get('values').find((v) => is(v, type));
  if (!child) {
    child = injector.get('bpmnFactory').create(type, attrs);
    child.$parent = ext;
    injector.get('modeling').updateModdleProperties(element, ext, { values: [...ext.get('values'), child] });
  }
  return child;
}

/** A spiffworkflow:property value of a task ('' when absent). */
export function getProperty(element, name) {
  const props = extensionValues(getBusinessObject(element)).find((v) => is(v, 'spiffworkflow:Properties'));
  const prop = props && props.get('properties').find((p) => p.name === name);
  return (prop && prop.value) || '';
}

/** Set (or, when empty, remove) a spiffworkflow:property of a task. */
export function setProperty(element, injector, name, value) {
  const modeling = injector.get('modeling');
  const bo = getBusinessObject(element);
  const existing = extensionValues(bo).find((v) => is(v, 'spiffworkflow:Properties'));
  const current = existing && existing.get('properties').find((p) => p.name === name);
  if (!value) {
    if (current) {
      modeling.updateModdleProperties(element, existing,
        { properties: existing.get('properties').filter((p) => p !== current) });
    }
    return;
  }
  if (current) {
    modeling.updateModdleProperties(element, current, { value });
    return;
  }
  const props = ensureChild(element, injector, 'spiffworkflow:Properties', { properties: [] });
  const prop = injector.get('bpmnFactory').create('spiffworkflow:Property', { name, value });
  prop.$parent = props;
  modeling.updateModdleProperties(element, props, { properties: [...props.get('properties'), prop] });
}

/** The operator (registered handler key) a service task names. */
export function getOperator(element) {
  const op = extensionValues(getBusinessObject(element)).find((v) => is(v, 'spiffworkflow:ServiceTaskOperator'));
  return (op && op.get('id')) || '';
}

/**
 * Name another operator; its parameters are kept (an empty name fails validation, on purpose).
 * The operator always holds a parameter list, empty for an operator that takes none: the
 * spiffworkflow schema requires <spiffworkflow:parameters/>.
 */
export function setOperator(element, injector, key) {
  const modeling = injector.get('modeling');
  const op = ensureChild(element, injector, 'spiffworkflow:ServiceTaskOperator', { id: key });
  modeling.updateModdleProperties(element, op, { id: key });
  if (!op.get('parameterList')) {
    const list = injector.get('bpmnFactory').create('spiffworkflow:Parameters', { parameters: [] });
    list.$parent = op;
    modeling.updateModdleProperties(element, op, { parameterList: list });
  }
}

/** The collection a multi-instance task iterates over (bpmn:loopDataInputRef). */
export function getCollection(element) {
  const loop = getBusinessObject(element).get('loopCharacteristics');
  const ref = loop && is(loop, 'bpmn:MultiInstanceLoopCharacteristics') && loop.get('loopDataInputRef');
  return (ref && ref.id) || '';
}

export function setCollection(element, injector, name) {
  const loop = getBusinessObject(element).get('loopCharacteristics');
  const ref = name ? injector.get('moddle').create('bpmn:DataInput', { id: name }) : undefined;
  injector.get('modeling').updateModdleProperties(element, loop, { loopDataInputRef: ref });
}

export function isMultiInstance(element) {
  const loop = getBusinessObject(element).get('loopCharacteristics');
  return Boolean(loop && is(loop, 'bpmn:MultiInstanceLoopCharacteristics'));
}

/**
 * bpmn-moddle drops a loopDataInputRef/loopDataOutputRef that names a variable rather than
 * an element id ("unresolved reference"); SpiffWorkflow reads them as variable names. Put
 * them back as references whose id is that name, so they are written out unchanged.
 */
export function restoreLoopRefs(warnings, moddle) {
  for (const w of warnings || []) {
    if (w.element && /loopData(Input|Output)Ref$/.test(w.property || '')) {
      w.element.set(w.property, moddle.create('bpmn:DataInput', { id: w.value }));
    }
  }
}

// -- other attributes the engine reads ------------------------------------------------------

/** The text of a spiffworkflow extension element with a body (e.g. calledDecisionId). */
export function getBody(element, type) {
  const child = extensionValues(getBusinessObject(element)).find((v) => is(v, type));
  return (child && child.get('value')) || '';
}

/** Set (or, when empty, remove) such an element. */
export function setBody(element, injector, type, value) {
  const modeling = injector.get('modeling');
  const bo = getBusinessObject(element);
  const current = extensionValues(bo).find((v) => is(v, type));
  if (!value) {
    if (current) {
      const ext = bo.get('extensionElements');
      modeling.updateModdleProperties(element, ext, { values: ext.get('values').filter((v) => v !== current) });
    }
    return;
  }
  if (current) modeling.updateModdleProperties(element, current, { value });
  else ensureChild(element, injector, type, { value });
}

function operatorOf(element) {
  return extensionValues(getBusinessObject(element)).find((v) => is(v, 'spiffworkflow:ServiceTaskOperator'));
}

/** The operator's parameters: name → the Python expression written in the diagram. */
export function getParameters(element) {
  const op = operatorOf(element);
  const list = op && op.get('parameterList');
  const out = {};
  for (const p of (list ? list.get('parameters') : [])) out[p.get('id')] = p.get('value') || '';
  return out;
}

/** Set (or, when empty, remove) one parameter of the service task's operator. */
export function setParameter(element, injector, name, value) {
  const modeling = injector.get('modeling');
  const factory = injector.get('bpmnFactory');
  const op = operatorOf(element);
  if (!op) return;
  let list = op.get('parameterList');
  const current = list && list.get('parameters').find((p) => p.get('id') === name);
  if (!value) {
    if (current) modeling.updateModdleProperties(element, list, { parameters: list.get('parameters').filter((p) => p !== current) });
    return;
  }
  if (current) { modeling.updateModdleProperties(element, current, { value }); return; }
  if (!list) {
    list = factory.create('spiffworkflow:Parameters', { parameters: [] });
    list.$parent = op;
    modeling.updateModdleProperties(element, op, { parameterList: list });
  }
  const param = factory.create('spiffworkflow:Parameter', { id: name, type: 'any', value });
  param.$parent = list;
  modeling.updateModdleProperties(element, list, { parameters: [...list.get('parameters'), param] });
}

/** Keep only the parameters named in ``names`` (after another operator was chosen). */
export function keepParameters(element, injector, names) {
  const op = operatorOf(element);
  const list = op && op.get('parameterList');
  if (!list) return;
  const kept = list.get('parameters').filter((p) => names.includes(p.get('id')));
  if (kept.length !== list.get('parameters').length) {
    injector.get('modeling').updateModdleProperties(element, list, { parameters: kept });
  }
}

function expression(injector, body) {
  return body ? injector.get('bpmnFactory').create('bpmn:FormalExpression', { body }) : undefined;
}

/** A sequence flow's condition (a Python expression over the task data). */
export function getCondition(element) {
  const cond = getBusinessObject(element).get('conditionExpression');
  return (cond && cond.get('body')) || '';
}

export function setCondition(element, injector, body) {
  injector.get('modeling').updateProperties(element, { conditionExpression: expression(injector, body) });
}

/** A script task's script (Python). */
export function getScript(element) {
  return getBusinessObject(element).get('script') || '';
}

export function setScript(element, injector, script) {
  injector.get('modeling').updateProperties(element, { script: script || undefined, scriptFormat: script ? 'python' : undefined });
}

/** The process key a call activity calls. */
export function getCalled(element) {
  return getBusinessObject(element).get('calledElement') || '';
}

export function setCalled(element, injector, key) {
  injector.get('modeling').updateProperties(element, { calledElement: key || undefined });
}

/** The timer definition of an event, if it has one. */
export function timerOf(element) {
  const defs = getBusinessObject(element).get('eventDefinitions') || [];
  return defs.find((d) => is(d, 'bpmn:TimerEventDefinition')) || null;
}

/** The timer's duration expression ('' when it has none, or a date or a cycle instead). */
export function getTimerDuration(element) {
  const timer = timerOf(element);
  const duration = timer && timer.get('timeDuration');
  return (duration && duration.get('body')) || '';
}

export function hasOtherTimer(element) {
  const timer = timerOf(element);
  return Boolean(timer && (timer.get('timeDate') || timer.get('timeCycle')));
}

export function setTimerDuration(element, injector, body) {
  const timer = timerOf(element);
  if (!timer) return;
  const value = expression(injector, body);
  if (value) value.$parent = timer;
  injector.get('modeling').updateModdleProperties(element, timer, { timeDuration: value });
}
