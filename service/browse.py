"""What the browsing pages show, as plain data: an entry as a page, the topic map, the demo gallery.

The page views render these with templates; nothing here knows about Flask, so the same data can feed the
tests and any other front end.
"""

from __future__ import annotations

from gradlab import demos
from gradlab.answer import entry_payload, entry_ref
from gradlab.engine import Engine
from gradlab.knowledge.demo_results import demo_summary
from gradlab.knowledge.render import sections

TOC_MIN_SECTIONS = 3  # an answer with fewer sections is short enough to read without an outline


def topic_of(engine: Engine, entry_id: str, lang: str) -> dict | None:
    """Return the theme of the topic map that holds ``entry_id``."""
    for topic in engine.kb.topics:
        if entry_id in topic.entries:
            return {"id": topic.id, "title": getattr(topic.title, lang)}
    return None


def entry_page(engine: Engine, entry_id: str, lang: str) -> dict:
    """Return an entry as a page: the answer payload plus its one-line summary, outline, theme and related."""
    entry = engine.kb.entries[entry_id]
    page = entry_payload(engine, entry_id, lang)
    outline = sections(getattr(entry.body, lang))
    page.update(
        description=entry.one_line(lang),
        toc=outline if len(outline) >= TOC_MIN_SECTIONS else [],
        topic=topic_of(engine, entry_id, lang),
        related=[entry_ref(engine, rid, lang) for rid in entry.related],
    )
    return page


def topic_map(engine: Engine, lang: str) -> list[dict]:
    """Return the themes in order, each with its entries' titles and one-line summaries in ``lang``."""
    return [
        {
            "id": topic.id,
            "title": getattr(topic.title, lang),
            "starter": getattr(topic.starter, lang),
            "entries": [
                {**entry_ref(engine, entry_id, lang), "summary": engine.kb.entries[entry_id].one_line(lang)}
                for entry_id in topic.entries
            ],
        }
        for topic in engine.kb.topics
    ]


def demo_gallery(engine: Engine, lang: str) -> list[dict]:
    """Return every demo's summary (claim, command, measured result) with the entries that explain it."""
    gallery = []
    for name in demos.DEMOS:
        summary = demo_summary(name, lang, engine.demo_records.get(name))
        summary["entries"] = [entry_ref(engine, e.id, lang) for e in engine.kb.entries.values() if e.demo == name]
        gallery.append(summary)
    return gallery


def close_entries(engine: Engine, missing_id: str, lang: str, limit: int = 3) -> list[dict]:
    """Return entries whose titles resemble a missing id (for the not-found page)."""
    ids = engine.suggester.suggest(missing_id.replace("-", " "), limit=limit)
    return [entry_ref(engine, entry_id, lang) for entry_id in ids]
