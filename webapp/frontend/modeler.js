// The admin modeler bundle (built by `npm run build` into static/vendor/modeler.bundle.js):
// bpmn-js with the properties panel, our spiffworkflow extensions, bpmnlint and Chinese labels.
// The page script (static/js/modeler-page.js) uses window.JzModeler.
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import 'bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css';

import BpmnModeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import lintModule from 'bpmn-js-bpmnlint';

import lintConfig from './lint-config';
import loopRefsModule from './loop-refs';
import spiffDescriptor from './spiffworkflow.json';
import spiffPropertiesModule, { pruneLaneRefs } from './spiff-properties';
import translate from './translate';

const translateModule = { translate: ['value', translate] };

function create(options) {
  const modeler = new BpmnModeler({
    container: options.container,
    propertiesPanel: { parent: options.propertiesParent },
    linting: { bpmnlint: lintConfig, active: true },
    moddleExtensions: { spiffworkflow: spiffDescriptor },
    jz: { formKeys: options.formKeys || [], roles: options.roles || [], services: options.services || [] },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      lintModule,
      loopRefsModule,
      spiffPropertiesModule,
      translateModule
    ]
  });
  modeler.get('eventBus').on('saveXML.start', function (event) {
    pruneLaneRefs(event.definitions);
  });
  return modeler;
}

window.JzModeler = { create: create };
