// Progressive enhancement of the person lists of the attendance screen: each
// <select data-person-picker> becomes a search box that asks the directory as one types
// (participants:person_search, JSON) and offers the matches; the choice is written into the
// select, which is what the form posts. Without JavaScript the select itself is used. When the
// directory cannot be reached (a lost connection), the select's own list is searched instead.
(function () {
  "use strict";

  var script = document.currentScript;
  var searchUrl = script.dataset.searchUrl;
  var noMatch = script.dataset.noMatch;
  var counter = 0;

  function localMatches(select, query) {
    var words = query.toLowerCase().split(/\s+/).filter(Boolean);
    var results = [];
    Array.prototype.forEach.call(select.options, function (option) {
      var text = option.text.toLowerCase();
      if (option.value && words.every(function (word) { return text.indexOf(word) !== -1; })) {
        results.push({ id: option.value, label: option.text });
      }
    });
    return results.slice(0, 15);
  }

  function enhance(select) {
    if (select.dataset.pickerReady) {
      return;
    }
    select.dataset.pickerReady = "1";
    counter += 1;
    var listId = "person-picker-list-" + counter;
    var input = document.createElement("input");
    input.type = "search";
    input.className = "form-control form-control-sm";
    input.autocomplete = "off";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.id = select.id + "_search";
    var label = document.querySelector('label[for="' + select.id + '"]');
    if (label) {
      label.htmlFor = input.id;
    }
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "person-picker-list list-group position-absolute shadow-sm";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var wrapper = document.createElement("div");
    wrapper.className = "person-picker position-relative";
    select.hidden = true;
    select.after(wrapper);
    wrapper.append(input, list);

    var selected = select.options[select.selectedIndex];
    if (selected && selected.value) {
      input.value = selected.text;
    }

    var active = -1;
    var results = [];
    var timer = null;
    var asked = 0;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function choose(result) {
      var option = Array.prototype.find.call(select.options, function (o) {
        return o.value === String(result.id);
      });
      if (!option) {
        option = new Option(result.label, result.id);
        select.add(option);
      }
      select.value = String(result.id);
      input.value = result.label;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      close();
    }

    function show(found) {
      results = found;
      list.replaceChildren();
      active = -1;
      if (!found.length) {
        var empty = document.createElement("li");
        empty.className = "list-group-item small text-body-secondary";
        empty.textContent = noMatch;
        list.append(empty);
      }
      found.forEach(function (result, index) {
        var item = document.createElement("li");
        item.id = listId + "-" + index;
        item.className = "list-group-item list-group-item-action";
        item.setAttribute("role", "option");
        item.textContent = result.label;
        item.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the focus in the box
          choose(result);
        });
        list.append(item);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function highlight(index) {
      var items = list.querySelectorAll("[role=option]");
      if (!items.length) {
        return;
      }
      active = (index + items.length) % items.length;
      items.forEach(function (item, i) {
        item.classList.toggle("active", i === active);
        item.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", items[active].id);
    }

    function search() {
      var query = input.value.trim();
      if (query.length < 2) {
        close();
        return;
      }
      asked += 1;
      var ticket = asked;
      fetch(searchUrl + "?q=" + encodeURIComponent(query), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.json();
        })
        .then(function (data) {
          return data.results;
        })
        .catch(function () {
          return localMatches(select, query);
        })
        .then(function (found) {
          if (ticket === asked) {
            show(found);
          }
        });
    }

    input.addEventListener("input", function () {
      if (!input.value.trim() && select.value) {
        select.value = "";
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
      clearTimeout(timer);
      timer = setTimeout(search, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (list.hidden) {
          search();
        } else {
          highlight(active + (event.key === "ArrowDown" ? 1 : -1));
        }
      } else if (event.key === "Enter") {
        if (!list.hidden && results.length) {
          event.preventDefault(); // a choice, not the form's submission
          choose(results[active >= 0 ? active : 0]);
        }
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () {
      setTimeout(close, 100);
    });
    // A value put back by another script (a draft restored) shows in the box.
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      input.value = option && option.value ? option.text : "";
    });
  }

  function enhanceAll(root) {
    root.querySelectorAll("select[data-person-picker]").forEach(enhance);
  }

  enhanceAll(document);
  // Rows added by "Add a row" (formset.js) get their picker too, which takes the focus that
  // formset.js gave to the row's first field (the select, now hidden).
  document.querySelectorAll("[data-formset]").forEach(function (rows) {
    new MutationObserver(function (mutations) {
      enhanceAll(rows);
      var box = null;
      mutations.forEach(function (mutation) {
        mutation.addedNodes.forEach(function (node) {
          if (node.nodeType === Node.ELEMENT_NODE) {
            box = node.querySelector(".person-picker input") || box;
          }
        });
      });
      var focused = document.activeElement;
      if (box && (!rows.contains(focused) || focused.hidden)) {
        box.focus();
      }
    }).observe(rows, { childList: true });
  });
})();
