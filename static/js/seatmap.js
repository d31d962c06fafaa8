/* The event page's seat map: the seats come from the layout answer, their state from the
 * availability answer (polled while the page is open); the buyer picks seats with the mouse,
 * touch or keyboard and sees a running total. Drawing, zoom and pan are seatmap-view.js's. It
 * only mirrors the shop's rules for convenience (max seats per order comes from the event);
 * the hold service decides. No framework, no build step. */
(function () {
  "use strict";

  var dataEl = document.getElementById("seat-data");
  var root = document.getElementById("seatmap");
  if (!dataEl || !root || !window.SeatMapView) return;
  var data = JSON.parse(dataEl.textContent);

  var viewportEl = document.getElementById("seatmap-viewport");
  var canvasEl = document.getElementById("seatmap-canvas");
  var layerEl = document.getElementById("seatmap-seats");
  var overviewEl = document.getElementById("seatmap-sections");
  var statusEl = document.getElementById("seatmap-status");
  var updatedEl = document.getElementById("seatmap-updated");
  var listEl = document.getElementById("selection-list");
  var emptyEl = document.getElementById("selection-empty");
  var totalEl = document.getElementById("selection-total");
  var form = document.getElementById("hold-form");
  var formSeats = document.getElementById("hold-form-seats");
  var holdButton = document.getElementById("hold-button");
  var availableCountEl = document.querySelector("[data-testid=available-count]");

  var STATUS_WORDS = { held: gettext("on hold"), sold: gettext("sold"), mine: gettext("yours (held)") };
  var COLOURS = { held: "#c9ced8", sold: "#5b6170", selected: "#111827", mine: "#0f766e" };

  // The seats of the buyer's own live hold: the availability answer is the same for everybody
  // and says "held"; the page says "yours" until the hold runs out.
  var mine = {};
  (data.mine || []).forEach(function (id) { mine[id] = true; });
  var mineUntil = performance.now() + (data.mineSeconds || 0) * 1000;
  function isMine(s) { return mine[s.id] === true && performance.now() < mineUntil; }

  function toCents(text) {
    var parts = String(text).split(".");
    var whole = parseInt(parts[0], 10) || 0;
    var frac = ((parts[1] || "") + "00").slice(0, 2);
    return whole * 100 + (parseInt(frac, 10) || 0);
  }

  // Amounts as the page's language writes them ("€80.00", "80,00 €"), like the shop's |money.
  var moneyFormat = new Intl.NumberFormat(document.documentElement.lang || "en", { style: "currency", currency: data.currency });
  function money(cents) {
    return moneyFormat.format(cents / 100);
  }

  // Filled from the layout answer (fetched once, cached for good under its version); the
  // availability answer then sets each seat's status from two bitsets over the same order.
  var seats = [];
  var byId = {};
  var tiers = {};
  var selected = [];
  var current = null;
  var view = null;
  var rowsOf = {}; // "section|row" -> the row's seats, left to right

  function seatName(s) {
    return interpolate(gettext("Section %(section)s, row %(row)s, seat %(number)s"),
                       { section: s.section, row: s.row, number: s.number }, true);
  }

  function seatLabel(s) {
    var values = { section: s.section, row: s.row, number: s.number, price: money(s.cents), status: STATUS_WORDS[s.status] };
    if (s.status === "available") {
      return interpolate(gettext("Section %(section)s, row %(row)s, seat %(number)s, %(price)s"), values, true);
    }
    return interpolate(gettext("Section %(section)s, row %(row)s, seat %(number)s, %(price)s, %(status)s"), values, true);
  }

  function say(text, warning) {
    if (!statusEl) return;
    // Re-announce identical messages: screen readers ignore unchanged live regions.
    statusEl.textContent = "";
    statusEl.classList.toggle("is-warning", !!warning);
    window.setTimeout(function () { statusEl.textContent = text; }, 30);
  }

  /* Drawing: the view draws; each seat's element carries its state. */

  function colourOf(s) {
    if (selected.indexOf(s.id) >= 0) return COLOURS.selected;
    if (s.status !== "available") return COLOURS[s.status];
    var tier = tiers[s.tier];
    return tier ? tier.colour : "#3b82f6";
  }

  function ringOf(s) {
    if (selected.indexOf(s.id) >= 0) return "#f59e0b";
    if (s.status === "mine") return "#134e4a";
    return null;
  }

  function paintSeat(s) {
    var node = s.el;
    if (!node) return;
    node.setAttribute("data-status", s.status);
    node.setAttribute("aria-checked", selected.indexOf(s.id) >= 0 ? "true" : "false");
    node.setAttribute("aria-disabled", s.status === "available" ? "false" : "true");
    node.setAttribute("aria-label", seatLabel(s));
  }

  function repaint(s) {
    paintSeat(s);
    if (view) view.redraw();
  }

  function draw() {
    if (view) { view.destroy(); view = null; }
    var drawn = seats.filter(function (s) { return !s.standing; });
    if (!drawn.length) {
      viewportEl.hidden = true;
      root.querySelector(".seatmap-empty").hidden = false;
      return;
    }
    rowsOf = {};
    drawn.forEach(function (s) {
      var key = s.section + "|" + s.row;
      (rowsOf[key] = rowsOf[key] || []).push(s);
    });
    Object.keys(rowsOf).forEach(function (key) { rowsOf[key].sort(function (a, b) { return a.x - b.x; }); });
    view = window.SeatMapView.create({
      viewport: viewportEl, canvas: canvasEl, layer: layerEl, seats: drawn,
      colourOf: colourOf, ringOf: ringOf, paint: paintSeat,
      seatOf: function (node) { return byId[node.getAttribute("data-id")]; },
      onPick: function (s) { setCurrent(s, true); toggle(s); },
      onMove: markSectionInView
    });
    buildOverview();
    var first = drawn.filter(function (s) { return s.status === "available"; })[0] || drawn[0];
    setCurrent(first, false);
  }

  /* The overview: one button per section, and the whole hall. */

  function buildOverview() {
    if (!overviewEl) return;
    overviewEl.innerHTML = "";
    var names = view.sections.map(function (sec) { return sec.name; });
    [null].concat(names.length > 1 ? names : []).forEach(function (name) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "chip";
      button.textContent = name === null ? gettext("Whole hall") : interpolate(gettext("Section %(name)s"), { name: name }, true);
      button.setAttribute("data-section", name === null ? "" : name);
      button.setAttribute("aria-pressed", name === null ? "true" : "false");
      button.addEventListener("click", function () {
        if (name === null) view.showAll(); else view.showSection(name);
      });
      overviewEl.appendChild(button);
    });
  }

  function markSectionInView() {
    if (!overviewEl || !view) return;
    var name = view.sectionInView() || "";
    var zoomed = viewportEl.getAttribute("data-zoom") !== "1.00";
    overviewEl.querySelectorAll("button").forEach(function (button) {
      var section = button.getAttribute("data-section");
      button.setAttribute("aria-pressed", section === name && (section || !zoomed) ? "true" : "false");
    });
  }

  /* Keyboard: one seat is in the tab order (roving tabindex); arrows move between seats, the
   * map follows; + and - zoom, 0 shows the whole hall. */

  // Only a move by keyboard brings the seat into view (zooming in to pickable size): a click
  // or tap must not move the map under the pointer between its press and its release.
  function setCurrent(s, focus, byKeyboard) {
    if (!s) return;
    if (current && current.el) current.el.setAttribute("tabindex", "-1");
    current = s;
    var node = view.elementFor(s);
    node.setAttribute("tabindex", "0");
    if (focus) node.focus({ preventScroll: true });
    view.setFocused(s, !!byKeyboard);
  }

  function neighbour(s, key) {
    var row = rowsOf[s.section + "|" + s.row], at = row.indexOf(s);
    if (key === "ArrowRight") return row[at + 1] || null;
    if (key === "ArrowLeft") return row[at - 1] || null;
    // Up and down: the nearest seat of the nearest row above or below, in any section.
    var best = null, bestScore = Infinity;
    Object.keys(rowsOf).forEach(function (k) {
      var other = rowsOf[k], dy = other[0].y - s.y;
      if (key === "ArrowDown" ? dy <= 0.5 : dy >= -0.5) return;
      other.forEach(function (o) {
        var score = Math.abs(dy) * 1000 + Math.abs(o.x - s.x);
        if (score < bestScore) { bestScore = score; best = o; }
      });
    });
    return best;
  }

  function onKey(e) {
    if (!current || !view) return;
    var key = e.key;
    if (key === "ArrowRight" || key === "ArrowLeft" || key === "ArrowUp" || key === "ArrowDown") {
      e.preventDefault();
      var next = neighbour(current, key);
      if (next) setCurrent(next, true, true);
    } else if (key === "Home" || key === "End") {
      e.preventDefault();
      var row = rowsOf[current.section + "|" + current.row];
      setCurrent(key === "Home" ? row[0] : row[row.length - 1], true, true);
    } else if (key === " " || key === "Enter") {
      e.preventDefault();
      toggle(current);
    } else if (key === "+" || key === "=") {
      e.preventDefault();
      view.zoomIn();
    } else if (key === "-" || key === "_") {
      e.preventDefault();
      view.zoomOut();
    } else if (key === "0") {
      e.preventDefault();
      view.showAll();
    }
  }
  layerEl.addEventListener("keydown", onKey);
  // The seat under the mouse says what it is (its name is set as a tooltip only when pointed at:
  // thousands of seats need not carry one each).
  layerEl.addEventListener("pointerover", function (e) {
    if (e.target.classList.contains("seat")) e.target.title = e.target.getAttribute("aria-label");
  });
  // A seat focused some other way (a screen reader's cursor, a script) becomes the current one.
  layerEl.addEventListener("focusin", function (e) {
    var s = e.target.classList.contains("seat") ? byId[e.target.getAttribute("data-id")] : null;
    if (s && s !== current) setCurrent(s, false);
  });
  root.querySelectorAll("[data-zoom-action]").forEach(function (button) {
    button.addEventListener("click", function () {
      if (!view) return;
      var action = button.getAttribute("data-zoom-action");
      if (action === "in") view.zoomIn();
      else if (action === "out") view.zoomOut();
      else view.showAll();
    });
  });

  /* Selection */

  function toggle(s) {
    var at = selected.indexOf(s.id);
    if (at >= 0) {
      selected.splice(at, 1);
      repaint(s);
      say(interpolate(gettext("%(seat)s removed. %(summary)s"), { seat: seatName(s), summary: summary() }, true));
    } else if (s.status === "mine") {
      say(interpolate(gettext("%(seat)s is already yours: you are holding it. Continue to checkout to pay for it."), { seat: seatName(s) }, true));
      return;
    } else if (s.status !== "available") {
      say(interpolate(gettext("%(seat)s is %(status)s; choose another seat."), { seat: seatName(s), status: STATUS_WORDS[s.status] }, true), true);
      return;
    } else if (selected.length >= data.maxSeats) {
      say(interpolate(ngettext("You can pick at most %(most)s seat per order.", "You can pick at most %(most)s seats per order.", data.maxSeats),
                      { most: data.maxSeats }, true), true);
      return;
    } else {
      selected.push(s.id);
      repaint(s);
      say(interpolate(gettext("%(seat)s selected. %(summary)s"), { seat: seatName(s), summary: summary() }, true));
    }
    renderSelection();
  }

  function totalCents() {
    return selected.reduce(function (sum, id) { return sum + byId[id].cents; }, 0);
  }

  function summary() {
    var n = selected.length;
    return interpolate(ngettext("%(count)s seat, total %(total)s.", "%(count)s seats, total %(total)s.", n),
                       { count: n, total: money(totalCents()) }, true);
  }

  function renderSelection() {
    listEl.innerHTML = "";
    formSeats.innerHTML = "";
    selected.forEach(function (id) {
      var s = byId[id];
      var li = document.createElement("li");
      var name = document.createElement("span");
      name.textContent = interpolate(gettext("Section %(section)s · Row %(row)s · Seat %(number)s"),
                                     { section: s.section, row: s.row, number: s.number }, true);
      var right = document.createElement("span");
      right.className = "nowrap";
      right.textContent = money(s.cents) + " ";
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "link-button";
      remove.textContent = "✕";
      remove.setAttribute("aria-label", interpolate(gettext("Remove %(seat)s"), { seat: seatName(s) }, true));
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
      ? interpolate(ngettext("Hold %(count)s seat", "Hold %(count)s seats", selected.length), { count: selected.length }, true)
      : gettext("Hold seats");
  }

  form.addEventListener("submit", function (e) {
    if (!selected.length) { e.preventDefault(); say(gettext("Select at least one seat first."), true); return; }
    // One hold per click: a second click while the first is on its way does nothing.
    if (form.dataset.submitting) { e.preventDefault(); return; }
    form.dataset.submitting = "1";
    holdButton.disabled = true;
    holdButton.textContent = gettext("Holding…");
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
    seats.forEach(function (s) {
      var status = isSold(s.n) ? "sold" : isHeld(s.n) ? (isMine(s) ? "mine" : "held") : "available";
      if (status === "available") available += 1;
      if (status === s.status) return;
      s.status = status;
      var at = selected.indexOf(s.id);
      if (at >= 0 && status !== "available") { selected.splice(at, 1); lost.push(s); }
      paintSeat(s);
    });
    if (view) view.redraw();
    if (availableCountEl) availableCountEl.textContent = available;
    if (lost.length) {
      renderSelection();
      say(interpolate(ngettext("%(seats)s was just taken by someone else and removed from your selection.",
                               "%(seats)s were just taken by someone else and removed from your selection.", lost.length),
                      { seats: lost.map(seatName).join("; ") }, true), true);
    }
    if (updatedEl) {
      updatedEl.textContent = interpolate(gettext("Seats updated %(time)s"),
                                          { time: new Date().toLocaleTimeString(document.documentElement.lang || undefined) }, true);
    }
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
      // n is the seat's place in the layout order, which the availability bits follow. A
      // standing place (an eighth field, when the layout has one) is not a seat on the map.
      seats = layout.seats.map(function (r, n) {
        var tier = tiers[r[6]] || { price: "0.00" };
        return {
          id: r[0], section: r[1], row: r[2], number: r[3], x: r[4], y: r[5], n: n,
          standing: r.length > 7 && !!r[7],
          price: tier.price, cents: toCents(tier.price), tier: r[6], status: "available", el: null
        };
      });
      byId = {};
      seats.forEach(function (s) { byId[s.id] = s; });
      selected = keep.filter(function (id) { return byId[id]; });
      draw();
    });
  }

  function preselect() {
    var missing = 0;
    (data.preselected || []).forEach(function (id) {
      var s = byId[id];
      if (s && !s.standing && s.status === "available" && selected.indexOf(id) < 0 && selected.length < data.maxSeats) {
        selected.push(id);
        repaint(s);
      } else if (selected.indexOf(id) < 0) {
        missing += 1;
      }
    });
    renderSelection();
    if (missing) say(gettext("Some of the seats you picked are no longer available; choose others."), true);
    else if (selected.length) say(interpolate(gettext("Your seats are still selected. %(summary)s"), { summary: summary() }, true));
  }

  if (!data.layoutUrl) { draw(); return; }
  var started = data.layoutUrl.split("v=")[1];
  loadLayout(decodeURIComponent(started))
    .then(function () { return getJson(data.availabilityUrl, true); })
    .then(function (feed) { if (feed) applyAvailability(feed); })
    .catch(function () { say(gettext("The seat map could not be loaded; try reloading the page."), true); })
    .then(function () {
      if (!view) return;
      preselect();
      // The map is drawn and takes clicks: what the browser test times from navigation.
      root.setAttribute("data-ready", "true");
      if (performance.mark) performance.mark("seatmap-ready");
    });

  window.setInterval(refresh, Math.max(2, data.refreshSeconds) * 1000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
  // Lets the browser tests (and curious developers) refresh on demand.
  window.seatMap = {
    refresh: refresh,
    selected: function () { return selected.slice(); },
    targetPx: function () { return view ? view.targetPx() : 0; }
  };
})();
