// Properties-panel groups for our process extensions, so that nobody edits XML by hand:
// a user task's form, lane role, deadline, assignment and four-eyes rule; pre/post scripts;
// script bodies; gateway conditions and default flows; timer expressions; multi-instance
// collections; service operators; the role of a lane. (DESIGN.md §6)
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';
import { useService } from 'bpmn-js-properties-panel';
import {
  CheckboxEntry,
  Group,
  SelectEntry,
  TextAreaEntry,
  TextFieldEntry,
  isCheckboxEntryEdited,
  isSelectEntryEdited,
  isTextAreaEntryEdited,
  isTextFieldEntryEdited
} from '@bpmn-io/properties-panel';

import { variableRef } from './loop-refs';

const DUE_IN = /^(P\d+WD|P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?)$/i;
const TIMER_KINDS = ['timeDuration', 'timeDate', 'timeCycle'];

// --- reading and writing the model --------------------------------------------------------

function extensionValues(bo, type) {
  const ext = bo.get('extensionElements');
  return ext ? ext.get('values').filter(function (v) { return is(v, type); }) : [];
}

export function getProperty(bo, name) {
  const props = extensionValues(bo, 'spiffworkflow:Properties')[0];
  const found = props && props.get('properties').find(function (p) { return p.name === name; });
  return found ? found.value || '' : '';
}

function update(element, moddleElement, properties) {
  return { cmd: 'element.updateModdleProperties', context: { element, moddleElement, properties } };
}

function run(commandStack, commands) {
  if (commands.length) {
    commandStack.execute('properties-panel.multi-command-executor', commands);
  }
}

function ensureExtensions(element, bo, bpmnFactory, commands) {
  let ext = bo.get('extensionElements');
  if (!ext) {
    ext = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
    ext.$parent = bo;
    commands.push(update(element, bo, { extensionElements: ext }));
  }
  return ext;
}

function setProperty(services, element, name, value) {
  const { bpmnFactory, moddle, commandStack } = services;
  const bo = getBusinessObject(element);
  const commands = [];
  const text = (value || '').trim();
  const ext = ensureExtensions(element, bo, bpmnFactory, commands);
  let props = ext.get('values').find(function (v) { return is(v, 'spiffworkflow:Properties'); });
  if (!props) {
    if (!text) { return; }
    props = moddle.create('spiffworkflow:Properties', { properties: [] });
    props.$parent = ext;
    commands.push(update(element, ext, { values: ext.get('values').concat([props]) }));
  }
  const list = props.get('properties');
  const existing = list.find(function (p) { return p.name === name; });
  if (!text && existing) {
    commands.push(update(element, props, { properties: list.filter(function (p) { return p !== existing; }) }));
  } else if (text && existing) {
    commands.push(update(element, existing, { value: text }));
  } else if (text) {
    const prop = moddle.create('spiffworkflow:Property', { name: name, value: text });
    prop.$parent = props;
    commands.push(update(element, props, { properties: list.concat([prop]) }));
  }
  run(commandStack, commands);
}

function getBodyExtension(bo, type) {
  const found = extensionValues(bo, type)[0];
  return found ? found.value || '' : '';
}

function setBodyExtension(services, element, type, value) {
  const { bpmnFactory, moddle, commandStack } = services;
  const bo = getBusinessObject(element);
  const commands = [];
  const ext = ensureExtensions(element, bo, bpmnFactory, commands);
  const existing = ext.get('values').find(function (v) { return is(v, type); });
  if (!value && existing) {
    commands.push(update(element, ext, { values: ext.get('values').filter(function (v) { return v !== existing; }) }));
  } else if (value && existing) {
    commands.push(update(element, existing, { value: value }));
  } else if (value) {
    const created = moddle.create(type, { value: value });
    created.$parent = ext;
    commands.push(update(element, ext, { values: ext.get('values').concat([created]) }));
  }
  run(commandStack, commands);
}

// --- lanes without drawn shapes (a process without a pool) --------------------------------

function allLanes(process) {
  const result = [];
  (function walk(sets) {
    (sets || []).forEach(function (set) {
      (set.get('lanes') || []).forEach(function (lane) {
        result.push(lane);
        if (lane.childLaneSet) { walk([lane.childLaneSet]); }
      });
    });
  })(process.get('laneSets'));
  return result;
}

