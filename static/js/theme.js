// Light/dark theme. Loaded in <head> (no defer) so the stored choice applies before first paint.
// With no stored choice the page follows the system setting; the toggle stores an explicit one.
(function () {
  "use strict";
  var KEY = "academy-theme";
  var root = document.documentElement;
  var media = window.matchMedia("(prefers-color-scheme: dark)");

  function stored() {
    try { return localStorage.getItem(KEY); } catch (e) { return null; }
  }
  function effective() {
    var choice = stored();
    if (choice === "light" || choice === "dark") return choice;
    return media.matches ? "dark" : "light";
  }
  function apply() {
    var theme = effective();
    root.setAttribute("data-theme", theme);
    document.querySelectorAll("[data-theme-toggle]").forEach(function (button) {
      button.setAttribute("aria-pressed", theme === "dark" ? "true" : "false");
      var label = button.querySelector(".theme-toggle-label");
      if (label) label.textContent = theme === "dark" ? "Light theme" : "Dark theme";
    });
    document.dispatchEvent(new CustomEvent("academy:themechange", { detail: { theme: theme } }));
  }

  apply();
  media.addEventListener("change", apply);
  document.addEventListener("DOMContentLoaded", function () {
    apply();
    document.addEventListener("click", function (event) {
      var button = event.target.closest("[data-theme-toggle]");
      if (!button) return;
      var next = effective() === "dark" ? "light" : "dark";
      try { localStorage.setItem(KEY, next); } catch (e) { /* private mode: still switch for this page */ }
      apply();
    });
  });
})();
