// The room's admin page: the live figures, asked for every two seconds. Its messages come from
// the page's script catalogue (WaitingRoomAdmin.media loads /jsi18n/ first).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.querySelector("[data-room-figures]");
    if (!panel) return;
    var url = panel.getAttribute("data-room-figures");

    function put(name, value) {
      var node = panel.querySelector("[data-figure=" + name + "]");
      if (node) node.textContent = value === null || value === undefined ? "–" : String(value);
    }

    function ask() {
      fetch(url, { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (f) {
          if (f.unavailable) {
            put("state", f.unavailable);
          } else {
            ["waiting", "admitted", "passes_in_use", "rate_per_minute", "minutes_to_empty"]
              .forEach(function (name) { put(name, f[name]); });
            put("state", f.paused ? gettext("(paused)") : "");
          }
        })
        .catch(function () { put("state", gettext("(no answer)")); })
        .finally(function () { window.setTimeout(ask, 2000); });
    }

    ask();
  });
})();
