// Draws the charts page as SVG from the site's JSON API; no library, no network beyond this site.
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];
  var LOWER = { at_least: true, more_than: true };
  var UPPER = { nearly: true, at_most: true, less_than: true };
  var WORDS = { exact: "", about: "about ", at_least: "at least ", more_than: "more than ", nearly: "nearly ",
                at_most: "at most ", less_than: "less than " };

  function el(name, attrs, parent, text) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) { node.textContent = text; }
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function svg(figure, width, height) {
    var root = el("svg", { viewBox: "0 0 " + width + " " + height, role: "img" });
    figure.insertBefore(root, figure.firstChild);
    return root;
  }

  function usd(value) {
    if (value >= 1e9) { return "$" + +(value / 1e9).toFixed(2) + "B"; }
    if (value >= 1e6) { return "$" + +(value / 1e6).toFixed(1) + "M"; }
    return "$" + Math.round(value).toLocaleString("en");
  }

  function period(date) {
    // A partial ISO date (YYYY, YYYY-MM, YYYY-MM-DD) as the interval of days it stands for, in ms.
    var parts = String(date).split("-").map(Number);
    if (parts.length === 1) { return [Date.UTC(parts[0], 0, 1), Date.UTC(parts[0] + 1, 0, 1)]; }
    if (parts.length === 2) { return [Date.UTC(parts[0], parts[1] - 1, 1), Date.UTC(parts[0], parts[1], 1)]; }
    var day = Date.UTC(parts[0], parts[1] - 1, parts[2]);
    return [day, day + 86400000];
  }

  function hedgeOf(comparator) {
    if (LOWER[comparator]) { return "lower"; }
    if (UPPER[comparator]) { return "upper"; }
    return comparator === "about" ? "about" : "exact";
  }

  function mark(parent, shape, x, y, colour, comparator, label) {
    var hedge = hedgeOf(comparator);
    var attrs = { "class": "mark " + shape + " hedge-" + hedge, stroke: colour, "stroke-width": 2,
                  fill: hedge === "lower" || hedge === "upper" ? "#fff" : colour };
    if (hedge === "about") { attrs["fill-opacity"] = 0.45; attrs["stroke-dasharray"] = "3 2"; }
    var node;
    if (shape === "valuation") {
      attrs.cx = x; attrs.cy = y; attrs.r = 7;
      node = el("circle", attrs, parent);
    } else {
      attrs.x = x - 6; attrs.y = y - 6; attrs.width = 12; attrs.height = 12;
      node = el("rect", attrs, parent);
    }
    el("title", {}, node, label);
    if (hedge === "lower" || hedge === "upper") {
      var dy = hedge === "lower" ? -1 : 1;
      el("path", { d: "M" + x + " " + (y + dy * 9) + " L" + x + " " + (y + dy * 22) + " M" + (x - 4) + " " +
                   (y + dy * 17) + " L" + x + " " + (y + dy * 22) + " L" + (x + 4) + " " + (y + dy * 17),
                   stroke: colour, fill: "none", "stroke-width": 1.5, "class": "hedge-arrow" }, parent);
    }
    return node;
  }

  function spread(labels, gap) {
    labels.sort(function (a, b) { return a.y - b.y; });
    for (var i = 1; i < labels.length; i++) {
      if (labels[i].y - labels[i - 1].y < gap) { labels[i].y = labels[i - 1].y + gap; }
    }
    return labels;
  }

  function drawRounds(figure, rows) {
    var W = 860, H = 420, left = 70, right = 150, top = 30, bottom = 40;
    var root = svg(figure, W, H);
    var points = [];
    rows.forEach(function (row) {
      [["valuation", row.valuation_usd, row.valuation_comparator],
       ["amount", row.amount_usd, row.amount_comparator]].forEach(function (m) {
        if (m[1]) { points.push({ row: row, shape: m[0], usd: m[1], comparator: m[2], span: period(row.announced) }); }
      });
    });
    if (!points.length) { el("text", { x: 20, y: 40 }, root, "No funding round has a US-dollar figure."); return; }
    var t0 = Math.min.apply(null, points.map(function (p) { return p.span[0]; }));
    var t1 = Math.max.apply(null, points.map(function (p) { return p.span[1]; }));
    var pad = (t1 - t0) * 0.04;
    t0 -= pad; t1 += pad;
    var lo = Math.floor(Math.log10(Math.min.apply(null, points.map(function (p) { return p.usd; }))));
    var hi = Math.ceil(Math.log10(Math.max.apply(null, points.map(function (p) { return p.usd; }))));
    if (hi === lo) { hi += 1; }
    function x(t) { return left + (t - t0) / (t1 - t0) * (W - left - right); }
    function y(v) { return H - bottom - (Math.log10(v) - lo) / (hi - lo) * (H - top - bottom); }
    var grid = el("g", { "class": "grid" }, root);
    for (var e = lo; e <= hi; e++) {
      [1, 2, 5].forEach(function (f) {
        var v = f * Math.pow(10, e);
        if (Math.log10(v) > hi) { return; }
        el("line", { x1: left, x2: W - right, y1: y(v), y2: y(v), "stroke-dasharray": f === 1 ? "" : "2 3" }, grid);
        el("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end" }, grid, usd(v));
      });
    }
    var first = new Date(t0), year = first.getUTCFullYear();
    for (var m = Date.UTC(year, 0, 1); m <= t1; m = Date.UTC(new Date(m).getUTCFullYear(), new Date(m).getUTCMonth() + 3, 1)) {
      if (m < t0) { continue; }
      var d = new Date(m);
      el("line", { x1: x(m), x2: x(m), y1: top, y2: H - bottom }, grid);
      el("text", { x: x(m), y: H - bottom + 16, "text-anchor": "middle" }, grid,
         d.getUTCFullYear() + "-" + String(d.getUTCMonth() + 1).padStart(2, "0"));
    }
    var companies = [];
    rows.forEach(function (row) { if (companies.indexOf(row.company_id) < 0) { companies.push(row.company_id); } });
    var marks = el("g", { "class": "marks" }, root);
    var labels = [], periods = {};
    points.forEach(function (p) {
      var key = p.span.join("-");
      periods[key] = periods[key] || [];
      if (periods[key].indexOf(p.row.company_id) < 0) { periods[key].push(p.row.company_id); }
    });
    points.forEach(function (p) {
      var colour = PALETTE[companies.indexOf(p.row.company_id) % PALETTE.length];
      var sharing = periods[p.span.join("-")], dodge = (sharing.indexOf(p.row.company_id) - (sharing.length - 1) / 2) * 18;
      var cy = y(p.usd), mid = (p.span[0] + p.span[1]) / 2;
      el("line", { x1: x(p.span[0]), x2: x(p.span[1]) - 1, y1: cy, y2: cy, stroke: colour, "class": "period" }, marks);
      var what = p.shape === "valuation" ? "valuation" : "round size";
      var text = p.row.company_name + " " + what + ": " + WORDS[p.comparator || "exact"] + usd(p.usd) +
        " (announced " + p.row.announced + ", " + p.row.announced_precision + " precision; round " + p.row.round_id + ")";
      var node = mark(marks, p.shape, x(mid) + dodge, cy, colour, p.comparator, text);
      node.setAttribute("data-round", p.row.round_id);
      if (p.shape === "valuation" || !p.row.valuation_usd) {
        labels.push({ y: cy + 4, line: cy, end: x(p.span[1]), text: p.row.company_name, colour: colour });
      }
    });
    spread(labels, 14).forEach(function (l) {
      el("path", { d: "M" + l.end + " " + l.line + " L" + (W - right + 6) + " " + (l.y - 4), stroke: l.colour,
                   fill: "none", "stroke-dasharray": "2 2" }, root);
      el("text", { x: W - right + 8, y: l.y, style: "fill: " + l.colour, "class": "company-label" }, root, l.text);
    });
    var legend = el("g", { "class": "legend" }, root);
    mark(legend, "valuation", left + 10, 14, "#555", "exact", "valuation");
    el("text", { x: left + 22, y: 18 }, legend, "valuation");
    mark(legend, "amount", left + 100, 14, "#555", "exact", "round size");
    el("text", { x: left + 112, y: 18 }, legend, "round size");
    el("circle", { cx: left + 200, cy: 14, r: 7, fill: "#fff", stroke: "#555", "stroke-width": 2 }, legend);
    el("text", { x: left + 212, y: 18 }, legend, "open = lower/upper bound (arrow)");
  }

  function drawBackers(figure, rows) {
    var investors = [], companies = [], cells = {};
    rows.forEach(function (row) {
      if (investors.indexOf(row.investor_name) < 0) { investors.push(row.investor_name); }
      if (companies.indexOf(row.company_name) < 0) { companies.push(row.company_name); }
      var key = row.investor_name + "\u0000" + row.company_name;
      var cell = cells[key] || (cells[key] = { roles: [], amounts: [], rounds: [], claims: 0 });
      if (row.role) { cell.roles.push(row.role); }
      if (row.round_id) { cell.rounds.push(row.round_id); }
      if (row.amount_usd) { cell.amounts.push(WORDS[row.amount_comparator || "exact"] + usd(row.amount_usd)); }
      cell.claims += row.claim_count || 0;
    });
    var left = 190, top = 90, step = 78, rowStep = 30;
    var W = left + companies.length * step + 20, H = top + investors.length * rowStep + 10;
    var root = svg(figure, W, H);
    var grid = el("g", { "class": "grid" }, root);
    companies.forEach(function (company, i) {
      var cx = left + i * step + step / 2;
      el("text", { x: cx, y: top - 12, transform: "rotate(-35 " + cx + " " + (top - 12) + ")" }, grid, company);
      el("line", { x1: cx, x2: cx, y1: top, y2: H - 10 }, grid);
    });
    investors.forEach(function (investor, j) {
      var cy = top + j * rowStep + rowStep / 2;
      el("text", { x: left - 8, y: cy + 4, "text-anchor": "end" }, grid, investor);
      el("line", { x1: left, x2: W - 20, y1: cy, y2: cy }, grid);
    });
    var marks = el("g", { "class": "marks" }, root);
    Object.keys(cells).forEach(function (key) {
      var names = key.split("\u0000"), cell = cells[key];
      var cx = left + companies.indexOf(names[1]) * step + step / 2;
      var cy = top + investors.indexOf(names[0]) * rowStep + rowStep / 2;
      var lead = cell.roles.indexOf("lead") >= 0, node;
      if (!cell.rounds.length) {
        node = el("path", { d: "M" + cx + " " + (cy - 6) + " l6 6 l-6 6 l-6 -6 z", fill: "#777",
                            "class": "mark backer no-round" }, marks);
      } else {
        node = el("circle", { cx: cx, cy: cy, r: 8, fill: lead ? "#1f77b4" : "#fff", stroke: "#1f77b4",
                              "stroke-width": 2.5, "class": "mark backer " + (lead ? "lead" : "participant") }, marks);
      }
      if (cell.amounts.length) {
        el("text", { x: cx + 11, y: cy - 6, "class": "amount" }, marks, cell.amounts.join(", "));
      }
      el("title", {}, node, names[0] + " → " + names[1] + ": " + (lead ? "led " : cell.rounds.length ? "joined " : "invested, no round named") +
         cell.rounds.join(", ") + (cell.amounts.length ? " (" + cell.amounts.join(", ") + ")" : "") + "; " + cell.claims + " claim(s)");
    });
  }

  function load(id, draw) {
    var figure = document.getElementById(id);
    if (!figure) { return; }
    fetch(figure.getAttribute("data-src"), { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (rows) { draw(figure, rows); figure.setAttribute("data-drawn", rows.length); })
      .catch(function (error) {
        var p = document.createElement("p");
        p.className = "error";
        p.textContent = "Could not load the data: " + error.message;
        figure.insertBefore(p, figure.firstChild);
      });
  }

  load("rounds-chart", drawRounds);
  load("backers-chart", drawBackers);
}());
