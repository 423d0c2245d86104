// Draws the competency radar from the indicator table on the same page (the table stays the source of truth).
(function () {
  var el = document.getElementById("radar");
  var rows = document.querySelectorAll("#indicator-table tr[data-indicator]");
  if (!el || !rows.length || typeof echarts === "undefined") return;
  var names = [], scores = [];
  rows.forEach(function (row) {
    names.push({ name: row.dataset.name, max: 100 });
    scores.push(row.dataset.score === "" ? 0 : Number(row.dataset.score));
  });
  var chart = echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    tooltip: { trigger: "item" },
    radar: {
      indicator: names,
      radius: "62%",
      axisName: { color: "#475569", fontSize: 11 },
      splitArea: { areaStyle: { color: ["#f8fafc", "#eef4f8"] } }
    },
    series: [{
      type: "radar",
      name: "指标得分",
      data: [{ value: scores, name: "得分", areaStyle: { color: "rgba(15,110,140,.22)" },
               lineStyle: { color: "#0f6e8c" }, itemStyle: { color: "#0f6e8c" } }]
    }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
