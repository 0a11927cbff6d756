/* The industry page: the chain as an ECharts tree coloured by local coverage (clicking a
   node lists its firms and candidates), and registry firms by district on the map. */
(function () {
  "use strict";
  const C = (window.COCKPIT =
    window.COCKPIT || JSON.parse(document.getElementById("cockpit-config").textContent));
  const L = C.labels;

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  async function getJSON(url) {
    const r = await fetch(url, { headers: { Accept: "application/json" } });
    if (!r.ok) throw new Error(url + " → HTTP " + r.status);
    return r.json();
  }

  // Revenue in the locale's large unit, as cockpit.format writes it: 亿元, or billion yuan.
  function yi(fen) {
    if (fen == null) return "—";
    const en = C.lang === "en";
    return (fen / (en ? 1e11 : 1e10)).toLocaleString(C.lang, { maximumFractionDigits: 2 }) + (en ? " billion yuan" : "亿元");
  }

  function firmRows(firms, status) {
    return firms.map((f) => '<tr data-firm="' + esc(f.credit_code) + '"><td>' + esc(f.name_zh) + "</td><td>" + esc(f.credit_code) +
      "</td><td>" + esc(status) + '</td><td class="num">' + esc(yi(f.revenue_fen)) + "</td><td>" + esc((f.designations || []).join(", ")) + "</td></tr>").join("");
  }

  async function showNode(box, chain, nodeId) {
    box.dataset.state = "loading";
    const n = await getJSON("/api/industry/chains/" + encodeURIComponent(chain) + "/nodes/" + encodeURIComponent(nodeId));
    const name = C.lang === "en" ? n.node_en : n.node_zh;
    let html = "<h3 data-node=\"" + esc(n.node_id) + "\">" + esc(name) + " · " + esc(L["coverage_" + n.coverage]) + "</h3>" +
      '<table class="data" id="node-firm-table"><thead><tr><th>' + esc(L.col_name) + "</th><th>" + esc(L.col_credit_code) + "</th><th>" + esc(L.col_status) +
      '</th><th class="num">' + esc(L.col_revenue) + "</th><th>" + esc(L.col_designations) + "</th></tr></thead><tbody>" +
      firmRows(n.confirmed, L.industry_confirmed) + firmRows(n.uncertain, L.industry_uncertain) + "</tbody></table>";
    if (n.candidates.length) {
      html += "<h3>" + esc(L.industry_candidates) + '</h3><ul class="candidates">' +
        n.candidates.map((c) => "<li>" + esc(c.name_zh) + " (" + esc(c.region_zh) + ", " + esc(yi(c.revenue_fen)) + ")</li>").join("") + "</ul>";
    }
    box.innerHTML = html;
    box.dataset.state = "loaded";
    box.dataset.node = n.node_id;
  }

  async function drawTree(el) {
    const data = await getJSON(el.dataset.src);
    const chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "item", formatter: (p) => esc(p.name) + (p.data.coverage ? "<br>" + esc(p.data.coverage_label) + " · " + esc(L.firms_count) + " " + p.data.firms : "") },
      series: [{ type: "tree", data: [data.tree], orient: "LR", top: 10, left: 90, right: 160, bottom: 10,
        initialTreeDepth: 2, symbolSize: 10, expandAndCollapse: true,
        label: { position: "left", verticalAlign: "middle", align: "right", fontSize: 12 },
        leaves: { label: { position: "right", align: "left" } } }],
    });
    const box = document.getElementById("node-firms");
    chart.on("click", (p) => {
      if (p.data && p.data.id) showNode(box, el.dataset.chain, p.data.id).catch((e) => { box.dataset.state = "error"; box.textContent = e.message; });
    });
    el.chart = chart;
    el.dataset.state = "drawn";
    window.industryShowNode = (nodeId) => showNode(box, el.dataset.chain, nodeId);
  }

  async function drawMap(el) {
    const data = await getJSON(el.dataset.src);
    if (!data.available) { el.dataset.state = "nodata"; el.innerHTML = '<p class="nodata">' + esc(L.no_data) + "</p>"; return; }
    if (!echarts.getMap("chongqing")) echarts.registerMap("chongqing", await getJSON(data.map_url));
    const max = Math.max(1, ...data.items.map((i) => i.value));
    echarts.init(el, null, { renderer: "canvas" }).setOption({
      animation: false,
      tooltip: { trigger: "item", formatter: (p) => esc(p.name) + (p.data ? "<br>" + esc(L.firms_count) + " " + p.data.value : "") },
      visualMap: { min: 0, max: max, left: 8, bottom: 8, calculable: true, inRange: { color: ["#e9f3e0", "#0b5cad"] } },
      series: [{ type: "map", map: "chongqing", roam: true, nameMap: C.lang === "en" ? data.name_map : undefined,
        data: data.items.map((i) => ({ name: C.lang === "en" ? i.label : i.name, value: i.value })) }],
    });
    el.dataset.state = "drawn";
  }

  function run(selector, fn) {
    document.querySelectorAll(selector).forEach((el) => fn(el).catch((e) => { el.dataset.state = "error"; el.textContent = e.message; console.error(e); }));
  }
  run("[data-industry-tree]", drawTree);
  run("[data-industry-map]", drawMap);
  window.addEventListener("resize", () => document.querySelectorAll("[data-industry-tree], [data-industry-map]").forEach((el) => { const c = echarts.getInstanceByDom(el); if (c) c.resize(); }));
})();
