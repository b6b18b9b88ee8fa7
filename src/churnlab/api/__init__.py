"""The scoring API (FastAPI): see :func:`churnlab.api.app.create_app`."""

from churnlab.api.app import create_app

__all__ = ["create_app"]
