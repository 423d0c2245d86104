// Draws the competency radar from the indicator table on the same page (the table stays the source of truth):
// the agent's scores and, when the table carries them, the team's mean and the grade's bar.
(function () {
  var el = document.getElementById("radar");
  var rows = document.querySelectorAll("#indicator-table tr[data-indicator]");
  if (!el || !rows.length || typeof echarts === "undefined") return;
  var names = [], scores = [], team = [], bar = [];
  rows.forEach(function (row) {
    names.push({ name: row.dataset.name, max: 100 });
    scores.push(row.dataset.score === "" ? 0 : Number(row.dataset.score));
    team.push(row.dataset.team ? Number(row.dataset.team) : 0);
    bar.push(row.dataset.bar ? Number(row.dataset.bar) : 0);
  });
  var data = [{ value: scores, name: "本人得分", areaStyle: { color: "rgba(15,110,140,.22)" },
                lineStyle: { color: "#0f6e8c" }, itemStyle: { color: "#0f6e8c" } }];
  if (el.dataset.team) {
    data.push({ value: team, name: el.dataset.team, lineStyle: { color: "#d97706", type: "dashed" }, itemStyle: { color: "#d97706" } });
  }
  if (el.dataset.bar) {
    data.push({ value: bar, name: el.dataset.bar, symbol: "none", lineStyle: { color: "#64748b", type: "dotted", width: 2 },
                itemStyle: { color: "#64748b" } });
  }
  var chart = echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    tooltip: { trigger: "item" },
    legend: { bottom: 0, data: data.map(function (d) { return d.name; }) },
    radar: {
      indicator: names,
      radius: "60%",
      center: ["50%", "46%"],
      axisName: { color: "#475569", fontSize: 11 },
      splitArea: { areaStyle: { color: ["#f8fafc", "#eef4f8"] } }
    },
    series: [{ type: "radar", name: "指标得分", data: data }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
