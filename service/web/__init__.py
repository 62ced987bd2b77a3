"""The web layer: the Flask app factory, the API, OpenAPI and page blueprints, rate limits, errors, WSGI."""
