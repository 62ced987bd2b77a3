"""Production serving with gunicorn: the app is built once, before the workers fork, so the model and the
indexes are loaded once and shared copy-on-write. ``gunicorn 'gradlab.web.wsgi:app'`` works too."""

from __future__ import annotations

import gc

from flask import Flask
from gradlab.ops.settings import load_settings
from gunicorn.app.base import BaseApplication


class GradlabServer(BaseApplication):
    def __init__(self, app: Flask, options: dict):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def serve_production(app: Flask, host: str, port: int) -> None:
    """Serve ``app`` with gunicorn: workers and threads from the settings, graceful shutdown on SIGTERM.

    Everything the app holds (the engine, jieba's dictionary, the rendered answers: about half a million objects)
    is moved out of the garbage collector's sight before the workers fork: a full collection of it took 250 ms
    (a stalled request whenever it ran) and would write to every page the workers share.
    """
    settings = load_settings()
    gc.freeze()
    GradlabServer(
        app,
        {
            "bind": f"{host}:{port}",
            "workers": settings["WORKERS"],
            "threads": settings["THREADS"],
            "worker_class": "gthread",
            "preload_app": True,
            "graceful_timeout": 10,
            "timeout": 60,
            "accesslog": "-",
        },
    ).run()


def __getattr__(name: str):
    if name == "app":  # built on first access so importing this module stays cheap
        from gradlab import create_app

        return create_app()
    raise AttributeError(name)
