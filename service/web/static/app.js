// gradlab chat page: asks the JSON API and renders answers. User text only ever goes in via textContent;
// the only HTML inserted is the answer body, as the server sends it (rendered from the curated knowledge base
// and its MathML allow-listed). The conversation kept in localStorage holds answer data without that HTML:
// restoring it fetches each entry's body from the server again, so nothing stored is ever inserted as HTML.
// While typing, titles of matching entries are suggested (ARIA combobox: arrows, Enter, Escape).
"use strict";

const STRINGS = {
  en: {
    tagline: "RNN · CNN · GRU · LSTM — every answer backed by an experiment",
    clear: "Clear", send: "Ask",
    question_label: "Your question", placeholder: "e.g. Why does my LSTM loss become NaN?",
    welcome: "Ask about vanishing or exploding gradients, LSTM and GRU gates, receptive fields, normalisation… in English or Chinese.",
    did_you_mean: "Did you mean:", demo: "Experiment", copy: "Copy", copied: "Copied", source: "Source",
    references: "References", related: "Related questions", helpful: "Helpful?",
    comment: "Comment (optional)", send_feedback: "Send", thanks: "Thanks for the feedback!",
    feedback_failed: "Could not send feedback", no_answer_title: "No good answer in the knowledge base",
    no_answer_text: "gradlab would rather say so than guess. The closest topics it has:",
    thinking: "Thinking…", error: "Something went wrong", confidence: "Confidence",
    claim_held: "claim held", claim_failed: "claim did not hold", run_it: "Run it yourself:",
    lang_toggle: "中文", lang_toggle_label: "切换到中文界面",
    hint: "Enter to send · Shift+Enter for a new line · ↑↓ choose a suggestion",
    topics: "Topics", demos: "Demos", open_page: "Open as a page", copy_link: "Copy link", link_copied: "Link copied",
    contents: "On this page", see_topics: "See every topic", suggestions: "Suggested questions",
    n_suggestions: (n) => (n === 1 ? "1 suggestion" : `${n} suggestions`),
  },
  zh: {
    tagline: "RNN · CNN · GRU · LSTM —— 每个回答都有实验为证",
    clear: "清空", send: "提问",
    question_label: "你的问题", placeholder: "例如：为什么 LSTM 的 loss 会变成 NaN？",
    welcome: "可以用中文或英文提问：梯度消失与梯度爆炸、LSTM 与 GRU 的门控、感受野、归一化……",
    did_you_mean: "你是不是想问：", demo: "实验", copy: "复制", copied: "已复制", source: "源码",
    references: "参考文献", related: "相关问题", helpful: "有帮助吗？",
    comment: "补充意见（可选）", send_feedback: "提交", thanks: "感谢反馈！",
    feedback_failed: "反馈提交失败", no_answer_title: "知识库里没有合适的答案",
    no_answer_text: "与其瞎猜，gradlab 宁愿直说。最接近的话题：",
    thinking: "思考中…", error: "出错了", confidence: "置信度",
    claim_held: "结论成立", claim_failed: "结论未成立", run_it: "自己运行：",
    lang_toggle: "English", lang_toggle_label: "Switch to English interface",
    hint: "Enter 发送 · Shift+Enter 换行 · ↑↓ 选择建议",
    topics: "话题", demos: "实验", open_page: "在单独页面打开", copy_link: "复制链接", link_copied: "链接已复制",
    contents: "本页目录", see_topics: "查看全部话题", suggestions: "建议的问题",
    n_suggestions: (n) => `${n} 条建议`,
  },
};

const body = document.body;
const conversation = document.getElementById("conversation");
const form = document.getElementById("ask-form");
const input = document.getElementById("question");
const sendButton = document.getElementById("send");
const suggestionList = document.getElementById("suggestions");
const suggestStatus = document.getElementById("suggest-status");
const HISTORY_KEY = "gradlab.history.v1";
const SUGGEST_DELAY_MS = 200;
let messageCount = 0;
const UI_LANG_KEY = "gradlab.uiLang";
let uiLang = localStorage.getItem(UI_LANG_KEY)
  || ((navigator.language || "en").toLowerCase().startsWith("zh") ? "zh" : "en");

