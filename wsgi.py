"""WSGI entry point: ``gunicorn wsgi:app``."""
from coalition import create_app

app = create_app()
