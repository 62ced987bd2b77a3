"""Per-client rate limiting of the API and the admin endpoint (flask-limiter): in-memory by default, Redis or
another limits storage URL for several replicas. A breach gets the one JSON error shape with status 429 and
``Retry-After``.

A client is its address, an IPv6 client its /64 (one host usually owns a whole /64, so counting single
addresses would let it rotate). Behind reverse proxies, TRUSTED_PROXIES hops of ``X-Forwarded-For`` are
believed; the default, 0, believes none, since any client can send the header.
"""

from __future__ import annotations

import ipaddress
import math
import time

from flask import Blueprint, Flask, request
from flask_limiter import Limiter, RequestLimit
from gradlab.web.errors import error_response
from werkzeug.middleware.proxy_fix import ProxyFix


def on_breach(limit: RequestLimit):
    """Answer a rate-limit breach with the JSON error shape and the seconds until the window resets."""
    retry_after = max(1, math.ceil(limit.reset_at - time.time()))
    response = error_response(
        429, "too_many_requests", f"rate limit of {limit.limit} exceeded; retry in {retry_after} s"
    )
    response.headers["Retry-After"] = str(retry_after)
    return response


def client_key(address: str | None) -> str:
    """Return the rate-limit bucket of a client address: the address itself, or the /64 of an IPv6 one."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def init_app(app: Flask, blueprints: list[Blueprint], settings: dict) -> Limiter | None:
    """Limit every route of ``blueprints`` per client; RATE_LIMIT empty turns limiting off."""
    if settings["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings["TRUSTED_PROXIES"], x_proto=0, x_host=0, x_prefix=0)
    if not settings["RATE_LIMIT"]:
        return None
    limiter = Limiter(
        lambda: client_key(request.remote_addr),
        app=app,
        storage_uri=settings["RATE_LIMIT_STORAGE"],
        on_breach=on_breach,
        swallow_errors=True,
        in_memory_fallback_enabled=True,
        headers_enabled=False,  # on_breach sets Retry-After; the limiter would rewrite it off by a second
    )
    for blueprint in blueprints:
        limiter.limit(settings["RATE_LIMIT"])(blueprint)
    return limiter
