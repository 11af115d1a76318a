// Our properties group in bpmn-js-properties-panel: what the Guichet engine reads from a
// diagram, with pick lists the server gives (registered operators, forms, roles).
import { h } from '@bpmn-io/properties-panel/preact';
import { SelectEntry, TextFieldEntry, isSelectEntryEdited, isTextFieldEntryEdited } from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';
import {
  getCollection, getOperator, getProperty, isMultiInstance, setCollection, setOperator, setProperty,
} from './extensions';

function textEntry(id, label, read, write, description) {
  function Component({ element }) {
    const injector = useService('injector');
    const debounce = useService('debounceInput');
    return h(TextFieldEntry, {
      element, id, label, description, debounce,
      getValue: () => read(element),
      setValue: (value) => write(element, injector, (value || '').trim()),
    });
  }
  return (element) => ({ id, element, component: Component, isEdited: isTextFieldEntryEdited });
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
        const list = options();
        const known = list.some((o) => o.value === value);
        return known || !value ? list : [...list, { value, label: `${value} (?)` }];
      },
    });
  }
  return (element) => ({ id, element, component: Component, isEdited: isSelectEntryEdited });
}

export function makeProvider(picklists, t) {
  const none = { value: '', label: t.noOperator };
  const operators = () => [none, ...picklists.operators.map((o) => ({ value: o.key, label: o.key }))];
  const docOf = (key) => (picklists.operators.find((o) => o.key === key) || {}).doc || '';
  const forms = () => [none, ...picklists.forms.map((f) => ({ value: f, label: f }))];
  const roles = () => [none, ...picklists.roles.map((r) => ({ value: r.fr, label: `${r.fr} — ${r.ar} (${r.key})` }))];
  const prop = (name) => [(el) => getProperty(el, name), (el, inj, v) => setProperty(el, inj, name, v)];
  const laneName = (el) => getBusinessObject(el).get('name') || '';
  const setLaneName = (el, inj, v) => inj.get('modeling').updateProperties(el, { name: v });

  const entries = {
    operator: selectEntry('guichet-operator', t.operator, getOperator, setOperator, operators, docOf),
    form: selectEntry('guichet-form', t.form, ...prop('formJsonSchemaFilename'), forms),
    deadline: textEntry('guichet-deadline', t.deadline, ...prop('deadline')),
    assignee: textEntry('guichet-assignee', t.assignee, ...prop('assignee')),
    statusFr: textEntry('guichet-status-fr', t.statusFr, ...prop('status_fr')),
    statusAr: textEntry('guichet-status-ar', t.statusAr, ...prop('status_ar')),
    collection: textEntry('guichet-collection', t.collection, getCollection, setCollection),
    role: selectEntry('guichet-role', t.role, laneName, setLaneName, roles),
  };

  function entriesFor(element) {
    if (is(element, 'bpmn:ServiceTask')) return [entries.operator(element)];
    if (is(element, 'bpmn:Lane')) return [entries.role(element)];
    if (is(element, 'bpmn:UserTask')) {
      const list = ['form', 'deadline', 'assignee', 'statusFr', 'statusAr'].map((k) => entries[k](element));
      if (isMultiInstance(element)) list.push(entries.collection(element));
      return list;
    }
    return [];
  }

  function GuichetProvider(propertiesPanel) {
    propertiesPanel.registerProvider(500, this);
  }
  GuichetProvider.$inject = ['propertiesPanel'];
  GuichetProvider.prototype.getGroups = function getGroups(element) {
    return (groups) => {
      const list = entriesFor(element);
      if (list.length) groups.splice(1, 0, { id: 'guichet', label: t.group, entries: list });
      return groups;
    };
  };
  return { __init__: ['guichetPropertiesProvider'], guichetPropertiesProvider: ['type', GuichetProvider] };
}
