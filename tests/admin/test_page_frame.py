"""The page frame's menu is drawn once per role, language and screen (admin/base.py
office_menu), the keyboard-shortcut list once per language (frame_part): whoever comes
next on the same process sees their own, never the one drawn for another role or
language."""

from __future__ import annotations

import re

import pytest
from flask_login import login_user

from admin.base import office_menu
from tests.factories import user_of


def menu_of(html: str) -> str:
    match = re.search(r'<ul class="nav navbar-nav mr-auto">(.*?)<ul class="nav navbar-nav '
                      r'navbar-right">', html, re.S)
    assert match, "no menu on the page"
    return match.group(1)


def page(auth, path: str) -> str:
    response = auth.client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_each_role_sees_its_own_menu(app, auth):
    auth.login("recording_operator")
    operator = menu_of(page(auth, "/admin/applicant/"))
    assert 'href="/admin/user/"' not in operator and "Pemohon" in operator
    auth.logout()
    auth.login("admin")
    admin = menu_of(page(auth, "/admin/"))
    assert 'href="/admin/user/"' in admin and "Pengguna" in admin
    auth.logout()
    auth.login("recording_operator")
    assert menu_of(page(auth, "/admin/applicant/")) == operator  # drawn once, reused
    cache = app.extensions["admin"][0].__dict__["_office_menu_cache"]
    assert {key[1:3] for key in cache} >= {(True, "recording_operator"), (True, "admin")}


def test_the_active_entry_and_the_language_follow_the_page(auth):
    auth.login("recording_operator")
    indonesian_page = page(auth, "/admin/applicant/")
    applicants = menu_of(indonesian_page)
    assert '<h5 id="shortcut-help-title">Pintasan keyboard</h5>' in indonesian_page
    queue = menu_of(page(auth, "/admin/queue/"))
    assert re.search(r'class="dropdown-item active\s*"\s+href="/admin/applicant/"', applicants)
    assert not re.search(r'class="dropdown-item active\s*"\s+href="/admin/applicant/"', queue)
    assert re.search(r'class="dropdown-item active\s*"\s+href="/admin/queue/"', queue)
    response = auth.post("/language", {"lang": "en", "next": "/admin/applicant/"})
    assert response.status_code == 302
    english_page = page(auth, "/admin/applicant/")
    english = menu_of(english_page)
    assert "Applicants" in english and "Pemohon" not in english
    assert '<h5 id="shortcut-help-title">Keyboard shortcuts</h5>' in english_page
    auth.post("/language", {"lang": "id", "next": "/admin/applicant/"})
    assert menu_of(page(auth, "/admin/applicant/")) == applicants


def test_the_menu_is_drawn_once_per_key(app, recording_operator):
    admin = app.extensions["admin"][0]
    admin.__dict__.pop("_office_menu_cache", None)
    view = next(v for v in admin._views if v.endpoint == "applicant")
    calls: list[int] = []
    with app.test_request_context("/admin/applicant/"):
        login_user(user_of("recording_operator"))
        drawn = [office_menu(lambda: calls.append(1) or "menu", view) for _ in range(2)]
    with app.test_request_context("/admin/applicant/"):
        login_user(user_of("admin"))
        office_menu(lambda: calls.append(1) or "admin menu", view)
    assert drawn == ["menu", "menu"] and len(calls) == 2


@pytest.mark.parametrize("args", [
    {},
    {"page": 3},
    {"sort": 1, "desc": 1, "page": None},
    {"search": "maria rambu", "flt0_marital_status_equals": "2"},
    {"search": "Nggaú & <x> 100%/?", "page": 2,
     "flt1_birth_date_between": "01-01-1990 to 31-12-1999"},
])
def test_list_urls_are_what_url_for_writes(app, args) -> None:
    """SecuredModelView builds its list's URLs (pager, sort, search) from the path and
    the query string without url_for: the same URLs, character for character."""
    from flask import url_for

    view = next(v for v in app.extensions["admin"][0]._views
                if getattr(v, "endpoint", None) == "applicant")
    with app.test_request_context("/admin/applicant/"):
        assert view.get_url(".index_view", **args) == url_for("applicant.index_view", **args)
