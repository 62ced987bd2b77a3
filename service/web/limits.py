"""Per-client rate limiting of the API (flask-limiter): in-memory by default, Redis or another limits storage
URL for several replicas. A breach gets the one JSON error shape with status 429 and ``Retry-After``."""

from __future__ import annotations

import math
import time

from flask import Blueprint, Flask
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from gradlab.web.errors import error_response


def on_breach(limit: RequestLimit):
    """Answer a rate-limit breach with the JSON error shape and the seconds until the window resets."""
    retry_after = max(1, math.ceil(limit.reset_at - time.time()))
    response = error_response(
        429, "too_many_requests", f"rate limit of {limit.limit} exceeded; retry in {retry_after} s"
    )
    response.headers["Retry-After"] = str(retry_after)
    return response


def init_app(app: Flask, blueprint: Blueprint, settings: dict) -> Limiter | None:
    """Limit every route of ``blueprint`` per client address; RATE_LIMIT empty turns limiting off."""
    if not settings["RATE_LIMIT"]:
        return None
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=settings["RATE_LIMIT_STORAGE"],
        on_breach=on_breach,
        swallow_errors=True,
        in_memory_fallback_enabled=True,
        headers_enabled=True,
    )
    limiter.limit(settings["RATE_LIMIT"])(blueprint)
    return limiter
