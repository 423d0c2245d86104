// The month-by-month line chart of an agent, drawn from the trend table (the table stays the source of truth):
// the index shown by default, each indicator one click away in the legend, violation points as bars.
(function () {
  var el = document.getElementById("trend");
  if (!el || typeof echarts === "undefined") return;
  var table = document.getElementById(el.dataset.table);
  if (!table) return;
  var heads = table.querySelectorAll("thead th[data-series]");
  var rows = table.querySelectorAll("tbody tr[data-month]");
  var months = [], series = [], violations = [];
  heads.forEach(function (th) { series.push({ name: th.dataset.series, type: "line", connectNulls: true, data: [] }); });
  rows.forEach(function (row) {
    months.push(row.dataset.month);
    row.querySelectorAll("td[data-value]").forEach(function (cell, i) {
      series[i].data.push(cell.dataset.value === "" ? null : Number(cell.dataset.value));
    });
    var v = row.querySelector("td[data-violations]");
    violations.push(v ? Number(v.dataset.violations) : 0);
  });
  series[0].lineStyle = { width: 3, color: "#0f6e8c" };
  series[0].itemStyle = { color: "#0f6e8c" };
  series.push({ name: "违规扣分", type: "bar", yAxisIndex: 1, data: violations, itemStyle: { color: "rgba(194,65,12,.55)" }, barMaxWidth: 18 });
  var selected = {};
  series.forEach(function (s, i) { selected[s.name] = i === 0 || s.name === "违规扣分"; });
  var chart = echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { type: "scroll", bottom: 0, selected: selected },
    grid: { left: 40, right: 40, top: 36, bottom: 56 },
    xAxis: { type: "category", data: months },
    yAxis: [{ type: "value", min: 0, max: 100, name: "得分" }, { type: "value", name: "扣分", minInterval: 1, splitLine: { show: false } }],
    series: series
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
