// Progressive enhancement of the section screens: an "Add a row" button that copies the
// formset's empty row. Without JavaScript the screens already offer blank rows and a
// "Save and add more rows" button.
(function () {
  "use strict";

  document.querySelectorAll("[data-formset]").forEach(function (rows) {
    var prefix = rows.dataset.formset;
    var template = document.getElementById(prefix + "-empty-row");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
    if (!template || !total) {
      return;
    }

    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-outline-secondary mb-3";
    button.textContent = rows.dataset.addLabel;
    rows.after(button);

    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      if (max && index >= parseInt(max.value, 10)) {
        return;
      }
      var html = template.innerHTML
        .replace(/__prefix__/g, String(index))
        .replace(/__number__/g, String(index + 1));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var row = rows.lastElementChild;
      var first = row.querySelector("input:not([type=hidden]), select, textarea");
      if (first) {
        first.focus();
      }
    });
  });
})();
