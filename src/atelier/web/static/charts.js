// Charts with Chart.js: a <canvas data-chart="…"> holds its type, labels and series as JSON,
// written by the server in the reader's units. The same numbers are in a table next to each chart.
(function () {
  "use strict";
  var palette = ["#c2410c", "#2563eb", "#15803d", "#7c3aed", "#b45309", "#0f766e"];
  function draw(canvas) {
    if (canvas.dataset.drawn === "yes" || typeof Chart === "undefined") { return; }
    var spec = JSON.parse(canvas.dataset.chart);
    canvas.dataset.drawn = "yes";
    var datasets = spec.series.map(function (series, i) {
      var colour = series.colour || palette[i % palette.length];
      return {
        label: series.label, data: series.values, borderColor: colour, backgroundColor: colour + "55",
        spanGaps: true, tension: 0.2, pointRadius: 3, stack: series.stack, yAxisID: series.axis || "y"
      };
    });
    var scales = { y: { beginAtZero: spec.zero === true, title: { display: !!spec.unit, text: spec.unit || "" },
                        reverse: spec.lower_is_better === true, stacked: spec.stacked === true },
                   x: { stacked: spec.stacked === true } };
    if (spec.unit2) { scales.y2 = { position: "right", title: { display: true, text: spec.unit2 }, grid: { drawOnChartArea: false } }; }
    new Chart(canvas, {
      type: spec.type || "line",
      data: { labels: spec.labels, datasets: datasets },
      options: { responsive: true, maintainAspectRatio: false, animation: false, scales: scales,
                 plugins: { legend: { display: datasets.length > 1 } } }
    });
  }
  function drawAll(root) { (root || document).querySelectorAll("canvas[data-chart]").forEach(draw); }
  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.detail.elt); });
})();
