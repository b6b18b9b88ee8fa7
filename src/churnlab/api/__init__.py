"""The scoring API (FastAPI): see :func:`churnlab.api.app.create_app`.

It needs churnlab's optional part ``service`` (``pip install 'churnlab[service]'``).
"""

from churnlab.extras import require

require("service", "churnlab.api")

from churnlab.api.app import create_app  # noqa: E402  (after the hint for a missing part)

__all__ = ["create_app"]
