"""The web app and REST API (FastAPI + Jinja2), built by :func:`medcite.web.app.create_app`."""
