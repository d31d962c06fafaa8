/* Checkout with Stripe: the card is typed into Stripe.js's card Element, and only what Stripe.js
 * makes of it (a card payment method id) is posted to the shop, which creates and confirms the
 * PaymentIntent. When the bank asks for 3-D Secure the page comes back with the intent's client
 * secret: Stripe.js's confirmCardPayment shows the challenge, then the form is sent again
 * (empty) and the shop reads the outcome from Stripe. */
(function () {
  "use strict";

  var form = document.getElementById("pay-form");
  var mount = document.getElementById("card-element");
  var errors = document.getElementById("card-errors");
  if (!form || !mount || typeof Stripe === "undefined") return;

  // Stripe.js writes its card field and its own error messages in the page's language.
  var stripe = Stripe(form.getAttribute("data-stripe-key"), {
    locale: document.documentElement.lang || "auto"
  });
  var card = stripe.elements().create("card");
  card.mount(mount);
  var method = document.getElementById("payment_method");

  function fail(message) {
    errors.textContent = message || gettext("The card could not be used.");
    form.classList.remove("is-submitting");
    var button = document.getElementById("pay-button");
    button.removeAttribute("aria-disabled");
  }

  var secret = form.getAttribute("data-client-secret");
  if (secret) {
    stripe.confirmCardPayment(secret).then(function (result) {
      if (result.error) { fail(result.error.message); return; }
      method.value = "";
      form.submit();  // the shop asks Stripe how it went
    });
  }

  form.addEventListener("submit", function (e) {
    if (method.value) return;  // Stripe.js has done its part: send the id
    e.preventDefault();
    stripe.createToken(card).then(function (result) {
      if (result.error) { fail(result.error.message); return; }
      method.value = result.token.card.id;
      form.submit();
    });
  });
})();
