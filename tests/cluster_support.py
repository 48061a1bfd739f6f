"""The server as deployed, for tests: gunicorn processes (deploy/gunicorn.conf.py, one gevent
worker each) on a test database, optionally joined by Redis and behind Debian's nginx with
ip_hash, as deploy/nginx-coordinator.conf puts them."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from channel_servers import free_port
from conftest import TEST_SECRET, skip_or_fail

from coordinator import db
from coordinator.models import Person
from coordinator.services import accounts

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
START_SECONDS = 60


def field_token(app, person_id: int) -> str:
    """A staff token valid now by the wall clock (the server runs on the system clock)."""
    with app.app_context():
        person = db.session().get(Person, person_id)
        token, _ = accounts.issue_token(TEST_SECRET, accounts.principal_for_person(person),
                                        at=datetime.now(UTC), ttl=timedelta(hours=1))
    return token


def wait_until_serving(url: str, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            requests.get(url + "/healthz", timeout=1)
            return
        except requests.RequestException:  # not listening yet, or still loading the app
            assert process is None or process.poll() is None, "the server exited"
            assert time.monotonic() < deadline, f"{url} did not start"
            time.sleep(0.1)


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@dataclass
class ServerProcess:
    """One gunicorn process; start() again after kill() restarts it on the same port."""

    env: dict
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServerProcess:
        self.process = subprocess.Popen(
            [str(GUNICORN), "-c", "deploy/gunicorn.conf.py", "-b", f"127.0.0.1:{self.port}",
             "wsgi:app"], cwd=ROOT, env=self.env, start_new_session=True)
        wait_until_serving(self.url, self.process)
        return self

    def kill(self) -> None:
        """kill -9 of the whole process group (gunicorn's arbiter and its worker) at once."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        deadline = time.monotonic() + 30
        while _accepts(self.port):  # the worker, the socket's last holder, is still going
            assert time.monotonic() < deadline, "the killed server still accepts connections"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def server_env(database_url: str, *, redis_url: str | None = None, **settings: str) -> dict:
    env = {**os.environ, "COORDINATOR_DATABASE_URL": database_url,
           "COORDINATOR_SECRET_KEY": TEST_SECRET, "GUNICORN_LOG_LEVEL": "warning", **settings}
    if redis_url:
        env["COORDINATOR_MESSAGE_QUEUE_URL"] = redis_url
    return env


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK)
                                      else None)
    if found is None:
        skip_or_fail("Debian's nginx is not installed (make test installs it)")
    return found


NGINX_CONF = """
daemon off;
worker_processes 1;
{user}
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    upstream coordinator {{
        ip_hash;
{servers}
    }}
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      close;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 12m;
        location /socket.io {{
            proxy_pass http://coordinator;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;  # with the port: same-origin checks
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_read_timeout 120s;
        }}
        location / {{
            add_header X-Upstream $upstream_addr always;
            proxy_pass http://coordinator;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;  # with the port: same-origin checks
            proxy_set_header X-Forwarded-For $remote_addr;
        }}
    }}
}}
"""


@contextmanager
def nginx_in_front(ports: list[int], directory: Path):
    """Debian's nginx on a free loopback port with ip_hash over the given server ports."""
    binary = nginx_binary()
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    user = "user root root;" if os.geteuid() == 0 else ""
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=0;" for p in ports)
    conf = directory / "nginx.conf"
    conf.write_text(NGINX_CONF.format(user=user, dir=directory, servers=servers, port=port))
    process = subprocess.Popen([binary, "-c", str(conf), "-p", str(directory)])
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@dataclass
class Cluster:
    url: str  # what clients talk to: nginx when there are several processes
    servers: list[ServerProcess]


@contextmanager
def cluster(database_url: str, directory: Path, *, processes: int = 1,
            redis_url: str | None = None, **settings: str):
    """`processes` gunicorn processes on the database; with more than one, joined by Redis and
    behind nginx."""
    assert processes == 1 or redis_url, "several processes share live messages through Redis"
    env = server_env(database_url, redis_url=redis_url, **settings)
    if processes > 1:
        env["COORDINATOR_PROXY_COUNT"] = "1"
    with ExitStack() as stack:
        servers = []
        for _ in range(processes):
            server = ServerProcess(env)
            stack.callback(server.stop)
            servers.append(server.start())
        if processes == 1:
            yield Cluster(servers[0].url, servers)
            return
        url = stack.enter_context(nginx_in_front([s.port for s in servers], directory))
        yield Cluster(url, servers)
