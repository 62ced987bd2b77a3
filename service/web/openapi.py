"""The OpenAPI 3 description of every endpoint, served at /openapi.json.

Kept in step with the routes by a test: an endpoint added without a description here fails the suite, and
the fuzz test (schemathesis) checks every response against these schemas.
"""

from __future__ import annotations

import json

from gradlab.answer import LANGS
from gradlab.web import lab_openapi

ERROR = {
    "type": "object",
    "required": ["ok", "status", "error", "message"],
    "additionalProperties": False,
    "properties": {
        "ok": {"type": "boolean", "const": False},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "error": {"type": "string"},
        "message": {"type": "string"},
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
ANSWER = {
    "type": "object",
    "required": ["question", "lang", "answered", "confidence", "answer", "related", "alternatives", "suggestions"],
    "properties": {
        "question": {"type": "string"},
        "lang": {"type": "string", "enum": ["en", "zh"]},
        "answered": {"type": "boolean"},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "answer": {"oneOf": [{"$ref": "#/components/schemas/Entry"}, {"type": "null"}]},
        "related": {"type": "array", "items": {"$ref": "#/components/schemas/EntryRef"}},
        "alternatives": {"type": "array", "items": {"$ref": "#/components/schemas/EntryRef"}},
        "suggestions": {"type": "array", "items": {"$ref": "#/components/schemas/EntryRef"}},
    },
}
ASK_REQUEST = {
    "type": "object",
    "required": ["question"],
    "additionalProperties": False,
    "properties": {
        "question": {"type": "string", "minLength": 1, "maxLength": 500, "pattern": "\\S"},
        "lang": {"type": "string", "enum": list(LANGS), "default": "auto"},
        "top_k": {"type": "integer", "minimum": 1, "maximum": 10, "default": 3},
    },
}
FEEDBACK_REQUEST = {
    "type": "object",
    "required": ["question", "vote"],
    "additionalProperties": False,
    "properties": {
        "question": {"type": "string", "minLength": 1, "maxLength": 500, "pattern": "\\S"},
        "entry_id": {"type": ["string", "null"], "description": "an id from GET /api/entries, or null"},
        "confidence": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
        "vote": {"type": "string", "enum": ["up", "down"]},
        "comment": {"type": "string", "maxLength": 1000},
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
    ask_request = json.loads(json.dumps(ASK_REQUEST))
    feedback_request = json.loads(json.dumps(FEEDBACK_REQUEST))
    for schema in (ask_request, feedback_request):
        schema["properties"]["question"]["maxLength"] = max_question_chars
    if entry_ids is not None:
        feedback_request["properties"]["entry_id"]["enum"] = [*entry_ids, None]
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
                        **errors(400),
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
                    "responses": {"200": json_response("the entry", ref("Entry")), **errors(400, 404)},
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
                        **errors(400),
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
                    "responses": {"200": json_response("the demo", ref("Demo")), **errors(400, 404)},
                }
            },
            "/api/demos/{name}/source": {
                "get": {
                    "summary": "The demo's source file",
                    "parameters": [path_param("name")],
                    "responses": {
                        "200": {"description": "Python source", "content": {"text/plain": {}}},
                        **errors(404),
                    },
                }
            },
            "/api/demos/{name}/plot.png": {
                "get": {
                    "summary": "The demo's plot from its built result, with English or Chinese labels",
                    "parameters": [path_param("name"), LANG_PARAM],
                    "responses": {"200": {"description": "PNG", "content": {"image/png": {}}}, **errors(400, 404)},
                }
            },
            "/admin/reload": {
                "post": {
                    "summary": "Swap in the edited knowledge base and index (Authorization: Bearer token)",
                    "responses": {
                        "200": json_response("reloaded", {"type": "object"}),
                        "422": json_response(
                            "invalid knowledge base; the last good one keeps serving", {"type": "object"}
                        ),
                        **errors(401, 404, 429),
                    },
                }
            },
            "/healthz": {"get": {"summary": "Alive", "responses": {"200": json_response("ok", {"type": "object"})}}},
            "/readyz": {
                "get": {
                    "summary": "Model and index loaded",
                    "responses": {"200": json_response("ready", {"type": "object"}), **errors(503)},
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
                "Answer": ANSWER,
                "AskRequest": ask_request,
                "FeedbackRequest": feedback_request,
            }
        },
    }
    lab_openapi.extend(document, json_response, errors, ref)
    return document
