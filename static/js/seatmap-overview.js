/* The seat map's overview while zoomed in: the hall's sections small, in a corner of the map,
 * the part in view framed; a click or tap on it calls back with the hall point under it (the
 * section buttons above the map say the same to assistive technology, so it is hidden from
 * it). Used by seatmap-view.js. */
(function () {
  "use strict";

  var WIDTH = 132, PAD = 6;

  function create(opts) {
    var hall = opts.hall, unit = opts.unit;
    var hallW = hall.maxX - hall.minX + unit, hallH = hall.maxY - hall.minY + unit;
    var height = Math.round(Math.min(90, Math.max(30, WIDTH * hallH / hallW)));
    var scale = Math.min((WIDTH - 2 * PAD) / hallW, (height - 2 * PAD) / hallH);
    var dpr = window.devicePixelRatio || 1;
    var canvas = document.createElement("canvas");
    canvas.className = "seatmap-mini";
    canvas.setAttribute("aria-hidden", "true");
    canvas.setAttribute("data-testid", "seatmap-mini");
    canvas.width = WIDTH * dpr;
    canvas.height = height * dpr;
    canvas.style.width = WIDTH + "px";
    canvas.style.height = height + "px";
    canvas.hidden = true;
    opts.parent.appendChild(canvas);
    var ctx = canvas.getContext("2d");
    var midX = (hall.minX + hall.maxX) / 2, midY = (hall.minY + hall.maxY) / 2;
    function x(wx) { return WIDTH / 2 + (wx - midX) * scale; }
    function y(wy) { return height / 2 + (wy - midY) * scale; }

    canvas.addEventListener("click", function (e) {
      var box = canvas.getBoundingClientRect();
      opts.onPick(midX + (e.clientX - box.left - WIDTH / 2) / scale, midY + (e.clientY - box.top - height / 2) / scale);
    });

    // Shown or not, and the part of the hall in view (hall units).
    function draw(shown, left, top, right, bottom) {
      canvas.hidden = !shown;
      if (!shown) return;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, WIDTH, height);
      ctx.fillStyle = "#c7d2fe";
      opts.sections.forEach(function (sec) {
        var b = sec.box;
        ctx.fillRect(x(b.minX - unit / 2), y(b.minY - unit / 2), (b.maxX - b.minX + unit) * scale, (b.maxY - b.minY + unit) * scale);
      });
      var x0 = Math.max(1, x(left)), y0 = Math.max(1, y(top));
      var x1 = Math.min(WIDTH - 1, x(right)), y1 = Math.min(height - 1, y(bottom));
      ctx.strokeStyle = "#5b21b6";
      ctx.lineWidth = 2;
      ctx.strokeRect(x0, y0, Math.max(2, x1 - x0), Math.max(2, y1 - y0));
    }

    return { draw: draw, remove: function () { canvas.remove(); } };
  }

  window.SeatMapOverview = { create: create };
})();
