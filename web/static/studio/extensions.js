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

/** Name another operator; its parameters are kept (an empty name fails validation, on purpose). */
export function setOperator(element, injector, key) {
  const op = ensureChild(element, injector, 'spiffworkflow:ServiceTaskOperator', { id: key });
  injector.get('modeling').updateModdleProperties(element, op, { id: key });
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
