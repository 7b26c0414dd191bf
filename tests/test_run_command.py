"""`ethos run` starts a real server that migrates on its own and serves the first-run page."""

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ETHOS_") and k != "DATABASE_URL"}
    env["ETHOS_DATA_DIR"] = str(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "ethos", "run", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail("ethos run exited: " + process.stdout.read())
                time.sleep(0.1)
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
