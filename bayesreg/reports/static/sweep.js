// The λ explorer: reads the JSON the page embeds (#report-data) and redraws, at the slider's λ,
// the readout, the coefficient forest (MAP point, posterior mean and HDI) and the prior density.
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("report-data").textContent);
  var NS = "http://www.w3.org/2000/svg";
  var slider = document.getElementById("lam-slider");
  var out = document.getElementById("readout");
  var describe = document.getElementById("describe");
  var forest = document.getElementById("forest");
  var density = document.getElementById("density");
  var W = 560, LEFT = 70, RIGHT = 16, TOP = 24, ROW = 16, DH = 150;

  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function text(s, attrs, parent) { var t = el("text", attrs, parent); t.textContent = s; return t; }
  function xpos(v) { return LEFT + (v - D.xmin) / (D.xmax - D.xmin) * (W - LEFT - RIGHT); }
  function ticks(lo, hi) {
    var step = Math.pow(10, Math.floor(Math.log10((hi - lo) / 4)));
    if ((hi - lo) / step > 12) { step *= 5; } else if ((hi - lo) / step > 6) { step *= 2; }
    var out = [];
    for (var t = Math.ceil(lo / step) * step; t <= hi + 1e-12; t += step) { out.push(Math.abs(t) < step / 1e6 ? 0 : t); }
    return out;
  }
  function short(v) { return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(1) : String(+v.toPrecision(3)); }
  function axis(svg, y0, y1) {
    ticks(D.xmin, D.xmax).forEach(function (t) {
      el("line", {x1: xpos(t), x2: xpos(t), y1: y0, y2: y1, stroke: t === 0 ? "#888" : "#e3e6ec"}, svg);
      text(short(t), {x: xpos(t), y: y1 + 13, "text-anchor": "middle"}, svg);
    });
    text("w", {x: W - RIGHT, y: y1 + 26, "text-anchor": "end"}, svg);
  }
  function clear(svg) { while (svg.firstChild) { svg.removeChild(svg.firstChild); } }

  function drawForest(i) {
    clear(forest);
    var n = D.features.length, H = TOP + n * ROW + 32;
    forest.setAttribute("viewBox", "0 0 " + W + " " + H);
    forest.setAttribute("data-lam", String(D.lams[i]));
    axis(forest, TOP - 8, TOP + n * ROW);
    if (D.failed[i]) { text("the posterior run failed at this λ", {x: LEFT, y: 14, fill: "#a4480b"}, forest); }
    D.features.forEach(function (f, j) {
      var y = TOP + j * ROW + ROW / 2;
      var g = el("g", {"class": "row", "data-feature": f}, forest);
      text(f, {x: LEFT - 6, y: y + 4, "text-anchor": "end"}, g);
      if (D.lo && D.lo[i][j] !== null && D.hi[i][j] !== null) {
        el("line", {"class": "interval", "data-feature": f, "data-lo": D.lo[i][j], "data-hi": D.hi[i][j],
                    x1: xpos(D.lo[i][j]), x2: xpos(D.hi[i][j]), y1: y, y2: y, stroke: "var(--post)",
                    "stroke-width": 3, "stroke-linecap": "round"}, g);
        el("rect", {"class": "mean", x: xpos(D.mean[i][j]) - 1.5, y: y - 5, width: 3, height: 10,
                    fill: "var(--post)"}, g);
      }
      var m = D.map[i][j];
      if (m !== null) {
        var c = el("circle", {"class": "map", "data-feature": f, "data-value": m, cx: xpos(m), cy: y, r: 4,
                              fill: m === 0 ? "#fff" : "var(--map)", stroke: "var(--map)", "stroke-width": 1.5}, g);
        el("title", {}, c).textContent = f + ": MAP " + short(m) + (m === 0 ? " (exactly 0)" : "");
      }
    });
  }

  function drawDensity(i) {
    clear(density);
    var H = DH, top = 12, bottom = H - 30;
    density.setAttribute("viewBox", "0 0 " + W + " " + H);
    density.setAttribute("data-lam", String(D.lams[i]));
    axis(density, top, bottom);
    var cap = document.getElementById("density-caption");
    if (!D.density[i]) { text("no closed-form density", {x: LEFT, y: 40}, density); return; }
    var pts = D.grid.map(function (x, k) { return xpos(x).toFixed(1) + "," + (bottom - D.density[i][k] * (bottom - top)).toFixed(1); });
    el("polyline", {"class": "prior", points: pts.join(" "), fill: "none", stroke: "#2c7a4b", "stroke-width": 2}, density);
    cap.textContent = "The prior density p(w | λ) on the same w-axis, scaled to its peak p(0) = " + short(D.peak[i]) + ".";
  }

  function update() {
    var i = parseInt(slider.value, 10);
    out.textContent = D.readout[i];
    describe.textContent = D.describe[i];
    slider.setAttribute("aria-valuetext", D.readout[i]);
    drawForest(i);
    drawDensity(i);
  }
  slider.addEventListener("input", update);
  slider.addEventListener("change", update);
  update();
})();
