"""Live updates over Socket.IO: this app's server, its `/live` handlers and the one publisher."""

from __future__ import annotations

from flask_socketio import SocketIO

from . import publisher, queue
from .events import LiveNamespace

# Socket.IO messages are small; a large frame is an attack, not a map update.
MAX_MESSAGE_BYTES = 64 * 1024


def init_app(app) -> SocketIO:
    socketio = SocketIO()
    manager = queue.client_manager(app.config["MESSAGE_QUEUE_URL"],
                                   app.config.get("SOCKETIO_CHANNEL", "coordinator"))
    batch_ms = app.config.get("LIVE_BATCH_MS", 100)
    manager.batch_interval = None if batch_ms is None else max(batch_ms, 0) / 1000
    app.extensions["live_batches"] = manager
    socketio.init_app(
        app,
        client_manager=manager,
        # None means same-origin only; an explicit list is checked against each Origin header.
        cors_allowed_origins=app.config["CORS_ALLOWED_ORIGINS"] or None,
        max_http_buffer_size=MAX_MESSAGE_BYTES,
        async_mode=app.config.get("SOCKETIO_ASYNC_MODE"),
        manage_session=False,
    )
    socketio.on_namespace(LiveNamespace(publisher.NAMESPACE))
    database = app.extensions["db"]
    app.extensions["publisher"] = publisher.Publisher(
        socketio, database["writer"],
        across_processes=database["engine"].dialect.name == "postgresql", logger=app.logger)

    @app.before_request
    def take_turns():
        # One gevent worker serves every connection. A keep-alive connection whose next request
        # is already there would be served again and again without the worker ever switching;
        # going to the back of the line keeps every phone's wait short when the server is busy.
        socketio.sleep(0)

    return socketio
