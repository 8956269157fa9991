// The modeler page: load a version into bpmn-js (window.JzModeler from modeler.bundle.js), save
// it as a new draft, list the server linter's findings and mark their elements, deploy when the
// saved draft has no errors, import and export XML.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("modeler-config").textContent);
  var csrf = document.querySelector("meta[name=csrf-token]").content;
  var state = {
    key: config.key,
    version: config.version,
    status: config.status,
    findings: config.findings || [],
    dirty: false,
    busy: false
  };
  var marked = [];
  var modeler = window.JzModeler.create({
    container: "#modeler-canvas",
    propertiesParent: "#modeler-properties",
    formKeys: config.formKeys,
    roles: config.roles,
    services: config.services
  });
  window.jzModeler = modeler; // for the browser tests and the curious administrator

  var $ = function (id) { return document.getElementById(id); };

  function link(template, key, version) {
    return template.replace("__KEY__", encodeURIComponent(key)).replace("__V__", String(version));
  }

  function hasErrors(findings) {
    return findings.some(function (f) { return f.severity === "error"; });
  }

  function say(kind, text, href, hrefText) {
    var box = $("modeler-message");
    box.className = "alert alert-" + kind + " mb-2";
    box.textContent = text;
    if (href) {
      var a = document.createElement("a");
      a.href = href;
      a.className = "alert-link ms-2";
      a.textContent = hrefText;
      box.appendChild(a);
    }
  }

  function updateState() {
    $("state-key").textContent = state.key;
    $("state-version").textContent = state.version ? "v" + state.version : "新流程（未保存）";
    var status = $("state-status");
    status.textContent = state.status === "deployed" ? "已发布" : state.version ? "草稿" : "未保存";
    status.className = "badge " + (state.status === "deployed" ? "text-bg-success" : "text-bg-secondary");
    $("state-dirty").classList.toggle("d-none", !state.dirty);
    var deploy = $("btn-deploy");
    var why = "";
    if (state.dirty) { why = "请先保存修改"; }
    else if (!state.version || state.status !== "draft") { why = "只有草稿可以发布"; }
    else if (hasErrors(state.findings)) { why = "校验有错误，修正并保存后才能发布"; }
    deploy.disabled = Boolean(why) || state.busy;
    deploy.title = why;
    $("btn-save").disabled = state.busy;
  }

  // Fit the diagram to the canvas, leaving the palette on the left free.
  function fit() {
    var canvas = modeler.get("canvas");
    canvas.zoom("fit-viewport");
    var box = canvas.viewbox();
    var inner = box.inner;
    var outer = box.outer;
    if (!inner.width || !inner.height) { return; }
    var left = 150;
    var pad = 30;
    var scale = Math.min((outer.width - left - pad) / inner.width, (outer.height - 2 * pad) / inner.height, 1.2);
    var height = outer.height / scale;
    canvas.viewbox({
      x: inner.x - left / scale, y: inner.y - (height - inner.height) / 2, width: outer.width / scale, height: height
    });
  }

  function clearMarkers() {
    var canvas = modeler.get("canvas");
    marked.forEach(function (m) { canvas.removeMarker(m[0], m[1]); });
    marked = [];
  }

  function focusElement(id) {
    var element = modeler.get("elementRegistry").get(id);
    if (!element) { return; }
    modeler.get("selection").select(element);
    modeler.get("canvas").scrollToElement(element);
  }

  function showFindings(findings) {
    clearMarkers();
    var registry = modeler.get("elementRegistry");
    var canvas = modeler.get("canvas");
    var list = $("findings");
    list.textContent = "";
    var errors = 0;
    var warnings = 0;
    findings.forEach(function (finding) {
      if (finding.severity === "error") { errors += 1; } else { warnings += 1; }
      var item = document.createElement("li");
      item.className = "list-group-item d-flex gap-2 align-items-start";
      item.dataset.severity = finding.severity;
      item.dataset.element = finding.element || "";
      var badge = document.createElement("span");
      badge.className = "badge " + (finding.severity === "error" ? "text-bg-danger" : "text-bg-warning");
      badge.textContent = finding.severity === "error" ? "错误" : "警告";
      var body = document.createElement("div");
      if (finding.element) {
        var id = document.createElement("div");
        id.className = "element-id text-muted";
        id.textContent = finding.element;
        body.appendChild(id);
      }
      body.appendChild(document.createTextNode(finding.message));
      item.appendChild(badge);
      item.appendChild(body);
      if (finding.element && registry.get(finding.element)) {
        var marker = "marker-finding-" + finding.severity;
        if (!canvas.hasMarker(finding.element, "marker-finding-error")) {
          canvas.removeMarker(finding.element, "marker-finding-warning");
          canvas.addMarker(finding.element, marker);
          marked.push([finding.element, marker]);
        }
        item.addEventListener("click", function () { focusElement(finding.element); });
      }
      list.appendChild(item);
    });
    if (!findings.length) {
      var ok = document.createElement("li");
      ok.className = "list-group-item text-success";
      ok.textContent = state.version ? "未发现问题。" : "保存后显示校验结果。";
      list.appendChild(ok);
    }
    $("findings-summary").textContent = findings.length ? errors + " 个错误，" + warnings + " 个警告" : "";
  }

  function request(url, options) {
    options.credentials = "same-origin";
    options.headers = Object.assign({ "X-CSRFToken": csrf, "Accept": "application/json" }, options.headers || {});
    return fetch(url, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { ok: response.ok, status: response.status, body: body };
      });
    });
  }

  function save() {
    state.busy = true;
    updateState();
    return modeler.saveXML({ format: true })
      .then(function (result) {
        return request(config.saveUrl, {
          method: "POST", headers: { "Content-Type": "application/xml" }, body: result.xml
        });
      })
      .then(function (reply) {
        state.busy = false;
        if (!reply.ok) {
          showFindings(reply.body.findings || []);
          say("danger", reply.body.message || "保存失败（" + reply.status + "）");
          return updateState();
        }
        state.key = reply.body.key;
        state.version = reply.body.version;
        state.status = reply.body.status;
        state.findings = reply.body.findings;
        state.dirty = false;
        history.replaceState(null, "", link(config.modelerUrl, state.key, state.version));
        showFindings(state.findings);
        var errors = hasErrors(state.findings);
        say(errors ? "warning" : "success",
          "已保存为草稿 v" + state.version + (errors ? "。校验发现错误，修正后才能发布。" : "。可以发布。"));
        updateState();
      })
      .catch(function (error) {
        state.busy = false;
        say("danger", "保存失败：" + error.message);
        updateState();
      });
  }

  function deploy() {
    state.busy = true;
    updateState();
    return request(link(config.deployUrl, state.key, state.version), { method: "POST" }).then(function (reply) {
      state.busy = false;
      if (reply.ok) {
        state.status = reply.body.status;
        say("success", reply.body.message, link(config.migrateUrl, state.key, state.version), "迁移办理中的办件 →");
      } else {
        if (reply.body.findings) { state.findings = reply.body.findings; showFindings(state.findings); }
        say("danger", reply.body.message || "发布失败（" + reply.status + "）");
      }
      updateState();
    });
  }

  function exportXml() {
    modeler.saveXML({ format: true }).then(function (result) {
      var blob = new Blob([result.xml], { type: "application/xml" });
      var a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = state.key + (state.version ? "-v" + state.version : "") + ".bpmn";
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
    });
  }

  function importXml(event) {
    var file = event.target.files[0];
    if (!file) { return; }
    file.text().then(function (xml) {
      return modeler.importXML(xml).then(function () {
        state.dirty = true;
        showFindings([]);
        fit();
        say("info", "已导入 " + file.name + "，保存后成为新的草稿版本。");
        updateState();
      });
    }).catch(function (error) {
      say("danger", "导入失败：" + error.message);
    });
    event.target.value = "";
  }

  modeler.on("commandStack.changed", function () {
    state.dirty = true;
    updateState();
  });
  $("btn-save").addEventListener("click", save);
  $("btn-deploy").addEventListener("click", deploy);
  $("btn-export").addEventListener("click", exportXml);
  $("import-file").addEventListener("change", importXml);
  $("btn-fit").addEventListener("click", fit);
  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key === "s") { event.preventDefault(); save(); }
  });
  window.addEventListener("beforeunload", function (event) {
    if (state.dirty) { event.preventDefault(); event.returnValue = ""; }
  });

  fetch(config.xmlUrl, { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.text();
    })
    .then(function (xml) { return modeler.importXML(xml); })
    .then(function () {
      fit();
      state.dirty = !state.version; // a new process exists only once it is saved
      showFindings(state.findings);
      updateState();
      document.body.dataset.modelerReady = "1";
    })
    .catch(function (error) {
      say("danger", "流程图加载失败：" + error.message);
    });
})();
