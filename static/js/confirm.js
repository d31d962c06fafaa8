// Behaviour that used to sit in inline onclick/onsubmit handlers, which the Content-Security-
// Policy forbids: a form with data-confirm asks first; a button with data-print prints.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });
})();
