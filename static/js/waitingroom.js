// The waiting room's page: asks the status endpoint when the server says to (poll_seconds),
// shows the position and the wait without a reload, and goes to the event page once admitted
// (the status answer sets the pass cookie the hold form carries). No inline handlers: the page
// works under a strict Content-Security-Policy.
(function () {
  "use strict";
  var room = document.querySelector("[data-status-url]");
  if (!room || !room.querySelector("[data-testid=room-live]")) return;
  var url = room.getAttribute("data-status-url");
  var unavailable = room.querySelector("[data-testid=room-unavailable]");

  function show(role, visible) {
    var block = room.querySelector("[data-role=" + role + "]");
    if (block) block.hidden = !visible;
  }

  function text(testid, value) {
    var node = room.querySelector("[data-testid=" + testid + "]");
    if (node) node.textContent = value;
  }

  function render(doc) {
    unavailable.hidden = true;
    if (doc.state === "admitted" || doc.state === "closed") {
      window.location.assign(doc.next);
      return false;
    }
    var waiting = doc.state === "waiting";
    show("waiting-block", waiting);
    show("wait-block", waiting);
    show("paused-block", !!doc.paused);
    show("done-block", doc.state === "expired" || doc.state === "spent");
    if (waiting) {
      text("room-position", String(doc.position));
      text("room-wait", doc.paused ? gettext("paused") : interpolate(gettext("%(seconds)s s"), { seconds: doc.estimated_wait_seconds }, true));
    }
    return waiting || doc.state === "not_joined";
  }

  function ask() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (doc) { return [response.status, doc]; });
      })
      .then(function (answer) {
        var status = answer[0], doc = answer[1];
        var again = true;
        if (status === 503) {
          unavailable.hidden = false;  // Redis is away: keep the place, keep asking
        } else if (status === 200) {
          again = render(doc);
        }
        if (again) window.setTimeout(ask, (doc.poll_seconds || 5) * 1000);
      })
      .catch(function () { window.setTimeout(ask, 5000); });
  }

  ask();
})();
