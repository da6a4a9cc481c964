"""Host UI: FastAPI + Jinja2 + HTMX, pt-BR. Plugins contribute menu items, panel tabs and routes."""
