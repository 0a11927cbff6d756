/* Commerce Cockpit pages: every [data-chart] / [data-list] element fetches its /api URL
   and draws it with ECharts (served by the app itself). No build step, no CDN. */
(function () {
  "use strict";
  // The page's settings come as a JSON data block: the CSP allows no inline script.
  const C = (window.COCKPIT =
    window.COCKPIT || JSON.parse(document.getElementById("cockpit-config").textContent));
  const L = C.labels;
  const dark = document.body.classList.contains("bigscreen");
  const BOARD_ROWS = 8;
  // The plans room's judgement of a target, as colours (the same as the table's badges).
  const STATUS_COLOURS = { on_track: "#1a7f37", achieved: "#1a7f37", at_risk: "#b26a00", off_track: "#b42318", no_data: "#8a94a6" };
  // ColorBrewer YlGnBu, five classes: ordered in lightness, safe for colour-blind readers.
  const MAP_COLOURS = ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"];

  // A page URL keeping the filters in force, with some of them changed (drill-down and
  // cross-filter both go through the URL, so every state can be shared and reloaded).
  function drillUrl(path, changes) {
    const params = new URLSearchParams(location.search);
    Object.entries(C.filters).forEach(([k, v]) => { if (v && !params.has(k)) params.set(k, v); });
    Object.entries(changes).forEach(([k, v]) => (v ? params.set(k, v) : params.delete(k)));
    return path + "?" + params.toString();
  }
  const palette = ["#0b5cad", "#d9730d", "#1a7f37", "#8e44ad", "#b42318", "#117a8b", "#6b7280"];
  const fetched = new Map();
  const charts = new Map();
  const ownTables = new Map(); // chart element → {columns, rows} when the chart says better than its option

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

  // The big screen is one 1920×1080 stage scaled to the viewport, aspect kept, centred.
  const STAGE_W = 1920, STAGE_H = 1080;
  const stage = document.getElementById("stage");
  let stageScale = 1;
  function fitStage() {
    if (!stage) return;
    stageScale = Math.min(window.innerWidth / STAGE_W, window.innerHeight / STAGE_H);
    const x = (window.innerWidth - STAGE_W * stageScale) / 2, y = (window.innerHeight - STAGE_H * stageScale) / 2;
    stage.style.transform = "translate(" + x + "px, " + y + "px) scale(" + stageScale + ")";
    document.body.dataset.stageScale = stageScale.toFixed(4);
  }
  fitStage();

  // On the wall every chart text is at least 16 px on the stage (ECharts' own default is 12).
  function legible(chart) {
    if (!dark) return;
    const o = chart.getOption();
    const each = (arr, v) => (arr ? arr.map(() => v) : undefined);
    const text = { fontSize: 16 };
    chart.setOption({
      xAxis: each(o.xAxis, { axisLabel: text, nameTextStyle: text }),
      yAxis: each(o.yAxis, { axisLabel: text, nameTextStyle: text }),
      legend: each(o.legend, { textStyle: text }),
      visualMap: each(o.visualMap, { textStyle: text }),
      series: (o.series || []).map((s) => (s.type === "gauge" ? { title: text, detail: { fontSize: 24 } } : s.type === "map" ? { label: text } : {})),
    });
  }

  function chartOf(el) {
    let chart = charts.get(el);
    if (!chart) {
      // Drawn at the stage's size, so a 4K wall gets a sharp picture, not a stretched one.
      const ratio = (window.devicePixelRatio || 1) * Math.max(1, stage ? stageScale : 1);
      chart = echarts.init(el, dark ? "dark" : null, { renderer: "canvas", devicePixelRatio: ratio });
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

    // Growth by district on a quantile scale over the districts with enough merchants, in a
    // colour-blind-safe sequential palette; thin districts grey; the chosen one outlined;
    // a click opens the district.
    async map(el, data) {
      if (!echarts.getMap("chongqing")) {
        const geo = await getJSON(data.map_url);
        echarts.registerMap("chongqing", geo);
      }
      const b = data.breaks;
      const pieces = b.length > 1 ? b.slice(0, -1).map((lo, i) => ({ gte: lo, lte: b[i + 1], color: MAP_COLOURS[i],
        label: fmt(lo) + "% – " + fmt(b[i + 1]) + "%" })).filter((p, i, all) => i === 0 || p.gte !== all[i - 1].gte) : [];
      const en = C.lang === "en";
      const growth = (d) => d.yoy == null ? "—" : fmt(d.yoy) + "%" + (d.yoy_se != null ? " ± " + fmt(1.96 * d.yoy_se) : "");
      const text = dark ? "#e9f1fb" : "#1b2330";
      const chart = chartOf(el);
      chart.setOption(Object.assign(base(), {
        // Growth with its 95 % margin where the indicators give a standard error; a cell the
        // small-cell rules do not pass says why, and stays out of the colour scale.
        tooltip: { trigger: "item", formatter: (p) => p.data ? esc(p.data.label) + "<br>" + esc(L.series_yoy) + " " + growth(p.data) +
          (p.data.reliable ? "" : " (" + esc(L["status_" + p.data.status] || L.map_unreliable) + ")") + "<br>" + esc(p.data.level_text) : esc(p.name) },
        visualMap: { type: "piecewise", pieces: pieces, left: 4, bottom: 4, itemWidth: 14, itemHeight: 10, textStyle: { color: text },
          seriesIndex: 0, outOfRange: { color: "#b8bec8" } },
        series: [{ type: "map", map: "chongqing", roam: true, nameMap: en ? data.name_map : undefined, selectedMode: "single",
          label: { show: true, fontSize: 10, color: "#1b2330", textBorderColor: "#ffffff", textBorderWidth: 2 }, labelLayout: { hideOverlap: true },
          itemStyle: { borderColor: "#ffffff", borderWidth: 0.6 },
          select: { itemStyle: { borderColor: "#d9730d", borderWidth: 3, areaColor: null }, label: { show: true, fontWeight: "bold" } },
          emphasis: { itemStyle: { areaColor: "#f6c28b" }, label: { show: true } },
          data: data.items.map((i) => ({ name: en ? i.label : i.name, code: i.code, label: i.label, yoy: i.value, level_text: i.level_text,
            yoy_se: i.yoy_se, status: i.status, reliable: i.reliable, selected: i.code === data.chosen,
            value: i.reliable ? i.value : null, itemStyle: i.reliable ? undefined : { areaColor: "#d5d8de", decal: { symbol: "rect", dashArrayX: [1, 0], dashArrayY: [2, 3], rotation: 0.8 } } })) }],
      }));
      ownTables.set(el, { columns: [L.col_district, L.series_yoy + " %", "± (95%)", L.col_value],
        rows: data.items.map((i) => [i.label, i.value, i.yoy_se == null ? null : 1.96 * i.yoy_se, i.level_text]) });
      chart.off("click");
      chart.on("click", (p) => { if (p.data && p.data.code) location.href = drillUrl("/districts", { district: p.data.code }); });
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
      if (data.last_year) {
        series.push({ name: L.series_last_year, type: "line", data: pad([], 0).concat(data.last_year.map((p) => p[1])), showSymbol: false,
          itemStyle: { color: "#6b7280" }, lineStyle: { type: "dotted", width: 2 } });
      }
      if (fc.length) {
        series.push(...band(L.series_band95, 4, 5, 4, 0.12, "b95"), ...band(L.series_band80, 2, 3, 2, 0.22, "b80"));
        const mean = col(1);
        mean[n - 1] = data.actual[n - 1][1]; // join the forecast to the last actual month
        series.push({ name: L.series_forecast, type: "line", data: mean, showSymbol: false, itemStyle: { color: "#d9730d" }, lineStyle: { type: "dashed", width: 2 } });
      }
      ownTables.set(el, {
        columns: [L.col_time, L.series_actual + " (" + data.unit + ")"].concat(fc.length ? [L.series_forecast, "80% −", "80% +", "95% −", "95% +"] : [])
          .concat(data.last_year ? [L.series_last_year] : []),
        rows: data.actual.map((p, i) => [p[0], p[1]].concat(fc.length ? [null, null, null, null, null] : [])
          .concat(data.last_year ? [data.last_year[i][1]] : []))
          .concat(fc.map((r) => [r[0], null, r[1], r[2], r[3], r[4], r[5]])),
      });
      chartOf(el).setOption(Object.assign(base(), {
        grid: { left: 64, right: 16, top: 64, bottom: 40 },
        legend: { top: 0, type: "scroll", data: (fc.length ? [L.series_actual, L.series_forecast, L.series_band80, L.series_band95] : [L.series_actual])
          .concat(data.last_year ? [L.series_last_year] : []), textStyle: { color: dark ? "#e9f1fb" : "#1b2330" } },
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

    // Bars of categories or business districts; a click on a category filters the page's
    // other charts to it (a second click on the chosen one clears it); a click on a business
    // district (data-drill="area") opens its page, /districts/<district>/areas/<code>.
    // Growth carries its 95 % margin; a cell the small-cell rules withhold says why.
    bars(el, data) {
      const items = data.items.slice().reverse();
      const chosen = el.dataset.drill === "category" ? C.filters.category : "";
      const chart = chartOf(el);
      const growth = (i) => i.yoy_pct == null ? "—" : (i.yoy_pct > 0 ? "+" : "") + fmt(i.yoy_pct) + "%" + (i.yoy_se != null ? " ± " + fmt(1.96 * i.yoy_se) : "");
      const withheld = (i) => (i.status && i.status !== "ok" ? L["status_" + i.status] || "" : "");
      chart.off("click");
      if (el.dataset.drill) {
        chart.on("click", (p) => {
          const item = items[p.dataIndex];
          if (!item) return;
          if (el.dataset.drill === "area") {
            const district = data.district || C.filters.district;
            if (district) location.href = drillUrl("/districts/" + encodeURIComponent(district) + "/areas/" + encodeURIComponent(item.code), { district: "", category: "" });
            return;
          }
          const code = item.code === chosen ? "" : item.code;
          location.href = drillUrl(location.pathname, { [el.dataset.drill]: code });
        });
      }
      chart.setOption(Object.assign(base(), {
        grid: { left: 150, right: 60, top: 24, bottom: 24 },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: (ps) => {
          const i = items[ps[0].dataIndex];
          const note = withheld(i);
          return esc(i.label) + "<br>" + (i.value == null ? "—" : esc(fmt(i.value, 2) + " " + data.unit)) +
            "<br>" + esc(L.series_yoy) + " " + esc(growth(i)) + (note ? "<br>(" + esc(note) + ")" : "");
        } },
        xAxis: { type: "value", name: data.unit },
        yAxis: { type: "category", data: items.map((i) => i.label), axisLabel: { width: 140, overflow: "truncate", fontSize: 12 } },
        series: [{ type: "bar", cursor: el.dataset.drill ? "pointer" : "default",
          data: items.map((i) => (chosen && i.code === chosen ? { value: i.value, itemStyle: { color: "#d9730d" } } : i.value)), label: { show: true, position: "right", formatter: (p) => { const i = items[p.dataIndex]; if (i.value == null) return withheld(i) ? "…" : ""; const y = i.yoy_pct; return y == null ? "" : (y > 0 ? "+" : "") + fmt(y) + "%"; } } }],
      }));
      ownTables.set(el, { columns: [L.col_name, L.col_value + " (" + data.unit + ")", L.series_yoy + " %", "± (95%)", L.col_status],
        rows: data.items.map((i) => [i.label, i.value, i.yoy_pct, i.yoy_se == null ? null : 1.96 * i.yoy_se, withheld(i) || "—"]) });
    },

    digital(el, data) {
      chartOf(el).setOption(Object.assign(base(), {
        grid: { left: 64, right: 16, top: 64, bottom: 40 },
        legend: { top: 0, type: "scroll", textStyle: { color: dark ? "#e9f1fb" : "#1b2330" } },
        tooltip: { trigger: "axis", valueFormatter: (v) => fmt(v, 2) + " " + data.unit },
        xAxis: { type: "category", data: data.periods, boundaryGap: false },
        yAxis: { type: "value", name: data.unit },
        series: data.series.map((s) => ({ name: s.label, type: "line", data: s.values, showSymbol: false })),
      }));
    },

    // Headline targets: coloured by the plan's judgement (status), not by position; a target
    // with no figure yet says so instead of drawing 0 %.
    gauges(el, data) {
      const g = data.items.slice(0, 4);
      if (!g.length) { el.innerHTML = '<p class="nodata">' + esc(C.codes.plan_status.no_data) + "</p>"; return; }
      const w = 100 / g.length;
      const ink = dark ? "#e9f1fb" : "#1b2330";
      chartOf(el).setOption(Object.assign(base(), {
        series: g.map((item, i) => {
          const none = item.progress_pct == null;
          const colour = STATUS_COLOURS[item.status] || STATUS_COLOURS.no_data;
          return {
            type: "gauge", center: [w * i + w / 2 + "%", "50%"], radius: Math.min(45, w * 1.7) + "%", min: 0, max: 100,
            progress: { show: !none, width: 10, itemStyle: { color: colour } }, axisLine: { lineStyle: { width: 10 } }, splitLine: { show: false },
            axisTick: { show: false }, axisLabel: { show: false }, pointer: { show: false },
            title: { show: true, offsetCenter: [0, "115%"], fontSize: 12, color: ink, overflow: "break", width: 140 },
            detail: { valueAnimation: false, offsetCenter: [0, "0%"], fontSize: none ? 13 : 18, color: none ? (dark ? "#a9bdd6" : "#4a5566") : colour,
              formatter: () => (none ? C.codes.plan_status.no_data : fmt(item.progress_pct, 0) + "%\n" + item.status_label) },
            data: [{ value: none ? 0 : Math.min(100, Math.round(item.progress_pct)), name: item.label }],
          };
        }),
      }));
      ownTables.set(el, { columns: [L.col_name, L.col_progress + " %", L.col_status, L.col_plan],
        rows: g.map((i) => [i.label, i.progress_pct, i.status_label, i.plan]) });
    },

    burndown(el, data) {
      // Stacked areas on a time axis: budget left at the bottom, committed, spent (and
      // returned) above it; their sum is the budget funded.
      const colours = { remaining: "#0b5cad", committed: "#d9730d", spent: "#1a7f37", returned: "#6b7280" };
      // The date axis spans the rounds' own dates as well as the movements.
      const rounds = (data.rounds || []).filter((r) => r.opens_at && r.closes_at);
      const stamps = data.x.concat(rounds.flatMap((r) => [r.opens_at, r.closes_at])).map((t) => Date.parse(t.replace(" ", "T") + "+08:00"));
      const lo = Math.min(...stamps), hi = Math.max(...stamps);
      const days = (hi - lo) / 86400000;
      const when = (t) => Date.parse(t.replace(" ", "T") + "+08:00");
      const area = rounds.map((r) => [{ name: r.label, xAxis: when(r.opens_at) }, { xAxis: when(r.closes_at) }]);
      chartOf(el).setOption(Object.assign(base(), {
        grid: { left: 64, right: 16, top: 56, bottom: 40 },
        legend: { top: 0, right: 0, type: "scroll", textStyle: { color: dark ? "#e9f1fb" : "#1b2330" } },
        tooltip: { trigger: "axis", valueFormatter: (v) => fmt(v, 2) + " " + data.unit },
        xAxis: { type: "time", min: lo, max: hi, axisLabel: { hideOverlap: true, formatter: days >= 2 ? "{MM}-{dd}" : "{MM}-{dd} {HH}:{mm}" } },
        yAxis: { type: "value", min: 0, name: data.unit, nameTextStyle: { align: "left" } },
        series: data.series.map((s, j) => ({
          markArea: j === 0 && area.length ? { silent: true, itemStyle: { color: "rgba(11, 92, 173, 0.06)" }, label: { color: "#4a5566", fontSize: 12, position: "insideBottomLeft" }, data: area } : undefined,
          name: s.label, type: "line", stack: "budget", step: "end", showSymbol: data.x.length < 3,
          itemStyle: { color: colours[s.key] }, lineStyle: { width: s.key === "remaining" ? 2 : 1 },
          areaStyle: { opacity: s.key === "remaining" ? 0.35 : 0.2 },
          data: data.x.map((t, i) => [when(t), s.values[i]]),
        })),
      }));
    },

    line(el, data) {
      const h = data.title && el.closest(".card") && el.closest(".card").querySelector("h2");
      if (h) {
        // The chart says which of several things it shows (a plan's target, ...).
        const s = h.querySelector(".scope") || h.appendChild(Object.assign(document.createElement("span"), { className: "scope" }));
        s.textContent = data.title;
      }
      chartOf(el).setOption(Object.assign(base(), {
        grid: { left: 64, right: 16, top: 64, bottom: 40 },
        legend: { top: 0, type: "scroll", textStyle: { color: dark ? "#e9f1fb" : "#1b2330" } },
        // Shares carry their money (programme budgets): "12.5% · 62.5万元".
        tooltip: { trigger: "axis", formatter: data.series.some((s) => s.texts) ? (ps) => esc(ps[0].axisValue) + ps.map((p) => "<br>" + p.marker +
          esc(p.seriesName) + " " + fmt(p.value, 2) + "% · " + esc(data.series[p.seriesIndex].texts[p.dataIndex])).join("") : undefined },
        xAxis: { type: "category", data: data.x, axisLabel: { width: 160, overflow: "truncate" } },
        yAxis: { type: "value", name: data.unit || "", max: data.max },
        series: data.series.map((s) => ({ name: s.label, type: s.type || "line", showSymbol: false, step: s.step,
          // A share of 0.4 % still shows as a sliver, and its label gives the exact figure.
          data: s.values, barMinHeight: s.texts ? 3 : undefined,
          label: s.texts ? { show: true, position: "top", fontSize: 11, formatter: (p) => fmt(p.value, 2) + "%" } : undefined })),
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
    // A ranking board of the big screen: the top places by sales, a bar for each one's share.
    board(el, data) {
      const rows = el.dataset.key === "districts"
        ? data.items.filter((i) => i.level != null).sort((a, b) => b.level - a.level)
          .map((i) => ({ label: i.label, v: i.level, text: i.level_text, yoy: i.value }))
        : data.items.map((i) => ({ label: i.label, v: i.value, text: fmt(i.value, 1) + (C.lang === "en" ? " " : "") + data.unit, yoy: i.yoy_pct }));
      const top = rows.slice(0, BOARD_ROWS);
      const max = Math.max(...top.map((r) => r.v || 0), 1);
      el.innerHTML = '<ol class="board">' + top.map((r, i) => '<li><span class="bar" style="width:' + (100 * (r.v || 0) / max).toFixed(1) + '%"></span>' +
        '<span class="rank">' + (i + 1) + "</span><span>" + esc(r.label) + '</span><span class="num">' + esc(r.text) + '</span><span class="num ' +
        (r.yoy < 0 ? "down" : "up") + '">' + (r.yoy == null ? "—" : (r.yoy > 0 ? "+" : "") + fmt(r.yoy) + "%") + "</span></li>").join("") + "</ol>";
    },
    // The big screen's ticker: each open alert with what it is about (title and summary).
    ticker(el, data) {
      if (!data.items.length) { el.innerHTML = "<span>" + esc(L.no_open_alerts) + "</span>"; return; }
      el.innerHTML = '<ul class="ticker-items">' + data.items.map((a) => '<li data-alert-id="' + esc(a.id) + '"><span class="sev ' + esc(a.severity) + '">' +
        esc(a.severity_label) + "</span> " + esc(a.title) + (a.summary ? " — " + esc(a.summary) : "") + "</li>").join("") + "</ul>";
      el.style.setProperty("--ticker-s", Math.max(40, data.items.length * 14) + "s");
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
      if (el.dataset.chart) {
        await draw[kind](el, data);
        legible(charts.get(el));
        window.CockpitTools.chartDrawn(el, charts.get(el), ownTables.get(el));
      } else {
        lists[kind](el, data);
      }
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
    window.CockpitTools.enhanceTables();
    // Charts render synchronously (animation off); wait one frame so they are painted.
    await new Promise((resolve) => requestAnimationFrame(() => resolve()));
    document.body.dataset.readyAt = String(Math.round(performance.now()));
    document.body.dataset.ready = String(Number(document.body.dataset.ready || 0) + 1);
  }

  window.addEventListener("resize", () => { fitStage(); if (!stage) charts.forEach((c) => c.resize()); });
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
