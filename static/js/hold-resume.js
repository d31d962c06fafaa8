/* After logging in with seats chosen: hold them at once (the buyer already pressed "Hold seats"
 * before being asked to log in). Only on a fresh load: a page restored by Back is left alone. */
(function () {
  "use strict";
  var form = document.getElementById("hold-resume-form");
  if (!form) return;
  window.addEventListener("pageshow", function (e) {
    if (!e.persisted) form.submit();
  });
})();
