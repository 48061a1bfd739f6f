"""Shared pieces of the benchmarks: a scratch database, the server as deployed, wrk runs."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
BENCH_SECRET = "bench-secret-key-that-is-long-enough-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scratch_database() -> tuple[str, Path]:
    folder = Path(tempfile.mkdtemp(prefix="coordinator-bench-"))
    return "sqlite:///" + str(folder / "bench.db"), folder


def bench_env(database_url: str, **extra) -> dict:
    env = dict(os.environ)
    env.update({
        "COORDINATOR_DATABASE_URL": database_url,
        "COORDINATOR_SECRET_KEY": BENCH_SECRET,
        "GUNICORN_LOG_LEVEL": "warning",
    })
    env.update(extra)
    return env


@contextmanager
def deployed_server(database_url: str, **extra_env):
    """gunicorn with deploy/gunicorn.conf.py (the gevent worker) on 127.0.0.1, as in production."""
    with deployed_process(database_url, **extra_env) as (url, _):
        yield url


def cpu_seconds(pid: int) -> float:
    """CPU time used so far by a process and its children that are alive (gunicorn's master and
    its worker), read from /proc: each thread's scheduler run time in nanoseconds
    (`schedstat`), where the kernel keeps it, else user + system time in clock ticks (10 ms
    apart, too coarse for a request of a millisecond)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
            total += _process_cpu(current, ticks)
        except OSError:
            continue
        pending += [int(child) for child in children]
    return total


def _process_cpu(pid: int, ticks: int) -> float:
    threads = list(Path(f"/proc/{pid}/task").glob("*/schedstat"))
    try:
        return sum(int(thread.read_text().split()[0]) for thread in threads) / 1e9
    except (OSError, ValueError, IndexError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime


@contextmanager
def deployed_process(database_url: str, **extra_env):
    """`deployed_server`, yielding its URL and the gunicorn master's process."""
    port = free_port()
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "-b", f"127.0.0.1:{port}",
         "wsgi:app"], cwd=ROOT, env=bench_env(database_url, **extra_env))
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=20)


def require_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("wrk is missing: apt-get install wrk (Debian's package), then run again")
    return wrk


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(url: str, *, seconds: int, connections: int, threads: int = 1,
            script: Path | None = None) -> dict:
    """wrk's throughput and latency percentiles for one run."""
    command = [require_wrk(), "--latency", "-t", str(threads), "-c", str(connections),
               "-d", f"{seconds}s"]
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", output, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": _ms(percentiles["50"]),
        "p99_ms": _ms(percentiles["99"]),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }
