// Enhances the planning grid; without it the page works as a plain form.
// - tabs: one child / meal kind / month visible at a time (links stay usable as anchors);
// - "Tous les lundis"… and "Comme pour …" act in the page instead of posting;
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
      var allTicked = chosen.length > 0 && chosen.every(function (box) { return box.checked; });
      chosen.forEach(function (box) { box.checked = !allTicked; });
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
        box.checked = siblingDays[box.getAttribute("data-day")] === true;
      });
    });
  });
})();
