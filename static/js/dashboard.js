/* The dashboard's charts (Apache ECharts, served from static/vendor). The tables below
   them carry the same numbers, so nothing is lost without script. */
(function () {
  "use strict";
  var draw = window.shouwangChart;  // static/js/charts.js
  if (!draw) { return; }
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var palette = { "稳定": "#2e7d32", "巩固": "#c77700", "临界": "#b3261e", "未分类": "#8a94a3",
                  "预警": "#b3261e", "核实": "#c77700", "帮扶中": "#1a5fb4", "待销号": "#2e7d32" };

  function stacked(series) {
    return Object.keys(series).map(function (name) {
      return { name: name, type: "bar", stack: "all", data: series[name], barMaxWidth: 56,
               itemStyle: { color: palette[name] }, emphasis: { focus: "series" } };
    });
  }

  var narrow = window.innerWidth < 640;
  var rowAxis = { type: "category", data: data.rows,
                  axisLabel: { interval: 0, rotate: data.rows.length > 6 ? 35 : 0, hideOverlap: true } };
  var grid = { left: 40, right: 16, top: 40, bottom: data.rows.length > 6 ? 70 : 30, containLabel: true };

  draw("chart-classes", {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0 }, grid: grid, xAxis: rowAxis, yAxis: { type: "value", minInterval: 1 },
    series: stacked(data.classes)
  });
  draw("chart-states", {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0 }, grid: grid, xAxis: rowAxis, yAxis: { type: "value", minInterval: 1 },
    series: stacked(data.states)
  });
  draw("chart-rules", {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0 }, grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: data.rules, inverse: true,
             axisLabel: { fontSize: narrow ? 10 : 12 } },
    series: [
      { name: "未销号", type: "bar", data: data.rules_open, itemStyle: { color: "#b3261e" } },
      { name: "逾期", type: "bar", data: data.rules_overdue, itemStyle: { color: "#5b2a86" } }
    ]
  });
  draw("chart-trend", {
    tooltip: { trigger: "axis" }, legend: { top: 0 },
    grid: { left: 40, right: 16, top: 40, bottom: 30, containLabel: true },
    xAxis: { type: "category", data: data.months, axisLabel: { hideOverlap: true } },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: "发现", type: "line", data: data.raised, itemStyle: { color: "#b3261e" }, symbolSize: 7 },
      { name: "销号", type: "line", data: data.closed, itemStyle: { color: "#2e7d32" }, symbolSize: 7,
        lineStyle: { type: "dashed" } }
    ]
  });
}());
