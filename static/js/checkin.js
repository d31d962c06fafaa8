// The door's scanner (templates/checkin/scanner.html): a typed or scanned code goes to
// POST /api/v1/checkin with the page's session and CSRF token, and the answer fills the screen:
// green admitted, amber already checked in, red refused. The camera uses the browser's
// BarcodeDetector where it has one, else the vendored jsQR (static/vendor/jsqr) on video frames.
(function () {
  "use strict";
  var root = document.querySelector("[data-testid=checkin]");
  if (!root) return;
  var form = root.querySelector("[data-role=form]");
  var codeInput = form.elements.code;
  var doorInput = form.elements.door;
  var result = root.querySelector("[data-testid=checkin-result]");
  var verdict = result.querySelector("[data-role=verdict]");
  var detail = result.querySelector("[data-role=detail]");
  var DOOR_KEY = "checkin-door";
  var busy = false;

  doorInput.value = new URLSearchParams(location.search).get("door") || localStorage.getItem(DOOR_KEY) || "";
  (doorInput.value ? codeInput : doorInput).focus();

  function show(kind, headline, text) {
    result.className = "checkin-result checkin-" + kind;
    result.dataset.result = kind;
    verdict.textContent = headline;
    detail.textContent = text;
  }

  // The headlines are the page's (in its language); the detail under them is the API's, which
  // answers in the same language (the page's cookie or the browser's Accept-Language).
  var REFUSED = {
    already_checked_in: ["amber", gettext("Already checked in")],
    wrong_event: ["red", gettext("Wrong event")],
    ticket_cancelled: ["red", gettext("Cancelled")],
    unknown_code: ["red", gettext("Not a ticket")],
  };

  function answer(status, body) {
    if (status === 200 && body.result === "admitted") {
      show("green", gettext("Admitted"), body.place);
    } else if (body.code === "already_checked_in") {
      show("amber", gettext("Already checked in"), interpolate(
        gettext("%(when)s at door %(door)s · %(place)s"),
        { when: body.checked_in_at_local, door: body.door, place: body.place }, true));
    } else if (REFUSED[body.code]) {
      show(REFUSED[body.code][0], REFUSED[body.code][1], body.detail);
    } else {
      show("red", gettext("Not checked in"),
        body.detail || interpolate(gettext("Something went wrong (%(status)s)."), { status: status }, true));
    }
  }

  function checkIn(code) {
    code = code.trim();
    var door = doorInput.value.trim();
    if (!door) { show("red", gettext("Name the door"), gettext("Type the door you are at first.")); doorInput.focus(); return; }
    if (!code || busy) return;
    busy = true;
    localStorage.setItem(DOOR_KEY, door);
    show("waiting", gettext("Checking…"), code);
    fetch(root.dataset.apiUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": form.elements.csrfmiddlewaretoken.value,
      },
      body: JSON.stringify({ event: Number(root.dataset.event), code: code, door: door }),
    })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) { answer(response.status, body); });
      })
      .catch(function () { show("red", gettext("No answer"), gettext("The server could not be reached: try again.")); })
      .then(function () { busy = false; codeInput.value = ""; codeInput.focus(); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    checkIn(codeInput.value);
  });

  // The camera: one answer per code. The same code again within REPEAT_MS is the same ticket
  // still in view, not a second person: it is not sent again (which would turn green amber).
  var cameraButton = root.querySelector("[data-role=camera]");
  var video = root.querySelector("[data-role=video]");
  var note = root.querySelector("[data-role=camera-note]");
  var REPEAT_MS = 10000;
  var lastCode = "", lastAt = 0, stream = null;

  function seen(code) {
    var now = Date.now();
    if (code === lastCode && now - lastAt < REPEAT_MS) { lastAt = now; return; }
    if (busy) return;  // still waiting for the last answer: the next frame brings it again
    lastCode = code; lastAt = now;
    checkIn(code);
  }

  function loadJsQR() {
    return new Promise(function (resolve, reject) {
      if (window.jsQR) return resolve(window.jsQR);
      var script = document.createElement("script");
      script.src = root.dataset.qrReader;
      script.onload = function () { resolve(window.jsQR); };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function nativeReader() {
    if (!("BarcodeDetector" in window)) return Promise.resolve(null);
    return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.indexOf("qr_code") < 0) return null;
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      return function () {
        return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
      };
    }).catch(function () { return null; });
  }

  function frameReader(jsQR) {
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    return function () {
      if (!video.videoWidth) return Promise.resolve(null);
      canvas.width = video.videoWidth; canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      return Promise.resolve(found ? found.data : null);
    };
  }

  function scan(read) {
    if (!stream) return;
    read().then(function (code) { if (code) seen(code); })
      .catch(function () {})
      .then(function () { setTimeout(function () { scan(read); }, 200); });
  }

  function stopCamera() {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null; video.hidden = true; cameraButton.textContent = gettext("Scan with the camera");
  }

  cameraButton.addEventListener("click", function () {
    if (stream) { stopCamera(); return; }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      note.hidden = false; note.textContent = gettext("This browser has no camera access here: type the code.");
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (media) {
        stream = media; video.srcObject = media; video.hidden = false;
        cameraButton.textContent = gettext("Stop the camera");
        return video.play().then(nativeReader).then(function (read) {
          root.dataset.reader = read ? "native" : "jsqr";
          return read || loadJsQR().then(frameReader);
        });
      })
      .then(function (read) { note.hidden = true; scan(read); })
      .catch(function () {
        stopCamera();
        note.hidden = false; note.textContent = gettext("The camera could not be opened: type the code.");
      });
  });
})();
