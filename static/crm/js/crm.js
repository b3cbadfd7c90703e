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

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    showToast(status === 403 ? message("forbidden") : message("failed") + " (" + status + ")");
  });
  document.addEventListener("htmx:sendError", function () {
    showToast(message("offline"));
  });
})();