function laneOf(bo) {
  const process = bo.$parent;
  if (!process || !is(process, 'bpmn:Process')) { return null; }
  const lanes = allLanes(process).filter(function (lane) {
    return (lane.get('flowNodeRef') || []).indexOf(bo) !== -1;
  });
  return lanes.length ? lanes[lanes.length - 1] : null;
}

function setLaneRole(services, element, role) {
  const { bpmnFactory, commandStack } = services;
  const bo = getBusinessObject(element);
  const process = bo.$parent;
  const commands = [];
  let laneSet = (process.get('laneSets') || [])[0];
  if (!laneSet) {
    laneSet = bpmnFactory.create('bpmn:LaneSet', { lanes: [] });
    laneSet.$parent = process;
    commands.push(update(element, process, { laneSets: [laneSet] }));
  }
  const lanes = allLanes(process);
  let target = role ? lanes.find(function (lane) { return lane.name === role; }) : null;
  if (role && !target) {
    target = bpmnFactory.create('bpmn:Lane', { name: role, flowNodeRef: [] });
    target.$parent = laneSet;
    commands.push(update(element, laneSet, { lanes: laneSet.get('lanes').concat([target]) }));
  }
  lanes.forEach(function (lane) {
    const refs = lane.get('flowNodeRef') || [];
    if (lane !== target && refs.indexOf(bo) !== -1) {
      commands.push(update(element, lane, { flowNodeRef: refs.filter(function (r) { return r !== bo; }) }));
    }
  });
  if (target && target.get('flowNodeRef').indexOf(bo) === -1) {
    commands.push(update(element, target, { flowNodeRef: target.get('flowNodeRef').concat([bo]) }));
  }
  run(commandStack, commands);
}

// Undrawn lanes keep references to deleted tasks; drop them before the XML is written
// (a dangling flowNodeRef is an XSD error).
export function pruneLaneRefs(definitions) {
  (definitions.get('rootElements') || []).forEach(function (root) {
    if (!is(root, 'bpmn:Process')) { return; }
    const present = new Set();
    (function collect(container) {
      (container.get('flowElements') || []).forEach(function (el) {
        present.add(el);
        if (el.get('flowElements')) { collect(el); }
      });
    })(root);
    allLanes(root).forEach(function (lane) {
      const refs = lane.get('flowNodeRef') || [];
      const kept = refs.filter(function (r) { return present.has(r); });
      if (kept.length !== refs.length) { lane.set('flowNodeRef', kept); }
    });
  });
}

// --- entry components ---------------------------------------------------------------------

function services() {
  return {
    bpmnFactory: useService('bpmnFactory'),
    moddle: useService('moddle'),
    commandStack: useService('commandStack'),
    modeling: useService('modeling'),
    debounce: useService('debounceInput'),
    elementRegistry: useService('elementRegistry')
  };
}

function PropertyText(props) {
  const s = services();
  return TextFieldEntry({
    element: props.element,
    id: props.id,
    label: props.label,
    description: props.description,
    debounce: s.debounce,
    validate: props.validate,
    getValue: function () { return getProperty(getBusinessObject(props.element), props.property); },
    setValue: function (value) { setProperty(s, props.element, props.property, value); }
  });
}

function PropertySelect(props) {
  const s = services();
  return SelectEntry({
    element: props.element,
    id: props.id,
    label: props.label,
    description: props.description,
    getOptions: function () {
      const value = getProperty(getBusinessObject(props.element), props.property);
      const options = [{ value: '', label: props.emptyLabel || '（未设置）' }].concat(props.options());
      if (value && !options.some(function (o) { return o.value === value; })) {
        options.push({ value: value, label: value + '（未注册）' });
      }
      return options;
    },
    getValue: function () { return getProperty(getBusinessObject(props.element), props.property); },
    setValue: function (value) { setProperty(s, props.element, props.property, value); }
  });
}

function LaneRole(props) {
  const s = services();
  const bo = getBusinessObject(props.element);
  const drawn = s.elementRegistry.filter(function (e) { return is(e, 'bpmn:Lane'); }).length > 0;
  const nested = !is(bo.$parent, 'bpmn:Process');
  return SelectEntry({
    element: props.element,
    id: props.id,
    label: '办理角色（泳道）',
    description: drawn || nested
      ? '本流程在图中绘制了泳道：请把任务拖入相应泳道。'
      : '任务所在泳道的名称就是办理角色；选择后任务即归入该泳道。',
    disabled: drawn || nested,
    getOptions: function () {
      return [{ value: '', label: '（不在任何泳道）' }].concat(props.roles.map(function (r) {
        return { value: r[0], label: r[1] + '（' + r[0] + '）' };
      }));
    },
    getValue: function () { const lane = laneOf(bo); return lane ? lane.name || '' : ''; },
    setValue: function (value) { setLaneRole(s, props.element, value); }
  });
}

