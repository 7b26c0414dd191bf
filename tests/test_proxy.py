"""Finding 2: production behind a TLS reverse proxy, and spoofed forwarded headers ignored.

`ethos run` serves in production mode on loopback; in front of it a TLS-terminating reverse
proxy: Debian's nginx when it is installed (apt-get install nginx), and a small Python proxy
that does what nginx does (TLS, X-Forwarded-Proto and X-Forwarded-For) either way. A request
straight to the app server from another loopback address, 127.0.0.2, plays the stranger.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from deploy.stack_tools import cert as self_signed

from tests.test_run_command import free_port

EMAIL = "proxied@example.org"
PASSPHRASE = "Tidal ledger 47 quietly orbits the harbour"
UNTRUSTED = "127.0.0.2"
HSTS = "Strict-Transport-Security"
# Every server started here stops by itself, whatever happens to the test run.
LIFETIME = ["timeout", "120"]
SETUP = f"""
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from ethos.accounts.services import coach_create
coach_create(email={EMAIL!r}, name="Proxied Coach", passphrase={PASSPHRASE!r})
"""


def production_env(data_dir) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ETHOS_") and k != "DATABASE_URL"}
    env.pop("SECRET_KEY", None)
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "ethos.settings",
        "ETHOS_ENV": "production",
        "ETHOS_DATA_DIR": str(data_dir),
        "SECRET_KEY": "proxy-test-" + "k7" * 30,
        "ALLOWED_HOSTS": "localhost",
        "ETHOS_TRUSTED_PROXY": "127.0.0.1",
    }


def wait_for(port: int, process: subprocess.Popen, what: str) -> None:
    for _ in range(300):
        probe = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        try:
            probe.request("HEAD", "/", headers={"Host": "localhost"})
            probe.getresponse()
            return
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"{what} exited: {process.stdout.read() if process.stdout else ''}")
            time.sleep(0.05)
        finally:
            probe.close()
    pytest.fail(f"{what} did not start")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """`ethos run` in production mode on loopback, trusting a proxy at 127.0.0.1, with one coach."""
    data_dir = tmp_path_factory.mktemp("proxied")
    env = production_env(data_dir)
    setup = subprocess.run(
        [sys.executable, "-c", SETUP], env=env, capture_output=True, text=True, timeout=120
    )
    assert setup.returncode == 0, setup.stderr
    port = free_port()
    process = subprocess.Popen(
        [*LIFETIME, sys.executable, "-m", "ethos", "run", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(port, process, "ethos run")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


NGINX_CONF = """
daemon off;
master_process off;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name localhost;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        client_max_body_size 2m;
        location / {{
            proxy_pass http://127.0.0.1:{app_port};
            # $http_host keeps the port this test listens on; the README's example uses $host.
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
"""


def nginx_proxy(folder, app_port: int, cert, key):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if nginx is None:
        message = "Debian's nginx is not installed (apt-get install nginx); the Python proxy ran instead."
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} CI installs it, so a missing nginx is a broken CI machine.")
        pytest.skip(message)
    port = free_port()
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_CONF.format(folder=folder, port=port, cert=cert, key=key, app_port=app_port))
    process = subprocess.Popen(
        [*LIFETIME, nginx, "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    for _ in range(100):
        try:
            with ssl.create_default_context(cafile=cert).wrap_socket(
                socket.create_connection(("127.0.0.1", port), timeout=1),
                server_hostname="localhost",
            ):
                break
        except OSError:
            if process.poll() is not None:
                pytest.fail("nginx exited: " + process.stdout.read() + (folder / "error.log").read_text())
            time.sleep(0.05)
    else:
        process.terminate()
        pytest.fail("nginx did not start: " + (folder / "error.log").read_text())

    def stop():
        process.terminate()
        process.wait(timeout=10)

    return port, stop


HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "upgrade"}


def python_proxy(folder, app_port: int, cert, key):
    """What nginx does, in a few lines: end TLS, add X-Forwarded-Proto/For, pass the rest on."""

    class Forward(BaseHTTPRequestHandler):
        def forward(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers["X-Forwarded-Proto"] = "https"
            headers["X-Forwarded-For"] = self.client_address[0]
            upstream = http.client.HTTPConnection("127.0.0.1", app_port, timeout=30)
            upstream.request(self.command, self.path, body=body, headers=headers)
            answer = upstream.getresponse()
            data = answer.read()
            upstream.close()
            self.send_response_only(answer.status, answer.reason)
            for name, value in answer.getheaders():
                if name.lower() not in HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_HEAD = forward

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Forward)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop():
        server.shutdown()
        server.server_close()

    return server.server_address[1], stop


@pytest.fixture(params=["nginx", "python"])
def proxy(request, app, tmp_path):
    cert, key = self_signed(tmp_path)
    start = nginx_proxy if request.param == "nginx" else python_proxy
    port, stop = start(tmp_path, app, cert, key)
    try:
        yield f"https://localhost:{port}", ssl.create_default_context(cafile=str(cert))
    finally:
        stop()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_2_behind_a_tls_proxy_sign_in_works_with_secure_cookies_and_hsts(proxy):
    origin, context = proxy
    jar = CookieJar()
    browser = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=context), urllib.request.HTTPCookieProcessor(jar), NoRedirect
    )

    with browser.open(f"{origin}/sign-in/", timeout=30) as page:
        assert page.status == 200  # not redirected to https for ever
        assert page.headers[HSTS].startswith("max-age=31536000")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode()).group(1)

    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "email": EMAIL, "passphrase": PASSPHRASE})
    # A browser sends Origin with every POST; Django checks it against https://<Host>.
    sign_in = urllib.request.Request(  # noqa: S310 (https to our own proxy)
        f"{origin}/sign-in/", data=form.encode(), headers={"Origin": origin, "Referer": f"{origin}/sign-in/"}
    )
    with pytest.raises(urllib.error.HTTPError) as redirect:
        browser.open(sign_in, timeout=30)
    answer = redirect.value
    assert answer.code == 302, answer.read().decode()[:2000]
    assert answer.headers["Location"] == "/"
    assert answer.headers[HSTS].startswith("max-age=31536000")
    set_cookies = answer.headers.get_all("Set-Cookie")
    assert {c.split("=", 1)[0] for c in set_cookies} >= {"sessionid", "__Host-ethos_vault_KEY"}
    assert all("; Secure" in cookie for cookie in set_cookies), set_cookies
    assert all(cookie.secure for cookie in jar)

    with browser.open(f"{origin}/", timeout=30) as dashboard:
        assert dashboard.status == 200
        assert "Proxied Coach" in dashboard.read().decode()
        assert dashboard.headers[HSTS].startswith("max-age=31536000")


def straight_to_the_app(port: int, *, source: str, path: str = "/sign-in/") -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    connection.request("GET", path, headers={"Host": "localhost", "X-Forwarded-Proto": "https"})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_2_a_spoofed_forwarded_proto_from_an_untrusted_peer_is_ignored(app):
    stranger = straight_to_the_app(app, source=UNTRUSTED)
    assert stranger.status == 301
    assert stranger.headers["Location"] == "https://localhost/sign-in/"
    assert stranger.headers[HSTS] is None
    # The same header from the trusted proxy's address is believed: the peer makes the difference.
    trusted = straight_to_the_app(app, source="127.0.0.1")
    assert trusted.status == 200
    assert trusted.headers[HSTS] is not None


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"ETHOS_TRUSTED_PROXY": "nginx.local"}, "ETHOS_TRUSTED_PROXY"),
        ({"ETHOS_TRUSTED_PROXY": "127.0.0.1,10.0.0.2"}, "ETHOS_TRUSTED_PROXY"),
        ({"ETHOS_TRUSTED_PROXY_HEADERS": "x-forwarded-proto"}, "ETHOS_TRUSTED_PROXY_HEADERS"),
        (
            {"ETHOS_TRUSTED_PROXY": "127.0.0.1", "ETHOS_TRUSTED_PROXY_HEADERS": "x-real-ip"},
            "ETHOS_TRUSTED_PROXY_HEADERS",
        ),
        (
            {"ETHOS_TRUSTED_PROXY": "127.0.0.1", "ETHOS_TRUSTED_PROXY_HEADERS": "forwarded,x-forwarded-for"},
            "ETHOS_TRUSTED_PROXY_HEADERS",
        ),
        (
            {
                "ETHOS_ENV": "production",
                "SECRET_KEY": "s" * 60,
                "ALLOWED_HOSTS": "a.example",
                "ETHOS_TRUSTED_PROXY": "127.0.0.1",
                "ETHOS_TRUSTED_PROXY_HEADERS": "x-forwarded-for",
            },
            "ETHOS_TRUSTED_PROXY_HEADERS",
        ),
        ({"ETHOS_TRUSTED_PROXY": "127.0.0.1", "ETHOS_TRUSTED_PROXY_COUNT": "0"}, "ETHOS_TRUSTED_PROXY_COUNT"),
        ({"ETHOS_BASE_URL": "ethos.example.org"}, "ETHOS_BASE_URL"),
        (
            {
                "ETHOS_ENV": "production",
                "SECRET_KEY": "s" * 60,
                "ALLOWED_HOSTS": "a.example",
                "ETHOS_BASE_URL": "http://a.example",
            },
            "ETHOS_BASE_URL",
        ),
    ],
)
def test_2_bad_proxy_settings_stop_start_up_naming_the_variable(tmp_path, env, named):
    from tests.test_security import run_ethos

    result = run_ethos("check", tmp_path=tmp_path, env=env)
    assert result.returncode != 0
    assert named in result.stderr
    assert "Traceback" not in result.stderr


def test_2_the_proxy_settings_reach_waitress(settings):
    from ethos.accounts.management.commands.run import server_options

    settings.ETHOS_TRUSTED_PROXY = "127.0.0.1"
    settings.ETHOS_TRUSTED_PROXY_HEADERS = ("x-forwarded-proto", "x-forwarded-for")
    options = server_options(host="127.0.0.1", port=8000, threads=4)
    assert options["trusted_proxy"] == "127.0.0.1"
    assert options["trusted_proxy_headers"] == {"x-forwarded-proto", "x-forwarded-for"}
    assert options["trusted_proxy_count"] == 1
    assert options["clear_untrusted_proxy_headers"] is True
