/* Commerce Cockpit pages: every [data-chart] / [data-list] element fetches its /api URL
   and draws it with ECharts (served by the app itself). No build step, no CDN. */
(function () {
  "use strict";
  // The page's settings come as a JSON data block: the CSP allows no inline script.
  const C = (window.COCKPIT = JSON.parse(document.getElementById("cockpit-config").textContent));
  const L = C.labels;
  const dark = document.body.classList.contains("bigscreen");
  const palette = ["#0b5cad", "#d9730d", "#1a7f37", "#8e44ad", "#b42318", "#117a8b", "#6b7280"];
  const fetched = new Map();
  const charts = new Map();

  function getJSON(url) {
    if (!fetched.has(url)) {
      fetched.set(url, fetch(url, { headers: { Accept: "application/json" } }).then((r) => {
        if (!r.ok) throw new Error(url + " → HTTP " + r.status);
        return r.json();
      }));
    }
    return fetched.get(url);
  }

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  function noData(el, data) {
    el.classList.add("is-empty");
    el.dataset.state = "nodata";
    el.innerHTML = data.reason
      ? '<p class="nodata">' + esc(L[data.reason] || data.reason) + "</p>"
      : '<p class="nodata">' + esc(L.no_data) + " — " + esc(L.no_data_run) + " <code>" + esc(data.hint) + "</code></p>";
  }

  function chartOf(el) {
    let chart = charts.get(el);
    if (!chart) {
      chart = echarts.init(el, dark ? "dark" : null, { renderer: "canvas" });
      charts.set(el, chart);
    }
    return chart;
  }

  const base = () => ({ animation: false, backgroundColor: "transparent", color: palette,
    textStyle: { fontFamily: "system-ui, sans-serif" } });

  function fmt(v, d) { return v == null ? "—" : Number(v).toLocaleString(C.lang, { maximumFractionDigits: d == null ? 1 : d }); }

  const draw = {
    spark(el, data) {
      const tile = data.tiles.find((t) => t.key === el.dataset.tile);
      const box = el.closest(".tile");
      if (box) {
        box.querySelector('[data-role="value"]').textContent = tile.text;
        const yoy = box.querySelector('[data-role="yoy"]');
        const moneyTile = tile.key === "kpi_retail_month" || tile.key === "kpi_retail_ytd";
        yoy.textContent = (moneyTile && tile.yoy_pct != null ? L.series_yoy + " " + tile.yoy_text + " · " : "") + (data.release || data.period) +
          (moneyTile ? " · " + data.note : "") + (tile.note ? " · " + tile.note : "");
        yoy.className = "yoy " + (tile.yoy_pct > 0 ? "up" : tile.yoy_pct < 0 ? "down" : "");
      }
      chartOf(el).setOption(Object.assign(base(), {
        grid: { left: 2, right: 2, top: 4, bottom: 2 },
        xAxis: { type: "category", show: false, data: tile.spark.map((p) => p[0]) },
        yAxis: { type: "value", show: false, scale: true },
        tooltip: { trigger: "axis", confine: true },
        series: [{ type: "line", data: tile.spark.map((p) => p[1]), showSymbol: false, lineStyle: { width: 2 }, areaStyle: { opacity: 0.15 } }],
      }));
    },

    async map(el, data) {
      if (!echarts.getMap("chongqing")) {
        const geo = await getJSON(data.map_url);
        echarts.registerMap("chongqing", geo);
      }
      const vals = data.items.map((i) => i.value).filter((v) => v != null);
      const lim = Math.max(1, ...vals.map((v) => Math.abs(v)));
      chartOf(el).setOption(Object.assign(base(), {
        tooltip: { trigger: "item", formatter: (p) => p.data ? esc(p.data.label) + "<br>" + esc(L.series_yoy) + " " + fmt(p.data.value) + "%<br>" + esc(p.data.level_text) : esc(p.name) },
        visualMap: { min: -lim, max: lim, left: 8, bottom: 8, calculable: true, text: ["+%", "−%"],
          inRange: { color: ["#b42318", "#f3d9a4", "#e9f3e0", "#1a7f37"] }, textStyle: { color: dark ? "#e9f1fb" : "#1b2330" } },
        series: [{ type: "map", map: "chongqing", roam: true, nameMap: C.lang === "en" ? data.name_map : undefined,
          label: { show: false }, emphasis: { label: { show: true } },
          data: data.items.map((i) => ({ name: C.lang === "en" ? i.label : i.name, value: i.value, label: i.label, level_text: i.level_text })) }],
      }));
    },

    trend(el, data) {
      const fc = data.forecast || [];
      const x = data.actual.map((p) => p[0]).concat(fc.map((p) => p[0]));
      const pad = (arr, n) => new Array(n).fill(null).concat(arr);
      const n = data.actual.length;
      const col = (i) => pad(fc.map((r) => r[i]), n);
      const diff = (a, b) => pad(fc.map((r) => (r[a] == null || r[b] == null ? null : r[a] - r[b])), n);
      const band = (name, baseIdx, hiIdx, loIdx, op, stack) => [
        { name: name, type: "line", stack: stack, data: col(baseIdx), lineStyle: { opacity: 0 }, showSymbol: false, itemStyle: { color: "#5b8fd1" }, tooltip: { show: false } },
        { name: name, type: "line", stack: stack, data: diff(hiIdx, loIdx), lineStyle: { opacity: 0 }, showSymbol: false,
          itemStyle: { color: "#5b8fd1" }, areaStyle: { color: "#5b8fd1", opacity: op } },
      ];
      const series = [{ name: L.series_actual, type: "line", data: data.actual.map((p) => p[1]), showSymbol: false, itemStyle: { color: "#0b5cad" }, lineStyle: { width: 2 } }];
      if (fc.length) {
        series.push(...band(L.series_band95, 4, 5, 4, 0.12, "b95"), ...band(L.series_band80, 2, 3, 2, 0.22, "b80"));
        const mean = col(1);
        mean[n - 1] = data.actual[n - 1][1]; // join the forecast to the last actual month
        series.push({ name: L.series_forecast, type: "line", data: mean, showSymbol: false, itemStyle: { color: "#d9730d" }, lineStyle: { type: "dashed", width: 2 } });
      }
      chartOf(el).setOption(Object.assign(base(), {
        grid: { left: 64, right: 16, top: 36, bottom: 40 },
        legend: { top: 0, data: fc.length ? [L.series_actual, L.series_forecast, L.series_band80, L.series_band95] : [L.series_actual], textStyle: { color: dark ? "#e9f1fb" : "#1b2330" } },
        tooltip: { trigger: "axis", valueFormatter: (v) => fmt(v, 2) + " " + data.unit },
        xAxis: { type: "category", data: x, boundaryGap: false },
        yAxis: { type: "value", name: data.unit + (data.note ? " · " + data.note : ""), scale: true, nameTextStyle: { align: "left" } },
        series: series,
      }));
      if (!fc.length && data.forecast_hint) {
        const p = document.createElement("p");
        p.className = "nodata note";
        p.innerHTML = esc(L.series_forecast) + ": " + esc(L.no_data) + " — " + esc(L.no_data_run) + " <code>" + esc(data.forecast_hint) + "</code>";
        el.after(p);
      }
    },

    bars(el, data) {
      const items = data.items.slice().reverse();
      chartOf(el).setOption(Object.assign(base(), {
        grid: { left: 150, right: 60, top: 24, bottom: 24 },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: (v) => fmt(v, 2) + " " + data.unit },
        xAxis: { type: "value", name: data.unit },
        yAxis: { type: "category", data: items.map((i) => i.label) },
        series: [{ type: "bar", data: items.map((i) => i.value), label: { show: true, position: "right", formatter: (p) => { const y = items[p.dataIndex].yoy_pct; return y == null ? "" : (y > 0 ? "+" : "") + fmt(y) + "%"; } } }],
      }));
    },

    digital(el, data) {
      chartOf(el).setOption(Object.assign(base(), {
        grid: { left: 64, right: 16, top: 36, bottom: 40 },
        legend: { top: 0, textStyle: { color: dark ? "#e9f1fb" : "#1b2330" } },
        tooltip: { trigger: "axis", valueFormatter: (v) => fmt(v, 2) + " " + data.unit },
        xAxis: { type: "category", data: data.periods, boundaryGap: false },
        yAxis: { type: "value", name: data.unit },
        series: data.series.map((s) => ({ name: s.label, type: "line", data: s.values, showSymbol: false })),
      }));
    },

    gauges(el, data) {
      const g = data.items.slice(0, 4);
      const w = 100 / g.length;
      chartOf(el).setOption(Object.assign(base(), {
        series: g.map((item, i) => ({
          type: "gauge", center: [w * i + w / 2 + "%", "50%"], radius: Math.min(45, w * 1.7) + "%", min: 0, max: 100,
          progress: { show: true, width: 10 }, axisLine: { lineStyle: { width: 10 } }, splitLine: { show: false },
          axisTick: { show: false }, axisLabel: { show: false }, pointer: { show: false },
          title: { show: true, offsetCenter: [0, "115%"], fontSize: 12, color: dark ? "#e9f1fb" : "#1b2330", overflow: "break", width: 140 },
          detail: { valueAnimation: false, offsetCenter: [0, "0%"], fontSize: 18, formatter: "{value}%", color: dark ? "#e9f1fb" : "#1b2330" },
          data: [{ value: Math.round(item.progress_pct == null ? 0 : item.progress_pct), name: item.label }],
        })),
      }));
    },

    burndown(el, data) {
      // Stacked areas on a time axis: budget left at the bottom, committed, spent (and
      // returned) above it; their sum is the budget funded.
      const colours = { remaining: "#0b5cad", committed: "#d9730d", spent: "#1a7f37", returned: "#6b7280" };
      chartOf(el).setOption(Object.assign(base(), {
        grid: { left: 64, right: 16, top: 56, bottom: 40 },
        legend: { top: 0, right: 0, textStyle: { color: dark ? "#e9f1fb" : "#1b2330" } },
        tooltip: { trigger: "axis", valueFormatter: (v) => fmt(v, 2) + " " + data.unit },
        xAxis: { type: "time" },
        yAxis: { type: "value", min: 0, name: data.unit + " · " + data.step_label, nameTextStyle: { align: "left" } },
        series: data.series.map((s) => ({
          name: s.label, type: "line", stack: "budget", step: "end", showSymbol: data.x.length < 3,
          itemStyle: { color: colours[s.key] }, lineStyle: { width: s.key === "remaining" ? 2 : 1 },
          areaStyle: { opacity: s.key === "remaining" ? 0.35 : 0.2 },
          data: data.x.map((t, i) => [t, s.values[i]]),
        })),
      }));
    },

    line(el, data) {
      chartOf(el).setOption(Object.assign(base(), {
        grid: { left: 64, right: 16, top: 36, bottom: 40 },
        legend: { top: 0, textStyle: { color: dark ? "#e9f1fb" : "#1b2330" } },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: data.x },
        yAxis: { type: "value", name: data.unit || "" },
        series: data.series.map((s) => ({ name: s.label, type: s.type || "line", data: s.values, showSymbol: false, step: s.step })),
      }));
    },
  };

  function sparkSvg(values) {
    const v = values.map((x) => (x == null ? NaN : x));
    const ok = v.filter((x) => !isNaN(x));
    if (ok.length < 2) return "";
    const lo = Math.min(...ok), hi = Math.max(...ok), w = 120, h = 24;
    const pts = v.map((x, i) => isNaN(x) ? null : (i * w / (v.length - 1)).toFixed(1) + "," + (h - 2 - (x - lo) / ((hi - lo) || 1) * (h - 4)).toFixed(1)).filter(Boolean);
    return '<svg width="' + w + '" height="' + h + '" aria-hidden="true"><polyline fill="none" stroke="' + (dark ? "#7fd1ff" : "#0b5cad") + '" stroke-width="1.5" points="' + pts.join(" ") + '"/></svg>';
  }

  const lists = {
    orders(el, data) {
      el.innerHTML = '<table class="data" id="order-list"><thead><tr><th>' + esc(L.col_name) + "</th><th>" + esc(L.col_district) +
        '</th><th class="num">' + esc(L.col_new_orders) + " " + esc(data.period) + '</th><th class="num">' + esc(L.series_yoy) + "</th><th>" + esc(L.col_trend) + "</th><th>" + esc(L.col_warnings) + "</th></tr></thead><tbody>" +
        data.enterprises.map((e) => '<tr data-enterprise="' + esc(e.id) + '"><td>' + esc(e.name) + "</td><td>" + esc(e.district) + '</td><td class="num">' + esc(e.latest_text) +
          '</td><td class="num ' + (e.yoy_pct < 0 ? "down" : "up") + '">' + (e.yoy_pct == null ? "—" : (e.yoy_pct > 0 ? "+" : "") + fmt(e.yoy_pct) + "%") + "</td><td>" + sparkSvg(e.trend) + '</td><td class="warn">' + e.warnings.map(esc).join("<br>") + "</td></tr>").join("") +
        "</tbody></table>";
    },
    table(el, data) {
      el.innerHTML = '<table class="data"><thead><tr>' + data.columns.map((c) => "<th>" + esc(c) + "</th>").join("") +
        "</tr></thead><tbody>" + data.rows.map((r) => "<tr>" + r.map((v) => "<td>" + esc(v) + "</td>").join("") + "</tr>").join("") + "</tbody></table>";
    },
    alerts(el, data) {
      if (!data.items.length) { el.innerHTML = '<p class="nodata">' + esc(L.no_open_alerts) + "</p>"; return; }
      el.innerHTML = '<ul class="alerts">' + data.items.map((a) =>
        '<li data-alert-id="' + esc(a.id) + '"><span class="sev ' + esc(a.severity) + '">' + esc(a.severity_label || a.severity) + "</span> " +
        esc(a.title) + ' <small class="muted">' + esc(a.when || "") + "</small></li>").join("") + "</ul>";
    },
  };

  async function fill(el) {
    const kind = el.dataset.chart || el.dataset.list;
    try {
      const data = await getJSON(el.dataset.src);
      if (!data.available) {
        const box = el.closest(".tile");
        if (box) box.querySelector('[data-role="value"]').textContent = "—";
        noData(el, data);
        return;
      }
      if (el.dataset.chart) await draw[kind](el, data); else lists[kind](el, data);
      el.dataset.state = "drawn";
    } catch (err) {
      el.dataset.state = "error";
      el.innerHTML = '<p class="error">' + esc(err.message) + "</p>";
      console.error(err);
    }
  }

  async function fillAll() {
    fetched.clear();
    const els = Array.from(document.querySelectorAll("[data-chart], [data-list]"));
    await Promise.all(els.map(fill));
    // Charts render synchronously (animation off); wait one frame so they are painted.
    await new Promise((resolve) => requestAnimationFrame(() => resolve()));
    document.body.dataset.readyAt = String(Math.round(performance.now()));
    document.body.dataset.ready = String(Number(document.body.dataset.ready || 0) + 1);
  }

  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
  window.cockpitRefresh = fillAll;
  fillAll();
  const every = Number(document.body.dataset.refresh || 0);
  if (every > 0) setInterval(fillAll, every * 1000);
  const clock = document.querySelector("[data-clock]");
  if (clock) {
    const tick = () => { clock.textContent = new Date().toLocaleString(C.lang, { hour12: false }); };
    tick(); setInterval(tick, 1000);
  }
})();
