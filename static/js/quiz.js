// Quiz pages: move buttons for ordering questions, and focus that follows an answer swapped in by htmx.
// Everything works without this file: the position selects carry the order and the forms post normally.
(function () {
  "use strict";

  function announce(list, message) {
    var region = list.parentNode.querySelector(".ordering-status");
    if (region) region.textContent = message;
  }

  function renumber(list) {
    Array.prototype.forEach.call(list.children, function (item, index) {
      var select = item.querySelector("select");
      if (select) select.value = String(index + 1);
    });
  }

  function itemText(item) {
    var text = item.querySelector(".ordering-text");
    return text ? text.textContent.trim() : "";
  }

  function move(list, item, newIndex, focusSelector) {
    var items = Array.prototype.slice.call(list.children);
    newIndex = Math.max(0, Math.min(items.length - 1, newIndex));
    items.splice(items.indexOf(item), 1);
    items.splice(newIndex, 0, item);
    items.forEach(function (node) { list.appendChild(node); });
    renumber(list);
    if (focusSelector) item.querySelector(focusSelector).focus();
    announce(list, "“" + itemText(item) + "” is now at position " + (newIndex + 1) + " of " + items.length + ".");
  }

  function button(label, text, className) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "move-button " + className;
    b.setAttribute("aria-label", label);
    b.textContent = text;
    return b;
  }

  function enhanceOrdering(list) {
    if (list.dataset.enhanced || list.closest("fieldset[disabled]")) return;
    list.dataset.enhanced = "true";
    var status = document.createElement("p");
    status.className = "ordering-status visually-hidden";
    status.setAttribute("aria-live", "polite");
    list.parentNode.appendChild(status);
    Array.prototype.forEach.call(list.children, function (item) {
      var controls = item.querySelector(".ordering-controls");
      var up = button("Move up: " + itemText(item), "↑", "move-up");
      var down = button("Move down: " + itemText(item), "↓", "move-down");
      up.addEventListener("click", function () {
        move(list, item, Array.prototype.indexOf.call(list.children, item) - 1, ".move-up");
      });
      down.addEventListener("click", function () {
        move(list, item, Array.prototype.indexOf.call(list.children, item) + 1, ".move-down");
      });
      controls.appendChild(up);
      controls.appendChild(down);
      item.querySelector("select").addEventListener("change", function (event) {
        move(list, item, Number(event.target.value) - 1, "select");
      });
    });
  }

  function init(root) {
    Array.prototype.forEach.call(root.querySelectorAll("[data-ordering]"), enhanceOrdering);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });

  // After an answer is swapped in, the button that posted it is gone: put focus on what the learner needs next.
  document.addEventListener("htmx:afterSwap", function (event) {
    var section = document.getElementById(event.detail.target && event.detail.target.id) || event.detail.elt;
    if (!section || !section.classList || !section.classList.contains("question")) return;
    var target = section.querySelector("[role=alert], .outcome-title, .saved");
    if (target) {
      target.setAttribute("tabindex", "-1");
      target.focus();
    }
  });
})();
