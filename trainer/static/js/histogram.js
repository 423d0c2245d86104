// Score distribution of an exam paper as a bar chart (the table below it holds the same numbers).
(function () {
  var el = document.getElementById("histogram");
  if (!el || typeof echarts === "undefined") return;
  var bands = JSON.parse(el.dataset.bands);
  var chart = echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    grid: { left: 40, right: 10, top: 20, bottom: 30 },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: bands.map(function (b) { return b[0]; }), axisLabel: { fontSize: 10 } },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "bar", name: el.dataset.name || "人次", data: bands.map(function (b) { return b[1]; }), itemStyle: { color: "#0f6e8c" } }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
