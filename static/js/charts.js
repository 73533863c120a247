/* What every page's charts share (Apache ECharts, served from static/vendor): the
   county's fonts, no animation, and resizing with the window. A page's own script draws
   with window.shouwangChart(elementId, option); without ECharts it is not defined and the
   page's tables, which carry the same numbers, stand alone. */
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var font = 'system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif';
  var charts = [];

  window.shouwangChart = function (id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    el.innerHTML = "";
    var chart = echarts.init(el, null, { renderer: "canvas" });
    option.textStyle = { fontFamily: font };
    option.animation = false;
    chart.setOption(option);
    charts.push(chart);
  };

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
