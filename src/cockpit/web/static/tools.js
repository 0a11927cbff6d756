/* Commerce Cockpit: what every chart and table offers a person, whatever page it is on.
   Charts: an aria label saying what they show, PNG of the picture, the data behind it as
   CSV and Excel, and "view as table". Tables: search, sort by any column, pages of 25, and
   CSV / Excel of all their rows. Files are written by the server (/api/cockpit/export.*),
   which keeps cells formula-safe. Loaded before cockpit.js; it exposes window.CockpitTools. */
(function () {
  "use strict";
  const C = (window.COCKPIT =
    window.COCKPIT || JSON.parse(document.getElementById("cockpit-config").textContent));
  const L = C.labels;
  const PAGE = 25;

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  function button(label, act, title) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "tool";
    b.dataset.act = act;
    b.textContent = label;
    if (title) b.title = title;
    return b;
  }

  function fileName(title, ext) {
    return (title.replace(/[\\/:*?"<>|]+/g, " ").replace(/\s+/g, " ").trim() || "cockpit") + "." + ext;
  }

  function saveBlob(blob, name) {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  // Numbers travel as numbers (so Excel sums them); everything else as the text shown.
  function cellValue(v) {
    if (typeof v === "number" || v == null) return v == null ? null : v;
    const s = String(v).trim();
    return /^[+-]?\d{1,3}(,\d{3})*(\.\d+)?$|^[+-]?\d+(\.\d+)?$/.test(s) ? Number(s.replace(/,/g, "")) : s;
  }

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  async function exportTable(kind, spec) {
    const body = { title: spec.title, subtitle: spec.subtitle || "", columns: spec.columns.map(String),
      rows: spec.rows.map((r) => r.map(cellValue)) };
    const r = await fetch("/api/cockpit/export." + kind + "?lang=" + encodeURIComponent(C.lang), {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
      body: JSON.stringify(body) });
    if (!r.ok) throw new Error("export → HTTP " + r.status);
    saveBlob(await r.blob(), fileName(spec.title + (spec.subtitle ? " " + spec.subtitle : ""), kind));
  }

  /* ---------- charts ---------- */

  function val(d) {
    if (d == null) return null;
    if (Array.isArray(d)) return d[d.length - 1];
    if (typeof d === "object") return d.value == null ? null : (Array.isArray(d.value) ? d.value[d.value.length - 1] : d.value);
    return d;
  }

  // What a chart shows, as rows: its category axis against each named series; a map's or
  // gauge's named items; a time axis by timestamp. Draw functions may give their own.
  function optionTable(opt) {
    const axis = (a) => (a && a[0] && a[0].type === "category" ? a[0] : null);
    const cat = axis(opt.xAxis) || axis(opt.yAxis);
    const series = (opt.series || []).filter((s) => s.tooltip == null || s.tooltip.show !== false);
    const names = series.map((s, i) => s.name || (cat && cat.name) || L.col_value + (series.length > 1 ? " " + (i + 1) : ""));
    if (cat) {
      return { columns: [(cat.name || L.col_name)].concat(names),
        rows: (cat.data || []).map((c, i) => [typeof c === "object" ? c.value : c].concat(series.map((s) => val((s.data || [])[i])))) };
    }
    const time = opt.xAxis && opt.xAxis[0] && opt.xAxis[0].type === "time";
    if (time) {
      const keys = [];
      const by = new Map();
      series.forEach((s, j) => (s.data || []).forEach((d) => {
        const t = Array.isArray(d) ? d[0] : d.value[0];
        if (!by.has(t)) { by.set(t, new Array(series.length).fill(null)); keys.push(t); }
        by.get(t)[j] = val(d);
      }));
      return { columns: [L.col_time].concat(names), rows: keys.map((t) => [t].concat(by.get(t))) };
    }
    const rows = [];
    series.forEach((s) => (s.data || []).forEach((d) => rows.push([d.label || d.name, val(d)])));
    return { columns: [L.col_name, L.col_value], rows: rows };
  }

  function titleOf(el) {
    const card = el.closest(".card, .tile");
    const h = card && card.querySelector("h2, h3");
    if (!h) return document.title;
    const copy = h.cloneNode(true);
    copy.querySelectorAll(".scope").forEach((n) => n.remove());
    return copy.textContent.trim();
  }

  function subtitleOf(el) {
    const card = el.closest(".card, .tile");
    const s = card && card.querySelector("h2 .scope, h3 .scope");
    return (el.dataset.scope || (s && s.textContent) || C.scope || "").trim();
  }

  function renderTable(spec) {
    return '<table class="data chart-table"><caption>' + esc(spec.title) + (spec.subtitle ? " · " + esc(spec.subtitle) : "") + "</caption><thead><tr>" +
      spec.columns.map((c) => "<th>" + esc(c) + "</th>").join("") + "</tr></thead><tbody>" +
      spec.rows.map((r) => "<tr>" + r.map((v) => '<td' + (typeof v === "number" ? ' class="num"' : "") + ">" +
        esc(v == null ? "—" : typeof v === "number" ? v.toLocaleString(C.lang, { maximumFractionDigits: 3 }) : v) + "</td>").join("") + "</tr>").join("") +
      "</tbody></table>";
  }

  const specs = new Map();

  // After a chart is drawn: its aria label, and (off the big screen) its tool bar.
  function chartDrawn(el, chart, own) {
    const opt = chart.getOption();
    const base = own || optionTable(opt);
    const spec = { title: titleOf(el), subtitle: subtitleOf(el), columns: base.columns, rows: base.rows };
    specs.set(el, spec);
    el.setAttribute("role", "img");
    el.setAttribute("aria-label", spec.title + (spec.subtitle ? " — " + spec.subtitle : "") + " · " +
      spec.rows.length + " " + L.tool_rows);
    if (el.dataset.chart === "spark" || document.body.classList.contains("bigscreen")) return;
    let bar = el.previousElementSibling;
    if (!bar || !bar.classList.contains("tools")) {
      bar = document.createElement("div");
      bar.className = "tools";
      bar.append(button(L.tool_png, "png", L.tool_png_help), button("CSV", "csv", L.tool_csv_help),
        button("Excel", "xlsx", L.tool_xlsx_help), button(L.tool_table, "table", L.tool_table_help));
      el.before(bar);
      bar.addEventListener("click", (ev) => onChartTool(ev, el, chart));
    }
    const shown = el.nextElementSibling && el.nextElementSibling.classList.contains("table-alt") ? el.nextElementSibling : null;
    if (shown) shown.innerHTML = renderTable(spec);
  }

  function dataUrlBlob(url) {
    const [head, data] = url.split(",", 2);
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    return new Blob([bytes], { type: head.slice(5).split(";")[0] });
  }

  function onChartTool(ev, el, chart) {
    const b = ev.target.closest("button[data-act]");
    if (!b) return;
    const spec = specs.get(el);
    const act = b.dataset.act;
    if (act === "png") {
      const url = chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#ffffff" });
      // Decoded here, not fetched: the CSP's connect-src allows the cockpit's own origin only.
      saveBlob(dataUrlBlob(url), fileName(spec.title + " " + spec.subtitle, "png"));
    } else if (act === "csv" || act === "xlsx") {
      exportTable(act, spec).catch((err) => console.warn(err.message));
    } else if (act === "table") {
      let alt = el.nextElementSibling;
      if (!alt || !alt.classList.contains("table-alt")) {
        alt = document.createElement("div");
        alt.className = "table-alt";
        alt.hidden = true;
        el.after(alt);
      }
      alt.hidden = !alt.hidden;
      if (!alt.hidden) alt.innerHTML = renderTable(spec);
      b.setAttribute("aria-pressed", String(!alt.hidden));
    }
  }

  /* ---------- tables ---------- */

  function sortKey(td) {
    if (!td) return "";
    const raw = td.dataset.sort != null ? td.dataset.sort : td.textContent.trim();
    const n = Number(String(raw).replace(/[,%+\s]/g, "").replace(/^−/, "-"));
    return raw !== "" && raw !== "—" && !isNaN(n) ? n : String(raw);
  }

  function enhanceTable(table) {
    if (table.dataset.enhanced || table.classList.contains("chart-table") || table.classList.contains("plain")) return;
    table.dataset.enhanced = "1";
    const body = table.tBodies[0];
    if (!body) return;
    const all = Array.from(body.rows);
    const state = { page: 0, query: "", col: -1, dir: 1 };
    const heads = Array.from(table.tHead ? table.tHead.rows[0].cells : []);
    const bar = document.createElement("div");
    bar.className = "tools table-tools";
    const search = document.createElement("input");
    search.type = "search";
    search.placeholder = L.tool_search;
    search.setAttribute("aria-label", L.tool_search);
    const pager = document.createElement("span");
    pager.className = "pager";
    bar.append(search, button("CSV", "csv", L.tool_csv_help), button("Excel", "xlsx", L.tool_xlsx_help), pager);
    table.before(bar);

    function matching() {
      const q = state.query.toLowerCase();
      return q ? all.filter((tr) => tr.textContent.toLowerCase().includes(q)) : all;
    }
    function show() {
      const rows = matching();
      const pages = Math.max(1, Math.ceil(rows.length / PAGE));
      state.page = Math.min(state.page, pages - 1);
      all.forEach((tr) => { tr.hidden = true; tr.classList.remove("paged-out"); });
      rows.forEach((tr, i) => {
        tr.hidden = false;
        if (Math.floor(i / PAGE) !== state.page) tr.classList.add("paged-out");
      });
      pager.innerHTML = pages > 1
        ? '<button type="button" class="tool" data-act="prev" aria-label="' + esc(L.tool_prev) + '">‹</button> ' +
          (state.page + 1) + " / " + pages + ' <button type="button" class="tool" data-act="next" aria-label="' + esc(L.tool_next) + '">›</button>'
        : "";
      table.dataset.rowsShown = String(rows.length);
    }
    heads.forEach((th, i) => {
      th.classList.add("sortable");
      th.tabIndex = 0;
      th.setAttribute("aria-sort", "none");
      const sort = () => {
        state.dir = state.col === i ? -state.dir : 1;
        state.col = i;
        heads.forEach((h) => h.setAttribute("aria-sort", "none"));
        th.setAttribute("aria-sort", state.dir > 0 ? "ascending" : "descending");
        all.sort((a, b) => {
          const x = sortKey(a.cells[i]), y = sortKey(b.cells[i]);
          const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), C.lang);
          return c * state.dir;
        });
        all.forEach((tr) => body.appendChild(tr));
        show();
      };
      th.addEventListener("click", sort);
      th.addEventListener("keydown", (ev) => { if (ev.key === "Enter") sort(); });
    });
    search.addEventListener("input", () => { state.query = search.value.trim(); state.page = 0; show(); });
    bar.addEventListener("click", (ev) => {
      const b = ev.target.closest("button[data-act]");
      if (!b) return;
      if (b.dataset.act === "prev") { state.page = Math.max(0, state.page - 1); show(); return; }
      if (b.dataset.act === "next") { state.page += 1; show(); return; }
      const rows = matching().map((tr) => Array.from(tr.cells).map((td) => td.textContent.replace(/\s+/g, " ").trim()));
      const title = table.dataset.title || titleOf(table);
      exportTable(b.dataset.act, { title: title, subtitle: C.scope || "", columns: heads.map((h) => h.textContent.trim()), rows: rows })
        .catch((err) => console.warn(err.message));
    });
    show();
  }

  function enhanceTables(root) {
    if (document.body.classList.contains("bigscreen")) return;
    (root || document).querySelectorAll("table.data").forEach(enhanceTable);
  }

  window.CockpitTools = { chartDrawn: chartDrawn, enhanceTables: enhanceTables, optionTable: optionTable };
  document.addEventListener("click", (ev) => { if (ev.target.closest("[data-print]")) window.print(); });
})();
