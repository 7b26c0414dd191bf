"""Settings, headers and hostile input: the promises the whole site makes."""

import os
import subprocess
import sys

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

HOSTILE = ["<script>alert(1)</script>", "'; DROP TABLE accounts_user; --", "Zoë 山田 \u202e", "\x00"]


def run_ethos(*args, env=None, tmp_path=None):
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ETHOS_", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"))
    }
    environment.pop("SECRET_KEY", None)
    environment.pop("ALLOWED_HOSTS", None)
    if tmp_path is not None:
        environment["ETHOS_DATA_DIR"] = str(tmp_path)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "ethos", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("url", ["/", "/sign-in/", "/account/", "/does-not-exist/"])
def test_it_sends_strict_security_headers_on_every_page(coach_client, url):
    response = coach_client.get(url)
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_it_keeps_cookies_http_only_and_same_site(client, coach):
    from tests.conftest import PASSPHRASE

    response = client.post(reverse("accounts:sign_in"), {"email": coach.email, "passphrase": PASSPHRASE})
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = run_ethos(
        "check",
        "--deploy",
        "--fail-level",
        "DEBUG",
        tmp_path=tmp_path,
        env={
            "ETHOS_ENV": "production",
            "SECRET_KEY": "x7" * 20 + "a-long-production-secret-key-for-the-deploy-check",
            "ALLOWED_HOSTS": "ethos.example.org",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"ETHOS_ENV": "production", "ALLOWED_HOSTS": "a.example"}, "SECRET_KEY"),
        ({"ETHOS_ENV": "production", "SECRET_KEY": "s" * 60}, "ALLOWED_HOSTS"),
        ({"ETHOS_ENV": "staging"}, "ETHOS_ENV"),
        ({"ETHOS_DEBUG": "yes"}, "ETHOS_DEBUG"),
        ({"ETHOS_IDLE_MINUTES": "fifteen"}, "ETHOS_IDLE_MINUTES"),
        ({"ETHOS_IDLE_MINUTES": "0"}, "ETHOS_IDLE_MINUTES"),
        ({"ETHOS_PASSPHRASE_CHECKS": "0"}, "ETHOS_PASSPHRASE_CHECKS"),
        ({"ETHOS_PASSPHRASE_CHECKS": "two"}, "ETHOS_PASSPHRASE_CHECKS"),
        ({"DATABASE_URL": "mysql://u:p@h/db"}, "DATABASE_URL"),
        (
            {
                "ETHOS_ENV": "production",
                "SECRET_KEY": "s" * 60,
                "ALLOWED_HOSTS": "a.example",
                "ETHOS_INSECURE_FAST_KDF": "true",
            },
            "ETHOS_INSECURE_FAST_KDF",
        ),
    ],
)
def test_bad_settings_stop_start_up_naming_the_variable(tmp_path, env, named):
    result = run_ethos("check", tmp_path=tmp_path, env=env)
    assert result.returncode != 0
    assert named in result.stderr
    assert "Traceback" not in result.stderr


def test_local_mode_generates_a_private_secret_key_once(tmp_path):
    assert run_ethos("check", tmp_path=tmp_path).returncode == 0
    key_file = tmp_path / "secret_key"
    first = key_file.read_text()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert len(first) >= 50
    assert run_ethos("check", tmp_path=tmp_path).returncode == 0
    assert key_file.read_text() == first


def test_debug_is_off_by_default():
    from django.conf import settings

    assert settings.DEBUG is False


def test_a_huge_body_gets_a_clear_413_not_a_500(client, coach):
    response = client.post(
        reverse("accounts:sign_in"),
        data={"email": "a@example.org", "passphrase": "x" * (10 * 1024 * 1024)},
    )
    assert response.status_code == 413
    assert "too large" in response.content.decode()


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_text_is_escaped_or_refused_never_a_500(client, value):
    response = client.post(
        reverse("accounts:first_run"),
        {"name": value, "email": value, "passphrase": value, "passphrase_again": value},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "Enter a valid email address." in body


def test_a_hostile_name_is_stored_and_shown_escaped(client):
    from tests.conftest import PASSPHRASE

    name = "<script>alert(1)</script> O'Brien"
    response = client.post(
        reverse("accounts:first_run"),
        {"name": name, "email": "ob@example.org", "passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE},
    )
    assert response.status_code == 302
    body = client.get("/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; O&#x27;Brien" in body
    assert "<script>alert(1)" not in body


def test_empty_forms_get_field_errors(client, coach):
    response = client.post(reverse("accounts:sign_in"), {})
    assert response.status_code == 200
    page = response.content.decode()
    # Each field says it under itself; the error summary at the top (form_fields.html) repeats it.
    assert page.count('<ul class="field__errors"') == 2
    assert page.count("This field is required.") == 4


def test_a_post_without_csrf_token_is_refused_with_a_clear_page(coach):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    response = browser.post(reverse("accounts:sign_in"), {"email": coach.email, "passphrase": "x"})
    assert response.status_code == 403
    assert "Nothing was saved" in response.content.decode()


def test_static_files_are_served_locally(client):
    response = client.get("/static/ethos/ethos.css")
    assert response.status_code == 200
    page = client.get("/").content.decode()
    assert "http://" not in page.replace("http://www.w3.org", "")
    assert "https://" not in page
