// Draws a goal's progress chart from the JSON the page embeds: the measured value per week or
// month, the least-squares trend, and the baseline and target as lines. ECharts lays text out
// left to right, so the container is dir="ltr" and RTL is done by mirroring the axes.
(function () {
  "use strict";
  var element = document.getElementById("goal-chart");
  var source = document.getElementById("goal-chart-data");
  if (!element || !source || !window.echarts || !window.nabdDisplay) { return; }
  var show = window.nabdDisplay;
  var data = JSON.parse(source.textContent);
  var rtl = document.documentElement.dir === "rtl";
  var labels = element.dataset;
  var chart = window.echarts.init(element, null, { renderer: "svg" });
  var flat = function (value) { return data.rows.map(function () { return value; }); };
  chart.setOption({
    textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
    tooltip: {
      trigger: "axis",
      formatter: function (points) {
        return show.day(points[0].name) + points.map(function (p) {
          return "<br>" + p.marker + p.seriesName + ": " + show.number(p.value);
        }).join("");
      }
    },
    legend: { top: 0, data: [labels.valueLabel, labels.trendLabel, labels.targetLabel, labels.baselineLabel] },
    grid: { left: 56, right: 56, bottom: 28, top: 48 },
    xAxis: { type: "category", inverse: rtl, data: data.rows.map(function (r) { return r.label; }),
             axisLabel: { formatter: show.day } },
    yAxis: { type: "value", position: rtl ? "right" : "left", scale: true,
             axisLabel: { formatter: function (value) { return show.number(value); } } },
    series: [
      { name: labels.valueLabel, type: "line", connectNulls: false, symbolSize: 8,
        data: data.rows.map(function (r) { return r.value; }), itemStyle: { color: "#0f766e" } },
      { name: labels.trendLabel, type: "line", showSymbol: false, lineStyle: { type: "dashed" },
        data: data.rows.map(function (r) { return r.trend; }), itemStyle: { color: "#64748b" } },
      { name: labels.targetLabel, type: "line", showSymbol: false, data: flat(data.target),
        itemStyle: { color: "#b45309" } },
      { name: labels.baselineLabel, type: "line", showSymbol: false, lineStyle: { type: "dotted" },
        data: flat(data.baseline), itemStyle: { color: "#94a3b8" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
