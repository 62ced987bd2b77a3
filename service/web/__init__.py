"""The web layer: the app factory, API, lab, page and OpenAPI blueprints, request models, limits, errors, WSGI."""
