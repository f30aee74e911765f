// Enhances the planning grid; without it the page works as a plain form.
// - tabs: one child / meal kind / month visible at a time (links stay usable as anchors);
// - "Tous les lundis"… and "Comme pour …" act in the page instead of posting, and only add
//   days; "Tout décocher" says how many paid meals it cancels;
// - an unticked paid day reads "à annuler"; the button bar counts the changes;
// - leaving the page with unsaved changes asks first.
// - one meal per child per day: ticking the exceptional meal unticks the regular one of
//   that day and back (the server refuses both anyway).
(function () {
  "use strict";

  function panelsOf(block) {
    return Array.prototype.filter.call(block.children, function (el) {
      return el.classList.contains("tab-panel");
    });
  }

  function show(block, id) {
    panelsOf(block).forEach(function (panel) { panel.hidden = panel.id !== id; });
    block.querySelectorAll(":scope > .tablist [data-tab]").forEach(function (link) {
      var current = link.getAttribute("href") === "#" + id;
      if (current) { link.setAttribute("aria-current", "true"); } else { link.removeAttribute("aria-current"); }
    });
  }

  document.querySelectorAll(".tabs-block").forEach(function (block) {
    var panels = panelsOf(block);
    if (panels.length < 2) { return; }
    show(block, panels[0].id);
    block.querySelectorAll(":scope > .tablist [data-tab]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        show(block, link.getAttribute("href").slice(1));
        link.focus();
      });
    });
  });

  function othersOfDay(box) {
    var day = box.getAttribute("data-meal-day");
    if (!day) { return []; }
    return Array.prototype.filter.call(
      document.querySelectorAll("input[data-meal-day=\"" + day + "\"]"),
      function (other) { return other !== box; }
    );
  }

  document.querySelectorAll("input[data-meal-day]").forEach(function (box) {
    box.addEventListener("change", function () {
      if (!box.checked) { return; }
      othersOfDay(box).forEach(function (other) { if (!other.disabled) { other.checked = false; } });
    });
  });

  function boxes(fieldset) {
    return Array.prototype.slice.call(fieldset.querySelectorAll("input[type=checkbox]:not([disabled])"));
  }

  document.querySelectorAll("[data-shortcut]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var weekday = button.getAttribute("data-shortcut");
      var chosen = boxes(button.closest("fieldset")).filter(function (box) {
        return weekday === "all" || box.getAttribute("data-weekday") === weekday;
      }).filter(function (box) {
        return !othersOfDay(box).some(function (other) { return other.checked; });
      });
      chosen.forEach(function (box) { box.checked = true; });
      refresh();
    });
  });

  document.querySelectorAll("[data-untick]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      boxes(button.closest("fieldset")).forEach(function (box) { box.checked = false; });
      refresh();
    });
  });

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var sibling = document.getElementById(button.getAttribute("data-copy"));
      if (!sibling) { return; }
      var siblingDays = {};
      sibling.querySelectorAll("input[type=checkbox]").forEach(function (box) {
        siblingDays[box.getAttribute("data-day")] = box.checked;
      });
      boxes(button.closest("fieldset")).forEach(function (box) {
        if (siblingDays[box.getAttribute("data-day")] === true) { box.checked = true; }
      });
      refresh();
    });
  });

  var form = document.querySelector("form.planning");
  var summary = document.querySelector("[data-change-summary]");
  var allBoxes = Array.prototype.slice.call(document.querySelectorAll(".month-grid input[type=checkbox]"));
  var atLoad = allBoxes.map(function (box) { return box.checked; });

  function phrase(element, name, count) {
    return element.getAttribute(count === 1 ? "data-" + name + "-one" : "data-" + name + "-many")
      .replace("{n}", String(count));
  }

  function refresh() {
    var added = 0;
    var cancelled = 0;
    allBoxes.forEach(function (box) {
      if (box.disabled) { return; }
      var paid = box.hasAttribute("data-paid");
      if (paid && !box.checked) { cancelled += 1; }
      if (!paid && box.checked) { added += 1; }
      var cell = box.closest("td");
      var word = cell.querySelector(".state-word");
      cell.classList.toggle("to-cancel", paid && !box.checked);
      if (word) {
        word.textContent = word.getAttribute(box.checked ? "data-word-ticked" : "data-word-unticked");
      }
    });
    document.querySelectorAll("[data-untick]").forEach(function (button) {
      var paidTicked = boxes(button.closest("fieldset")).filter(function (box) {
        return box.hasAttribute("data-paid") && box.checked;
      }).length;
      button.textContent = paidTicked === 0 ? button.getAttribute("data-label-none") : phrase(button, "label", paidTicked);
    });
    if (summary) {
      var parts = [];
      if (added) { parts.push(phrase(summary, "added", added)); }
      if (cancelled) { parts.push(phrase(summary, "cancelled", cancelled)); }
      summary.textContent = parts.length ? parts.join(", ") : summary.getAttribute("data-none");
    }
  }

  allBoxes.forEach(function (box) { box.addEventListener("change", refresh); });

  var submitting = false;
  if (form) { form.addEventListener("submit", function () { submitting = true; }); }
  window.addEventListener("beforeunload", function (event) {
    var changed = allBoxes.some(function (box, index) { return box.checked !== atLoad[index]; });
    if (changed && !submitting && summary) {
      event.preventDefault();
      event.returnValue = summary.getAttribute("data-leave");
      return summary.getAttribute("data-leave");
    }
    return undefined;
  });
})();
