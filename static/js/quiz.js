// Quiz pages: move buttons for ordering questions, arrow keys between a code snippet's lines, a confirmation before
// submitting with questions unanswered, and focus that follows an answer swapped in by htmx.
// Everything works without this file: the position selects carry the order and the form posts normally.
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
    // Setting a select's value fires no event: tell the question it changed, so the answer is saved.
    list.dispatchEvent(new Event("change", { bubbles: true }));
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

  // A snippet is one Tab stop (a roving tabindex): arrow keys move between its lines, Space selects one.
  // https://www.w3.org/WAI/ARIA/apg/practices/keyboard-interface/#kbd_roving_tabindex
  var LINE_KEYS = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 };

  function enhanceSpot(code) {
    if (code.dataset.enhanced) return;
    code.dataset.enhanced = "true";
    var boxes = Array.prototype.slice.call(code.querySelectorAll("input[type=checkbox]"));
    if (!boxes.length) return;
    var current = boxes.filter(function (box) { return box.checked; })[0] || boxes[0];
    boxes.forEach(function (box) { box.tabIndex = box === current ? 0 : -1; });
    code.addEventListener("keydown", function (event) {
      var index = boxes.indexOf(event.target);
      if (index < 0) return;
      var next;
      if (event.key in LINE_KEYS) next = index + LINE_KEYS[event.key];
      else if (event.key === "Home") next = 0;
      else if (event.key === "End") next = boxes.length - 1;
      else return;
      event.preventDefault();
      next = Math.max(0, Math.min(boxes.length - 1, next));
      boxes[index].tabIndex = -1;
      boxes[next].tabIndex = 0;
      boxes[next].focus();
    });
    code.addEventListener("focusin", function (event) {
      if (boxes.indexOf(event.target) < 0) return;
      boxes.forEach(function (box) { box.tabIndex = box === event.target ? 0 : -1; });
    });
  }

  function init(root) {
    Array.prototype.forEach.call(root.querySelectorAll("[data-ordering]"), enhanceOrdering);
    Array.prototype.forEach.call(root.querySelectorAll("fieldset:not([disabled]) .spot-code"), enhanceSpot);
  }

  // What the page knows is answered: saved (the progress list) or filled in on the page and not yet saved.
  function filledIn(section) {
    if (section.hasAttribute("data-answered")) return true;
    var fields = section.querySelectorAll("input, select");
    var selects = section.querySelectorAll(".matching select");
    if (selects.length) return Array.prototype.every.call(selects, function (s) { return s.value !== ""; });
    if (section.querySelector("[data-ordering]")) return section.dataset.touched === "true";
    return Array.prototype.some.call(fields, function (field) {
      if (field.type === "radio" || field.type === "checkbox") return field.checked;
      if (field.type === "text") return field.value.trim() !== "";
      return false;
    });
  }

  function unansweredCount(form) {
    var total = Number(form.dataset.total);
    var answered = 0;
    document.querySelectorAll(".quiz-step").forEach(function (step, index) {
      var section = document.getElementById("question-" + (index + 1));
      if (step.classList.contains("is-answered") || (section && filledIn(section))) answered += 1;
    });
    return total - answered;
  }

  document.addEventListener("change", function (event) {
    var section = event.target.closest && event.target.closest(".question");
    if (section && section.querySelector("[data-ordering]")) section.dataset.touched = "true";
  });

  // Enter in a text answer would press the form's first button (question 1's): press this question's own instead.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.target.type !== "text") return;
    var section = event.target.closest(".question");
    var own = section && section.querySelector(".question-actions button[type=submit]");
    if (!own) return;
    event.preventDefault();
    own.click();
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id !== "attempt-form" || !event.submitter || !event.submitter.hasAttribute("data-submit-attempt")) return;
    var left = unansweredCount(form);
    if (left > 0 && !window.confirm(left + " of " + form.dataset.total + " unanswered — submit anyway?")) {
      event.preventDefault();
    }
  });

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });

  // Each saved answer sends the progress as it stood when that answer was written. Answers saved together can come
  // back in another order than they were written, so a progress that counts fewer answered than the one shown is
  // older (answers are only ever added, and each counts every answer written before it): keep the one shown.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var shown = event.detail.target;
    if (!shown || shown.id !== "quiz-progress") return;
    var incoming = event.detail.fragment.querySelector("#quiz-progress");
    if (incoming && Number(incoming.dataset.answeredCount) < Number(shown.dataset.answeredCount)) {
      event.detail.shouldSwap = false;
    }
  });

  // After an answer is swapped in, the button that posted it is gone: put focus on what the learner needs next.
  document.addEventListener("htmx:afterSwap", function (event) {
    // A save on change swaps only the status line: focus stays where the learner is.
    if (event.detail.target && event.detail.target.classList.contains("question-status")) return;
    var section = document.getElementById(event.detail.target && event.detail.target.id) || event.detail.elt;
    if (!section || !section.classList || !section.classList.contains("question")) return;
    var target = section.querySelector("[role=alert], .outcome-title, .saved");
    if (target) {
      target.setAttribute("tabindex", "-1");
      target.focus();
    }
  });
})();
