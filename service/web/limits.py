"""Per-client rate limiting of the API and the admin endpoint (flask-limiter): in-memory by default, Redis or
another limits storage URL for several replicas. A breach gets the one JSON error shape with status 429 and
``Retry-After``.

A client is its address, an IPv6 client its /64 (one host usually owns a whole /64, so counting single
addresses would let it rotate). Behind reverse proxies, TRUSTED_PROXIES hops of ``X-Forwarded-For`` are
believed; the default, 0, believes none, since any client can send the header.

The in-memory counters are limits' memory storage less its expiry timer: that storage starts a new thread on a
hit whenever its 10 ms timer has run out, which on a server answering one request every few milliseconds means a
thread per request (measured: a third of the time gunicorn spends on a trivial request). Here a counter whose
window has ended is dropped when its client comes back, as limits does anyway, and a sweep on a hit at most
every ``SWEEP_SECONDS`` drops those of clients that never came back.
"""

from __future__ import annotations

import ipaddress
import math
import time

from flask import Blueprint, Flask, request
from flask_limiter import Limiter, RequestLimit
from gradlab.web.errors import error_response
from limits.storage import MemoryStorage
from werkzeug.middleware.proxy_fix import ProxyFix

SWEEP_SECONDS = 10.0


class SweptMemoryStorage(MemoryStorage):
    """Per-process fixed-window counters that expire on access and in a periodic sweep, never on a timer thread."""

    STORAGE_SCHEME = ["gradlab-memory"]

    def __init__(self, uri: str | None = None, **options):
        super().__init__(uri, **options)
        self.next_sweep = time.time() + SWEEP_SECONDS

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        self.sweep()
        self.get(key)  # drops the counter once its window has ended
        with self.locks[key]:
            self.storage[key] += amount
            if self.storage[key] == amount:
                self.expirations[key] = time.time() + expiry
        return self.storage.get(key, 0)

    def sweep(self) -> None:
        """Drop every counter whose window has ended, at most once every SWEEP_SECONDS."""
        now = time.time()
        if now < self.next_sweep:
            return
        self.next_sweep = now + SWEEP_SECONDS
        for key, expires in list(self.expirations.items()):
            if expires <= now:
                self.get(key)


def storage_uri(setting: str) -> str:
    """Return the limits storage URL for RATE_LIMIT_STORAGE: memory:// means the swept memory storage."""
    return "gradlab-memory://" if setting.strip() in ("memory://", "memory:///") else setting


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
        storage_uri=storage_uri(settings["RATE_LIMIT_STORAGE"]),
        on_breach=on_breach,
        swallow_errors=True,
        in_memory_fallback_enabled=True,
        headers_enabled=False,  # on_breach sets Retry-After; the limiter would rewrite it off by a second
    )
    for blueprint in blueprints:
        limiter.limit(settings["RATE_LIMIT"])(blueprint)
    return limiter
