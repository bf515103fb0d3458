"""A Celery worker that builds links to the site: ``celery -A tasks worker``.

``tests/test_celery_worker.py`` runs it as a real prefork worker; run as a
script, it checks the task in this process.
"""

from __future__ import annotations

# [start-celery]
from celery import Celery
from celery.signals import worker_process_init
from wsgi import application as party  # the party of the web site, made lazily

app = Celery("tasks")
# Broker and result backend as for any Celery app: here from the module
# named by CELERY_CONFIG_MODULE (or CELERY_BROKER_URL, CELERY_RESULT_BACKEND).
app.config_from_envvar("CELERY_CONFIG_MODULE", silent=True)


@worker_process_init.connect
def join_party(**kwargs: object) -> None:
    """Each worker process bootstraps its own party once, as it starts."""
    party.members  # noqa: B018 - bootstraps a lazy party


@app.task
def welcome_mail(user_id: int) -> str:
    # No request here: scheme, host and prefix come from the party's base_url.
    link = party.url_for("blog:post", id=user_id, _external=True)
    return f"Welcome! Your first post: {link}"


# [end-celery]


if __name__ == "__main__":
    join_party()
    assert welcome_mail.apply(args=(3,)).get() == (
        "Welcome! Your first post: http://localhost:8000/blog/post/3"
    )
    party.close()
