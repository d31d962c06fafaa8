/* The seat map's view: a canvas that draws the hall (stage, section names, row numbers, seats)
 * under a camera that zooms and pans with the wheel, a pinch, a drag, the buttons and the
 * keyboard, and over it one transparent element per seat that takes clicks, taps and focus
 * and carries the seat's name and state for assistive technology.
 *
 * Why a canvas: at 20,000 seats an SVG took ~550 ms to first paint and ~50 ms to repaint for
 * each step of a zoom or a pan (measured in this Chromium), a canvas ~5 ms. The seat elements
 * move with one CSS transform of their layer. Seats are only picked by pointer when their
 * target is at least TARGET_PX wide; a tap on a smaller one zooms in instead. */
(function () {
  "use strict";

  var TARGET_PX = 24; // smallest target a pointer may pick (WCAG 2.5.8)
  var SEAT_LEVEL_PX = 32; // one seat's pitch when the map zooms in to pick seats
  var MAX_FIT_PX = 44; // a small hall is not blown up beyond this pitch
  var MAX_PITCH_PX = 72;
  var TOP_PX = 70; // room above the seats for the stage and the section names
  var SIDE_PX = 30; // room left of the seats for the row numbers
  var DRAG_PX = 6; // a pointer that moves further pans instead of clicking
  var STEP = 1.6; // one press of + or -
  var MAX_ELEMENTS = 4000;

  function median(values) {
    if (!values.length) return 10;
    values.sort(function (a, b) { return a - b; });
    return values[values.length >> 1];
  }

  // The distance between neighbouring seats of a row: layouts drawn by staff need not use the
  // generator's spacing.
  function pitchOf(seats) {
    var rows = {}, gaps = [];
    seats.forEach(function (s) { (rows[s.section + "|" + s.row] = rows[s.section + "|" + s.row] || []).push(s.x); });
    Object.keys(rows).forEach(function (key) {
      var xs = rows[key].sort(function (a, b) { return a - b; });
      for (var i = 1; i < xs.length; i++) if (xs[i] > xs[i - 1]) gaps.push(xs[i] - xs[i - 1]);
    });
    return median(gaps);
  }

  function boxOf(list) {
    var box = { minX: Infinity, maxX: -Infinity, minY: Infinity, maxY: -Infinity };
    list.forEach(function (s) {
      if (s.x < box.minX) box.minX = s.x;
      if (s.x > box.maxX) box.maxX = s.x;
      if (s.y < box.minY) box.minY = s.y;
      if (s.y > box.maxY) box.maxY = s.y;
    });
    return box;
  }

  function create(opts) {
    var viewport = opts.viewport, canvas = opts.canvas, layer = opts.layer;
    var seats = opts.seats;
    var ctx = canvas.getContext("2d");
    // Every listener goes with the view when a new layout replaces it.
    var listening = new AbortController(), own = { signal: listening.signal };
    var unit = pitchOf(seats);
    var hall = boxOf(seats);
    var sections = [], byName = {}, rowStarts = {};
    seats.forEach(function (s) {
      var sec = byName[s.section];
      if (!sec) { sec = byName[s.section] = { name: s.section, seats: [] }; sections.push(sec); }
      sec.seats.push(s);
      var key = s.section + "|" + s.row;
      if (!rowStarts[key] || s.x < rowStarts[key].x) rowStarts[key] = s;
    });
    sections.forEach(function (sec) { sec.box = boxOf(sec.seats); });
    rowStarts = Object.keys(rowStarts).map(function (k) { return rowStarts[k]; });

    var cam = { s: 1, tx: 0, ty: 0 };
    var W = 0, H = 0, fitScale = 1, dirty = false, focused = null, hasFocus = false;

    /* Seat elements: positioned in hall units, moved together by the layer's transform. Only
     * the seats in view have one, and only while they are at most MAX_ELEMENTS (20,000
     * elements cost this Chromium over a second to lay out and ~60 ms per zoom step; the
     * canvas draws them all anyway); the current seat (the keyboard's) always has one. */
    layer.style.setProperty("--seat-size", unit + "px");
    var groups = {};
    sections.forEach(function (sec) {
      var group = document.createElement("div");
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", interpolate(gettext("Section %(name)s"), { name: sec.name }, true));
      groups[sec.name] = group;
      layer.appendChild(group);
    });
    var pinned = null;

    function elementFor(seat) {
      if (seat.el) return seat.el;
      var node = document.createElement("span");
      node.className = "seat";
      node.setAttribute("role", "checkbox");
      node.setAttribute("tabindex", "-1");
      node.setAttribute("data-testid", "seat");
      node.setAttribute("data-id", seat.id);
      node.style.left = (seat.x - unit / 2) + "px";
      node.style.top = (seat.y - unit / 2) + "px";
      seat.el = node;
      opts.paint(seat);
      groups[seat.section].appendChild(node);
      return node;
    }

    function inView() {
      var x0 = (-cam.tx) / cam.s - unit, x1 = (W - cam.tx) / cam.s + unit;
      var y0 = (-cam.ty) / cam.s - unit, y1 = (H - cam.ty) / cam.s + unit;
      return seats.filter(function (seat) { return seat.x >= x0 && seat.x <= x1 && seat.y >= y0 && seat.y <= y1; });
    }

    var syncTimer = null;
    function syncElements() {
      syncTimer = null;
      var wanted = seats.length <= MAX_ELEMENTS ? seats : inView();
      if (wanted.length > MAX_ELEMENTS) wanted = [];
      var keep = {};
      wanted.forEach(function (seat) { keep[seat.id] = true; });
      if (pinned) keep[pinned.id] = true;
      seats.forEach(function (seat) {
        if (seat.el && !keep[seat.id]) { seat.el.remove(); seat.el = null; }
      });
      wanted.forEach(elementFor);
      viewport.setAttribute("data-seat-elements", String(layer.querySelectorAll(".seat").length));
    }
    // After a gesture settles: elements that exist move with the layer meanwhile.
    function syncSoon() {
      if (seats.length <= MAX_ELEMENTS) return;
      if (syncTimer) window.clearTimeout(syncTimer);
      syncTimer = window.setTimeout(syncElements, 120);
    }

    // The seats by square of the hall, for finding the one under a pointer without an element.
    var grid = {};
    function cell(x, y) { return Math.round(x / unit) + "," + Math.round(y / unit); }
    seats.forEach(function (seat) { (grid[cell(seat.x, seat.y)] = grid[cell(seat.x, seat.y)] || []).push(seat); });
    function seatAt(wx, wy) {
      var best = null, bestDistance = (unit * 0.6) * (unit * 0.6);
      for (var dx = -1; dx <= 1; dx++) {
        for (var dy = -1; dy <= 1; dy++) {
          (grid[cell(wx + dx * unit, wy + dy * unit)] || []).forEach(function (seat) {
            var d = (seat.x - wx) * (seat.x - wx) + (seat.y - wy) * (seat.y - wy);
            if (d < bestDistance) { bestDistance = d; best = seat; }
          });
        }
      }
      return best;
    }

    /* Camera */

    function size() {
      W = viewport.clientWidth;
      var widthScale = Math.min((W - 2 * SIDE_PX) / (hall.maxX - hall.minX + unit), MAX_FIT_PX / unit);
      var wanted = TOP_PX + (hall.maxY - hall.minY + unit) * widthScale + 24;
      // Tall enough to zoom into, short enough to leave the page around it for scrolling.
      var lowest = Math.max(240, window.innerHeight * 0.38), tallest = Math.max(lowest, window.innerHeight * 0.7);
      H = Math.round(Math.min(Math.max(wanted, lowest), tallest));
      viewport.style.height = H + "px";
      var dpr = window.devicePixelRatio || 1;
      canvas.width = Math.round(W * dpr);
      canvas.height = Math.round(H * dpr);
      canvas.style.width = W + "px";
      canvas.style.height = H + "px";
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    }

    function scaleToFit(box) {
      return Math.min(
        (W - 2 * SIDE_PX) / (box.maxX - box.minX + unit),
        (H - TOP_PX - 16) / (box.maxY - box.minY + unit),
        MAX_FIT_PX / unit
      );
    }

    function show(box) {
      var s = scaleToFit(box);
      var used = TOP_PX + (box.maxY - box.minY + unit) * s;
      cam.s = s;
      cam.tx = W / 2 - ((box.minX + box.maxX) / 2) * s;
      // Top-aligned, not centred: the stage stays as high on the page as it can.
      cam.ty = Math.min(12, Math.max(0, (H - used - 16) / 2)) + TOP_PX + (unit / 2 - box.minY) * s;
      moved();
    }

    function minScale() { return fitScale * 0.8; }
    function maxScale() { return Math.max(MAX_PITCH_PX / unit, fitScale); }

    function zoomAt(px, py, s) {
      s = Math.min(maxScale(), Math.max(minScale(), s));
      var wx = (px - cam.tx) / cam.s, wy = (py - cam.ty) / cam.s;
      cam.s = s;
      cam.tx = px - wx * s;
      cam.ty = py - wy * s;
      moved();
    }

    function keepInView() {
      // Some of the hall always stays on screen, so a buyer cannot pan it out of sight.
      var left = (hall.minX - unit) * cam.s + cam.tx, right = (hall.maxX + unit) * cam.s + cam.tx;
      var top = (hall.minY - unit) * cam.s + cam.ty - TOP_PX, bottom = (hall.maxY + unit) * cam.s + cam.ty;
      var margin = Math.min(80, W / 3);
      if (right < margin) cam.tx += margin - right;
      if (left > W - margin) cam.tx -= left - (W - margin);
      if (bottom < margin) cam.ty += margin - bottom;
      if (top > H - margin) cam.ty -= top - (H - margin);
    }

    function moved() {
      keepInView();
      layer.style.transform = "translate(" + cam.tx + "px," + cam.ty + "px) scale(" + cam.s + ")";
      viewport.setAttribute("data-zoom", (cam.s / fitScale).toFixed(2));
      if (opts.onMove) opts.onMove();
      syncSoon();
      redraw();
    }

    // The section nearest to a point of the hall.
    function sectionNear(wx, wy) {
      var best = null, bestDistance = Infinity;
      sections.forEach(function (sec) {
        var b = sec.box;
        var dx = Math.max(b.minX - wx, 0, wx - b.maxX), dy = Math.max(b.minY - wy, 0, wy - b.maxY);
        var distance = dx * dx + dy * dy;
        if (distance < bestDistance) { bestDistance = distance; best = sec; }
      });
      return best;
    }

    /* Drawing */

    function redraw() {
      if (dirty) return;
      dirty = true;
      window.requestAnimationFrame(function () { dirty = false; draw(); });
    }

    function draw() {
      var s = cam.s, tx = cam.tx, ty = cam.ty;
      ctx.clearRect(0, 0, W, H);
      var pitch = unit * s, r = unit * 0.42 * s;
      var x0 = (-tx) / s - unit, x1 = (W - tx) / s + unit, y0 = (-ty) / s - unit, y1 = (H - ty) / s + unit;
      var buckets = {}, rings = [];
      seats.forEach(function (seat) {
        if (seat.x < x0 || seat.x > x1 || seat.y < y0 || seat.y > y1) return;
        var colour = opts.colourOf(seat);
        (buckets[colour] = buckets[colour] || []).push(seat);
        if (opts.ringOf(seat)) rings.push(seat);
      });
      Object.keys(buckets).forEach(function (colour) {
        ctx.fillStyle = colour;
        ctx.beginPath();
        buckets[colour].forEach(function (seat) {
          var X = seat.x * s + tx, Y = seat.y * s + ty;
          if (r < 1.5) ctx.rect(X - r, Y - r, 2 * r, 2 * r);
          else { ctx.moveTo(X + r, Y); ctx.arc(X, Y, r, 0, 6.2832); }
        });
        ctx.fill();
      });
      rings.forEach(function (seat) {
        ctx.strokeStyle = opts.ringOf(seat);
        ctx.lineWidth = Math.max(1.5, Math.min(3, r / 3));
        ctx.beginPath();
        ctx.arc(seat.x * s + tx, seat.y * s + ty, Math.max(r, 2) + ctx.lineWidth / 2, 0, 6.2832);
        ctx.stroke();
      });
      if (focused && hasFocus) {
        ctx.strokeStyle = "#b45309";
        ctx.lineWidth = 3;
        ctx.beginPath();
        ctx.arc(focused.x * s + tx, focused.y * s + ty, Math.max(r + 4, 8), 0, 6.2832);
        ctx.stroke();
      }
      drawLabels(s, tx, ty, pitch);
      drawMini();
    }

    // The stage and the section names are elements at screen size (legible at any zoom, and
    // where a test can see them); the row numbers are drawn, from a pitch that leaves room.
    var labels = document.createElement("div");
    labels.className = "seatmap-labels";
    labels.setAttribute("aria-hidden", "true");
    var stage = document.createElement("div");
    stage.className = "seatmap-stage";
    stage.setAttribute("data-testid", "seatmap-stage");
    stage.textContent = gettext("Stage");
    labels.appendChild(stage);
    sections.forEach(function (sec) {
      sec.label = document.createElement("div");
      sec.label.className = "seatmap-section-label";
      sec.label.setAttribute("data-testid", "section-label");
      labels.appendChild(sec.label);
    });
    layer.parentNode.insertBefore(labels, layer.nextSibling);

    function place(node, x, y, width) {
      node.hidden = false;
      node.style.transform = "translate(" + Math.round(x) + "px," + Math.round(y) + "px)";
      if (width !== undefined) node.style.width = Math.round(width) + "px";
    }

    function drawLabels(s, tx, ty, pitch) {
      var left = (hall.minX - unit / 2) * s + tx, right = (hall.maxX + unit / 2) * s + tx;
      var top = (hall.minY - unit / 2) * s + ty;
      var stageLeft = Math.max(left, 8), stageRight = Math.min(right, W - 8);
      if (stageRight - stageLeft > 40 && top - 36 > 0) place(stage, stageLeft, top - 62, stageRight - stageLeft);
      else stage.hidden = true;
      ctx.font = "700 13px system-ui, sans-serif";
      sections.forEach(function (sec) {
        var a = (sec.box.minX - unit / 2) * s + tx, b = (sec.box.maxX + unit / 2) * s + tx;
        var y = (sec.box.minY - unit / 2) * s + ty - 26;
        var long = interpolate(gettext("Section %(name)s"), { name: sec.name }, true), room = Math.min(b, W) - Math.max(a, 0);
        var text = ctx.measureText(long).width + 8 <= room ? long : ctx.measureText(sec.name).width + 4 <= room ? sec.name : null;
        if (!text || y < 0 || y > H - 20) { sec.label.hidden = true; return; }
        if (sec.label.textContent !== text) sec.label.textContent = text;
        place(sec.label, Math.max(a, 0), y, room);
      });
      if (pitch < 14) return;
      ctx.fillStyle = "#4b5263";
      ctx.font = Math.min(13, Math.max(11, pitch * 0.4)) + "px system-ui, sans-serif";
      ctx.textAlign = "right";
      ctx.textBaseline = "middle";
      rowStarts.forEach(function (seat) {
        var X = (seat.x - unit * 0.6) * s + tx, Y = seat.y * s + ty;
        if (X > 0 && X < W + 40 && Y > 0 && Y < H) ctx.fillText(seat.row, X, Y);
      });
    }

    // The overview while zoomed in (seatmap-overview.js); a click on it goes to a section.
    var mini = window.SeatMapOverview.create({
      parent: layer.parentNode, hall: hall, sections: sections, unit: unit,
      onPick: function (wx, wy) { var sec = sectionNear(wx, wy); if (sec) show(sec.box); }
    });
    function drawMini() {
      mini.draw(cam.s > fitScale * 1.05, -cam.tx / cam.s, -cam.ty / cam.s, (W - cam.tx) / cam.s, (H - cam.ty) / cam.s);
    }

    /* Pointer: drag pans, two fingers pinch, the wheel zooms about the pointer. */

    var pointers = {}, gesture = null, dragged = false;

    function local(e) {
      var box = viewport.getBoundingClientRect();
      return { x: e.clientX - box.left, y: e.clientY - box.top };
    }

    function startGesture() {
      var ids = Object.keys(pointers);
      if (ids.length >= 2) {
        var a = pointers[ids[0]], b = pointers[ids[1]];
        gesture = { pinch: true, d: Math.hypot(a.x - b.x, a.y - b.y) || 1, mx: (a.x + b.x) / 2, my: (a.y + b.y) / 2, s: cam.s, tx: cam.tx, ty: cam.ty };
      } else if (ids.length === 1) {
        var p = pointers[ids[0]];
        gesture = { pinch: false, x: p.x, y: p.y, tx: cam.tx, ty: cam.ty };
      } else {
        gesture = null;
      }
    }

    viewport.addEventListener("pointerdown", function (e) {
      if ((e.pointerType === "mouse" && e.button !== 0) || e.target.closest("button, .seatmap-mini")) return;
      if (!Object.keys(pointers).length) dragged = false;
      pointers[e.pointerId] = local(e);
      startGesture();
    }, own);
    window.addEventListener("pointermove", function (e) {
      if (!pointers[e.pointerId] || !gesture) return;
      pointers[e.pointerId] = local(e);
      var ids = Object.keys(pointers);
      if (gesture.pinch && ids.length >= 2) {
        var a = pointers[ids[0]], b = pointers[ids[1]];
        var d = Math.hypot(a.x - b.x, a.y - b.y) || 1, mx = (a.x + b.x) / 2, my = (a.y + b.y) / 2;
        var s = Math.min(maxScale(), Math.max(minScale(), gesture.s * d / gesture.d));
        cam.s = s;
        cam.tx = mx - ((gesture.mx - gesture.tx) / gesture.s) * s;
        cam.ty = my - ((gesture.my - gesture.ty) / gesture.s) * s;
        dragged = true;
        moved();
      } else if (!gesture.pinch) {
        var p = pointers[e.pointerId], dx = p.x - gesture.x, dy = p.y - gesture.y;
        if (!dragged && Math.hypot(dx, dy) < DRAG_PX) return;
        dragged = true;
        cam.tx = gesture.tx + dx;
        cam.ty = gesture.ty + dy;
        moved();
      }
    }, own);
    function release(e) {
      if (!pointers[e.pointerId]) return;
      delete pointers[e.pointerId];
      startGesture();
    }
    window.addEventListener("pointerup", release, own);
    window.addEventListener("pointercancel", release, own);
    viewport.addEventListener("wheel", function (e) {
      e.preventDefault();
      var p = local(e), step = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
      zoomAt(p.x, p.y, cam.s * Math.exp(-Math.max(-300, Math.min(300, step)) * 0.0025));
    }, { passive: false, signal: listening.signal });
    viewport.addEventListener("dblclick", function (e) {
      if (e.target.closest(".seat, button, .seatmap-mini")) return;
      var p = local(e);
      zoomAt(p.x, p.y, cam.s * STEP * STEP);
    }, own);

    // A click on a seat picks it if its target is big enough, else zooms towards it: first to
    // its section, then to seat level.
    layer.addEventListener("click", function (e) {
      var node = e.target.closest ? e.target.closest(".seat") : null;
      if (!node || dragged) return;
      var seat = opts.seatOf(node);
      if (unit * cam.s >= TARGET_PX) { opts.onPick(seat, false); return; }
      zoomTowards(seat);
    }, own);

    // Where no seat has an element (a big hall seen whole), the pointer's seat is looked up.
    viewport.addEventListener("click", function (e) {
      if (dragged || e.target.closest(".seat, button, .seatmap-mini")) return;
      var p = local(e);
      var seat = seatAt((p.x - cam.tx) / cam.s, (p.y - cam.ty) / cam.s);
      if (!seat) return;
      // (Big enough but without its element yet: the elements follow a gesture by 120 ms.)
      if (unit * cam.s >= TARGET_PX) opts.onPick(seat, false);
      else zoomTowards(seat);
    }, own);

    function zoomTowards(seat) {
      var sec = byName[seat.section];
      var p = { x: seat.x * cam.s + cam.tx, y: seat.y * cam.s + cam.ty };
      var sectionScale = scaleToFit(sec.box);
      if (sections.length > 1 && cam.s < sectionScale * 0.9) {
        show(sec.box);
      } else {
        zoomAt(p.x, p.y, SEAT_LEVEL_PX / unit);
      }
    }

    /* Keyboard and focus */

    function reveal(seat, zoomIn) {
      if (zoomIn && unit * cam.s < TARGET_PX) {
        cam.s = Math.min(maxScale(), SEAT_LEVEL_PX / unit);
        cam.tx = W / 2 - seat.x * cam.s;
        cam.ty = H / 2 - seat.y * cam.s;
        moved();
        return;
      }
      var X = seat.x * cam.s + cam.tx, Y = seat.y * cam.s + cam.ty, m = Math.max(unit * cam.s, 40);
      if (X < m || X > W - m || Y < m || Y > H - m) {
        if (X < m) cam.tx += m - X;
        if (X > W - m) cam.tx -= X - (W - m);
        if (Y < m) cam.ty += m - Y;
        if (Y > H - m) cam.ty -= Y - (H - m);
        moved();
      }
    }

    layer.addEventListener("focusin", function () { hasFocus = true; redraw(); }, own);
    layer.addEventListener("focusout", function () { hasFocus = false; redraw(); }, own);

    function zoomBy(factor) { zoomAt(W / 2, H / 2, cam.s * factor); }

    function onResize() {
      var wasFit = Math.abs(cam.s - fitScale) < 1e-6;
      size();
      fitScale = scaleToFit(hall);
      if (wasFit) show(hall); else moved();
    }

    size();
    fitScale = scaleToFit(hall);
    show(hall);
    syncElements();
    window.addEventListener("resize", onResize, own);

    return {
      sections: sections,
      redraw: redraw,
      zoomIn: function () { zoomBy(STEP); },
      zoomOut: function () { zoomBy(1 / STEP); },
      showAll: function () { show(hall); },
      showSection: function (name) { if (byName[name]) show(byName[name].box); },
      // The section under the middle of the view, for the overview.
      sectionInView: function () {
        var sec = sectionNear((W / 2 - cam.tx) / cam.s, (H / 2 - cam.ty) / cam.s);
        return sec && cam.s > fitScale * 1.05 ? sec.name : null;
      },
      // The keyboard's seat: it keeps its element wherever the view goes.
      elementFor: function (seat) { pinned = seat; return elementFor(seat); },
      setFocused: function (seat, byKeyboard) {
        focused = seat;
        if (byKeyboard) reveal(seat, true);
        redraw();
      },
      targetPx: function () { return unit * cam.s; },
      destroy: function () {
        listening.abort();
        if (syncTimer) window.clearTimeout(syncTimer);
        seats.forEach(function (seat) { seat.el = null; });
        layer.innerHTML = "";
        labels.remove();
        mini.remove();
      }
    };
  }

  window.SeatMapView = { create: create, TARGET_PX: TARGET_PX };
})();
