"""Text normalisation, language detection and tokenisation shared by the dense and lexical rankers.

Every question and every knowledge text goes through ``normalize`` first: NFKC folds full-width forms
(ＬＳＴＭ，？) to ASCII, OpenCC turns traditional Chinese into simplified, and case is folded. ``tokenize``
then yields English word stems plus, for Chinese, jieba words and character bigrams, so a Chinese term that
jieba splits differently in a question and in an entry still shares bigrams.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata

import jieba
from opencc import OpenCC

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_RUN = re.compile(f"[{CJK}]+")
LATIN_WORD = re.compile(r"[a-z0-9][a-z0-9_+\-]*")
TOKEN_OR_CJK = re.compile(f"[{CJK}]+|[a-z0-9][a-z0-9_+\\-]*")

# Function words that carry no topic; keeping them makes every question match every entry a little.
EN_STOPWORDS = frozenset(
    "a an and are as at be but by can could did do does doing for from had has have how i if in into is it its "
    "me my of on or so such that the their them then there these they this to was we were what when where which "
    "who why will with would you your yours am been being any some about vs versus get got just really please "
    "thanks hi hello explain tell know mean means".split()
)
ZH_STOPWORDS = frozenset(
    "的 了 是 吗 怎么办 怎么回事 该怎么 是什么 什么是 甚么 为甚么 什麽 嗎 呢 吧 啊 呀 么 什么 怎么 怎样 怎么样 "
    "如何 为什么 为啥 啥 咋 咋办 请问 一下 一个 我 你 他 它 我们 和 与 及 "
    "或 在 有 没有 这 那 这个 那个 哪些 哪个 就 都 也 还 会 能 可以 要 吧 嘛 呗 请 谢谢 求 解释 到底 是不是 有没有 "
    "中 里 上 下 时 时候 之 其 被 把 给 让 对 用 从 而 又 很 非常 比较".split()
)

logging.getLogger("jieba").setLevel(logging.ERROR)
jieba.setLogLevel(logging.ERROR)


@functools.lru_cache(maxsize=1)
def _opencc() -> OpenCC:
    return OpenCC("t2s")


@functools.lru_cache(maxsize=8192)
def normalize(text: str) -> str:
    """Fold full-width forms, traditional Chinese and case; collapse white space (cached: pure, and called by
    every ranker for the same question)."""
    text = unicodedata.normalize("NFKC", text)
    if CJK_RUN.search(text):
        text = _opencc().convert(text)
    return " ".join(text.lower().split())


def detect_lang(text: str) -> str:
    """Return 'zh' when Chinese characters outweigh English words in ``text``, else 'en'."""
    text = normalize(text)
    cjk_chars = sum(len(run) for run in CJK_RUN.findall(text))
    latin_words = len(LATIN_WORD.findall(text))
    return "zh" if cjk_chars and cjk_chars >= latin_words else "en"


def stem(word: str) -> str:
    """Strip common English inflections so 'gradients', 'exploding' and 'exploded' meet their stems."""
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + keep
    return word


def add_words(words: list[str]) -> None:
    """Teach jieba domain words (from the glossary) so they stay whole."""
    for word in words:
        if CJK_RUN.fullmatch(word):
            jieba.add_word(word, freq=2000)


def tokenize(text: str) -> list[str]:
    """Return lexical tokens of already-normalised or raw text: English stems, Chinese words and bigrams."""
    return list(_tokens(text))


@functools.lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple[str, ...]:
    tokens: list[str] = []
    for piece in TOKEN_OR_CJK.findall(normalize(text)):
        if CJK_RUN.fullmatch(piece):
            for word in jieba.lcut(piece):
                if word in ZH_STOPWORDS or (len(word) == 1 and len(piece) > 1):
                    continue
                tokens.append(word)
                # bigrams of long words let 梯度消失 meet 梯度 / 消失 however jieba cut the other side
                if len(word) >= 3:
                    tokens += [word[i : i + 2] for i in range(len(word) - 1)]
        elif piece not in EN_STOPWORDS:
            tokens.append(stem(piece))
            if "-" in piece:  # "self-attention" also meets "self attention"
                tokens += [stem(part) for part in piece.split("-") if part and part not in EN_STOPWORDS]
    return tuple(tokens)