function t(key) { return STRINGS[uiLang][key] ?? STRINGS.en[key] ?? key; }

function applyUiLang() {
  document.documentElement.lang = uiLang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  input.placeholder = t("placeholder");
  const toggle = document.getElementById("lang-toggle");
  toggle.textContent = t("lang_toggle");
  toggle.setAttribute("aria-label", t("lang_toggle_label"));
  suggestionList.setAttribute("aria-label", t("suggestions"));
  document.getElementById("nav-topics").href = `${document.getElementById("nav-topics").pathname}?lang=${uiLang}`;
  document.getElementById("nav-demos").href = `${document.getElementById("nav-demos").pathname}?lang=${uiLang}`;
  document.querySelectorAll(".starters").forEach((block) => { block.hidden = block.dataset.lang !== uiLang; });
}

function entryPageUrl(id, lang) {
  return `${body.dataset.entryPageUrl.replace("ENTRY_ID", encodeURIComponent(id))}?lang=${lang}`;
}

async function copyText(text, button, doneLabel, label) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const scratch = document.createElement("textarea");
    scratch.value = text;
    scratch.setAttribute("readonly", "");
    scratch.className = "visually-hidden";
    document.body.append(scratch);
    scratch.select();
    document.execCommand("copy");
    scratch.remove();
  }
  button.textContent = doneLabel;
  setTimeout(() => { button.textContent = label; }, 1500);
}

function chip(label, onClick) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "chip";
  button.textContent = label;
  button.addEventListener("click", onClick);
  return button;
}

function loadHistory() {
  try { return JSON.parse(localStorage.getItem(HISTORY_KEY)) || []; } catch { return []; }
}

function withoutHtml(data) {
  if (!data.answer) return data;
  const { html, ...answer } = data.answer;
  return { ...data, answer };
}

function saveHistory(items) {
  const kept = items.slice(-30).map(withoutHtml);
  try { localStorage.setItem(HISTORY_KEY, JSON.stringify(kept)); } catch { /* storage full: keep going */ }
}

function sameOriginPath(url) {
  // stored data may have been tampered with: only this server's own paths become links or images
  return typeof url === "string" && url.startsWith("/") && !url.startsWith("//") ? url : null;
}

async function fillAnswerBody(el, entryId, lang) {
  const url = body.dataset.entryUrl.replace("ENTRY_ID", encodeURIComponent(entryId));
  try {
    const response = await fetch(`${url}?lang=${lang === "zh" ? "zh" : "en"}`);
    if (!response.ok) throw new Error(String(response.status));
    el.innerHTML = (await response.json()).html; // fresh from the server, never from storage
  } catch {
    el.textContent = t("error");
  }
}

function lastAnswerId() {
  const answered = loadHistory().filter((item) => item.answer);
  return answered.length ? answered[answered.length - 1].answer.id : null;
}

function addQuestion(question) {
  const node = document.getElementById("tpl-question").content.firstElementChild.cloneNode(true);
  node.querySelector(".bubble").textContent = question;
  conversation.append(node);
  return node;
}

function confidenceBadge(el, value) {
  const pct = Math.round(value * 100);
  el.textContent = `${t("confidence")} ${pct}%`;
  el.dataset.level = value >= 0.8 ? "high" : value >= 0.5 ? "medium" : "low";
  el.setAttribute("aria-label", `${t("confidence")} ${pct}%`);
}

