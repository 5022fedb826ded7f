"""The WSGI entry point: `gunicorn wsgi:app`."""

from credit import create_app

app = create_app()
