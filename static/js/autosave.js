// Autosave of the editing forms (the session and its sections: the forms carrying the edit
// lock, input[name=lock]). What is typed is kept in this browser (localStorage) until the
// server confirms the save, and offered back when the form is opened again after a submission
// that did not arrive (a lost connection) or a page left unsaved. Progressive enhancement:
// without JavaScript, or without storage, the forms work as before.
(function () {
  "use strict";

  var script = document.currentScript;
  var PREFIX = "ctn-draft:";
  var SUBMITTED = "ctn-draft-submitted";
  var MAX_AGE = 14 * 24 * 3600 * 1000; // a draft older than two weeks is forgotten
  var SKIPPED = { csrfmiddlewaretoken: true, _continue: true, _prefill: true, _add_person: true };
  var store;
  try {
    store = window.localStorage;
    store.setItem(PREFIX + "test", "1");
    store.removeItem(PREFIX + "test");
  } catch (error) {
    return; // no storage (private mode, disabled): nothing to do
  }

  function read(key) {
    try {
      var draft = JSON.parse(store.getItem(key));
      if (draft && Date.now() - draft.at < MAX_AGE) {
        return draft;
      }
    } catch (error) {
      // a damaged draft is dropped below
    }
    store.removeItem(key);
    return null;
  }

  // The page that follows a submission: a success message means the server saved it.
  var submitted = null;
  try {
    submitted = window.sessionStorage.getItem(SUBMITTED);
    window.sessionStorage.removeItem(SUBMITTED);
  } catch (error) {
    submitted = null;
  }
  if (submitted && document.querySelector("[role=status] .alert-success")) {
    store.removeItem(submitted);
  }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (element) {
      return (
        element.name &&
        !element.disabled &&
        !SKIPPED[element.name] &&
        ["file", "submit", "button", "reset"].indexOf(element.type) === -1
      );
    });
  }

  function serialize(form) {
    var values = {};
    fields(form).forEach(function (element) {
      var list = values[element.name] || (values[element.name] = []);
      if (element.type === "checkbox" || element.type === "radio") {
        if (element.checked) {
          list.push(element.value);
        }
      } else if (element.type === "select-multiple") {
        Array.prototype.forEach.call(element.selectedOptions, function (option) {
          list.push(option.value);
        });
      } else {
        list.push(element.value);
      }
    });
    return values;
  }

  function addRows(form, values) {
    // Rows added with "Add a row" (formset.js) are made again before their values are put back.
    form.querySelectorAll("[data-formset]").forEach(function (rows) {
      var prefix = rows.dataset.formset;
      var template = document.getElementById(prefix + "-empty-row");
      var total = form.querySelector('[name="' + prefix + '-TOTAL_FORMS"]');
      var wanted = parseInt((values[prefix + "-TOTAL_FORMS"] || [])[0], 10);
      if (!template || !total || !(wanted > parseInt(total.value, 10))) {
        return;
      }
      for (var index = parseInt(total.value, 10); index < wanted; index += 1) {
        rows.insertAdjacentHTML(
          "beforeend",
          template.innerHTML
            .replace(/__prefix__/g, String(index))
            .replace(/__number__/g, String(index + 1))
        );
      }
      total.value = String(wanted);
    });
  }

  function restore(form, values) {
    addRows(form, values);
    fields(form).forEach(function (element) {
      if (!Object.prototype.hasOwnProperty.call(values, element.name)) {
        return;
      }
      var wanted = values[element.name];
      if (element.type === "checkbox" || element.type === "radio") {
        element.checked = wanted.indexOf(element.value) !== -1;
      } else if (element.type === "select-multiple") {
        Array.prototype.forEach.call(element.options, function (option) {
          option.selected = wanted.indexOf(option.value) !== -1;
        });
      } else {
        var same = form.querySelectorAll('[name="' + CSS.escape(element.name) + '"]');
        var position = Array.prototype.indexOf.call(same, element);
        if (wanted[position] !== undefined) {
          element.value = wanted[position];
        }
      }
      element.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  function offer(form, key, draft) {
    var box = document.createElement("div");
    box.className = "alert alert-warning draft-offer";
    box.setAttribute("role", "alert");
    var text = document.createElement("p");
    var when = new Date(draft.at).toLocaleString(document.documentElement.lang || undefined, {
      dateStyle: "short",
      timeStyle: "short",
    });
    text.textContent = script.dataset.offer.replace("{when}", when);
    var restoreButton = document.createElement("button");
    restoreButton.type = "button";
    restoreButton.className = "btn btn-warning btn-sm me-2";
    restoreButton.textContent = script.dataset.restore;
    var discardButton = document.createElement("button");
    discardButton.type = "button";
    discardButton.className = "btn btn-outline-secondary btn-sm";
    discardButton.textContent = script.dataset.discard;
    box.append(text, restoreButton, discardButton);
    form.before(box);
    restoreButton.addEventListener("click", function () {
      restore(form, draft.values);
      box.remove();
      save(form, key);
      var first = form.querySelector("input:not([type=hidden]), select, textarea");
      if (first) {
        first.focus();
      }
    });
    discardButton.addEventListener("click", function () {
      store.removeItem(key);
      box.remove();
    });
  }

  function save(form, key) {
    try {
      store.setItem(key, JSON.stringify({ at: Date.now(), values: serialize(form) }));
    } catch (error) {
      // storage full: the form still posts as usual
    }
  }

  var forms = Array.prototype.filter.call(
    document.querySelectorAll("form[method=post]"),
    function (form) {
      return form.querySelector("input[name=lock]");
    }
  );
  forms.forEach(function (form, index) {
    var key = PREFIX + window.location.pathname + (index ? "#" + index : "");
    var draft = read(key);
    var initial = JSON.stringify(serialize(form));
    // A page answering a POST shows what was posted (errors, a conflict): nothing to offer.
    if (draft && script.dataset.method !== "POST" && JSON.stringify(draft.values) !== initial) {
      offer(form, key, draft);
    }
    var timer = null;
    function later() {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (JSON.stringify(serialize(form)) !== initial || read(key)) {
          save(form, key);
        }
      }, 300);
    }
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    form.addEventListener("submit", function () {
      clearTimeout(timer);
      save(form, key);
      try {
        window.sessionStorage.setItem(SUBMITTED, key);
      } catch (error) {
        // without it the draft stays until it is discarded: nothing is lost
      }
    });
  });
})();
