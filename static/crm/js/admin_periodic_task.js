// The periodic task form in the admin: under the crontab field's help, the chosen schedule in
// words (django-celery-beat's inline script, moved here for the CSP).
(function () {
  "use strict";
  const $ = window.django && window.django.jQuery;
  const data = document.getElementById("readable-crontabs");
  if (!$ || !data) {
    return;
  }
  const readable = JSON.parse(data.textContent);
  const help = $(".field-crontab .help");
  const original = help.html();
  $(".field-crontab_translation").hide();
  $(".field-crontab").on("change", function () {
    const words = readable[$("#id_crontab").val()];
    help.html(original);
    if (words) {
      help.append(document.createElement("br"), document.createTextNode(words));
    }
  });
})();
