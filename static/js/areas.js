// Keeps the "places left" of the event page's standing areas current: reads the event's
// availability answer (the same one the seat map reads; cached, with an ETag) every few
// seconds and shows each area's count, and its form only while places are left.
(function () {
  "use strict";
  var dataNode = document.getElementById("seat-data");
  if (!dataNode || !document.querySelector("[data-area-left]")) return;
  var data = JSON.parse(dataNode.textContent);
  var every = Math.max(2, data.refreshSeconds || 5) * 1000;

  function show(left) {
    Object.keys(left).forEach(function (name) {
      var count = left[name];
      document.querySelectorAll("[data-area-left]").forEach(function (node) {
        if (node.getAttribute("data-area-left") === name) node.textContent = String(count);
      });
      document.querySelectorAll("[data-area-form]").forEach(function (node) {
        if (node.getAttribute("data-area-form") === name) node.hidden = count <= 0;
      });
      document.querySelectorAll("[data-area-sold-out]").forEach(function (node) {
        if (node.getAttribute("data-area-sold-out") === name) node.hidden = count > 0;
      });
    });
  }

  function refresh() {
    fetch(data.availabilityUrl, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) { if (answer && answer.areas) show(answer.areas); })
      .catch(function () { /* the next round tries again */ })
      .then(function () { window.setTimeout(refresh, every); });
  }
  window.setTimeout(refresh, every);
})();
