// gradlab chat page: asks the JSON API and renders answers. User text only ever goes in via textContent;
// the only HTML inserted is the answer body, rendered by the server from the curated knowledge base.
"use strict";

const STRINGS = {
  en: {
    tagline: "RNN · CNN · GRU · LSTM — every answer backed by an experiment",
    clear: "Clear", send: "Ask", hint: "Enter to send · Shift+Enter for a new line",
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
    examples: ["Why do RNN gradients vanish, and how do I fix it?", "What are the full names of GRU and LSTM?",
               "my loss becomes nan after a few iterations"],
  },
  zh: {
    tagline: "RNN · CNN · GRU · LSTM —— 每个回答都有实验为证",
    clear: "清空", send: "提问", hint: "Enter 发送 · Shift+Enter 换行",
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
    examples: ["如何理解RNN和CNN中的梯度消失和梯度爆炸,如何解决?", "GRU 和 LSTM 的全称是什么, 和 RNN、CNN 什么关系?",
               "CNN 和 RNN 的应用领域"],
  },
};

const body = document.body;
const conversation = document.getElementById("conversation");
const form = document.getElementById("ask-form");
const input = document.getElementById("question");
const sendButton = document.getElementById("send");
const HISTORY_KEY = "gradlab.history.v1";
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
  const examples = document.getElementById("examples");
  examples.replaceChildren(...t("examples").map((q) => chip(q, () => ask(q))));
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

function saveHistory(items) {
  try { localStorage.setItem(HISTORY_KEY, JSON.stringify(items.slice(-30))); } catch { /* storage full: keep going */ }
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
  if (demo.source_url) source.href = demo.source_url;
  const copy = card.querySelector(".copy");
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(demo.command);
    } catch {
      const range = document.createRange();
      range.selectNodeContents(card.querySelector(".cmd"));
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      document.execCommand("copy");
    }
    copy.textContent = t("copied");
    setTimeout(() => { copy.textContent = t("copy"); }, 1500);
  });
  if (demo.result) {
    const figure = card.querySelector(".demo-figure");
    const img = card.querySelector(".demo-plot");
    img.src = demo.plot_url;
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

function renderAnswer(data) {
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
  node.querySelector(".answer-body").innerHTML = answer.html; // server-rendered from the curated knowledge base
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
      body: JSON.stringify({ question }),
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
  const question = input.value;
  input.value = "";
  ask(question);
});

input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    form.requestSubmit();
  }
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
  try { showExchange(data); } catch { saveHistory([]); }
});
