"""The WSGI entry point: `gunicorn wsgi:app`, and FLASK_APP=wsgi for the flask command."""

from app import create_app
from app.core.heap import CONFIG, settle
from app.triage.meaning import tokenizer

app = create_app()
# Built once per worker as it starts (about 1 s: jieba's dictionary), not inside the first
# request that reads a description: that report would wait for it, and a worker's first
# seconds under load would go to it.
tokenizer()
# What lives as long as the worker is kept out of the collector's full passes from here on,
# and again after each area index is built (app/core/heap.py).
app.config[CONFIG] = True
settle(app)
