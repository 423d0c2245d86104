// Agents × indicators heatmaps drawn from the table each chart names (the table stays the source of truth).
(function () {
  if (typeof echarts === "undefined") return;
  document.querySelectorAll(".chart.heatmap").forEach(function (el) {
    var table = document.getElementById(el.dataset.table);
    if (!table) return;
    var columns = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.textContent.trim(); }).slice(1);
    var rows = table.querySelectorAll("tbody tr[data-agent]");
    if (!rows.length) { el.style.display = "none"; return; }
    var agents = [], links = [], data = [];
    rows.forEach(function (row, y) {
      agents.push(row.dataset.agent);
      links.push(row.dataset.href);
      row.querySelectorAll("td.heat").forEach(function (cell, x) {
        data.push([x, y, cell.dataset.score === "" ? "-" : Number(cell.dataset.score)]);
      });
    });
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      tooltip: { position: "top", formatter: function (p) {
        return agents[p.value[1]] + "<br>" + columns[p.value[0]] + "：" + (p.value[2] === "-" ? "暂无证据" : p.value[2]);
      } },
      grid: { left: 90, right: 20, top: 10, bottom: 110 },
      xAxis: { type: "category", data: columns, axisLabel: { rotate: 40, fontSize: 11, interval: 0 }, splitArea: { show: true } },
      yAxis: { type: "category", data: agents, inverse: true, axisLabel: { fontSize: 11 } },
      visualMap: { min: 0, max: 100, calculable: true, orient: "horizontal", left: "center", bottom: 0, itemHeight: 160,
                   inRange: { color: ["#c2410c", "#facc15", "#15803d"] }, text: ["100", "0"] },
      series: [{ type: "heatmap", data: data, label: { show: data.length <= 400, fontSize: 10 },
                 emphasis: { itemStyle: { borderColor: "#0f172a", borderWidth: 1 } } }]
    });
    chart.on("click", function (p) { if (links[p.value[1]]) window.location.href = links[p.value[1]]; });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
