/* CRM behaviour shared by all pages. No inline scripts anywhere: CSP forbids them.
   Texts come translated from data-msg-* attributes on <body>. */
(function () {
  "use strict";

  function message(name) {
    return document.body.getAttribute("data-msg-" + name) || name;
  }

  function showToast(text) {
    var box = document.getElementById("toasts");
    if (!box) { return; }
    var toast = document.createElement("div");
    toast.className = "toast align-items-center text-bg-danger border-0 show";
    toast.setAttribute("role", "alert");
    var body = document.createElement("div");
    body.className = "toast-body";
    body.textContent = text;
    toast.appendChild(body);
    box.appendChild(toast);
    setTimeout(function () { toast.remove(); }, 8000);
  }

  // Progress bars: the width comes from data-width (CSP allows no inline style attributes).
  function applyWidths(root) {
    root.querySelectorAll("[data-width]").forEach(function (bar) {
      bar.style.width = bar.getAttribute("data-width") + "%";
    });
  }

  // Bulk action buttons (data-needs-selection) are enabled only while rows are ticked.
  function updateSelection(form) {
    form.querySelectorAll("[data-needs-selection]").forEach(function (button) {
      var name = button.getAttribute("data-needs-selection");
      button.disabled = !form.querySelector('input[type="checkbox"][name="' + name + '"]:checked');
    });
  }

  // "Select all" checkboxes in list tables: data-select-all names the row checkboxes.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || box.type !== "checkbox") { return; }
    var form = box.closest("form") || document;
    if (box.matches("[data-select-all]")) {
      form.querySelectorAll('input[type="checkbox"][name="' + box.getAttribute("data-select-all") + '"]')
        .forEach(function (row) { row.checked = box.checked; });
    }
    updateSelection(form);
  });

  // Filterable checkbox lists (crm.core.forms.FilterableCheckboxes): typing narrows the list
  // (by the option's text, case-insensitive), the count follows the ticks.
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-filter-input]")) { return; }
    var box = input.closest("[data-filterable]");
    // With a server search, typing finds choices to add below; the chosen ones stay listed.
    if (box.querySelector("[data-search-results]")) { return; }
    var query = input.value.trim().toLowerCase();
    var shown = 0;
    box.querySelectorAll("[data-filter-item]").forEach(function (item) {
      var match = !query || item.textContent.toLowerCase().indexOf(query) !== -1;
      item.classList.toggle("d-none", !match);
      if (match) { shown += 1; }
    });
    box.querySelector("[data-filter-empty]").classList.toggle("d-none", shown > 0);
  });
  document.addEventListener("change", function (event) {
    var box = event.target.closest && event.target.closest("[data-filterable]");
    if (!box) { return; }
    // A found choice, once ticked, joins the chosen ones (the next search replaces the rest).
    var found = event.target.closest("[data-found-item]");
    if (found && event.target.checked) {
      found.removeAttribute("data-found-item");
      found.setAttribute("data-filter-item", "");
      box.querySelector("[data-chosen-list]").appendChild(found);
    }
    box.querySelector("[data-chosen-count]").textContent =
      box.querySelectorAll("[data-filter-item] input:checked").length;
  });
  // Search results leave out what is already in the list.
  document.addEventListener("htmx:afterSwap", function (event) {
    var results = event.detail.target;
    if (!results.matches || !results.matches("[data-search-results]")) { return; }
    var box = results.closest("[data-filterable]");
    var listed = {};
    box.querySelectorAll("[data-chosen-list] input").forEach(function (input) { listed[input.value] = true; });
    results.querySelectorAll("[data-found-item]").forEach(function (item) {
      if (listed[item.querySelector("input").value]) { item.remove(); }
    });
  });
  // Enter in the filter narrows the list; it must not submit the form.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches && event.target.matches("[data-filter-input]")) {
      event.preventDefault();
    }
  });

  document.addEventListener("DOMContentLoaded", function () { applyWidths(document); });
  document.addEventListener("htmx:afterSwap", function (event) { applyWidths(event.detail.elt.parentNode || document); });

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    showToast(status === 403 ? message("forbidden") : message("failed") + " (" + status + ")");
  });
  document.addEventListener("htmx:sendError", function () {
    showToast(message("offline"));
  });
})();
