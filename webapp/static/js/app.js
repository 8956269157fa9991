// Repeated groups (a FieldList of rows): 添加 clones the row template, 删除 removes a row.
(function () {
  "use strict";

  function rows(group) {
    return group.querySelectorAll("tbody [data-group-row]");
  }

  function renumber(group) {
    rows(group).forEach(function (row, index) {
      var cell = row.querySelector(".row-no");
      if (cell) { cell.textContent = String(index + 1); }
    });
    var max = parseInt(group.dataset.max || "0", 10);
    var add = group.querySelector("[data-group-add]");
    if (add) { add.disabled = max > 0 && rows(group).length >= max; }
  }

  function addRow(group) {
    var template = group.querySelector("template");
    var index = parseInt(group.dataset.next || "0", 10);
    group.dataset.next = String(index + 1);
    var html = template.innerHTML.split("__index__").join(String(index));
    var body = group.querySelector("tbody");
    body.insertAdjacentHTML("beforeend", html);
    renumber(group);
    var first = body.lastElementChild.querySelector("input, select, textarea");
    if (first) { first.focus(); }
  }

  function removeRow(group, row) {
    var min = parseInt(group.dataset.min || "0", 10);
    if (rows(group).length <= min) {
      row.querySelectorAll("input, select, textarea").forEach(function (el) { el.value = ""; });
    } else {
      row.remove();
    }
    renumber(group);
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-group-add], [data-group-remove]");
    if (!target) { return; }
    var group = target.closest("[data-group]");
    if (!group) { return; }
    event.preventDefault();
    if (target.hasAttribute("data-group-add")) {
      addRow(group);
    } else {
      removeRow(group, target.closest("[data-group-row]"));
    }
  });

  document.querySelectorAll("[data-group]").forEach(renumber);
})();
