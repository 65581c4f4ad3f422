// Small behaviours shared by every page. Pages must keep working without JavaScript.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]');
  if (csrf) {
    // HTMX requests carry the same CSRF token as the forms.
    document.body.addEventListener("htmx:configRequest", function (event) {
      event.detail.headers["X-CSRF-Token"] = csrf.content;
    });
  }
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // The user menu closes when one clicks elsewhere or presses Escape (without JavaScript, by
  // clicking its button again).
  var userMenu = document.querySelector("details.user-menu");
  if (userMenu) {
    document.addEventListener("click", function (event) {
      if (userMenu.open && !userMenu.contains(event.target)) { userMenu.open = false; }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { userMenu.open = false; }
    });
  }
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    button.addEventListener("click", function () {
      var target = document.getElementById(button.dataset.copyTarget);
      if (target && navigator.clipboard) { navigator.clipboard.writeText(target.value || target.textContent); }
    });
  });
})();
