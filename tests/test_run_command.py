"""`ethos run` starts a real server that migrates on its own and serves the first-run page."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children_of(pid: int) -> dict[int, str]:
    """The processes whose parent is `pid`, with their command lines (Linux /proc)."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found[int(stat.parent.name)] = (
                    (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                )
        except (OSError, IndexError, ValueError):
            continue
    return found


def started(extra=(), *, tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ETHOS_") and k != "DATABASE_URL"}
    env["ETHOS_DATA_DIR"] = str(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "ethos", "run", "--port", str(port), *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    for _ in range(300):
        try:
            urllib.request.urlopen(url, timeout=1)
            return process, url
        except OSError:
            if process.poll() is not None:
                pytest.fail("ethos run exited: " + process.stdout.read())
            time.sleep(0.1)
    process.kill()
    pytest.fail("ethos run did not answer")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc to see child processes")
def test_ethos_run_starts_the_background_worker_and_stops_it_on_exit(tmp_path):
    process, _ = started(tmp_path=tmp_path)
    try:
        worker_pids = [pid for pid, command in children_of(process.pid).items() if "ethos worker" in command]
        assert len(worker_pids) == 1, children_of(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=15)
    output = process.stdout.read()
    assert "Background jobs (session reminders) run alongside" in output
    for _ in range(100):
        if not any(Path(f"/proc/{pid}").exists() for pid in worker_pids):
            break
        time.sleep(0.1)
    assert not any(Path(f"/proc/{pid}").exists() for pid in worker_pids), "the worker outlived ethos run"


def test_ethos_run_without_the_worker_starts_none(tmp_path):
    process, _ = started(["--no-worker"], tmp_path=tmp_path)
    try:
        assert not [c for c in children_of(process.pid).values() if "ethos worker" in c]
    finally:
        process.terminate()
        process.wait(timeout=15)
    assert "run `ethos worker` yourself" in process.stdout.read()


@pytest.fixture
def server(tmp_path):
    process, url = started(tmp_path=tmp_path)
    try:
        yield url, tmp_path
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_ethos_run_migrates_and_serves_the_first_run_page(server):
    url, data_dir = server
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
        body = response.read().decode()
        assert response.status == 200
        assert "Set up Ethos" in body
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    with urllib.request.urlopen(url + "static/ethos/ethos.css", timeout=5) as response:  # noqa: S310
        assert b"--primary" in response.read()
    assert (data_dir / "ethos.sqlite3").exists()


def test_ethos_run_refuses_a_bad_port(tmp_path):
    env = {**os.environ, "ETHOS_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "ethos", "run", "--port", "70000"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "--port must be between 1 and 65535" in result.stderr


def test_9_waitress_refuses_a_100_mb_body_before_reading_it(server):
    url, _ = server
    host, port = url.removeprefix("http://").rstrip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(
            b"POST /sign-in/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\n"
            b"Content-Length: 104857600\r\n\r\n--x\r\n"
        )
        answer = connection.recv(4096).decode()
    assert answer.startswith("HTTP/1.1 413 "), answer
