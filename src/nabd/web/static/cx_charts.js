// Draws the overview's CX charts (NPS by month, by channel, by touchpoint, and the touchpoint ×
// month heat map) from the JSON the page embeds next to each one. As in overview.js, the
// container is dir="ltr" and RTL is done by mirroring the month axis, so labels stay readable
// and time still runs right to left. Numbers and months follow the user's digits and calendar
// (chart_display.js).
(function () {
  "use strict";
  if (!window.echarts || !window.nabdDisplay) { return; }
  var show = window.nabdDisplay;
  var rtl = document.documentElement.dir === "rtl";
  var font = getComputedStyle(document.body).fontFamily;
  // A diverging scale (brown → light → teal) that stays distinct with red-green colour blindness.
  var HEAT_COLOURS = ["#8c510a", "#d8b365", "#f6e8c3", "#c7eae5", "#5ab4ac", "#01665e"];

  function json(id) { return JSON.parse(document.getElementById(id).textContent); }

  // The heat map writes each cell's NPS only where a cell is wide enough for "-100"; on a
  // phone the numbers ran into each other, and the colour and the tooltip still tell them.
  var HEAT_GRID_MARGINS = 136;
  var HEAT_LABEL_MIN_WIDTH = 30;
  function heatLabelsFit(element, columns) {
    return (element.clientWidth - HEAT_GRID_MARGINS) / Math.max(columns, 1) >= HEAT_LABEL_MIN_WIDTH;
  }

  function heatmap(element, labels) {
    var rows = json(element.id + "-rows");
    return {
      textStyle: { fontFamily: font },
      tooltip: {
        position: "top",
        formatter: function (p) {
          return rows[p.value[1]] + "<br>" + show.monthInFull(labels[p.value[0]]) + ": " + show.number(p.value[2]);
        }
      },
      grid: { left: rtl ? 16 : HEAT_GRID_MARGINS - 16, right: rtl ? HEAT_GRID_MARGINS - 16 : 16, bottom: 88, top: 16 },
      xAxis: { type: "category", data: labels, inverse: rtl, splitArea: { show: true },
               axisLabel: { formatter: show.month } },
      yAxis: { type: "category", data: rows, position: rtl ? "right" : "left", splitArea: { show: true } },
      visualMap: {
        min: -100, max: 100, calculable: true, orient: "horizontal", left: "center", bottom: 0,
        inRange: { color: HEAT_COLOURS },
        formatter: function (value) { return show.number(value, 0); }
      },
      series: [{
        name: element.dataset.seriesLabel,
        type: "heatmap",
        data: json(element.id + "-data"),
        label: {
          show: heatLabelsFit(element, labels.length),
          formatter: function (p) { return show.number(p.value[2], 0); }
        }
      }]
    };
  }

  function bars(element, labels) {
    var line = element.dataset.cxChart === "line";
    return {
      textStyle: { fontFamily: font },
      tooltip: {
        trigger: "axis",
        formatter: function (points) {
          var p = points[0];
          return (line ? show.monthInFull(p.name) : p.name) + "<br>" + p.seriesName + ": " + show.number(p.value);
        }
      },
      grid: { left: 48, right: 48, bottom: 48, top: 16 },
      xAxis: { type: "category", data: labels, inverse: rtl,
               // Every name under a bar (rotated); on the month line, as many as fit.
               axisLabel: line ? { formatter: show.month, hideOverlap: true }
                               : { interval: 0, rotate: 30 } },
      yAxis: { type: "value", min: -100, max: 100, position: rtl ? "right" : "left",
               axisLabel: { formatter: function (value) { return show.number(value, 0); } } },
      series: [{
        name: element.dataset.seriesLabel,
        type: line ? "line" : "bar",
        data: json(element.id + "-data"),
        showSymbol: true,
        symbolSize: 8,
        barMaxWidth: 48,
        itemStyle: { color: "#0f766e" }
      }]
    };
  }

  document.querySelectorAll("[data-cx-chart]").forEach(function (element) {
    var labels = json(element.id + "-labels");
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    var isHeatmap = element.dataset.cxChart === "heatmap";
    chart.setOption(isHeatmap ? heatmap(element, labels) : bars(element, labels));
    window.addEventListener("resize", function () {
      if (isHeatmap) {
        chart.setOption({ series: [{ label: { show: heatLabelsFit(element, labels.length) } }] });
      }
      chart.resize();
    });
  });
})();
