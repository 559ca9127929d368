// The phone header's menu button. Loaded in <head> (no defer) so the `has-js` class is set before first paint and
// the menu starts closed without a flash. Without this file the button stays hidden and the links are listed in full.
(function () {
  "use strict";
  document.documentElement.classList.add("has-js");

  function setOpen(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-nav-toggle]");
    if (button) setOpen(button, button.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var button = document.querySelector('[data-nav-toggle][aria-expanded="true"]');
    if (!button) return;
    setOpen(button, false);
    button.focus();
  });
})();