function formatMetric(value) {
  if (typeof value !== "number") return String(value);
  if (value === 0 || !Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  return abs >= 1e-3 && abs < 1e5 ? String(Number(value.toPrecision(3))) : value.toExponential(1);
}

function renderDemo(card, demo) {
  card.hidden = false;
  card.dataset.demo = demo.name; // lab.js adds the demo's knobs to cards so marked
  card.querySelector(".demo-title").textContent = demo.title;
  card.querySelector(".demo-claim").textContent = demo.claim;
  card.querySelector(".cmd").textContent = demo.command;
  const source = card.querySelector(".src");
  source.textContent = demo.source;
  const sourceUrl = sameOriginPath(demo.source_url);
  if (sourceUrl) source.href = sourceUrl;
  const copy = card.querySelector(".copy");
  copy.addEventListener("click", () => copyText(demo.command, copy, t("copied"), t("copy")));
  const plotUrl = sameOriginPath(demo.plot_url);
  if (demo.result && plotUrl) {
    const figure = card.querySelector(".demo-figure");
    const img = card.querySelector(".demo-plot");
    img.src = plotUrl;
    img.alt = `${demo.title}: ${demo.result.headline}`;
    card.querySelector(".demo-headline").textContent =
      `${demo.result.headline} (${demo.result.claim_held ? t("claim_held") : t("claim_failed")})`;
    figure.hidden = false;
    const dl = card.querySelector(".demo-metrics");
    Object.entries(demo.result.metrics).slice(0, 8).forEach(([name, value]) => {
      const dt = document.createElement("dt");
      dt.textContent = name;
      const dd = document.createElement("dd");
      dd.textContent = formatMetric(value);
      dl.append(dt, dd);
    });
  }
}

function addTableOfContents(node) {
  // ids must be unique in the conversation: prefix the server's sec-N with this message's number
  messageCount += 1;
  const headings = node.querySelectorAll(".answer-body h3");
  headings.forEach((h, i) => { h.id = `m${messageCount}-sec-${i + 1}`; });
  if (headings.length < 3) return;
  const toc = node.querySelector(".toc");
  toc.hidden = false;
  toc.setAttribute("aria-label", t("contents"));
  toc.querySelector("ol").append(...[...headings].map((h) => {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = `#${h.id}`;
    a.textContent = h.textContent;
    li.append(a);
    return li;
  }));
}

function renderSmalltalk(data) {
  const node = document.getElementById("tpl-smalltalk").content.firstElementChild.cloneNode(true);
  node.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  node.lang = data.lang === "zh" ? "zh-CN" : "en";
  node.querySelector(".reply").textContent = data.reply;
  node.querySelector(".starters-reply").append(...data.starters.map((s) => chip(s.question, () => ask(s.question))));
  node.querySelector(".topics-link").href = `${document.getElementById("nav-topics").pathname}?lang=${data.lang}`;
  return node;
}

function renderAnswer(data) {
  if (data.kind === "smalltalk") return renderSmalltalk(data);
  if (!data.answered) {
    const node = document.getElementById("tpl-noanswer").content.firstElementChild.cloneNode(true);
    node.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
    node.querySelector(".suggestions").append(...data.suggestions.map((s) => chip(s.title, () => ask(s.title))));
    confidenceBadge(node.querySelector(".confidence"), data.confidence);
    return node;
  }
  const node = document.getElementById("tpl-answer").content.firstElementChild.cloneNode(true);
  node.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  const answer = data.answer;
  node.dataset.entryId = answer.id;
  node.querySelector(".answer-title").textContent = answer.title;
  confidenceBadge(node.querySelector(".confidence"), data.confidence);
  const answerBody = node.querySelector(".answer-body");
  if (typeof answer.html === "string") {
    answerBody.innerHTML = answer.html; // this response's, from the server
    addTableOfContents(node);
  } else {
    fillAnswerBody(answerBody, answer.id, data.lang).then(() => addTableOfContents(node));
  }
  const pageUrl = entryPageUrl(answer.id, data.lang);
  node.querySelector(".page-link").href = pageUrl;
  const copyLink = node.querySelector(".copy-link");
  copyLink.addEventListener("click", () => copyText(new URL(pageUrl, location.href).href, copyLink, t("link_copied"),
                                                    t("copy_link")));
  if (data.alternatives.length) {
    const p = node.querySelector(".did-you-mean");
    p.hidden = false;
    p.querySelector(".alt-chips").append(...data.alternatives.map((a) => chip(a.title, () => ask(a.title))));
  }
  if (answer.demo) renderDemo(node.querySelector(".demo-card"), answer.demo);
  if (answer.references.length) {
    const refs = node.querySelector(".refs");
    refs.hidden = false;
    refs.querySelector("ul").append(...answer.references.map((r) => {
      const li = document.createElement("li");
      li.textContent = r;
      return li;
    }));
  }
  if (data.related.length) {
    const related = node.querySelector(".related");
    related.hidden = false;
    related.querySelector(".chips").append(...data.related.map((r) => chip(r.title, () => ask(r.title))));
  }
  wireFeedback(node, data);
  return node;
}

function wireFeedback(node, data) {
  const footer = node.querySelector(".feedback");
  const formEl = footer.querySelector(".feedback-form");
  const status = footer.querySelector(".feedback-status");
  let vote = null;
  const send = async (comment) => {
    try {
      const response = await fetch(body.dataset.feedbackUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ question: data.question, entry_id: data.answer.id, confidence: data.confidence,
                               vote, comment }),
      });
      if (!response.ok) throw new Error(String(response.status));
      status.textContent = t("thanks");
      formEl.hidden = true;
    } catch {
      status.textContent = t("feedback_failed");
    }
  };
  footer.querySelectorAll(".vote").forEach((button) => {
    button.addEventListener("click", () => {
      vote = button.dataset.vote;
      footer.querySelectorAll(".vote").forEach((b) => b.setAttribute("aria-pressed", String(b === button)));
      formEl.hidden = false;
      formEl.querySelector("input").focus();
    });
  });
  formEl.addEventListener("submit", (event) => {
    event.preventDefault();
    send(formEl.querySelector("input").value);
  });
}

