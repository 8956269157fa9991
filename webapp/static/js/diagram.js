// Draw the case's process with bpmn-js and mark what ran (completed), what waits for a person
// (active) and what waits for a timer or message (waiting).
(function () {
  "use strict";
  var box = document.getElementById("bpmn-canvas");
  if (!box || typeof BpmnJS === "undefined") { return; }
  var markers = JSON.parse(box.dataset.markers || "{}");
  var viewer = new BpmnJS({ container: box });

  function fail() {
    box.classList.add("diagram-failed");
    box.textContent = box.dataset.error || "";
  }

  fetch(box.dataset.src, { credentials: "same-origin" })
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
    .catch(fail);
})();
