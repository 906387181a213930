"""Issue 11 item 5: catalogs compiled at start, a favicon, no browser-language
validation, DD-MM-YYYY date fields whatever the browser, WITA on the application page,
and the keyboard-first intake page (item 3)."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from flask import current_app

import catalogs
from models import Applicant, Disruption, db, service_clock
from models.office_time import format_datetime, simulated, utcnow
from tests.factories import intake_lookup, make_applicant, nik_for, submitted, user_of

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def po_tree(tmp_path: Path) -> Path:
    """A copy of translations/ with the .po files only (a fresh clone)."""
    source = tmp_path / "translations"
    for po in (ROOT / "translations").glob("*/LC_MESSAGES/*.po"):
        target = source / po.relative_to(ROOT / "translations")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(po, target)
    return source


def test_missing_and_stale_catalogs_are_compiled_at_start(po_tree: Path, tmp_path: Path):
    assert catalogs.ensure_compiled(po_tree, tmp_path / "instance") == po_tree
    mo = po_tree / "id" / "LC_MESSAGES" / "messages.mo"
    assert {p.name for p in (po_tree / "id" / "LC_MESSAGES").glob("*.mo")} == {
        "messages.mo", "admin.mo", "wtforms.mo"}
    from babel.support import Translations

    translations = Translations.load(str(po_tree), ["id"])
    assert translations.gettext("Log in") == "Masuk"
    assert catalogs.compile_into(po_tree, po_tree) == []  # fresh: nothing to do
    po = mo.with_suffix(".po")
    text = po.read_text(encoding="utf-8")
    assert 'msgid "Log in"\nmsgstr "Masuk"\n' in text
    po.write_text(text.replace('msgid "Log in"\nmsgstr "Masuk"\n',
                               'msgid "Log in"\nmsgstr "MASUK"\n'), encoding="utf-8")
    stamp = mo.stat().st_mtime + 10
    os.utime(po, (stamp, stamp))  # edited after the last compile
    assert catalogs.compile_into(po_tree, po_tree) == [mo]
    assert Translations.load(str(po_tree), ["id"]).gettext("Log in") == "MASUK"


def test_an_unwritable_translations_folder_compiles_into_instance(po_tree: Path,
                                                                   tmp_path: Path,
                                                                   monkeypatch):
    real = catalogs._write_atomically

    def refuse_source(po: Path, mo: Path) -> None:
        if mo.is_relative_to(po_tree):
            raise PermissionError(13, "Read-only file system", str(mo))
        real(po, mo)

    monkeypatch.setattr(catalogs, "_write_atomically", refuse_source)
    target = catalogs.ensure_compiled(po_tree, tmp_path / "instance")
    assert target == tmp_path / "instance" / "translations"
    assert (target / "id" / "LC_MESSAGES" / "messages.mo").is_file()
    assert not list(po_tree.glob("*/LC_MESSAGES/*.mo"))


def test_no_default_catalog_is_an_error_in_the_log(po_tree: Path, tmp_path: Path, caplog):
    (po_tree / "id" / "LC_MESSAGES" / "messages.po").unlink()
    with caplog.at_level(logging.ERROR, logger="catalogs"):
        catalogs.ensure_compiled(po_tree, tmp_path / "instance")
    assert any(r.levelno == logging.ERROR and "default locale" in r.getMessage()
               for r in caplog.records)


def test_the_app_reads_the_catalogs_it_compiled(app, client):
    folder = Path(current_app.config["TRANSLATIONS_DIR"])
    assert (folder / "id" / "LC_MESSAGES" / "messages.mo").is_file()
    page = client.get("/login").get_data(as_text=True)
    assert "Nama pengguna" in page and ">Masuk<" in page


def test_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert client.get("/static/favicon.svg").status_code == 200
    for path in ("/login", "/"):
        page = client.get(path).get_data(as_text=True)
        assert 'rel="icon" href="/static/favicon.svg"' in page, path
        assert 'href="/static/favicon.ico"' in page, path


def _forms(html: str) -> list[str]:
    return re.findall(r"<form\b[^>]*>", html)


def test_intake_is_keyboard_first_and_never_asks_the_browser_to_validate(
        client, recording_operator):
    page = client.get("/admin/intake/").get_data(as_text=True)
    assert re.search(r'<input[^>]*autofocus[^>]*id="nik"|<input[^>]*id="nik"[^>]*autofocus',
                     page)
    for script in ("js/forms.js", "js/datepicker.js", "js/keyboard.js"):
        assert f'src="/static/{script}"' in page
    assert 'data-queue-url="/admin/queue/"' in page and 'data-intake-url="/admin/intake/"' in page
    assert 'data-file-choose="Pilih berkas"' in page
    assert 'data-file-none="Belum ada berkas dipilih"' in page
    help_box = page[page.index('id="shortcut-help"'):]
    assert "Pintasan keyboard" in help_box and "Kembali ke antrean kerja" in help_box

    applicant = make_applicant()
    page = intake_lookup(client, applicant.nik).get_data(as_text=True)
    nik = re.search(r'<input[^>]*id="nik"[^>]*>', page).group(0)
    assert "autofocus" not in nik  # the intake form is open: its first field has it
    assert re.search(r'<input[^>]*autofocus[^>]*id="f102_complete"|'
                     r'<input[^>]*id="f102_complete"[^>]*autofocus', page)
    assert re.search(r"\srequired[\s>=]", page) is None
    work_forms = [f for f in _forms(page) if "data-testid" in f]
    assert len(work_forms) == 2  # the NIK search and the intake form
    assert all("novalidate" in f for f in work_forms), work_forms

    page = intake_lookup(client, "5311019999990001").get_data(as_text=True)
    link = re.search(r'<a[^>]*data-testid="create-applicant"[^>]*>', page).group(0)
    assert "data-autofocus" in link and "data-next-step" in link


def test_date_fields_are_dd_mm_yyyy_text_whatever_the_browser(client, recording_operator,
                                                              applicant_data, auth):
    page = client.get("/admin/applicant/new/").get_data(as_text=True)
    field = re.search(r'<input[^>]*id="birth_date"[^>]*>', page).group(0)
    assert 'type="text"' in field and "data-date-picker" in field
    assert 'placeholder="DD-MM-YYYY"' in field
    assert 'type="date"' not in page
    assert re.search(r"\srequired[\s>=]", page) is None  # no browser bubbles
    assert 'aria-required="true"' in page

    data = {**applicant_data, "birth_date": "17-08-1990"}
    response = auth.post("/admin/applicant/new/", data, token_from="/admin/applicant/new/")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    applicant = db.session.execute(db.select(Applicant).filter_by(
        nik=applicant_data["nik"])).scalar_one()
    assert applicant.birth_date == date(1990, 8, 17)
    page = client.get(f"/admin/applicant/edit/?id={applicant.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="birth_date"[^>]*value="17-08-1990"', page)

    # Not a date: an Indonesian message by the field, nothing stored.
    data = {**applicant_data, "nik": "5311015708900002", "birth_date": "08/17/1990"}
    response = auth.post("/admin/applicant/new/", data, token_from="/admin/applicant/new/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    field = page[page.index('id="birth_date"'):]
    error = re.search(r"<li>([^<]*)</li>", field)
    assert error and error.group(1) == ("Tulis tanggal dengan format HH-BB-TTTT, misalnya "
                                        "17-08-1990.")
    assert db.session.execute(db.select(Applicant).filter_by(
        nik="5311015708900002")).scalar_one_or_none() is None


def test_the_disruption_on_an_application_page_is_in_wita(app, client, recording_operator):
    operator = user_of("recording_operator")
    disruption = Disruption(kind="network", description="Jaringan putus",
                            started_at=utcnow() - timedelta(minutes=5))
    service_clock.open_disruption(disruption, operator)
    db.session.commit()
    application = submitted(app, make_applicant(), operator)
    db.session.commit()
    assert application.disruption_id == disruption.id
    page = client.get(f"/admin/application/details/?id={application.id}").get_data(
        as_text=True)
    started = disruption.started_at
    assert format_datetime(started) in page
    utc_text = started.strftime("%d-%m-%Y %H:%M")
    assert utc_text != format_datetime(started)
    assert utc_text not in page and started.isoformat(sep=" ")[:16] not in page


def _date_filter_args(html: str) -> dict[str, str]:
    """Operation -> URL argument of the list's (one) date column filters."""
    data = re.search(r'<div id="filter-groups-data" class="d-none">(.*?)</div>', html, re.S)
    groups = json.loads(data.group(1))
    (dated,) = [flts for flts in groups.values()
                if any(f["type"] == "office-date" for f in flts)]
    return {f["operation"]: f["arg"] for f in dated}


