"""Gunicorn settings: ``gunicorn -c gunicorn_conf.py wsgi:application``."""

from __future__ import annotations

import typing as t

# [start-gunicorn]
bind = "127.0.0.1:8000"
workers = 2
preload_app = False  # True works as well: see the deployment guide


def post_worker_init(worker: t.Any) -> None:
    """Bootstrap the worker's party before it takes its first request."""
    worker.wsgi.members  # noqa: B018 - worker.wsgi is the loaded application


# [end-gunicorn]
