// Behaviour every page may use, without inline script (Content-Security-Policy).
// <button type="button" data-print> prints the page.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-print]");
  if (button) {
    window.print();
  }
});
