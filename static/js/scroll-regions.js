// A box that scrolls sideways (a long code line, a wide table or diagram) must be reachable by keyboard, or a
// keyboard user cannot read what is cut off (WCAG 2.1.1; axe-core's scrollable-region-focusable). Only boxes that
// really scroll at the current width become Tab stops, so a wide screen does not fill the Tab order with them.
(function () {
  "use strict";
  var SELECTOR = ".highlight, .prose table, .table-scroll, .diagram, .tabbed-labels";

  function mark() {
    document.querySelectorAll(SELECTOR).forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.dataset.scrollRegion = "";
        // A table keeps its own role; other boxes are named so a screen reader says what the Tab stop is.
        if (box.tagName !== "TABLE" && !box.hasAttribute("aria-label") && !box.hasAttribute("role")) {
          box.dataset.scrollRegion = "named";
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", LABELS.find(function (pair) { return box.matches(pair[0]); })[1]);
        }
      } else if (!scrolls && box.hasAttribute("data-scroll-region")) {
        if (box.dataset.scrollRegion === "named") { box.removeAttribute("role"); box.removeAttribute("aria-label"); }
        box.removeAttribute("tabindex");
        box.removeAttribute("data-scroll-region");
      }
    });
  }

  var LABELS = [[".highlight", "Code, scrolls sideways"], [".tabbed-labels", "Tabs, scroll sideways"], ["*", "Scrolls sideways"]];

  var pending = null;
  function later() {
    if (pending) cancelAnimationFrame(pending);
    pending = requestAnimationFrame(mark);
  }
  document.addEventListener("DOMContentLoaded", mark);
  window.addEventListener("resize", later);
  document.addEventListener("htmx:afterSettle", later);
  document.addEventListener("academy:diagramsdrawn", later);
})();
