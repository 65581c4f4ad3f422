// Draws the overview's CX charts (NPS by month, by channel, by touchpoint) from the JSON the
// page embeds next to each one. As in overview.js, the container is dir="ltr" and RTL is done
// by mirroring the category axis, so labels stay readable and time still runs right to left.
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var rtl = document.documentElement.dir === "rtl";
  var font = getComputedStyle(document.body).fontFamily;
  document.querySelectorAll("[data-cx-chart]").forEach(function (element) {
    var values = JSON.parse(document.getElementById(element.id + "-data").textContent);
    var labels = JSON.parse(document.getElementById(element.id + "-labels").textContent);
    var line = element.dataset.cxChart === "line";
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    chart.setOption({
      textStyle: { fontFamily: font },
      tooltip: { trigger: "axis" },
      grid: { left: 48, right: 48, bottom: 48, top: 16 },
      xAxis: { type: "category", data: labels, inverse: rtl, axisLabel: { interval: 0, rotate: line ? 0 : 30 } },
      yAxis: { type: "value", min: -100, max: 100, position: rtl ? "right" : "left" },
      series: [{
        name: element.dataset.seriesLabel,
        type: line ? "line" : "bar",
        data: values,
        showSymbol: true,
        symbolSize: 8,
        barMaxWidth: 48,
        itemStyle: { color: "#0f766e" }
      }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
