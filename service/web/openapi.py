"""The OpenAPI 3 description of every endpoint, served at /openapi.json.

Kept in step with the routes by a test: an endpoint added without a description here fails the suite, and
the fuzz test (schemathesis) checks every response against these schemas. The request bodies are generated
from the pydantic models that validate them (``gradlab.web.models``).
"""

from __future__ import annotations

from gradlab.web import lab_openapi
from gradlab.web.models import request_schemas

ERROR = {
    "type": "object",
    "required": ["ok", "status", "error", "message"],
    "additionalProperties": False,
    "properties": {
        "ok": {"type": "boolean", "const": False},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "error": {"type": "string"},
        "message": {"type": "string"},
        "problems": {"type": "array", "items": {"type": "string"}},
    },
}
ENTRY_REF = {
    "type": "object",
    "required": ["id", "title"],
    "properties": {"id": {"type": "string"}, "title": {"type": "string"}, "confidence": {"type": "number"}},
}
DEMO = {
    "type": "object",
    "required": ["name", "title", "claim", "command", "cli_command", "source", "result"],
    "properties": {
        "name": {"type": "string"},
        "title": {"type": "string"},
        "claim": {"type": "string"},
        "command": {"type": "string"},
        "cli_command": {"type": "string"},
        "source": {"type": "string"},
        "plot_url": {"type": ["string", "null"]},
        "source_url": {"type": "string"},
        "result": {"type": ["object", "null"]},
    },
}
ENTRY = {
    "type": "object",
    "required": ["id", "title", "summary", "text", "html", "demo", "references"],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "summary": {"type": "string"},
        "text": {"type": "string"},
        "html": {"type": "string"},
        "demo": {"oneOf": [{"$ref": "#/components/schemas/Demo"}, {"type": "null"}]},
        "references": {"type": "array", "items": {"type": "string"}},
        "related": {"type": "array", "items": {"$ref": "#/components/schemas/EntryRef"}},
    },
}
SUGGESTION = {
    "type": "object",
    "required": ["id", "title", "titles", "url"],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string", "description": "the title in the requested language"},
        "titles": {
            "type": "object",
            "required": ["en", "zh"],
            "properties": {"en": {"type": "string"}, "zh": {"type": "string"}},
        },
        "url": {"type": "string", "description": "the entry's page, /e/<id>?lang="},
    },
}
STARTER = {
    "type": "object",
    "required": ["topic", "question"],
    "properties": {"topic": {"type": "string"}, "question": {"type": "string"}},
}
ANSWER = {
    "type": "object",
    "required": [
        "question",
        "lang",
        "kind",
        "answered",
        "confidence",
        "answer",
        "related",
        "alternatives",
        "suggestions",
        "reply",
        "starters",
    ],
    "properties": {
        "question": {"type": "string"},
        "lang": {"type": "string", "enum": ["en", "zh"]},
        "kind": {
            "type": "string",
            "enum": ["answer", "decline", "smalltalk"],
            "description": "answer: 'answer' holds the entry; decline: no good answer, see 'suggestions'; "
            "smalltalk: a greeting, thanks or 'what can you do', see 'reply' and 'starters'",
        },
        "answered": {"type": "boolean"},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "answer": {"oneOf": [{"$ref": "#/components/schemas/Entry"}, {"type": "null"}]},
        "related": {"type": "array", "items": {"$ref": "#/components/schemas/EntryRef"}},
        "alternatives": {"type": "array", "items": {"$ref": "#/components/schemas/EntryRef"}},
        "suggestions": {"type": "array", "items": {"$ref": "#/components/schemas/EntryRef"}},
        "reply": {"type": ["string", "null"], "description": "the friendly reply to small talk, else null"},
        "starters": {
            "type": "array",
            "items": {"$ref": "#/components/schemas/Starter"},
            "description": "with small talk: one question to start with per theme of the topic map",
        },
    },
}
READY = {
    "type": "object",
    "required": ["ok", "entries", "indexed_texts", "model", "last_reload_error"],
    "properties": {
        "ok": {"type": "boolean", "const": True},
        "entries": {"type": "integer"},
        "indexed_texts": {"type": "integer"},
        "model": {"type": "string"},
        "last_reload_error": {"type": ["array", "null"], "items": {"type": "string"}},
    },
}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def json_response(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def errors(*codes: int) -> dict:
    return {str(code): json_response("error", ref("Error")) for code in codes}


def path_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


LANG_PARAM = {
    "name": "lang",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "enum": ["en", "zh"], "default": "en"},
}


