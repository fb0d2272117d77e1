// The dashboard's charts (vendored ECharts). Every bar, point, slice and cell carries the
// ledger address of its cases; clicking it opens that ledger.
(function () {
  "use strict";
  var node = document.getElementById("chart-data");
  if (!node || typeof echarts === "undefined") return;
  var data = JSON.parse(node.textContent);
  var narrow = function () { return window.innerWidth < 576; };
  var charts = [];

  function mount(id, option, urlOf) {
    var el = document.getElementById(id);
    if (!el) return;
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option);
    chart.on("click", function (params) {
      var url = urlOf(params);
      if (url) window.location.href = url;
    });
    el.dataset.ready = "1";
    charts.push(chart);
  }

  var grid = { left: 40, right: 12, top: 30, bottom: 40, containLabel: true };

  mount("chart-trend", {
    tooltip: { trigger: "axis" },
    legend: { data: ["件次", "人次"], top: 0 },
    grid: grid,
    xAxis: { type: "category", data: data.trend.labels, axisLabel: { rotate: narrow() ? 45 : 0 } },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: "件次", type: "bar", data: data.trend.cases, cursor: "pointer" },
      { name: "人次", type: "line", data: data.trend.persons, cursor: "pointer" },
    ],
  }, function (p) { return data.trend.urls[p.dataIndex]; });

  mount("chart-category", {
    tooltip: { trigger: "item" },
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: data.categories.map(function (c) { return c.name; }) },
    series: [{ type: "bar", data: data.categories.map(function (c) { return c.value; }), cursor: "pointer",
               label: { show: true, position: "right" } }],
  }, function (p) { return data.categories[p.dataIndex] && data.categories[p.dataIndex].url; });

  mount("chart-channel", {
    tooltip: { trigger: "item", formatter: "{b}：{c}件（{d}%）" },
    series: [{ type: "pie", radius: narrow() ? ["30%", "60%"] : ["35%", "70%"], cursor: "pointer",
               data: data.channels.map(function (c) { return { name: c.name, value: c.value }; }),
               label: { formatter: "{b} {c}" } }],
  }, function (p) { return data.channels[p.dataIndex] && data.channels[p.dataIndex].url; });

  if (data.heat.units.length) {
    mount("chart-heat", {
      tooltip: { position: "top", formatter: function (p) {
        return data.heat.units[p.value[1]] + " " + data.heat.months[p.value[0]] + "：" + p.value[2] + "件";
      } },
      grid: { left: 8, right: 8, top: 8, bottom: 60, containLabel: true },
      xAxis: { type: "category", data: data.heat.months, splitArea: { show: true },
               axisLabel: { rotate: 45, formatter: function (v) { return v.slice(2); } } },
      yAxis: { type: "category", data: data.heat.units, splitArea: { show: true } },
      visualMap: { min: 0, max: Math.max(1, data.heat.max), calculable: false, orient: "horizontal",
                   left: "center", bottom: 0, itemHeight: 80, inRange: { color: ["#f4f8fd", "#c0392b"] } },
      series: [{ type: "heatmap", data: data.heat.cells, cursor: "pointer",
                 label: { show: !narrow() || data.heat.months.length <= 6 } }],
    }, function (p) { return data.heat.urls[p.dataIndex]; });
  }

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
