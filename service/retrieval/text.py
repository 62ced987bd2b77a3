"""Text normalisation, language detection and tokenisation shared by the dense and lexical rankers.

Every question and every knowledge text goes through ``normalize`` first: NFKC folds full-width forms
(ＬＳＴＭ，？) to ASCII, OpenCC turns traditional Chinese into simplified, and case is folded. ``tokenize``
then yields English word stems plus, for Chinese, jieba words and character bigrams, so a Chinese term that
jieba splits differently in a question and in an entry still shares bigrams. Each engine tokenises with its
own ``Tokenizer`` (jieba's dictionary plus its glossary's words), so engines never share tokenisation state.
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
    """Fold full-width forms, traditional Chinese and case; collapse white space (cached: pure, the same for every
    glossary, and called by every ranker for the same question)."""
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


@functools.lru_cache(maxsize=1)
def _base_dictionary() -> jieba.Tokenizer:
    """Return jieba's standard dictionary, loaded once per process and never changed (it is copied, not shared)."""
    base = jieba.Tokenizer()
    base.initialize()
    return base


class Tokenizer:
    """Lexical tokens with a jieba dictionary of its own: the standard one plus the given domain words.

    Each engine owns one, built from its glossary, with its own cache: a reload with an edited glossary gets a
    fresh dictionary and an empty cache, exactly as a restart would, and never touches jieba's process-wide
    state.
    """

    def __init__(self, words: tuple[str, ...] = (), cache_size: int = 8192):
        base = _base_dictionary()
        self.jieba = jieba.Tokenizer()
        # a copy of the loaded dictionary (about 15 MB, 30 ms) instead of parsing it again (2 s)
        self.jieba.FREQ, self.jieba.total, self.jieba.initialized = dict(base.FREQ), base.total, True
        for word in words:
            if CJK_RUN.fullmatch(word):
                self.jieba.add_word(word, freq=2000)  # domain words (from the glossary) stay whole
        self._cached = functools.lru_cache(maxsize=cache_size)(self._tokens)

    def tokenize(self, text: str) -> list[str]:
        """Return lexical tokens of already-normalised or raw text: English stems, Chinese words and bigrams."""
        return list(self._cached(text))

    def _tokens(self, text: str) -> tuple[str, ...]:
        tokens: list[str] = []
        for piece in TOKEN_OR_CJK.findall(normalize(text)):
            if CJK_RUN.fullmatch(piece):
                for word in self.jieba.lcut(piece):
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


@functools.lru_cache(maxsize=1)
def _plain() -> Tokenizer:
    return Tokenizer()


def tokenize(text: str) -> list[str]:
    """Return lexical tokens with jieba's standard dictionary only (retrieval uses its engine's Tokenizer)."""
    return _plain().tokenize(text)
