/* The policy preview's charts (Apache ECharts, served from static/vendor): the county's
   households by class now and under the proposal, and the alerts raised and cleared by
   rule. The tables beside them carry the same numbers, so nothing is lost without script. */
(function () {
  "use strict";
  var draw = window.shouwangChart;  // static/js/charts.js
  if (!draw) { return; }
  var data = JSON.parse(document.getElementById("policy-data").textContent);

  var label = { show: true, position: "top" };
  draw("chart-classes", {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0 }, grid: { left: 40, right: 16, top: 40, bottom: 30, containLabel: true },
    xAxis: { type: "category", data: data.classes },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: data.series[0], type: "bar", data: data.now, barMaxWidth: 48, label: label,
        itemStyle: { color: "#8a94a3" } },
      { name: data.series[1], type: "bar", data: data.then, barMaxWidth: 48, label: label,
        itemStyle: { color: "#b3261e" } }
    ]
  });
  if (data.rules.length) {
    draw("chart-rules", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 }, grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: data.rules, inverse: true },
      series: [
        { name: "新增预警", type: "bar", data: data.raised, itemStyle: { color: "#b3261e" } },
        { name: "不再触发", type: "bar", data: data.cleared, itemStyle: { color: "#2e7d32" } }
      ]
    });
  } else {
    document.getElementById("chart-rules").innerHTML = "<p class=\"muted\">没有预警变化</p>";
  }
}());
