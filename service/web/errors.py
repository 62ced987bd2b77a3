"""One JSON error shape for every error response: ``{"ok": false, "status", "error", "message"}``, plus a
``problems`` list where one request has several (an invalid knowledge base on reload)."""

from __future__ import annotations

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException


class ApiError(Exception):
    """A client error with a status code and a message that says what was wrong and what is accepted."""

    def __init__(self, status: int, message: str, error: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.error = error or {400: "bad_request", 404: "not_found", 415: "unsupported_media_type"}.get(status, "error")
        self.headers = headers or {}


def error_response(status: int, error: str, message: str, problems: list[str] | None = None):
    """Build the one error shape as a Flask response; ``problems`` lists details where there are several."""
    body = {"ok": False, "status": status, "error": error, "message": message}
    if problems is not None:
        body["problems"] = problems
    response = jsonify(body)
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    """Route every error, ours and Werkzeug's, through ``error_response``."""

    @app.errorhandler(ApiError)
    def handle_api_error(exc: ApiError):
        response = error_response(exc.status, exc.error, exc.message)
        response.headers.update(exc.headers)
        return response

    @app.errorhandler(HTTPException)
    def handle_http_exception(exc: HTTPException):
        if exc.response is not None:  # built already in the error shape, e.g. the rate limiter's 429
            return exc.response
        name = (exc.name or "error").lower().replace(" ", "_")
        response = error_response(exc.code or 500, name, exc.description or exc.name)
        if exc.code == 405 and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        return error_response(500, "internal_error", "the server failed to answer; the error was logged")
