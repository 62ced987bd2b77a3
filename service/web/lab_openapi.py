"""The OpenAPI description of the demo lab endpoints, with each demo's parameter schema as a component."""

from __future__ import annotations

from typing import Any

from gradlab import demos

RUN = {
    "type": "object",
    "required": ["id", "demo", "params", "status", "result", "error", "cached", "poll_url"],
    "properties": {
        "id": {"type": "string"},
        "demo": {"type": "string"},
        "params": {"type": "object", "description": "every knob's value in this run, defaults filled in"},
        "status": {"type": "string", "enum": ["queued", "running", "done", "failed", "killed"]},
        "result": {
            "oneOf": [
                {
                    "type": "object",
                    "required": ["metrics", "claim_held", "headline", "series", "seconds"],
                    "properties": {
                        "metrics": {"type": "object"},
                        "table": {"type": "array"},
                        "claim_held": {"type": "boolean", "description": "the demo's claim, checked at these settings"},
                        "headline": {"type": "string"},
                        "series": {"type": "object", "description": "the curves, to plot in the browser"},
                        "params": {"type": "object"},
                        "seconds": {"type": "number"},
                    },
                },
                {"type": "null"},
            ]
        },
        "error": {"type": ["string", "null"], "description": "why a failed or killed run stopped"},
        "cached": {"type": "boolean"},
        "poll_url": {"type": "string"},
    },
}
LAB = {
    "type": "object",
    "required": ["name", "title", "claim", "params", "schema", "runs_url"],
    "properties": {
        "name": {"type": "string"},
        "title": {"type": "object"},
        "claim": {"type": "object"},
        "params": {"type": "array", "items": {"type": "object"}, "description": "knob declarations with `grid`"},
        "schema": {"type": "object", "description": "JSON Schema of the demo's params"},
        "runs_url": {"type": "string"},
    },
}


def schema_name(demo: str) -> str:
    return f"Params_{demo}"


def extend(document: dict[str, Any], json_response, errors, ref) -> None:
    """Add the lab's paths and schemas (one params schema per demo) to the OpenAPI ``document``."""
    from gradlab.demos._harness import param_schema

    name = {"name": "name", "in": "path", "required": True, "schema": {"type": "string", "enum": list(demos.DEMOS)}}
    run_id = {"name": "run_id", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[0-9a-f]+$"}}
    request = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "params": {
                "description": "knob values of the demo named in the path (its own schema below); missing ones "
                "take their defaults",
                "anyOf": [ref(schema_name(demo)) for demo in demos.DEMOS],
            }
        },
    }
    run_errors = {**errors(400, 404, 413, 415), **errors(429, 503)}
    for code in ("429", "503"):
        run_errors[code]["headers"] = {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}}
    document["paths"]["/api/demos/{name}/lab"] = {
        "get": {
            "summary": "The demo's knobs: labels, ranges, control positions and the JSON schema of its params",
            "parameters": [name],
            "responses": {"200": json_response("the knobs", ref("DemoLab")), **errors(404, 429)},
        }
    }
    document["paths"]["/api/demos/{name}/runs"] = {
        "post": {
            "summary": "Run the demo with these knob values: 200 with the result when cached, else 202 to poll",
            "parameters": [name],
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref("RunRequest")}}},
            "responses": {
                "200": json_response("the cached result", ref("Run")),
                "202": json_response("accepted: poll the run's poll_url", ref("Run")),
                **run_errors,
            },
        }
    }
    document["paths"]["/api/demos/{name}/runs/{run_id}"] = {
        "get": {
            "summary": "One run: queued, running, done (with its result), failed or killed (with the reason)",
            "parameters": [name, run_id],
            "responses": {"200": json_response("the run", ref("Run")), **errors(404, 429, 503)},
        }
    }
    schemas = document["components"]["schemas"]
    schemas.update({"Run": RUN, "DemoLab": LAB, "RunRequest": request})
    for demo in demos.DEMOS:
        schemas[schema_name(demo)] = param_schema(demos.load(demo))
