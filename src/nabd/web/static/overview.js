// Draws the monthly orders/revenue chart from the JSON the page embeds. ECharts lays text out
// left to right, so its container is dir="ltr" and RTL is done by mirroring the axes.
(function () {
  "use strict";
  var element = document.getElementById("sales-chart");
  var source = document.getElementById("sales-data");
  if (!element || !source || !window.echarts || !window.nabdDisplay) { return; }
  var show = window.nabdDisplay;
  var plain = function (value) { return show.number(value, 0); };
  var rows = JSON.parse(source.textContent);
  var rtl = document.documentElement.dir === "rtl";
  var chart = window.echarts.init(element, null, { renderer: "svg" });
  chart.setOption({
    textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
    tooltip: {
      trigger: "axis",
      formatter: function (points) {
        return show.monthInFull(points[0].name) + points.map(function (p) {
          return "<br>" + p.marker + p.seriesName + ": " + show.number(p.value, 2);
        }).join("");
      }
    },
    legend: { top: 0, data: [element.dataset.ordersLabel, element.dataset.revenueLabel] },
    grid: { left: 64, right: 64, bottom: 28, top: 48 },
    xAxis: { type: "category", inverse: rtl, data: rows.map(function (r) { return r.month; }),
             axisLabel: { formatter: show.month } },
    yAxis: [
      // Each axis scales to its own series; aligned ticks would clip the revenue line.
      { type: "value", position: rtl ? "right" : "left", alignTicks: false,
        axisLabel: { formatter: plain } },
      { type: "value", position: rtl ? "left" : "right", alignTicks: false,
        splitLine: { show: false }, axisLabel: { formatter: plain } }
    ],
    series: [
      { name: element.dataset.ordersLabel, type: "bar", data: rows.map(function (r) { return r.order_count; }), itemStyle: { color: "#0f766e" } },
      { name: element.dataset.revenueLabel, type: "line", yAxisIndex: 1, smooth: true,
        data: rows.map(function (r) { return Number(r.revenue); }), itemStyle: { color: "#b45309" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
