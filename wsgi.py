"""The WSGI entry point: the only place an application is built at import."""

from coordinator import create_app

app = create_app()
