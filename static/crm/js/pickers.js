/* Pickers: one choice among thousands (crm.core.forms.SearchSelect). The <select> carries
   only the chosen option and data-search-url; Tom Select turns it into a field that asks the
   server (crm.core.generic.ChoiceSearchView) as one types: the first ones by name on opening,
   then those matching the name, INN or phone. Tom Select's files are loaded by the first page
   that has a picker; texts come translated from data-msg-* attributes on <body>. */
(function () {
  "use strict";

  var loading = null;
  var MORE = "\u0000more";  // the value of the "type more" line, never a record's id

  function message(name) {
    return document.body.getAttribute("data-msg-" + name) || name;
  }

  function loadTomSelect() {
    if (window.TomSelect) { return Promise.resolve(); }
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var style = document.createElement("link");
        style.rel = "stylesheet";
        style.href = document.body.getAttribute("data-picker-css");
        document.head.appendChild(style);
        var script = document.createElement("script");
        script.src = document.body.getAttribute("data-picker-js");
        script.onload = resolve;
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function searchUrl(select, query) {
    var url = select.getAttribute("data-search-url");
    return url + (url.indexOf("?") === -1 ? "?" : "&") + "q=" + encodeURIComponent(query);
  }

  function setUp(select) {
    if (select.tomselect) { return; }
    createPicker(select);
    // Tom Select points the field's <label> at its own input; the hidden <select> keeps its
    // name through the label's id (assistive technology still finds the select).
    var label = document.getElementById(select.id + "-ts-label");
    if (label) { select.setAttribute("aria-labelledby", label.id); }
  }

  function createPicker(select) {
    return new window.TomSelect(select, {
      valueField: "value",
      labelField: "text",
      searchField: [],
      // The server has matched (by INN and phone too): show what it sent, as it ordered it.
      score: function () { return function () { return 1; }; },
      sortField: [{ field: "$order" }],
      maxOptions: null,
      preload: "focus",
      loadThrottle: 300,
      shouldLoad: function () { return true; },
      // The empty choice is the placeholder; the clear button (optional fields) goes back to it.
      allowEmptyOption: false,
      placeholder: select.getAttribute("data-placeholder") || "",
      plugins: select.required ? [] : { clear_button: { title: message("clear") } },
      load: function (query, callback) {
        var self = this;
        fetch(searchUrl(select, query), {
          credentials: "same-origin",
          headers: { "Accept": "application/json", "X-Requested-With": "XMLHttpRequest" }
        })
          .then(function (response) {
            if (!response.ok) { throw new Error(String(response.status)); }
            return response.json();
          })
          .then(function (data) {
            if (self.lastValue !== query) { callback(); return; }  // a later search is on its way
            self.clearOptions();  // keeps the chosen one; the rest were another search's
            var results = data.results;
            if (data.more) {  // a last line, not choosable: there is more than is shown
              results = results.concat([{ value: MORE, text: message("type-more"), disabled: true }]);
            }
            callback(results);
          })
          .catch(function () { callback(); });
      },
      render: {
        option: function (item, escape) {
          if (item.value === MORE) {
            return '<div class="small text-secondary">' + escape(item.text) + "</div>";
          }
          var detail = item.detail ? '<div class="small text-secondary">' + escape(item.detail) + "</div>" : "";
          return "<div>" + escape(item.text) + detail + "</div>";
        },
        item: function (item, escape) { return "<div>" + escape(item.text) + "</div>"; },
        no_results: function (data, escape) {
          return '<div class="no-results">' + escape(message("nothing-found")) + "</div>";
        },
        loading: function (data, escape) {
          return '<div class="no-results">' + escape(message("searching")) + "</div>";
        }
      }
    });
  }

  function enhance(root) {
    var selects = root.querySelectorAll ? root.querySelectorAll("select[data-search-url]") : [];
    if (!selects.length) { return; }
    loadTomSelect().then(function () { selects.forEach(setUp); });
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSwap", function (event) { enhance(event.detail.elt); });
})();