def test_list_filters_take_dd_mm_yyyy_and_the_wita_day(app, client, recording_operator):
    operator = user_of("recording_operator")
    # 23:30 WITA on 01-12-2026 is 15:30 UTC; 00:30 WITA on 02-12-2026 is 16:30 UTC of
    # the 1st: a filter on the UTC day would put both on the 1st.
    numbers = {}
    for serial, moment in ((1, datetime(2026, 12, 1, 15, 30)),
                           (2, datetime(2026, 12, 1, 16, 30))):
        applicant = make_applicant(nik=nik_for(date(1990, 8, 17), "2", serial))
        with simulated(lambda moment=moment: moment):
            numbers[serial] = submitted(app, applicant, operator).number
        db.session.commit()
    html = client.get("/admin/application/").get_data(as_text=True)
    args = _date_filter_args(html)
    assert set(args) >= {"pada tanggal", "sebelum tanggal", "sesudah tanggal",
                         "dari ... s/d ..."}

    def listed(operation: str, value: str) -> set[int]:
        page = client.get("/admin/application/", query_string={
            f"flt0_{args[operation]}": value}).get_data(as_text=True)
        return {n for n, number in numbers.items() if number in page}

    assert listed("pada tanggal", "01-12-2026") == {1}
    assert listed("pada tanggal", "02-12-2026") == {2}
    assert listed("sesudah tanggal", "01-12-2026") == {2}
    assert listed("sebelum tanggal", "02-12-2026") == {1}
    assert listed("dari ... s/d ...", "01-12-2026 s/d 02-12-2026") == {1, 2}
    assert listed("dari ... s/d ...", "02-12-2026 to 02-12-2026") == {2}
    # Not a date (an English browser's 12/01/2026): the filter is not applied.
    assert listed("pada tanggal", "12/01/2026") == {1, 2}
