// The staff workspace's menu: a side bar on a wide screen, a bar that opens on a tablet.
// Without JavaScript the menu is simply always shown.
(function () {
  var narrow = window.matchMedia("(max-width: 1023px)");
  function setOpen(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    document.getElementById(button.getAttribute("aria-controls")).hidden = !open;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("[data-nav-toggle]");
    if (!button) {
      return;
    }
    setOpen(button, !narrow.matches);
    button.addEventListener("click", function () {
      setOpen(button, button.getAttribute("aria-expanded") !== "true");
    });
    narrow.addEventListener("change", function () {
      setOpen(button, !narrow.matches);
    });
  });
})();
