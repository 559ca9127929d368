// Renders the lesson's Mermaid diagrams (vendored, loaded only on pages that have one) as SVG in the current theme,
// and again when the reader switches theme. The source stays in the page, so the text alternative and the source
// remain for readers without JavaScript.
(function () {
  "use strict";
  var blocks = Array.prototype.slice.call(document.querySelectorAll("figure.diagram pre.mermaid"));
  if (!blocks.length || !window.mermaid) return;
  blocks.forEach(function (block) { block.dataset.source = block.textContent; });
  var renderedTheme = null;

  function currentTheme() {
    return document.documentElement.getAttribute("data-theme") === "dark" ? "dark" : "default";
  }

  function render() {
    var theme = currentTheme();
    if (theme === renderedTheme) return;
    renderedTheme = theme;
    window.mermaid.initialize({ startOnLoad: false, theme: theme, securityLevel: "strict", fontFamily: getComputedStyle(document.body).fontFamily });
    blocks.forEach(function (block) {
      block.removeAttribute("data-processed");
      block.textContent = block.dataset.source;
    });
    window.mermaid.run({ nodes: blocks }).then(function () {
      blocks.forEach(function (block) {
        var svg = block.querySelector("svg");
        if (!svg) return;
        svg.setAttribute("role", "img");
        svg.setAttribute("aria-label", block.closest("figure").dataset.alt || "Diagram");
      });
      document.documentElement.dataset.diagramsTheme = theme;
      document.dispatchEvent(new CustomEvent("academy:diagramsdrawn"));
    });
  }

  render();
  document.addEventListener("academy:themechange", render);
})();
