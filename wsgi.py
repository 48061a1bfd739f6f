"""The WSGI entry point: the only place an application is built at import."""

from gunicorn.errors import AppImportError

from coordinator import create_app
from coordinator.config import UnsafeConfiguration

try:
    app = create_app()
except UnsafeConfiguration as refusal:
    # gunicorn prints this one line and stops, rather than a traceback per worker it boots.
    raise AppImportError(str(refusal)) from None