function showThinking() {
  const node = document.createElement("article");
  node.className = "msg msg-answer thinking";
  node.setAttribute("aria-busy", "true");
  node.textContent = t("thinking");
  conversation.append(node);
  node.scrollIntoView({ behavior: "smooth", block: "end" });
  return node;
}

function showExchange(data) {
  document.getElementById("welcome").hidden = true;
  addQuestion(data.question);
  conversation.append(renderAnswer(data));
}

async function ask(question) {
  question = question.trim();
  if (!question) return;
  document.getElementById("welcome").hidden = true;
  addQuestion(question);
  const thinking = showThinking();
  sendButton.disabled = true;
  let node;
  try {
    const response = await fetch(body.dataset.askUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      // the entry that answered last gives a follow-up ("what about GRU?", "那它的参数量呢") its context
      body: JSON.stringify({ question, context: lastAnswerId() }),
    });
    const data = await response.json();
    if (!response.ok) throw new Error(data.message || String(response.status));
    node = renderAnswer(data);
    const history = loadHistory();
    history.push(data);
    saveHistory(history);
  } catch (err) {
    node = document.createElement("article");
    node.className = "msg msg-answer msg-error";
    node.setAttribute("role", "alert");
    node.textContent = `${t("error")}: ${err.message}`;
  } finally {
    sendButton.disabled = false;
  }
  thinking.replaceWith(node);
  node.scrollIntoView({ behavior: "smooth", block: "start" });
  node.focus({ preventScroll: true });
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  closeSuggestions();
  const question = input.value;
  input.value = "";
  ask(question);
});

// --- suggestions while typing: an ARIA combobox over the question box ---
let suggestTimer = null;
let suggestSeq = 0; // each request's number: an answer to an older request than the latest is dropped
let activeOption = -1;

function options() { return [...suggestionList.querySelectorAll("[role=option]")]; }

function closeSuggestions() {
  clearTimeout(suggestTimer);
  suggestSeq += 1;
  suggestionList.hidden = true;
  suggestionList.replaceChildren();
  input.setAttribute("aria-expanded", "false");
  input.removeAttribute("aria-activedescendant");
  activeOption = -1;
}

