/* The global search box in the top bar: close the suggestions on Escape or a click elsewhere.
   The suggestions themselves come from htmx (hx-get on the input); without JS the form opens
   the results page. */
(function () {
  "use strict";

  function suggestions() {
    return document.getElementById("global-search-suggestions");
  }

  function close() {
    var box = suggestions();
    if (box) { box.replaceChildren(); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && event.target.closest && event.target.closest("[data-global-search]")) {
      close();
    }
  });

  document.addEventListener("click", function (event) {
    var form = document.querySelector("[data-global-search]");
    if (form && !form.contains(event.target)) { close(); }
  });
})();
