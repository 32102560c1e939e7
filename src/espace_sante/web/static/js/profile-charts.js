/* Espace Santé: draws the profile's charts with Chart.js (static/vendor, from npm).
   Each <canvas data-chart="ID"> reads its data from <script type="application/json"
   id="ID">, written by the page: no inline script, as the Content-Security-Policy
   requires. The same values are in a table on the page, for those who do not see it. */
(function () {
  "use strict";

  var COLOURS = {
    measure: "#1d5b79",
    second: "#b35c00",
    child: "#1d5b79",
    median: "#4a5560",
    centile: "#9aa5b1"
  };

  function dataset(series, age) {
    var colour = COLOURS[series.role] || COLOURS.measure;
    var reference = series.role === "centile" || series.role === "median";
    return {
      label: series.label,
      data: series.points.map(function (p) { return { x: p[0], y: p[1] }; }),
      borderColor: colour,
      backgroundColor: colour,
      borderWidth: reference ? 1.5 : 2,
      borderDash: series.role === "centile" ? [6, 4] : [],
      pointRadius: reference ? 0 : 4,
      pointHoverRadius: reference ? 0 : 6,
      showLine: !(age && series.role === "child"),
      tension: reference ? 0.3 : 0,
      order: reference ? 2 : 1
    };
  }

  function xAxis(data) {
    if (data.x === "time") {
      var format = new Intl.DateTimeFormat(data.lang, { day: "numeric", month: "short", year: "numeric" });
      return {
        type: "linear",
        ticks: { maxTicksLimit: 6, callback: function (value) { return format.format(new Date(value)); } }
      };
    }
    return { type: "linear", min: data.x_min, max: data.x_max, title: { display: true, text: data.x_title } };
  }

  function tooltipTitle(data) {
    if (data.x !== "time") {
      return function (items) { return items.length ? data.x_title + " : " + items[0].parsed.x : ""; };
    }
    var format = new Intl.DateTimeFormat(data.lang, { dateStyle: "long", timeStyle: "short" });
    return function (items) { return items.length ? format.format(new Date(items[0].parsed.x)) : ""; };
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var age = data.x === "age";
    new Chart(canvas, {
      type: "line",
      data: { datasets: data.series.map(function (s) { return dataset(s, age); }) },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        parsing: false,
        interaction: { mode: "nearest", intersect: false },
        scales: {
          x: xAxis(data),
          y: { title: { display: true, text: data.y_title } }
        },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 14 } },
          tooltip: { callbacks: { title: tooltipTitle(data) } }
        }
      }
    });
  }

  function start() {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
