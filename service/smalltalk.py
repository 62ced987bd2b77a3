"""Small talk and meta questions: greetings, thanks, goodbyes and "what can you do", in English and Chinese.

They are recognised before retrieval by a short list of patterns, and only when the whole message is small talk:
"hi, why do gradients vanish?" is a real question and goes to retrieval. Text is normalised first (traditional
Chinese becomes simplified, case and full-width forms are folded), so 謝謝 and 你能做什麼 match too.
"""

from __future__ import annotations

import re

from gradlab.retrieval import text

# kind -> phrases (regular expressions over normalised text); the order of kinds decides the reply (see detect)
PHRASES = {
    "meta": [
        r"what (can|do) you do",
        r"what (do|can) you (know|answer|help with)",
        r"what are you",
        r"who are you",
        r"how (do|can) i use (you|this|it|gradlab)",
        r"help( me)?",
        r"你(能|会|可以)(做|干|回答)?(些)?(什么|啥)(问题)?",
        r"你是(谁|什么)",
        r"(这个)?怎么用",
        r"帮助",
    ],
    "thanks": [
        r"(many |great )?thanks( a lot| so much| very much)?",
        r"thank (you|u)( (so|very) much)?",
        r"thx|ty|cheers",
        r"(非常)?(谢谢|感谢|多谢)(你|您)?(啦|了)?",
        r"谢啦|辛苦了",
    ],
    "bye": [r"(good)?bye|see you|再见|拜拜"],
    "greeting": [
        r"(hi|hello|hey|hiya|howdy|greetings)( there| gradlab)?",
        r"good (morning|afternoon|evening|day)",
        r"(你|您|大家|你们)好(啊|呀|吗)?",
        r"嗨|哈[喽啰罗]|(早上|上午|下午|晚上)好|在吗",
    ],
}
SEPARATORS = r"[\s,，.。!！?？~～、;；:：]*"
_PHRASE = "|".join(f"(?:{p})" for phrases in PHRASES.values() for p in phrases)
WHOLE_MESSAGE = re.compile(f"{SEPARATORS}(?:{_PHRASE})(?:{SEPARATORS}(?:{_PHRASE}))*{SEPARATORS}")
KIND_PATTERNS = {kind: re.compile("|".join(f"(?:{p})" for p in phrases)) for kind, phrases in PHRASES.items()}

REPLIES = {
    "greeting": {
        "en": "Hello! I answer questions about RNN, CNN, GRU and LSTM, and every answer comes with a small "
        "experiment you can run. Ask in English or Chinese, or start with one of these:",
        "zh": "你好！我可以回答关于 RNN、CNN、GRU 和 LSTM 的问题，每个回答都附有一个可以自己运行的小实验。"
        "用中文或英文提问都可以，也可以从这些问题开始：",
    },
    "thanks": {
        "en": "You're welcome! Ask another question whenever you like, for example:",
        "zh": "不客气！随时可以继续提问，例如：",
    },
    "bye": {
        "en": "Goodbye, and good luck with your training runs! When you come back, you could start with:",
        "zh": "再见，祝训练顺利！下次可以从这些问题开始：",
    },
    "meta": {
        "en": "I answer questions about RNN, CNN, GRU and LSTM: vanishing and exploding gradients, gates, "
        "receptive fields, normalisation, initialisation and training practice. Each answer explains the why "
        "and links to a PyTorch experiment that measures the effect; when I have no good answer I say so "
        "instead of guessing. The topic map lists everything I know. Some questions to start with:",
        "zh": "我可以回答关于 RNN、CNN、GRU 和 LSTM 的问题："
        "梯度消失与梯度爆炸、门控、感受野、规范化、初始化和训练实践。"
        "每个回答都会解释原因，并附上一个测量该现象的 PyTorch 实验；没有合适的答案时我会直说，而不是瞎猜。"
        "话题地图列出了我知道的全部内容。可以从这些问题开始：",
    },
}


def detect(question: str) -> str | None:
    """Return the kind of small talk ('meta', 'thanks', 'bye', 'greeting') the whole message is, else None."""
    normalised = text.normalize(question)
    if not WHOLE_MESSAGE.fullmatch(normalised):
        return None
    # "hi, what can you do" deserves the meta reply: the most specific kind present wins
    return next(kind for kind, pattern in KIND_PATTERNS.items() if pattern.search(normalised))


def reply(kind: str, lang: str) -> str:
    """Return the short friendly reply to small talk of ``kind`` in ``lang``."""
    return REPLIES[kind][lang]
