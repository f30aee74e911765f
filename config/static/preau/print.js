// "Imprimer" buttons: the browser's print dialog (the print stylesheet keeps the table).
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
