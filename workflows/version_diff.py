"""What changed between two versions of a process: elements added, removed and changed.

Compares the BPMN semantics, not the layout: each element (task, event, gateway, flow, lane,
participant) is reduced to a flat mapping of facets — its kind, attributes, lane, our
`spiffworkflow` properties, scripts, conditions, timer and multi-instance settings — and the
two mappings are compared element by element (matched by BPMN id).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from workflows.linter import BPMN_NS, NS, SPIFF_NS, describe, parse_xml_safely

# Elements whose children are the diagram's elements (a sub-process is one itself).
_CONTAINERS = frozenset(
    {"process", "subProcess", "transaction", "adHocSubProcess", "laneSet", "collaboration"}
)
# Children that say how elements are wired or drawn, which the flows and lanes already tell.
_SKIPPED = frozenset({"incoming", "outgoing", "flowNodeRef", "laneSet", "childLaneSet"})
_LABELS = {
    "@name": "名称",
    "@default": "默认分支",
    "@sourceRef": "起点",
    "@targetRef": "终点",
    "@attachedToRef": "附着于",
    "@cancelActivity": "中断任务",
    "@processRef": "流程",
    "lane": "泳道（办理角色）",
    "script": "脚本",
    "conditionExpression": "条件表达式",
    "documentation": "说明",
}


@dataclass
class ElementChange:
    """One element that differs: how, and (for a change) which facets with their old and new values."""

    element: str
    kind: str  # added, removed, changed
    label: str
    facets: list[tuple[str, str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The change for the API."""
        changes = [{"facet": f, "old": old, "new": new} for f, old, new in self.facets]
        return {"element": self.element, "change": self.kind, "label": self.label, "facets": changes}


@dataclass
class VersionDiff:
    """Every changed element, in document order of the newer version."""

    changes: list[ElementChange]

    def ids(self, kind: str) -> list[str]:
        """Element ids with this kind of change."""
        return [c.element for c in self.changes if c.kind == kind]

    def markers(self) -> dict[str, dict[str, list[str]]]:
        """What to highlight on each diagram: the old shows removals, the new additions."""
        changed = self.ids("changed")
        return {
            "old": {"removed": self.ids("removed"), "changed": changed},
            "new": {"added": self.ids("added"), "changed": changed},
        }


def _local(el: Any) -> str:
    return str(etree.QName(el).localname)


def _is_element(el: Any) -> bool:
    """A BPMN element that is drawn or listed on its own (not a detail of another element)."""
    parent = el.getparent()
    return (
        isinstance(el.tag, str)
        and etree.QName(el).namespace == BPMN_NS
        and bool(el.get("id"))
        and parent is not None
        and _local(parent) in _CONTAINERS
        and _local(el) not in _SKIPPED
    )


def _elements(root: Any) -> dict[str, Any]:
    return {el.get("id"): el for el in root.iter() if _is_element(el)}


def _lanes(root: Any) -> dict[str, str]:
    lanes: dict[str, str] = {}
    for lane in root.iterfind(".//bpmn:lane", NS):
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            lanes[(ref.text or "").strip()] = lane.get("name") or lane.get("id") or ""
    return lanes


def _detail_key(path: str, child: Any) -> str:
    """A readable key for a nested detail: our properties by name, other things by tag path."""
    tag = _local(child)
    namespace = etree.QName(child).namespace
    if namespace == SPIFF_NS and tag == "property":
        return f"属性 {child.get('name')}"
    if namespace == SPIFF_NS and tag in ("preScript", "postScript", "serviceTaskOperator"):
        return tag
    if tag == "extensionElements":
        return path
    key = f"{path}/{tag}" if path else tag
    name = child.get("name") or child.get("id")
    return f"{key}[{name}]" if name and tag in ("parameter", "dataInput", "dataOutput") else key


def _details(el: Any, path: str, facets: dict[str, str]) -> None:
    """Flatten the element's own children (not nested elements) into facets."""
    for child in el:
        if not isinstance(child.tag, str) or _local(child) in _SKIPPED or _is_element(child):
            continue
        key = _detail_key(path, child)
        if _local(child) == "property" and etree.QName(child).namespace == SPIFF_NS:
            facets[key] = child.get("value") or ""
            continue
        text = (child.text or "").strip()
        attrs = {k: v for k, v in child.attrib.items() if etree.QName(k).localname not in ("id", "type")}
        if text or attrs:
            parts = [text] if text else []
            parts += [f"{etree.QName(k).localname}={v}" for k, v in sorted(attrs.items())]
            facets[key] = "; ".join(parts) if key not in facets else facets[key] + " | " + "; ".join(parts)
        _details(child, key, facets)


def facets_of(el: Any, lanes: dict[str, str]) -> dict[str, str]:
    """An element reduced to what it means: kind, attributes, lane and nested details."""
    facets = {"类型": _local(el)}
    for name, value in el.attrib.items():
        local = etree.QName(name).localname
        if local != "id":
            facets[f"@{local}"] = value
    if el.get("id") in lanes:
        facets["lane"] = lanes[el.get("id")]
    _details(el, "", facets)
    return facets


def _compare(old: dict[str, str], new: dict[str, str]) -> list[tuple[str, str, str]]:
    keys = list(dict.fromkeys([*old, *new]))
    return [
        (_LABELS.get(k, k.lstrip("@")), old.get(k, ""), new.get(k, ""))
        for k in keys
        if old.get(k) != new.get(k)
    ]


def diff_versions(old_xml: bytes, new_xml: bytes) -> VersionDiff:
    """The elements added, removed and changed from `old_xml` to `new_xml`."""
    old_root, new_root = parse_xml_safely(old_xml), parse_xml_safely(new_xml)
    old, new = _elements(old_root), _elements(new_root)
    old_lanes, new_lanes = _lanes(old_root), _lanes(new_root)
    changes: list[ElementChange] = []
    for element_id, el in new.items():
        if element_id not in old:
            facets = _compare({}, facets_of(el, new_lanes))
            changes.append(ElementChange(element_id, "added", describe(el), facets))
            continue
        facets = _compare(facets_of(old[element_id], old_lanes), facets_of(el, new_lanes))
        if facets:
            changes.append(ElementChange(element_id, "changed", describe(el), facets))
    for element_id, el in old.items():
        if element_id not in new:
            facets = _compare(facets_of(el, old_lanes), {})
            changes.append(ElementChange(element_id, "removed", describe(el), facets))
    return VersionDiff(changes)
