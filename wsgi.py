"""WSGI entry point for the central role: ``gunicorn wsgi:app``."""

from webapp import create_app

app = create_app()
