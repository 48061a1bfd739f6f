"""gunicorn settings for the duty coordinator: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

One gevent worker per process: Socket.IO needs sticky sessions, which gunicorn's own balancing
cannot give, so scale by running several processes behind nginx (ip_hash) joined by Redis
(COORDINATOR_MESSAGE_QUEUE_URL). A `-b HOST:PORT` on the command line overrides `bind`.
"""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
worker_class = "gevent"
workers = 1
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "2000"))
timeout = 60
graceful_timeout = 20
keepalive = 5
# nginx in front keeps the access log; gunicorn writes one only when asked
# (GUNICORN_ACCESS_LOG=- for stdout). Measured: a per-request log write on the one gevent worker
# costs 20 % of the bare route's throughput and lets a few connections starve the others.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Start the background jobs in each worker — the alert sweeper and the escalation of
    calls and alerts (a database lock lets one pass run at a time), and the notification sender
    (each row claimed by one sender) — then move everything loaded so far out of the garbage
    collector's way: the app's modules and tables live as long as the process, and a full
    collection walking them again and again cost a snapshot of 5,000 people a third of its time
    (docs/benchmarks.md)."""
    import gc

    from coordinator.jobs import escalation, sender, sweeper

    sweeper.start_background(worker.wsgi)
    escalation.start_background(worker.wsgi)
    sender.start_background(worker.wsgi)
    gc.collect()
    gc.freeze()
