// Draws a survey's responses per month from the JSON its results page embeds. ECharts lays
// text out left to right, so the container is dir="ltr" and RTL mirrors the axis instead.
(function () {
  "use strict";
  var element = document.getElementById("responses-chart");
  var source = document.getElementById("responses-data");
  if (!element || !source || !window.echarts || !window.nabdDisplay) { return; }
  var show = window.nabdDisplay;
  var data = JSON.parse(source.textContent);
  var rtl = document.documentElement.dir === "rtl";
  var chart = window.echarts.init(element, null, { renderer: "svg" });
  chart.setOption({
    textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
    tooltip: {
      trigger: "axis",
      formatter: function (points) {
        return show.monthInFull(points[0].name) + "<br>" + points[0].seriesName + ": " + show.number(points[0].value, 0);
      }
    },
    grid: { left: 48, right: 48, bottom: 28, top: 24 },
    xAxis: { type: "category", inverse: rtl, data: data.months, axisLabel: { formatter: show.month } },
    yAxis: { type: "value", position: rtl ? "right" : "left", minInterval: 1,
             axisLabel: { formatter: function (value) { return show.number(value, 0); } } },
    series: [{ name: element.dataset.label, type: "bar", data: data.counts, itemStyle: { color: "#0f766e" } }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
