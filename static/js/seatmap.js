/* The event page's seat map: draws the seats from their x/y as SVG, lets the buyer pick seats
 * with the mouse, touch or keyboard, keeps a running total, and refreshes availability while
 * the page is open. It only mirrors the shop's rules for convenience (max seats per order comes
 * from the event); the hold service decides. No framework, no build step. */
(function () {
  "use strict";

  var SVGNS = "http://www.w3.org/2000/svg";
  var dataEl = document.getElementById("seat-data");
  var root = document.getElementById("seatmap");
  if (!dataEl || !root) return;
  var data = JSON.parse(dataEl.textContent);

  var statusEl = document.getElementById("seatmap-status");
  var updatedEl = document.getElementById("seatmap-updated");
  var listEl = document.getElementById("selection-list");
  var emptyEl = document.getElementById("selection-empty");
  var totalEl = document.getElementById("selection-total");
  var form = document.getElementById("hold-form");
  var formSeats = document.getElementById("hold-form-seats");
  var holdButton = document.getElementById("hold-button");
  var availableCountEl = document.querySelector("[data-testid=available-count]");

  var STATUS_WORDS = { held: "on hold", sold: "sold" };

  function toCents(text) {
    var parts = String(text).split(".");
    var whole = parseInt(parts[0], 10) || 0;
    var frac = ((parts[1] || "") + "00").slice(0, 2);
    return whole * 100 + (parseInt(frac, 10) || 0);
  }

  function money(cents) {
    var whole = Math.floor(cents / 100);
    var frac = String(cents % 100);
    if (frac.length < 2) frac = "0" + frac;
    return whole + "." + frac + " " + data.currency;
  }

  // Filled from the layout answer (fetched once, cached for good under its version); the
  // availability answer then sets each seat's status from two bitsets over the same order.
  var seats = [];
  var byId = {};
  var tiers = {};
  var selected = [];
  var current = null;

  function seatName(s) {
    return "Section " + s.section + ", row " + s.row + ", seat " + s.number;
  }

  function seatLabel(s) {
    var label = seatName(s) + ", " + s.price + " " + data.currency;
    if (s.status !== "available") label += ", " + STATUS_WORDS[s.status];
    return label;
  }

  function say(text, warning) {
    if (!statusEl) return;
    // Re-announce identical messages: screen readers ignore unchanged live regions.
    statusEl.textContent = "";
    statusEl.classList.toggle("is-warning", !!warning);
    window.setTimeout(function () { statusEl.textContent = text; }, 30);
  }

  /* Drawing */

  function el(name, attrs) {
    var node = document.createElementNS(SVGNS, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function paintSeat(s) {
    var tier = tiers[s.tier];
    s.el.setAttribute("fill", tier ? tier.colour : "#3b82f6");
    s.el.setAttribute("data-status", s.status);
    s.el.setAttribute("aria-checked", selected.indexOf(s.id) >= 0 ? "true" : "false");
    s.el.setAttribute("aria-disabled", s.status === "available" ? "false" : "true");
    s.el.setAttribute("aria-label", seatLabel(s));
    s.el.firstChild.textContent = seatLabel(s);
  }

  function draw() {
    if (!seats.length) {
      root.innerHTML = '<p class="empty">This event has no seats on the map yet.</p>';
      return;
    }
    var minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    seats.forEach(function (s) {
      minX = Math.min(minX, s.x); maxX = Math.max(maxX, s.x);
      minY = Math.min(minY, s.y); maxY = Math.max(maxY, s.y);
    });
    var pad = 10, top = 34;
    var vbX = minX - pad - 6, vbY = minY - top, vbW = maxX - minX + 2 * pad + 6, vbH = maxY - minY + top + pad;
    var svg = el("svg", {
      "class": "seatmap", viewBox: [vbX, vbY, vbW, vbH].join(" "),
      role: "group", "aria-label": "Seat map", "aria-describedby": "seatmap-help",
      preserveAspectRatio: "xMidYMin meet"
    });
    // Seats stay big enough to tap on a touch screen (the map scrolls sideways there), fit a
    // laptop screen for venues of usual size, and don't become huge for small ones.
    var coarse = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
    svg.style.minWidth = Math.round(vbW * (coarse ? 2.2 : 1.5)) + "px";
    svg.style.maxWidth = Math.round(vbW * 5) + "px";
    svg.style.margin = "0 auto";

    var stageW = Math.min(vbW - 2 * pad, Math.max(40, (maxX - minX) * 0.6));
    var cx = (minX + maxX) / 2;
    svg.appendChild(el("rect", { "class": "stage", x: cx - stageW / 2, y: minY - top + 4, width: stageW, height: 9, rx: 3 }));
    var stageLabel = el("text", { "class": "stage-label", x: cx, y: minY - top + 8.7 });
    stageLabel.textContent = "STAGE";
    svg.appendChild(stageLabel);

    // Section names above each section, row numbers left of each row's first seat.
    var sections = {}, rowsStart = {};
    seats.forEach(function (s) {
      var sec = sections[s.section] || (sections[s.section] = { minX: s.x, maxX: s.x, minY: s.y });
      sec.minX = Math.min(sec.minX, s.x); sec.maxX = Math.max(sec.maxX, s.x); sec.minY = Math.min(sec.minY, s.y);
      var key = s.section + "|" + s.row;
      if (!rowsStart[key] || s.x < rowsStart[key].x) rowsStart[key] = s;
    });
    Object.keys(sections).forEach(function (name) {
      var sec = sections[name];
      var t = el("text", { "class": "section-label", x: (sec.minX + sec.maxX) / 2, y: sec.minY - 9 });
      t.textContent = "Section " + name;
      svg.appendChild(t);
    });
    Object.keys(rowsStart).forEach(function (key) {
      var s = rowsStart[key];
      var t = el("text", { "class": "row-label", x: s.x - 6, y: s.y, "aria-hidden": "true" });
      t.textContent = s.row;
      svg.appendChild(t);
    });

    var group = el("g", {});
    seats.forEach(function (s) {
      var c = el("circle", {
        "class": "seat", cx: s.x, cy: s.y, r: 3.9, role: "checkbox", tabindex: "-1",
        "data-id": s.id, "data-testid": "seat"
      });
      c.appendChild(el("title", {}));
      s.el = c;
      paintSeat(s);
      group.appendChild(c);
    });
    svg.appendChild(group);
    root.appendChild(svg);

    var first = seats.filter(function (s) { return s.status === "available"; })[0] || seats[0];
    setCurrent(first, false);

    svg.addEventListener("click", function (e) {
      var target = e.target.closest ? e.target.closest(".seat") : null;
      if (!target) return;
      var s = byId[target.getAttribute("data-id")];
      setCurrent(s, true);
      toggle(s);
    });
    svg.addEventListener("keydown", onKey);
  }

  /* Keyboard: one seat is in the tab order (roving tabindex); arrows move between seats. */

  function setCurrent(s, focus) {
    if (!s) return;
    if (current && current.el) current.el.setAttribute("tabindex", "-1");
    current = s;
    s.el.setAttribute("tabindex", "0");
    if (focus) s.el.focus();
  }

  function neighbour(s, key) {
    var best = null, bestScore = Infinity;
    seats.forEach(function (o) {
      if (o === s) return;
      var dx = o.x - s.x, dy = o.y - s.y, score;
      if (key === "ArrowRight" && Math.abs(dy) < 0.5 && dx > 0) score = dx;
      else if (key === "ArrowLeft" && Math.abs(dy) < 0.5 && dx < 0) score = -dx;
      else if (key === "ArrowDown" && dy > 0.5) score = dy * 1000 + Math.abs(dx);
      else if (key === "ArrowUp" && dy < -0.5) score = -dy * 1000 + Math.abs(dx);
      else return;
      if (score < bestScore) { bestScore = score; best = o; }
    });
    return best;
  }

  function onKey(e) {
    if (!current) return;
    if (e.key === "ArrowRight" || e.key === "ArrowLeft" || e.key === "ArrowUp" || e.key === "ArrowDown") {
      e.preventDefault();
      var next = neighbour(current, e.key);
      if (next) setCurrent(next, true);
    } else if (e.key === "Home" || e.key === "End") {
      e.preventDefault();
      setCurrent(e.key === "Home" ? seats[0] : seats[seats.length - 1], true);
    } else if (e.key === " " || e.key === "Enter") {
      e.preventDefault();
      toggle(current);
    }
  }

  /* Selection */

  function toggle(s) {
    var at = selected.indexOf(s.id);
    if (at >= 0) {
      selected.splice(at, 1);
      paintSeat(s);
      say(seatName(s) + " removed. " + summary());
    } else if (s.status !== "available") {
      say(seatName(s) + " is " + STATUS_WORDS[s.status] + "; choose another seat.", true);
      return;
    } else if (selected.length >= data.maxSeats) {
      say("You can pick at most " + data.maxSeats + " seats per order.", true);
      return;
    } else {
      selected.push(s.id);
      paintSeat(s);
      say(seatName(s) + " selected. " + summary());
    }
    renderSelection();
  }

  function totalCents() {
    return selected.reduce(function (sum, id) { return sum + byId[id].cents; }, 0);
  }

  function summary() {
    var n = selected.length;
    return n + (n === 1 ? " seat" : " seats") + ", total " + money(totalCents()) + ".";
  }

  function renderSelection() {
    listEl.innerHTML = "";
    formSeats.innerHTML = "";
    selected.forEach(function (id) {
      var s = byId[id];
      var li = document.createElement("li");
      var name = document.createElement("span");
      name.textContent = "Section " + s.section + " · Row " + s.row + " · Seat " + s.number;
      var right = document.createElement("span");
      right.className = "nowrap";
      right.textContent = s.price + " " + data.currency + " ";
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "link-button";
      remove.textContent = "✕";
      remove.setAttribute("aria-label", "Remove " + seatName(s));
      remove.addEventListener("click", function () { toggle(s); });
      right.appendChild(remove);
      li.appendChild(name);
      li.appendChild(right);
      listEl.appendChild(li);
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "seat";
      input.value = id;
      formSeats.appendChild(input);
    });
    emptyEl.hidden = selected.length > 0;
    totalEl.textContent = money(totalCents());
    holdButton.disabled = selected.length === 0;
    holdButton.textContent = selected.length
      ? "Hold " + selected.length + (selected.length === 1 ? " seat" : " seats")
      : "Hold seats";
  }

  form.addEventListener("submit", function (e) {
    if (!selected.length) { e.preventDefault(); say("Select at least one seat first.", true); return; }
    // One hold per click: a second click while the first is on its way does nothing.
    if (form.dataset.submitting) { e.preventDefault(); return; }
    form.dataset.submitting = "1";
    holdButton.disabled = true;
    holdButton.textContent = "Holding…";
  });
  window.addEventListener("pageshow", function () {
    // Coming back with the Back button: the form is usable again.
    delete form.dataset.submitting;
    renderSelection();
  });

  /* Availability refresh */

  function bitsOf(text) {
    var raw = atob(text || ""), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return function (n) { return (bytes[n >> 3] >> (n & 7)) & 1; };
  }

  function applyAvailability(feed) {
    var isHeld = bitsOf(feed.held), isSold = bitsOf(feed.sold);
    var lost = [], available = 0;
    seats.forEach(function (s, n) {
      var status = isSold(n) ? "sold" : isHeld(n) ? "held" : "available";
      if (status === "available") available += 1;
      if (status === s.status) return;
      s.status = status;
      var at = selected.indexOf(s.id);
      if (at >= 0 && status !== "available") { selected.splice(at, 1); lost.push(s); }
      paintSeat(s);
    });
    if (availableCountEl) availableCountEl.textContent = available;
    if (lost.length) {
      renderSelection();
      say(lost.map(seatName).join("; ") + (lost.length === 1 ? " was" : " were") +
          " just taken by someone else and removed from your selection.", true);
    }
    if (updatedEl) updatedEl.textContent = "Seats updated " + new Date().toLocaleTimeString();
  }

  var refreshing = false;
  function refresh() {
    if (refreshing || document.hidden || !window.fetch) return Promise.resolve();
    refreshing = true;
    return getJson(data.availabilityUrl, true)
      .then(function (feed) {
        if (!feed) return;
        // A new layout (staff re-priced seats): draw it again before applying the bits.
        if (feed.layout !== layoutVersion) return loadLayout(feed.layout).then(function () { applyAvailability(feed); });
        applyAvailability(feed);
      })
      .catch(function () { /* offline for a moment: the next tick tries again */ })
      .then(function () { refreshing = false; });
  }

  function getJson(url, revalidate) {
    // Availability is asked with its ETag every time (a 304 costs the shop almost nothing);
    // the layout comes from the browser's cache under its version.
    var options = { headers: { Accept: "application/json" }, credentials: "same-origin" };
    if (revalidate) options.cache = "no-cache";
    return fetch(url, options)
      .then(function (r) { return r.ok ? r.json() : null; });
  }

  var layoutVersion = null;
  function loadLayout(version) {
    var url = data.layoutUrl.split("?")[0] + "?v=" + encodeURIComponent(version);
    return getJson(url).then(function (layout) {
      if (!layout) return;
      layoutVersion = layout.version;
      tiers = layout.tiers;
      var keep = selected;
      seats = layout.seats.map(function (r) {
        var tier = tiers[r[6]] || { price: "0.00" };
        return {
          id: r[0], section: r[1], row: r[2], number: r[3], x: r[4], y: r[5],
          price: tier.price, cents: toCents(tier.price), tier: r[6], status: "available", el: null
        };
      });
      byId = {};
      seats.forEach(function (s) { byId[s.id] = s; });
      selected = keep.filter(function (id) { return byId[id]; });
      root.querySelectorAll("svg.seatmap").forEach(function (old) { old.remove(); });
      draw();
    });
  }

  function preselect() {
    var missing = 0;
    (data.preselected || []).forEach(function (id) {
      var s = byId[id];
      if (s && s.status === "available" && selected.indexOf(id) < 0 && selected.length < data.maxSeats) {
        selected.push(id);
        paintSeat(s);
      } else if (selected.indexOf(id) < 0) {
        missing += 1;
      }
    });
    renderSelection();
    if (missing) say("Some of the seats you picked are no longer available; choose others.", true);
    else if (selected.length) say("Your seats are still selected. " + summary());
  }

  if (!data.layoutUrl) { draw(); return; }
  var started = data.layoutUrl.split("v=")[1];
  loadLayout(decodeURIComponent(started))
    .then(function () { return getJson(data.availabilityUrl, true); })
    .then(function (feed) { if (feed) applyAvailability(feed); })
    .catch(function () { say("The seat map could not be loaded; try reloading the page.", true); })
    .then(function () {
      if (!seats.length) return;
      root.setAttribute("data-ready", "true");
      preselect();
    });

  window.setInterval(refresh, Math.max(2, data.refreshSeconds) * 1000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
  // Lets the browser tests (and curious developers) refresh on demand.
  window.seatMap = { refresh: refresh, selected: function () { return selected.slice(); } };
})();
