// Read-only diagrams (a case's process, the two sides of a version diff): each .bpmn-view draws the
// BPMN at data-src with bpmn-js and marks the element ids listed per kind in data-markers
// ({"completed": [...], "active": [...]} or {"added": [...], "changed": [...]} → CSS classes
// marker-completed, marker-added …).
// A click on an item with data-focus centres that element in every diagram showing it.
(function () {
  "use strict";
  if (typeof BpmnJS === "undefined") { return; }
  var viewers = [];

  function draw(box) {
    var viewer = new BpmnJS({ container: box });
    var markers = JSON.parse(box.dataset.markers || "{}");
    viewers.push(viewer);
    return fetch(box.dataset.src, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        var canvas = viewer.get("canvas");
        var registry = viewer.get("elementRegistry");
        Object.keys(markers).forEach(function (kind) {
          markers[kind].forEach(function (id) {
            if (registry.get(id)) { canvas.addMarker(id, "marker-" + kind); }
          });
        });
        canvas.zoom("fit-viewport", "auto");
        box.dataset.ready = "1";
      })
      .catch(function () {
        box.classList.add("diagram-failed");
        box.textContent = box.dataset.error || "";
      });
  }

  document.querySelectorAll(".bpmn-view[data-src]").forEach(draw);
  document.querySelectorAll("[data-focus]").forEach(function (item) {
    item.addEventListener("click", function () {
      viewers.forEach(function (viewer) {
        var element = viewer.get("elementRegistry").get(item.dataset.focus);
        if (element) { viewer.get("canvas").scrollToElement(element); }
      });
    });
  });
})();
