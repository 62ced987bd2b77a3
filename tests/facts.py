"""The knowledge base as the fact tests read it: an entry's body in one language, its references."""

from gradlab.knowledge.loader import load_knowledge
from gradlab.ops.settings import load_settings

KB = load_knowledge(load_settings()["KNOWLEDGE_DIR"])


def body(entry_id: str, lang: str) -> str:
    return getattr(KB.entries[entry_id].body, lang)


def refs(entry_id: str) -> str:
    return " ".join(KB.entries[entry_id].references)
