// Keep the collections of multi-instance tasks through an import/export round trip.
//
// Our BPMN names a multi-instance task's collections by data variable
// (<bpmn:loopDataInputRef>units</bpmn:loopDataInputRef>), which SpiffWorkflow reads as the
// name of a list in the task data. bpmn-moddle reads the text as a reference to an element id,
// finds none and drops it, so the saved XML would lose the collection. After parsing, each such
// unresolved reference is bound to a stand-in item carrying the variable name as its id: it is
// not part of the diagram, and on export the reference is written back as that name.

export const LOOP_REFS = ['bpmn:loopDataInputRef', 'bpmn:loopDataOutputRef'];

export function variableRef(moddle, name) {
  return moddle.create('bpmn:Property', { id: name });
}

export function restoreLoopRefs(moddle, references) {
  let restored = 0;
  (references || []).forEach(function (reference) {
    if (LOOP_REFS.indexOf(reference.property) === -1 || !reference.id) { return; }
    if (reference.element.get(reference.property)) { return; }
    reference.element.set(reference.property, variableRef(moddle, reference.id));
    restored += 1;
  });
  return restored;
}

function LoopRefs(eventBus, moddle) {
  eventBus.on('import.parse.complete', function (event) {
    if (!event.error) { restoreLoopRefs(moddle, event.references); }
  });
}

LoopRefs.$inject = ['eventBus', 'moddle'];

export default {
  __init__: ['jzLoopRefs'],
  jzLoopRefs: ['type', LoopRefs]
};