function LaneName(props) {
  const s = services();
  return SelectEntry({
    element: props.element,
    id: props.id,
    label: '办理角色',
    description: '泳道中的用户任务由持有该角色的人员办理。',
    getOptions: function () {
      const current = getBusinessObject(props.element).name || '';
      const options = [{ value: '', label: '（未设置）' }].concat(props.roles.map(function (r) {
        return { value: r[0], label: r[1] + '（' + r[0] + '）' };
      }));
      if (current && !props.roles.some(function (r) { return r[0] === current; })) {
        options.push({ value: current, label: current + '（不是已知角色）' });
      }
      return options;
    },
    getValue: function () { return getBusinessObject(props.element).name || ''; },
    setValue: function (value) { s.modeling.updateProperties(props.element, { name: value }); }
  });
}

function ScriptExtension(props) {
  const s = services();
  return TextAreaEntry({
    element: props.element,
    id: props.id,
    label: props.label,
    description: props.description,
    debounce: s.debounce,
    monospace: true,
    autoResize: true,
    getValue: function () { return getBodyExtension(getBusinessObject(props.element), props.type); },
    setValue: function (value) { setBodyExtension(s, props.element, props.type, value); }
  });
}

function ScriptBody(props) {
  const s = services();
  return TextAreaEntry({
    element: props.element,
    id: props.id,
    label: '脚本内容',
    description: '受限的 Python：不能导入模块、访问文件或网络；可用 add_working_days、today、now 等函数。',
    debounce: s.debounce,
    monospace: true,
    autoResize: true,
    getValue: function () { return getBusinessObject(props.element).script || ''; },
    setValue: function (value) {
      s.modeling.updateProperties(props.element, { script: value, scriptFormat: 'python' });
    }
  });
}

function Condition(props) {
  const s = services();
  const bo = getBusinessObject(props.element);
  return TextAreaEntry({
    element: props.element,
    id: props.id,
    label: '条件表达式',
    description: "Python 表达式，例如 decision == 'approve'；默认分支不需要条件。",
    debounce: s.debounce,
    monospace: true,
    getValue: function () { return bo.conditionExpression ? bo.conditionExpression.body || '' : ''; },
    setValue: function (value) {
      const text = (value || '').trim();
      if (!text) {
        s.modeling.updateProperties(props.element, { conditionExpression: undefined });
      } else if (bo.conditionExpression) {
        s.commandStack.execute('element.updateModdleProperties', {
          element: props.element, moddleElement: bo.conditionExpression, properties: { body: text }
        });
      } else {
        const expression = s.bpmnFactory.create('bpmn:FormalExpression', { body: text });
        s.modeling.updateProperties(props.element, { conditionExpression: expression });
      }
    }
  });
}

function DefaultFlow(props) {
  const s = services();
  const bo = getBusinessObject(props.element);
  const gateway = s.elementRegistry.get(bo.sourceRef.id);
  return CheckboxEntry({
    element: props.element,
    id: props.id,
    label: '默认分支（其他条件都不满足时走此分支）',
    getValue: function () { return bo.sourceRef.default === bo; },
    setValue: function (checked) {
      s.modeling.updateProperties(gateway, { default: checked ? bo : undefined });
    }
  });
}

function timerDefinition(bo) {
  return (bo.get('eventDefinitions') || []).find(function (d) { return is(d, 'bpmn:TimerEventDefinition'); });
}

function timerKind(definition) {
  return TIMER_KINDS.find(function (kind) { return definition.get(kind); }) || '';
}

function setTimer(s, element, kind, body) {
  const definition = timerDefinition(getBusinessObject(element));
  const properties = { timeDate: undefined, timeDuration: undefined, timeCycle: undefined };
  properties[kind] = s.bpmnFactory.create('bpmn:FormalExpression', { body: body });
  s.commandStack.execute('element.updateModdleProperties', {
    element: element, moddleElement: definition, properties: properties
  });
}

