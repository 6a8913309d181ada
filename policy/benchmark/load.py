"""Serve the app with gunicorn and drive it with wrk; query counts with Django's test client."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from policy.types import User

# wrk prints its default report; done() adds one JSON line with the percentiles we need.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "seconds": %f, "errors": %d, "non2xx": %d, '
    .. '"p50_ms": %f, "p95_ms": %f, "p99_ms": %f}\\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status,
    latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, latency:percentile(99) / 1e3))
end
"""


@dataclass
class LoadResult:
    name: str
    path: str
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    requests: int
    errors: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env() -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "policy.settings",
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "benchmark-only-secret",
        "LOG_LEVEL": "WARNING",
    }
    return env


@contextmanager
def gunicorn(workers: int = 2) -> Iterator[str]:
    """gunicorn on 127.0.0.1 with `workers` processes; yields the base URL."""
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "policy.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=settings.BASE_DIR,
        env=server_env(),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start within 60 s")
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def login_cookie(base: str, username: str, password: str) -> str:
    """Sign in through the real login form; returns the Cookie header value."""
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if token is None:
        raise RuntimeError("the login page has no CSRF token")
    response = session.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=30,
    )
    if "sessionid" not in session.cookies:
        raise RuntimeError(f"could not sign in as {username}: HTTP {response.status_code}")
    return "; ".join(f"{k}={v}" for k, v in session.cookies.items())


def wrk_available() -> str:
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is missing: apt-get install -y wrk (Debian package)")
    return found


def run_wrk(
    name: str, base: str, path: str, cookie: str, seconds: int, connections: int = 8
) -> LoadResult:
    """Drive one URL for `seconds` with wrk (2 threads) and read its percentiles."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    try:
        out = subprocess.run(  # noqa: S603
            [
                wrk_available(),
                "-t2",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "30s",
                "-s",
                script.name,
                "-H",
                f"Cookie: {cookie}",
                f"{base}{path}",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 60,
        ).stdout
    finally:
        Path(script.name).unlink(missing_ok=True)
    data = json.loads(out.strip().splitlines()[-1])
    return LoadResult(
        name=name,
        path=path,
        rps=data["requests"] / data["seconds"] if data["seconds"] else 0.0,
        p50_ms=data["p50_ms"],
        p95_ms=data["p95_ms"],
        p99_ms=data["p99_ms"],
        requests=data["requests"],
        errors=data["errors"] + data["non2xx"],
    )


def query_counts(user: User, paths: dict[str, str]) -> dict[str, int]:
    """Queries each page runs in-process (after one warm-up request to fill caches)."""
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    counts = {}
    for name, path in paths.items():
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{name} {path} answered {response.status_code}")
        counts[name] = len(ctx.captured_queries)
    return counts
