"""The WSGI entry point: `gunicorn wsgi:app`, and FLASK_APP=wsgi for the flask command."""

from app import create_app
from app.triage.meaning import tokenizer

app = create_app()
# Built once per worker as it starts (about 1 s: jieba's dictionary), not inside the first
# request that reads a description: that report would wait for it, and a worker's first
# seconds under load would go to it.
tokenizer()
