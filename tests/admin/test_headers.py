"""Issue 9, item 7: CSP with per-request nonces and no 'unsafe-inline' for scripts,
base-uri / object-src / frame-ancestors 'none'; HSTS and Permissions-Policy."""

from __future__ import annotations

import re

import pytest

from app import create_app
from tests.factories import intake_lookup, print_ready

SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    out = {}
    for part in policy.split(";"):
        name, _sep, value = part.strip().partition(" ")
        out[name] = value
    return out


def nonce_of(response) -> str:
    match = re.search(r"'nonce-([A-Za-z0-9_-]+)'", directives(response)["script-src"])
    assert match, response.headers["Content-Security-Policy"]
    return match.group(1)


def test_csp_has_a_fresh_nonce_and_no_unsafe_inline_for_scripts(client) -> None:
    first, second = client.get("/login"), client.get("/login")
    policy = directives(first)
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["base-uri"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["default-src"] == "'self'"
    assert len(nonce_of(first)) >= 16
    assert nonce_of(first) != nonce_of(second)


def _assert_scripts_carry_the_nonce(response, page: str) -> int:
    assert response.status_code == 200, page
    html = response.get_data(as_text=True)
    nonce = nonce_of(response)
    tags = SCRIPT_TAG.findall(html)
    for tag in tags:
        assert f'nonce="{nonce}"' in tag, (page, tag)
    handler = INLINE_HANDLER.search(html)
    assert handler is None, (page, html[handler.start():handler.start() + 160])
    assert "javascript:" not in re.sub(r'href="javascript:void\(0\)"', "", html), page
    return len(tags)


@pytest.mark.parametrize("page", ["/login", "/", "/admin/"])
def test_public_pages_scripts_carry_the_nonce(client, page) -> None:
    response = client.get(page, follow_redirects=True)
    _assert_scripts_carry_the_nonce(response, page)


def test_back_office_pages_scripts_carry_the_nonce(app, recording_operator) -> None:
    (application,) = print_ready(app, 1)
    # The page of a lookup (its NIK posted): /admin/intake/?lookup=<key>.
    lookup = intake_lookup(recording_operator.client, application.applicant.nik,
                           follow=False).headers["Location"]
    pages = ["/admin/", "/admin/applicant/", "/admin/application/", "/admin/queue/",
             "/admin/intake/", lookup,
             f"/admin/application/details/?id={application.id}",
             f"/admin/applicant/edit/?id={application.applicant_id}",
             "/admin/applicant/new/", "/admin/complaint/", "/admin/complaint/new/"]
    inline_seen = 0
    for page in pages:
        response = recording_operator.client.get(page)
        _assert_scripts_carry_the_nonce(response, page)
        html = response.get_data(as_text=True)
        inline_seen += len(re.findall(r"<script\b(?![^>]*\bsrc=)[^>]*>", html))
    assert inline_seen, "no inline script checked: the test would prove nothing"


def test_list_actions_have_no_inline_handler(app, printing_operator) -> None:
    print_ready(app, 1)
    html = printing_operator.client.get("/admin/application/").get_data(as_text=True)
    assert 'data-action="application.add_to_batch"' in html
    assert "onclick" not in html


def test_permissions_policy_everywhere(client) -> None:
    policy = client.get("/login").headers["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in policy


def test_no_hsts_outside_production(client) -> None:
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_production_sends_hsts_and_permissions_policy(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("KTP_PRODUCTION", "1")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "SECRET_KEY": "production-test-key"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/healthz", base_url="https://localhost")
    hsts = response.headers["Strict-Transport-Security"]
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "'unsafe-inline'" not in directives(response)["script-src"]
