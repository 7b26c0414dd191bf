"""Item 3 of issue 18: the multi-process set-up in deploy/, run as an operator runs it.

`deploy/deploy-test` brings up nginx -> gunicorn (3 workers) -> PostgreSQL and the task worker
on loopback, runs the smoke journey through the proxy and tears it all down. It needs Debian's
nginx, gunicorn (the `deploy` extra) and a PostgreSQL role that may create databases
(ETHOS_STACK_PG, by default CI's ethos_ci): without them the test is skipped with the reason,
and in CI (CI=true) it fails, because CI installs them.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEPLOY_TEST = REPO / "deploy" / "deploy-test"
DEFAULT_PG = "postgres://ethos_ci:ethos_ci@127.0.0.1:5432/ethos_ci"
# The faults test restarts the PostgreSQL cluster this test's stack runs on: under pytest-xdist
# the two take this lock in turn, whichever worker they land on.
STACK_LOCK = Path(tempfile.gettempdir(), "ethos-stack-tests.lock")


@contextlib.contextmanager
def one_stack_at_a_time():
    with STACK_LOCK.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def still_running(pid: int) -> bool:
    """Whether a process is alive: a zombie (state Z: it has exited, its status not yet collected)
    is not. An orphan killed with its group is reparented to PID 1, and an init that reaps late
    (this machine's does) leaves it a zombie, which signal 0 would still find.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def require(missing: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{missing} CI installs it, so its absence is a broken CI machine.")
    pytest.skip(missing)


def postgres_reachable(url: str) -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


def stack_tools_missing() -> None:
    """Skip (fail in CI) without nginx or gunicorn."""
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        require("Debian's nginx is not installed (apt-get install nginx).")
    if importlib.util.find_spec("gunicorn") is None:
        require("gunicorn is not installed (pip install -e '.[deploy]').")


def stack_env(tmp_path: Path, *, lifetime: int) -> dict[str, str]:
    """Return the environment for deploy/ scripts: this Python, the PostgreSQL role, the lifetime,
    and tmp_path for the stack's folder; skip (fail in CI) when a part is missing.
    """
    stack_tools_missing()
    admin = os.environ.get("ETHOS_STACK_PG", DEFAULT_PG)
    if not postgres_reachable(admin):
        require(f"No PostgreSQL role that may create databases at ETHOS_STACK_PG ({admin.split('@')[-1]}).")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ETHOS_") and k != "DATABASE_URL"}
    env.update(PYTHON=sys.executable, ETHOS_STACK_PG=admin, TMPDIR=str(tmp_path))
    env["ETHOS_STACK_LIFETIME"] = str(lifetime)
    return env


@pytest.mark.deploy
def test_it_serves_a_coach_through_nginx_from_several_processes_and_postgresql(tmp_path):
    env = stack_env(tmp_path, lifetime=240)
    with one_stack_at_a_time():
        result = subprocess.run(
            [str(DEPLOY_TEST)], env=env, capture_output=True, text=True, timeout=300, check=False
        )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "smoke: passed" in output
    assert "answered by workers" in output
    assert re.search(r"worker \d+ retired; answered by \d+", output), output
    # Torn down: the folder of logs and the database are gone.
    assert not list(tmp_path.glob("ethos-stack.*")), output


@pytest.mark.deploy
def test_a_command_outliving_the_stack_is_stopped_with_it_and_says_so(tmp_path):
    """The servers stop at ETHOS_STACK_LIFETIME; a command still running then (a scan against a
    dead address would hang) is stopped with its children, and the exit status says so (124).
    """
    env = stack_env(tmp_path, lifetime=100)
    child = tmp_path / "child.pid"
    with one_stack_at_a_time():
        result = subprocess.run(
            [str(REPO / "deploy" / "with-stack"), "bash", "-c", f"sleep 900 & echo $! > {child}; wait"],
            env=env,
            capture_output=True,
            text=True,
            timeout=200,
            check=False,
        )
    output = result.stdout + result.stderr
    assert result.returncode == 124, output
    assert "lifetime (ETHOS_STACK_LIFETIME=100 s) ended before the command did" in result.stderr
    assert "Traceback" not in output
    # The command's own child was stopped too, and the stack was torn down.
    assert not still_running(int(child.read_text()))
    assert not list(tmp_path.glob("ethos-stack.*")), output


def test_with_stack_refuses_bad_settings_with_a_message_not_a_traceback(tmp_path):
    env = {**os.environ, "PYTHON": sys.executable, "ETHOS_WORKERS": "many"}
    result = subprocess.run(
        [str(REPO / "deploy" / "with-stack"), "true"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "ETHOS_WORKERS must be a number" in result.stderr or "not installed" in result.stderr
    assert "Traceback" not in result.stderr
    missing = subprocess.run(
        [str(REPO / "deploy" / "with-stack")], env=env, capture_output=True, text=True, timeout=60
    )
    assert missing.returncode == 2 and "usage" in missing.stderr


def run_behind_proxy(environ: dict) -> dict:
    """Pass a request through ethos.wsgi's proxy vetting; return the environ Django would get."""
    from ethos.wsgi import vetted

    seen = {}
    vetted(lambda env, start: seen.update(env) or [])({"wsgi.url_scheme": "http", **environ}, None)
    return seen


FORWARDED = {"HTTP_X_FORWARDED_FOR": "198.51.100.7", "HTTP_X_FORWARDED_PROTO": "https"}


def test_2_under_gunicorn_forwarded_headers_count_from_the_trusted_proxy_only(settings):
    import ethos.wsgi

    assert ethos.wsgi.behind_proxy is not ethos.wsgi.application
    settings.ETHOS_TRUSTED_PROXY = "127.0.0.1"
    settings.ETHOS_TRUSTED_PROXY_HEADERS = ("x-forwarded-proto", "x-forwarded-for")
    proxied = run_behind_proxy({"REMOTE_ADDR": "127.0.0.1", **FORWARDED})
    # The sign-in throttle counts the person's address, not nginx's.
    assert proxied["REMOTE_ADDR"] == "198.51.100.7"
    assert proxied["wsgi.url_scheme"] == "https"
    stranger = run_behind_proxy({"REMOTE_ADDR": "127.0.0.2", **FORWARDED})
    assert stranger["REMOTE_ADDR"] == "127.0.0.2"
    assert stranger["wsgi.url_scheme"] == "http"
    assert "HTTP_X_FORWARDED_PROTO" not in stranger  # Django's SECURE_PROXY_SSL_HEADER never sees it