function setActive(index) {
  const items = options();
  if (!items.length) return;
  activeOption = (index + items.length) % items.length;
  items.forEach((item, i) => item.setAttribute("aria-selected", String(i === activeOption)));
  input.setAttribute("aria-activedescendant", items[activeOption].id);
  items[activeOption].scrollIntoView({ block: "nearest" });
}

function choose(item) {
  const question = item.dataset.question;
  closeSuggestions();
  input.value = "";
  ask(question);
}

function showSuggestions(suggestions) {
  closeSuggestions();
  if (!suggestions.length || document.activeElement !== input) return;
  const other = uiLang === "zh" ? "en" : "zh";
  suggestionList.append(...suggestions.map((s, i) => {
    const li = document.createElement("li");
    li.id = `suggestion-${i}`;
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", "false");
    li.dataset.question = s.title;
    const main = document.createElement("span");
    main.className = "suggestion-title";
    main.textContent = s.titles[uiLang];
    const alt = document.createElement("span");
    alt.className = "suggestion-alt";
    alt.lang = other === "zh" ? "zh-CN" : "en";
    alt.textContent = s.titles[other];
    li.append(main, alt);
    li.addEventListener("mousedown", (event) => event.preventDefault()); // keep focus in the question box
    li.addEventListener("click", () => choose(li));
    return li;
  }));
  suggestionList.hidden = false;
  input.setAttribute("aria-expanded", "true");
  suggestStatus.textContent = t("n_suggestions")(suggestions.length);
}

async function fetchSuggestions(text) {
  suggestSeq += 1;
  const seq = suggestSeq;
  try {
    const url = `${body.dataset.suggestUrl}?q=${encodeURIComponent(text)}&lang=${uiLang}`;
    const response = await fetch(url);
    if (!response.ok) return;
    const data = await response.json();
    if (seq === suggestSeq && input.value.trim() === text) showSuggestions(data.suggestions);
  } catch { /* offline or rate-limited: no suggestions is fine */ }
}

input.addEventListener("input", () => {
  clearTimeout(suggestTimer);
  const text = input.value.trim();
  const enough = /[\u3400-\u9fff]/.test(text) ? 1 : 2;
  if (text.length < enough || text.includes("\n")) { closeSuggestions(); return; }
  suggestTimer = setTimeout(() => fetchSuggestions(text), SUGGEST_DELAY_MS);
});

input.addEventListener("blur", () => closeSuggestions());

input.addEventListener("keydown", (event) => {
  const open = !suggestionList.hidden;
  if (open && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
    event.preventDefault();
    const step = event.key === "ArrowDown" ? 1 : -1;
    setActive(activeOption < 0 && step < 0 ? -1 : activeOption + step); // -1 wraps to the last option
    return;
  }
  if (open && event.key === "Escape") {
    event.preventDefault();
    closeSuggestions();
    return;
  }
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    if (open && activeOption >= 0) choose(options()[activeOption]);
    else form.requestSubmit();
  }
});

document.querySelectorAll(".starter").forEach((link) => {
  link.addEventListener("click", (event) => {
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return; // let "open in new tab" work
    event.preventDefault();
    ask(link.textContent);
  });
});

document.getElementById("lang-toggle").addEventListener("click", () => {
  uiLang = uiLang === "zh" ? "en" : "zh";
  localStorage.setItem(UI_LANG_KEY, uiLang);
  applyUiLang();
});

document.getElementById("clear").addEventListener("click", () => {
  saveHistory([]);
  conversation.querySelectorAll(".msg").forEach((m) => m.remove());
  document.getElementById("welcome").hidden = false;
});

applyUiLang();
loadHistory().forEach((data) => {
  try { showExchange(withoutHtml(data)); } catch { saveHistory([]); } // stored HTML is never trusted
});

// /?q=... asks on load; the address then drops the question so a reload does not ask it twice
const asked = new URLSearchParams(location.search).get("q");
if (asked && asked.trim()) {
  history.replaceState(null, "", location.pathname);
  ask(asked);
}