def spec(max_question_chars: int = 500, entry_ids: list[str] | None = None) -> dict:
    """Return the OpenAPI document for the current limits and knowledge base."""
    requests = request_schemas(max_question_chars, entry_ids)
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": "gradlab",
            "version": "0.1.0",
            "description": "Bilingual answers about RNN, CNN, GRU and LSTM, each backed by a runnable demo.",
        },
        "paths": {
            "/api/ask": {
                "post": {
                    "summary": "Answer a question, or decline with suggestions",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": ref("AskRequest")}}},
                    "responses": {"200": json_response("the answer", ref("Answer")), **errors(400, 413, 415, 429)},
                }
            },
            "/api/feedback": {
                "post": {
                    "summary": "Record a vote and optional comment on an answer",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": ref("FeedbackRequest")}},
                    },
                    "responses": {
                        "201": json_response(
                            "stored",
                            {
                                "type": "object",
                                "required": ["ok", "id"],
                                "properties": {"ok": {"type": "boolean"}, "id": {"type": "integer"}},
                            },
                        ),
                        **errors(400, 413, 415, 429, 503),
                    },
                }
            },
            "/api/entries": {
                "get": {
                    "summary": "List the knowledge entries",
                    "parameters": [LANG_PARAM],
                    "responses": {
                        "200": json_response(
                            "entries",
                            {
                                "type": "object",
                                "required": ["entries"],
                                "properties": {"entries": {"type": "array", "items": ref("EntryRef")}},
                            },
                        ),
                        **errors(400, 429),
                    },
                }
            },
            "/api/entries/{entry_id}": {
                "get": {
                    "summary": "One knowledge entry",
                    "parameters": [
                        path_param("entry_id"),
                        LANG_PARAM,
                    ],
                    "responses": {"200": json_response("the entry", ref("Entry")), **errors(400, 404, 429)},
                }
            },
            "/api/suggest": {
                "get": {
                    "summary": "Up to 5 entry titles, in both languages, matching the text typed so far",
                    "parameters": [
                        {
                            "name": "q",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string", "maxLength": max_question_chars},
                            "description": "the text typed so far; prefix and fuzzy match over titles and phrasings",
                        },
                        LANG_PARAM,
                    ],
                    "responses": {
                        "200": json_response(
                            "suggestions, best first",
                            {
                                "type": "object",
                                "required": ["q", "suggestions"],
                                "properties": {
                                    "q": {"type": "string"},
                                    "suggestions": {"type": "array", "maxItems": 5, "items": ref("Suggestion")},
                                },
                            },
                        ),
                        **errors(400),
                    },
                }
            },
            "/api/demos": {
                "get": {
                    "summary": "List the demos with their measured results",
                    "parameters": [LANG_PARAM],
                    "responses": {
                        "200": json_response(
                            "demos",
                            {
                                "type": "object",
                                "required": ["demos"],
                                "properties": {"demos": {"type": "array", "items": ref("Demo")}},
                            },
                        ),
                        **errors(400, 429),
                    },
                }
            },
            "/api/demos/{name}": {
                "get": {
                    "summary": "One demo",
                    "parameters": [
                        path_param("name"),
                        LANG_PARAM,
                    ],
                    "responses": {"200": json_response("the demo", ref("Demo")), **errors(400, 404, 429)},
                }
            },
            "/api/demos/{name}/source": {
                "get": {
                    "summary": "The demo's source file",
                    "parameters": [path_param("name")],
                    "responses": {
                        "200": {"description": "Python source", "content": {"text/plain": {}}},
                        **errors(404, 429),
                    },
                }
            },
            "/api/demos/{name}/plot.png": {
                "get": {
                    "summary": "The demo's plot from its built result, with English or Chinese labels",
                    "parameters": [path_param("name"), LANG_PARAM],
                    "responses": {"200": {"description": "PNG", "content": {"image/png": {}}}, **errors(400, 404, 429)},
                }
            },
            "/admin/reload": {
                "post": {
                    "summary": "Swap in the edited knowledge base and index (Authorization: Bearer token)",
                    "responses": {
                        "200": json_response("reloaded", {"type": "object"}),
                        **errors(404, 429),
                        "401": {
                            **json_response("no or wrong bearer token", ref("Error")),
                            "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
                        },
                        "422": json_response(
                            "invalid knowledge base, listed in 'problems'; the last good one keeps serving",
                            ref("Error"),
                        ),
                    },
                }
            },
            "/healthz": {"get": {"summary": "Alive", "responses": {"200": json_response("ok", {"type": "object"})}}},
            "/readyz": {
                "get": {
                    "summary": "Model and index loaded",
                    "responses": {"200": json_response("ready", READY), **errors(503)},
                }
            },
            "/openapi.json": {
                "get": {"summary": "This document", "responses": {"200": json_response("OpenAPI", {"type": "object"})}}
            },
        },
        "components": {
            "schemas": {
                "Error": ERROR,
                "EntryRef": ENTRY_REF,
                "Demo": DEMO,
                "Entry": ENTRY,
                "Starter": STARTER,
                "Suggestion": SUGGESTION,
                "Answer": ANSWER,
                **requests,
            }
        },
    }
    lab_openapi.extend(document, json_response, errors, ref)
    return document
