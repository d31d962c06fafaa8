/* Checkout: the live countdown to the hold's expiry, and one payment per click on "Pay".
 * The server decides whether the hold is still good; this only keeps the buyer informed. */
(function () {
  "use strict";

  var box = document.getElementById("countdown");
  var timeEl = document.getElementById("countdown-time");
  var announce = document.getElementById("countdown-announce");
  var expiredPanel = document.getElementById("expired-panel");
  var body = document.getElementById("checkout-body");
  var form = document.getElementById("pay-form");
  var button = document.getElementById("pay-button");

  if (form) {
    form.addEventListener("submit", function (e) {
      // A double click sends one request; the server would not charge twice anyway (the form
      // carries one attempt key), but the buyer should see one payment going through.
      if (form.classList.contains("is-submitting")) { e.preventDefault(); return; }
      form.classList.add("is-submitting");
      button.setAttribute("aria-disabled", "true");
      button.firstChild.textContent = gettext("Paying") + " ";
    });
    // The card number and CVC never outlive the page they were typed in: a browser that
    // restores form fields (or the whole page, from the back-forward cache) gets them empty.
    var clearCard = function () {
      ["card_number", "cvc"].forEach(function (id) {
        var input = document.getElementById(id);
        if (input) input.value = "";
      });
    };
    clearCard();
    if (form.hasAttribute("data-after-post")) {
      // This page answered a payment attempt (a decline): its history entry becomes the plain
      // checkout, so Back or Reload asks the server again instead of re-posting the form.
      window.history.replaceState(null, "", window.location.href);
    }
    window.addEventListener("pageshow", function (e) {
      // Also after the browser's own restoring of form fields on Back, which comes after the
      // page's scripts have run.
      clearCard();
      if (e.persisted) {
        // Restored from the back-forward cache: the hold may have become a booking since; the
        // server decides (the checkout of a paid hold leads to the tickets).
        clearCard();
        form.classList.remove("is-submitting");
        button.removeAttribute("aria-disabled");
        window.location.reload();
      }
    });
  }

  if (!box) return;
  var expiresAt = Date.parse(box.getAttribute("data-expires-at"));
  // Count with the server's clock: the buyer's own clock may be minutes off.
  var offset = Date.parse(box.getAttribute("data-server-now")) - Date.now();
  var warned = false, timer = null;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function expire() {
    window.clearInterval(timer);
    timeEl.textContent = "00:00";
    box.classList.add("is-expired");
    box.hidden = true;
    if (body) body.hidden = true;
    expiredPanel.hidden = false;
    var h1 = document.querySelector("h1");
    if (h1) h1.textContent = gettext("Your hold has expired");
    document.title = gettext("Hold expired") + " · Ticketing";
    if (announce) announce.textContent = gettext("Your hold expired. The seats have been released.");
    var back = expiredPanel.querySelector("a.button");
    if (back) back.focus();
  }

  function tick() {
    var left = Math.max(0, Math.round((expiresAt - (Date.now() + offset)) / 1000));
    if (left <= 0) { expire(); return; }
    timeEl.textContent = pad(Math.floor(left / 60)) + ":" + pad(left % 60);
    if (left <= 60) {
      box.classList.add("is-urgent");
      if (!warned && announce) {
        warned = true;
        announce.textContent = gettext("Less than a minute left to pay before the seats are released.");
      }
    }
  }

  tick();
  timer = window.setInterval(tick, 1000);
})();
