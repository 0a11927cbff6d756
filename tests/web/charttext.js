/* The text ECharts draws on its canvas, read from each chart's scene (zrender's display
list: what is painted, hidden labels left out; a label is painted as one or more 'tspan's),
with each piece's box on the page. Returns every text drawn and the pairs of texts of one
chart, from different labels, that overlap by more than a sliver. */
(() => {
  const texts = [];
  const hits = [];
  for (const dom of document.querySelectorAll('[data-chart]')) {
    const chart = window.echarts && echarts.getInstanceByDom(dom);
    if (!chart || dom.closest('[hidden]')) continue;
    const at = dom.getBoundingClientRect();
    if (at.width < 1 || at.height < 1) continue;
    const zr = chart.getZr();
    const boxes = [];
    for (const el of zr.storage.getDisplayList(true)) {
      if ((el.type !== 'tspan' && el.type !== 'text') || el.invisible || el.ignore) continue;
      const text = String((el.style && el.style.text) || '').trim();
      if (!text || (el.style.opacity != null && el.style.opacity < 0.05)) continue;
      let opacity = 1;
      for (let a = el; a; a = a.parent || a.__hostTarget) {
        if (a.invisible || a.ignore) opacity = 0;
        if (a.style && a.style.opacity != null) opacity *= a.style.opacity;
      }
      if (opacity < 0.05) continue;
      const r = el.getBoundingRect().clone();
      if (el.transform) r.applyTransform(el.transform);
      // What a clip path (a scrolling legend's window, a grid) lets through.
      for (const cp of el.__clipPaths || []) {
        const c = cp.getBoundingRect().clone();
        if (cp.transform) c.applyTransform(cp.transform);
        const x = Math.max(r.x, c.x), y = Math.max(r.y, c.y);
        r.width = Math.min(r.x + r.width, c.x + c.width) - x;
        r.height = Math.min(r.y + r.height, c.y + c.height) - y;
        r.x = x; r.y = y;
      }
      // Page pixels: the chart's own pixels, scaled as the element is (the big screen's stage).
      const sx = at.width / chart.getWidth(), sy = at.height / chart.getHeight();
      const box = { l: at.left + r.x * sx, t: at.top + r.y * sy, r: at.left + (r.x + r.width) * sx,
        b: at.top + (r.y + r.height) * sy, text: text.slice(0, 30), chart: dom.id || dom.dataset.chart,
        label: el.parent || el };
      if (box.r - box.l < 1 || box.b - box.t < 1) continue;
      texts.push(text);
      boxes.push(box);
    }
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i], b = boxes[j];
        if (a.label === b.label) continue;
        const w = Math.min(a.r, b.r) - Math.max(a.l, b.l), h = Math.min(a.b, b.b) - Math.max(a.t, b.t);
        if (w > 2 && h > 2) hits.push(a.chart + ': ' + a.text + ' × ' + b.text);
      }
    }
  }
  return { texts: texts, hits: hits.slice(0, 10) };
})
