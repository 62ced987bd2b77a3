"""The request bodies of the JSON API as pydantic models: the one source of truth for validation and OpenAPI.

``parse`` validates a decoded body against a model and turns the first problem into a 400 that names the field
and says what it accepts; ``request_schemas`` gives /openapi.json the same models as JSON Schema, so the code,
the spec and the README cannot drift apart.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, Literal

from gradlab.answer import LANGS
from gradlab.web.errors import ApiError
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError

# JSON Schema patterns are ECMA-262 regexes, whose \s differs from Python's and Rust's; this class lists ECMA's
# white space explicitly, so the spec, pydantic and the strip below agree on what a blank question is.
ECMA_SPACE = "\t\n\v\f\r \u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f"
ECMA_SPACE += "\u3000\ufeff"
NOT_BLANK = "[^\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]"
MAX_COMMENT_CHARS = 1000
VOTES = ("up", "down")


def integral_float_to_int(value: Any) -> Any:
    """JSON has one number type: 4.0 is the integer 4 (JSON Schema agrees), "4" is not."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def strip(value: str) -> str:
    """Remove the white space the NOT_BLANK pattern looks past."""
    return value.strip(ECMA_SPACE)


def question_field(max_chars: int):
    return Annotated[
        str,
        StringConstraints(min_length=1, max_length=max_chars, pattern=NOT_BLANK),
        Field(description=f"a string of 1 to {max_chars} characters, not only white space"),
    ]


@functools.cache
def ask_model(max_chars: int) -> type[BaseModel]:
    """Return the model of a POST /api/ask body for questions of at most ``max_chars`` characters."""

    class AskRequest(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)
        question: question_field(max_chars)
        lang: Literal[LANGS] = Field("auto", description=f"one of {', '.join(LANGS)}")
        top_k: Annotated[int, BeforeValidator(integral_float_to_int)] = Field(
            3, ge=1, le=10, description="an integer from 1 to 10"
        )
        context: str | None = Field(
            None,
            max_length=100,
            description="an entry id (the one that answered the previous question) or null",
        )

    return AskRequest


@functools.cache
def feedback_model(max_chars: int) -> type[BaseModel]:
    """Return the model of a POST /api/feedback body for questions of at most ``max_chars`` characters."""

    class FeedbackRequest(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)
        question: question_field(max_chars)
        entry_id: str | None = Field(None, description="the id of an entry (GET /api/entries) or null")
        confidence: float | None = Field(None, ge=0, le=1, description="a number from 0 to 1 or null")
        vote: Literal[VOTES] = Field(description="'up' or 'down'")
        comment: str = Field(
            "", max_length=MAX_COMMENT_CHARS, description=f"a string of at most {MAX_COMMENT_CHARS} characters"
        )

    return FeedbackRequest


def parse(model: type[BaseModel], data: dict) -> BaseModel:
    """Validate ``data`` against ``model``; raise ApiError naming the field and what it accepts."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError(400, problem(model, exc.errors())) from None


def problem(model: type[BaseModel], errors: list[dict]) -> str:
    """Say what was wrong (unknown fields first, else the first bad field) and what is accepted."""
    fields = model.model_fields
    unknown = sorted(str(e["loc"][0]) for e in errors if e["type"] == "extra_forbidden")
    if unknown:
        return f"unknown field(s): {', '.join(unknown)}; accepted: {', '.join(fields)}"
    error = errors[0]
    name = str(error["loc"][0])
    if error["type"] == "missing":
        return f"'{name}' is required: {fields[name].description}"
    found = "it is only white space" if error["type"] == "string_pattern_mismatch" else error["msg"].lower()
    return f"'{name}' must be {fields[name].description} ({found})"


def request_schemas(max_chars: int, entry_ids: list[str] | None = None) -> dict[str, dict]:
    """Return the JSON Schemas of the request bodies for /openapi.json, generated from the models."""
    schemas = {}
    for name, model in (("AskRequest", ask_model(max_chars)), ("FeedbackRequest", feedback_model(max_chars))):
        schema = model.model_json_schema()
        schema["title"] = name
        schemas[name] = schema
    if entry_ids is not None:  # the ids are data, not code: the spec lists the ones this server has
        entry_id = schemas["FeedbackRequest"]["properties"]["entry_id"]
        entry_id["anyOf"] = [{"type": "string", "enum": entry_ids}, {"type": "null"}]
    return schemas
