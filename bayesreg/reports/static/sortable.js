// Sortable tables: click (or Enter/Space on) a column header to sort by it; again to reverse.
// Numbers sort numerically (each cell's data-value); missing values go last.
(function () {
  "use strict";
  function key(cell) {
    var raw = cell.getAttribute("data-value");
    var num = parseFloat(raw);
    return { num: isFinite(num) && String(num) !== "NaN" && /^[-+0-9.eE]+$/.test(raw) ? num : null, text: raw };
  }
  function sortBy(table, col, th) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    rows.sort(function (a, b) {
      var x = key(a.cells[col]), y = key(b.cells[col]);
      if (x.num === null && y.num === null) { return dir * x.text.localeCompare(y.text, undefined, {numeric: true}); }
      if (x.num === null) { return 1; }
      if (y.num === null) { return -1; }
      return dir * (x.num - y.num);
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      var button = th.querySelector("button");
      if (button) { button.addEventListener("click", function () { sortBy(table, col, th); }); }
    });
  });
})();
