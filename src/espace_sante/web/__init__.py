"""The web front door: server-rendered pages (Jinja2, htmx), French by default."""
