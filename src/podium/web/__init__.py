"""The web application: HTML pages and a JSON API over the Podium facade (`podium serve`)."""

from .app import create_app

__all__ = ["create_app"]
