"""The web pages: server-rendered with Jinja2 and htmx, over the same services as the API."""