function TimerKind(props) {
  const s = services();
  const labels = { timeDuration: '时长（timeDuration）', timeDate: '日期时间（timeDate）', timeCycle: '周期（timeCycle）' };
  return SelectEntry({
    element: props.element,
    id: props.id,
    label: '定时类型',
    getOptions: function () {
      return [{ value: '', label: '（未设置）' }].concat(TIMER_KINDS.map(function (k) { return { value: k, label: labels[k] }; }));
    },
    getValue: function () { return timerKind(timerDefinition(getBusinessObject(props.element))); },
    setValue: function (kind) {
      const definition = timerDefinition(getBusinessObject(props.element));
      const current = timerKind(definition);
      if (kind) { setTimer(s, props.element, kind, current ? definition.get(current).body : ''); }
    }
  });
}

function TimerExpression(props) {
  const s = services();
  return TextFieldEntry({
    element: props.element,
    id: props.id,
    label: '定时表达式',
    description: '这是 Python 表达式：字面量须加引号，如 "P5D"、"2026-12-31T17:00:00+08:00"；或 add_working_days(5)。',
    debounce: s.debounce,
    getValue: function () {
      const definition = timerDefinition(getBusinessObject(props.element));
      const kind = timerKind(definition);
      return kind ? definition.get(kind).body || '' : '';
    },
    setValue: function (value) {
      const kind = timerKind(timerDefinition(getBusinessObject(props.element))) || 'timeDuration';
      setTimer(s, props.element, kind, value);
    }
  });
}

function loopOf(element) {
  const lc = getBusinessObject(element).loopCharacteristics;
  return lc && is(lc, 'bpmn:MultiInstanceLoopCharacteristics') ? lc : null;
}

function LoopRef(props) {
  const s = services();
  return TextFieldEntry({
    element: props.element,
    id: props.id,
    label: props.label,
    description: props.description,
    debounce: s.debounce,
    getValue: function () { const ref = loopOf(props.element).get(props.property); return ref ? ref.id : ''; },
    setValue: function (value) {
      const text = (value || '').trim();
      const properties = {};
      properties[props.property] = text ? variableRef(s.moddle, text) : undefined;
      s.commandStack.execute('element.updateModdleProperties', {
        element: props.element, moddleElement: loopOf(props.element), properties: properties
      });
    }
  });
}

function LoopItem(props) {
  const s = services();
  return TextFieldEntry({
    element: props.element,
    id: props.id,
    label: props.label,
    description: props.description,
    debounce: s.debounce,
    getValue: function () { const item = loopOf(props.element).get(props.property); return item ? item.id || item.name : ''; },
    setValue: function (value) {
      const text = (value || '').trim();
      const properties = {};
      // SpiffWorkflow names the variable by the item's id
      properties[props.property] = text ? s.moddle.create(props.itemType, { id: text, name: text }) : undefined;
      if (text) { properties[props.property].$parent = loopOf(props.element); }
      s.commandStack.execute('element.updateModdleProperties', {
        element: props.element, moddleElement: loopOf(props.element), properties: properties
      });
    }
  });
}

function operatorOf(element) {
  return extensionValues(getBusinessObject(element), 'spiffworkflow:ServiceTaskOperator')[0];
}

function ServiceOperator(props) {
  const s = services();
  return SelectEntry({
    element: props.element,
    id: props.id,
    label: '调用的服务',
    getOptions: function () {
      const current = operatorOf(props.element) ? operatorOf(props.element).id : '';
      const options = [{ value: '', label: '（未设置）' }].concat(props.services.map(function (n) { return { value: n, label: n }; }));
      if (current && props.services.indexOf(current) === -1) { options.push({ value: current, label: current + '（未注册）' }); }
      return options;
    },
    getValue: function () { return operatorOf(props.element) ? operatorOf(props.element).id || '' : ''; },
    setValue: function (value) {
      const operator = operatorOf(props.element);
      if (operator) {
        s.commandStack.execute('element.updateModdleProperties', {
          element: props.element, moddleElement: operator, properties: { id: value }
        });
        return;
      }
      const commands = [];
      const ext = ensureExtensions(props.element, getBusinessObject(props.element), s.bpmnFactory, commands);
      const created = s.moddle.create('spiffworkflow:ServiceTaskOperator', { id: value });
      created.$parent = ext;
      commands.push(update(props.element, ext, { values: ext.get('values').concat([created]) }));
      run(s.commandStack, commands);
    }
  });
}

