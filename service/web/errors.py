"""One JSON error shape for every error response: ``{"ok": false, "status", "error", "message"}``."""

from __future__ import annotations

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException


class ApiError(Exception):
    """A client error with a status code and a message that says what was wrong and what is accepted."""

    def __init__(self, status: int, message: str, error: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.error = error or {400: "bad_request", 404: "not_found", 415: "unsupported_media_type"}.get(status, "error")


def error_response(status: int, error: str, message: str):
    """Build the one error shape as a Flask response."""
    response = jsonify({"ok": False, "status": status, "error": error, "message": message})
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    """Route every error, ours and Werkzeug's, through ``error_response``."""

    @app.errorhandler(ApiError)
    def handle_api_error(exc: ApiError):
        return error_response(exc.status, exc.error, exc.message)

    @app.errorhandler(HTTPException)
    def handle_http_exception(exc: HTTPException):
        name = (exc.name or "error").lower().replace(" ", "_")
        response = error_response(exc.code or 500, name, exc.description or exc.name)
        if exc.code == 405 and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        return error_response(500, "internal_error", "the server failed to answer; the error was logged")
