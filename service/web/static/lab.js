// gradlab demo lab: adds the demo's knobs to each demo card of an answer. A change runs the demo on the server
// (POST .../runs, then polling while it is queued), and the new curves are drawn here as SVG from the result's
// series, over the previous run kept faintly for comparison. app.js marks each card with data-demo.
"use strict";

(() => {
  const STRINGS = {
    en: {
      heading: "Turn the knobs", running: "running…", queued: "queued…", busy: "The lab is busy; retrying in",
      seconds: "s", held: "claim held at these settings", not_held: "not at these settings",
      failed: "The run did not finish", previous: "previous run (faint)", current: "this run",
      chart: "Curves of the run", log: "log scale", index: "index", cached: "cached", ran: "computed in",
    },
    zh: {
      heading: "调节参数", running: "运行中…", queued: "排队中…", busy: "实验室繁忙，将在以下秒数后重试：",
      seconds: "秒", held: "在此设置下结论成立", not_held: "在此设置下结论不成立",
      failed: "运行未完成", previous: "上一次运行（浅色）", current: "本次运行",
      chart: "本次运行的曲线", log: "对数坐标", index: "序号", cached: "已缓存", ran: "计算用时",
    },
  };
  const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];
  const SVG = "http://www.w3.org/2000/svg";
  const MAX_LINES = 8;
  const W = 600, H = 280, PAD = { left: 58, right: 12, top: 12, bottom: 30 };
  const labs = new Set();
  let counter = 0;

  const lang = () => (document.documentElement.lang.startsWith("zh") ? "zh" : "en");
  const t = (key) => STRINGS[lang()][key] ?? STRINGS.en[key];
  const urlFor = (template, name) => template.replace("DEMO", encodeURIComponent(name));

  function el(tag, attrs = {}, text) {
    const node = document.createElement(tag);
    Object.entries(attrs).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function svg(tag, attrs = {}) {
    const node = document.createElementNS(SVG, tag);
    Object.entries(attrs).forEach(([k, v]) => node.setAttribute(k, String(v)));
    return node;
  }

  function formatNumber(value) {
    if (typeof value !== "number") return String(value);
    if (value === 0 || !Number.isFinite(value)) return String(value);
    const abs = Math.abs(value);
    return abs >= 1e-3 && abs < 1e5 ? String(Number(value.toPrecision(3))) : value.toExponential(1);
  }

  // Every 1-D numeric array of the series (one level of nesting flattened), "chosen" first: the knobs move it.
  function lines(series) {
    const found = [];
    const isCurve = (v) => Array.isArray(v) && v.length >= 2 && v.every((x) => typeof x === "number" || typeof x === "string")
      && v.some((x) => typeof x === "number");
    Object.entries(series || {}).forEach(([name, value]) => {
      if (isCurve(value)) found.push({ name, values: value });
      else if (value && typeof value === "object" && !Array.isArray(value)) {
        Object.entries(value).forEach(([sub, v]) => { if (isCurve(v)) found.push({ name: `${name}.${sub}`, values: v }); });
      }
    });
    found.sort((a, b) => (b.name === "chosen") - (a.name === "chosen"));
    return found.slice(0, MAX_LINES).map((line) => ({
      ...line, values: line.values.map((x) => (typeof x === "number" && Number.isFinite(x) ? x : null)),
    }));
  }

  function drawChart(figure, current, previous) {
    const now = lines(current.series);
    const before = previous ? lines(previous.series).filter((old) => {
      const match = now.find((line) => line.name === old.name);
      return !match || JSON.stringify(match.values) !== JSON.stringify(old.values);
    }) : [];
    const all = [...now, ...before].flatMap((line) => line.values).filter((v) => v !== null);
    figure.replaceChildren();
    if (!all.length) return;
    const positive = all.every((v) => v > 0);
    const log = positive && Math.max(...all) / Math.min(...all) > 1e3;
    const f = log ? Math.log10 : (v) => v;
    let lo = Math.min(...all.map(f)), hi = Math.max(...all.map(f));
    if (hi === lo) { lo -= 1; hi += 1; }
    const n = Math.max(...[...now, ...before].map((line) => line.values.length));
    const x = (i) => PAD.left + (i / Math.max(1, n - 1)) * (W - PAD.left - PAD.right);
    const y = (v) => H - PAD.bottom - ((f(v) - lo) / (hi - lo)) * (H - PAD.top - PAD.bottom);
    const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "lab-chart", role: "img", "aria-label":
      `${t("chart")}: ${now.map((l) => l.name).join(", ")}${log ? ` (${t("log")})` : ""}` });
    const axis = svg("g", { class: "lab-axis" });
    const ticks = log ? Array.from({ length: Math.floor(hi) - Math.ceil(lo) + 1 }, (_, i) => Math.ceil(lo) + i)
      : Array.from({ length: 5 }, (_, i) => lo + ((hi - lo) * i) / 4);
    const step = Math.max(1, Math.ceil(ticks.length / 6));
    ticks.filter((_, i) => i % step === 0).forEach((tick) => {
      const ty = H - PAD.bottom - ((tick - lo) / (hi - lo)) * (H - PAD.top - PAD.bottom);
      axis.append(svg("line", { x1: PAD.left, x2: W - PAD.right, y1: ty, y2: ty, class: "lab-grid" }));
      const label = svg("text", { x: PAD.left - 4, y: ty + 4, "text-anchor": "end" });
      label.textContent = log ? `1e${tick}` : formatNumber(tick);
      axis.append(label);
    });
    [0, Math.floor((n - 1) / 2), n - 1].forEach((i) => {
      const label = svg("text", { x: x(i), y: H - 10, "text-anchor": "middle" });
      label.textContent = String(i);
      axis.append(label);
    });
    chart.append(axis);
    const path = (line, cls, color) => {
      const d = line.values.map((v, i) => (v === null ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`))
        .reduce((acc, point, i, points) => (point === null ? acc : `${acc}${i && points[i - 1] !== null ? "L" : "M"}${point}`), "");
      const node = svg("path", { d, class: cls, stroke: color, fill: "none" });
      const title = svg("title");
      const last = [...line.values].reverse().find((v) => v !== null);
      title.textContent = `${line.name}: ${formatNumber(line.values[0])} → ${formatNumber(last)}`;
      node.append(title);
      return node;
    };
    before.forEach((line) => chart.append(path(line, "lab-line lab-previous", "#888")));
    now.forEach((line, i) => chart.append(path(line, `lab-line${line.name === "chosen" ? " lab-chosen" : ""}`,
      line.name === "chosen" ? "#000" : COLORS[i % COLORS.length])));
    const legend = el("ul", { class: "lab-legend" });
    now.forEach((line, i) => {
      const item = el("li");
      const swatch = svg("svg", { viewBox: "0 0 16 4", class: "lab-swatch", "aria-hidden": "true" });
      swatch.append(svg("line", { x1: 0, x2: 16, y1: 2, y2: 2, stroke: line.name === "chosen" ? "#000" : COLORS[i % COLORS.length],
        "stroke-width": 3 }));
      item.append(swatch, document.createTextNode(line.name));
      legend.append(item);
    });
    if (before.length) legend.append(el("li", { class: "lab-previous-key" }, t("previous")));
    figure.append(chart, legend);
  }

  class Lab {
    constructor(card, description) {
      this.card = card;
      this.description = description;
      this.id = ++counter;
      this.token = 0;
      this.previous = null;
      this.current = null;
      this.build();
      labs.add(this);
    }

    build() {
      this.root = el("section", { class: "lab", "aria-labelledby": `lab-h-${this.id}` });
      this.heading = el("h4", { id: `lab-h-${this.id}` });
      this.form = el("form", { class: "lab-controls" });
      this.form.addEventListener("submit", (event) => event.preventDefault());
      this.controls = this.description.params.map((param) => this.control(param));
      this.status = el("p", { class: "lab-status", role: "status", "aria-live": "polite" });
      this.verdict = el("p", { class: "lab-verdict", "aria-live": "polite" });
      this.figure = el("figure", { class: "lab-figure" });
      this.metrics = el("dl", { class: "lab-metrics" });
      this.root.append(this.heading, this.form, this.status, this.verdict, this.figure, this.metrics);
      const anchor = this.card.querySelector(".demo-command");
      this.card.insertBefore(this.root, anchor);
      this.relabel();
    }

    control(param) {
      const id = `lab-${this.id}-${param.name}`;
      const row = el("div", { class: "lab-row" });
      const label = el("label", { for: id });
      const value = el("output", { for: id, class: "lab-value" });
      const hint = el("p", { id: `${id}-hint`, class: "lab-hint" });
      let input;
      const positions = param.grid;
      if (param.kind === "choice" || param.kind === "bool") {
        input = el("select", { id, name: param.name, "aria-describedby": hint.id });
        positions.forEach((choice, i) => input.append(el("option", { value: String(i) }, String(choice))));
      } else {
        input = el("input", { id, name: param.name, type: "range", min: "0", max: String(positions.length - 1),
          step: "1", "aria-describedby": hint.id });
      }
      input.value = String(Math.max(0, positions.indexOf(param.default)));
      const show = () => {
        value.textContent = formatNumber(positions[Number(input.value)]);
        if (input.type === "range") input.setAttribute("aria-valuetext", value.textContent);
      };
      show();
      input.addEventListener("input", show);
      input.addEventListener("change", () => { show(); this.schedule(); });
      row.append(label, input, value, hint);
      this.form.append(row);
      return { param, input, label, hint, value: () => positions[Number(input.value)] };
    }

    relabel() {
      const l = lang();
      this.heading.textContent = t("heading");
      this.controls.forEach(({ param, label, hint }) => {
        label.textContent = param.label[l] || param.label.en;
        hint.textContent = param.hint[l] || param.hint.en || "";
      });
      if (this.current) this.show(this.current);
    }

    schedule() {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.run(), 250);
    }

    async run() {
      const token = ++this.token;
      const params = Object.fromEntries(this.controls.map((c) => [c.param.name, c.value()]));
      this.root.setAttribute("aria-busy", "true");
      this.status.textContent = t("running");
      try {
        let response = await fetch(this.description.runs_url, {
          method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ params }),
        });
        let data = await response.json();
        let wait = 300;
        while (token === this.token && (response.status === 202 || response.status === 429 || response.status === 503
            || data.status === "queued" || data.status === "running")) {
          const retry = Number(response.headers.get("Retry-After") || 0);
          if (response.status === 429 || response.status === 503) {
            this.status.textContent = `${t("busy")} ${retry || 1} ${t("seconds")}`;
            await new Promise((resolve) => setTimeout(resolve, (retry || 1) * 1000));
            response = await fetch(this.description.runs_url, {
              method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ params }),
            });
          } else {
            this.status.textContent = data.status === "queued" ? t("queued") : t("running");
            await new Promise((resolve) => setTimeout(resolve, wait));
            wait = Math.min(2000, wait * 1.5);
            response = await fetch(data.poll_url);
          }
          data = await response.json();
        }
        if (token !== this.token) return;
        if (!response.ok) throw new Error(data.message || String(response.status));
        if (data.status !== "done") throw new Error(data.error || data.status);
        this.previous = this.current;
        this.current = data;
        this.show(data);
      } catch (err) {
        if (token === this.token) this.status.textContent = `${t("failed")}: ${err.message}`;
      } finally {
        if (token === this.token) this.root.removeAttribute("aria-busy");
      }
    }

    show(run) {
      const result = run.result;
      this.root.dataset.params = JSON.stringify(run.params);
      this.status.textContent = run.cached ? t("cached") : `${t("ran")} ${formatNumber(result.seconds)} ${t("seconds")}`;
      this.verdict.textContent = `${result.claim_held ? "✓" : "✗"} ${result.claim_held ? t("held") : t("not_held")}`;
      this.verdict.dataset.held = String(result.claim_held);
      drawChart(this.figure, result, this.previous && this.previous.result);
      this.metrics.replaceChildren();
      Object.entries(result.metrics).slice(0, 8).forEach(([name, value]) => {
        const dt = el("dt", {}, name);
        const dd = el("dd", { "data-metric": name, "data-value": String(value) }, formatNumber(value));
        this.metrics.append(dt, dd);
      });
    }
  }

  async function enhance(card) {
    if (card.dataset.lab || !card.dataset.demo || !document.body.dataset.labUrl) return;
    card.dataset.lab = "loading";
    try {
      const response = await fetch(urlFor(document.body.dataset.labUrl, card.dataset.demo));
      const description = await response.json();
      if (!response.ok || !description.params.length) { card.dataset.lab = "none"; return; }
      new Lab(card, description);
      card.dataset.lab = "ready";
    } catch {
      card.dataset.lab = "none";
    }
  }

  const scan = (root) => root.querySelectorAll?.(".demo-card[data-demo]").forEach(enhance);
  new MutationObserver((records) => records.forEach((r) => r.addedNodes.forEach((node) => {
    if (node.nodeType === 1) { if (node.matches(".demo-card[data-demo]")) enhance(node); scan(node); }
  }))).observe(document.body, { childList: true, subtree: true });
  new MutationObserver(() => labs.forEach((lab) => (lab.card.isConnected ? lab.relabel() : labs.delete(lab))))
    .observe(document.documentElement, { attributes: true, attributeFilter: ["lang"] });
  scan(document);
})();