function ServiceAttribute(props) {
  const s = services();
  return TextFieldEntry({
    element: props.element,
    id: props.id,
    label: props.label,
    description: props.description,
    debounce: s.debounce,
    getValue: function () { return props.target().get(props.attribute) || ''; },
    setValue: function (value) {
      s.commandStack.execute('element.updateModdleProperties', {
        element: props.element, moddleElement: props.target(), properties: { [props.attribute]: value }
      });
    }
  });
}

// --- groups -------------------------------------------------------------------------------

function userTaskGroup(element, options) {
  const bo = getBusinessObject(element);
  const otherTasks = function () {
    const process = bo.$parent;
    return (process.get('flowElements') || [])
      .filter(function (el) { return is(el, 'bpmn:UserTask') && el !== bo; })
      .map(function (el) { return { value: el.id, label: (el.name || el.id) + '（' + el.id + '）' }; });
  };
  const entries = [
    {
      id: 'jz-formKey', component: PropertySelect, property: 'formKey', label: '表单（formKey）',
      description: '办理此任务时填写的表单；只能选择已注册的表单。', isEdited: isSelectEntryEdited,
      options: function () {
        return options.formKeys.map(function (f) { return { value: f[0], label: f[1] + '（' + f[0] + '）' }; });
      }
    },
    { id: 'jz-lane', component: LaneRole, roles: options.roles, isEdited: isSelectEntryEdited },
    {
      id: 'jz-dueIn', component: PropertyText, property: 'dueIn', label: '办理时限（dueIn）',
      description: 'P5WD 为5个工作日（按法定节假日与调休计算）；也可用 P7D、PT48H。未设置时为警告。',
      isEdited: isTextFieldEntryEdited,
      validate: function (value) {
        return !value || DUE_IN.test(value.trim()) ? null : '格式应为 P5WD、P7D 或 PT48H';
      }
    },
    {
      id: 'jz-assignTo', component: PropertyText, property: 'assignTo', label: '指定办理单位（assignTo）',
      description: "表达式，结果为组织机构代码，例如多实例中的 unit 或 precheck['community_code']。",
      isEdited: isTextFieldEntryEdited
    },
    {
      id: 'jz-excludeActorsOf', component: PropertySelect, property: 'excludeActorsOf',
      label: '回避（excludeActorsOf）', emptyLabel: '（不要求回避）',
      description: '办理过所选任务的人员不得办理本任务（双人复核）。', isEdited: isSelectEntryEdited,
      options: otherTasks
    },
    {
      id: 'jz-candidateScope', component: PropertySelect, property: 'candidateScope', label: '候选范围',
      emptyLabel: '（按角色默认）', isEdited: isSelectEntryEdited,
      options: function () {
        return [{ value: 'exact', label: '仅本办件所属单位' }, { value: 'ancestor', label: '本单位及上级单位' }];
      }
    },
    {
      id: 'jz-dueAt', component: PropertyText, property: 'dueAt', label: '案件总期限（dueAt）',
      description: '表达式，结果为 ISO 日期时间；与 dueIn 同时设置时取较早者。', isEdited: isTextFieldEntryEdited
    }
  ];
  return { id: 'jz-task', label: '办理设置', entries: entries, component: Group };
}

function scriptGroup(element) {
  const entries = [];
  if (is(element, 'bpmn:ScriptTask')) {
    entries.push({ id: 'jz-script', component: ScriptBody, isEdited: isTextAreaEntryEdited });
  }
  entries.push(
    {
      id: 'jz-preScript', component: ScriptExtension, type: 'spiffworkflow:PreScript', label: '前置脚本（preScript）',
      description: '任务开始前运行。', isEdited: isTextAreaEntryEdited
    },
    {
      id: 'jz-postScript', component: ScriptExtension, type: 'spiffworkflow:PostScript', label: '后置脚本（postScript）',
      description: '任务完成后运行。', isEdited: isTextAreaEntryEdited
    }
  );
  return { id: 'jz-scripts', label: '脚本', entries: entries, component: Group };
}

function conditionGroup(element) {
  const source = getBusinessObject(element).sourceRef;
  if (!source || !is(source, 'bpmn:ExclusiveGateway') && !is(source, 'bpmn:InclusiveGateway')) { return null; }
  return {
    id: 'jz-condition', label: '分支条件', component: Group,
    entries: [
      { id: 'jz-conditionExpression', component: Condition, isEdited: isTextAreaEntryEdited },
      { id: 'jz-default', component: DefaultFlow, isEdited: isCheckboxEntryEdited }
    ]
  };
}

function timerGroup(element) {
  if (!timerDefinition(getBusinessObject(element))) { return null; }
  return {
    id: 'jz-timer', label: '定时', component: Group,
    entries: [
      { id: 'jz-timerKind', component: TimerKind, isEdited: isSelectEntryEdited },
      { id: 'jz-timerExpression', component: TimerExpression, isEdited: isTextFieldEntryEdited }
    ]
  };
}

function multiInstanceGroup(element) {
  if (!loopOf(element)) { return null; }
  return {
    id: 'jz-multiInstance', label: '多实例（逐一办理）', component: Group,
    entries: [
      {
        id: 'jz-loopInput', component: LoopRef, property: 'loopDataInputRef', label: '输入集合',
        description: '任务数据中的列表变量名，如 units：每个元素生成一个任务。', isEdited: isTextFieldEntryEdited
      },
      {
        id: 'jz-inputItem', component: LoopItem, property: 'inputDataItem', itemType: 'bpmn:DataInput',
        label: '元素变量', description: '每个任务中当前元素的变量名，如 unit。', isEdited: isTextFieldEntryEdited
      },
      {
        id: 'jz-loopOutput', component: LoopRef, property: 'loopDataOutputRef', label: '输出集合',
        description: '收集各任务结果的列表变量名，如 opinions。', isEdited: isTextFieldEntryEdited
      },
      {
        id: 'jz-outputItem', component: LoopItem, property: 'outputDataItem', itemType: 'bpmn:DataOutput',
        label: '输出元素', description: '每个任务的结果变量名，如 opinion。', isEdited: isTextFieldEntryEdited
      }
    ]
  };
}

function serviceGroup(element, options) {
  const entries = [{ id: 'jz-operator', component: ServiceOperator, services: options.services, isEdited: isSelectEntryEdited }];
  const operator = operatorOf(element);
  if (operator) {
    entries.push({
      id: 'jz-resultVariable', component: ServiceAttribute, attribute: 'resultVariable', label: '结果变量',
      description: '服务返回值保存到的变量名。', target: function () { return operatorOf(element); },
      isEdited: isTextFieldEntryEdited
    });
    const list = operator.get('parameterList');
    (list ? list.get('parameters') : []).forEach(function (parameter, index) {
      entries.push({
        id: 'jz-parameter-' + index, component: ServiceAttribute, attribute: 'value',
        label: '参数 ' + parameter.id, description: '表达式（字符串须加引号）。',
        target: function () { return parameter; }, isEdited: isTextFieldEntryEdited
      });
    });
  }
  return { id: 'jz-service', label: '服务', entries: entries, component: Group };
}

function laneGroup(element, options) {
  return {
    id: 'jz-lane-role', label: '泳道角色', component: Group,
    entries: [{ id: 'jz-laneName', component: LaneName, roles: options.roles, isEdited: isSelectEntryEdited }]
  };
}

function ourGroups(element, options) {
  const groups = [];
  if (is(element, 'bpmn:UserTask')) { groups.push(userTaskGroup(element, options)); }
  if (is(element, 'bpmn:ServiceTask')) { groups.push(serviceGroup(element, options)); }
  if (is(element, 'bpmn:Lane')) { groups.push(laneGroup(element, options)); }
  if (is(element, 'bpmn:SequenceFlow')) { groups.push(conditionGroup(element)); }
  if (is(element, 'bpmn:Activity') && !is(element, 'bpmn:SubProcess')) { groups.push(scriptGroup(element)); }
  if (is(element, 'bpmn:Event')) { groups.push(timerGroup(element)); }
  if (is(element, 'bpmn:Activity')) { groups.push(multiInstanceGroup(element)); }
  return groups.filter(Boolean);
}

function SpiffPropertiesProvider(propertiesPanel, config) {
  const options = Object.assign({ formKeys: [], roles: [], services: [] }, config.jz || {});
  this.getGroups = function (element) {
    return function (groups) {
      const ours = ourGroups(element, options);
      const general = groups.findIndex(function (g) { return g.id === 'general'; });
      const kept = groups.filter(function (g) { return g.id !== 'timer'; }); // ours replaces it
      kept.splice(general + 1, 0, ...ours);
      return kept;
    };
  };
  propertiesPanel.registerProvider(500, this);
}

SpiffPropertiesProvider.$inject = ['propertiesPanel', 'config'];

export default {
  __init__: ['jzPropertiesProvider'],
  jzPropertiesProvider: ['type', SpiffPropertiesProvider]
};
