"""Shared test factories: accounts and logins, residents and applications at each
step, blank stock and print batches, an empty or freshly seeded database.

Fixtures live in conftest.py; everything a test builds or logs in with lives here.
"""

from __future__ import annotations

import functools
import io
import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pyotp
import sqlalchemy as sa
from PIL import Image
from werkzeug.security import generate_password_hash

from models import Applicant, BlankReceipt, PrintBatch, applications, db, intake
from models.applications import enter_siak_result
from models.batches import add_to_batch, create_batch, decide_batch, submit_batch
from models.blanks import receive_blanks
from models.office_time import office_today, utcnow
from models.permissions import ROLES
from models.standard import ensure_seed_standard
from models.uploads import store_document, store_image
from models.users import TOTP_ROLES, User

PASSWORD = "kata-sandi-uji-123"
# The fixture accounts of the roles that need a second factor have this TOTP secret.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
TOTP_SECRET_RE = re.compile(r'data-testid="totp-secret">([^<]+)<')

@functools.cache
def _password_hash() -> str:
    return generate_password_hash(PASSWORD, method="scrypt")


def empty_database() -> None:
    # Our own session's open read transaction would block TRUNCATE on PostgreSQL.
    db.session.remove()
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(sa.text(
                "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(sa.text(f'DELETE FROM "{table}"'))


def fresh_database() -> None:
    """Empty tables, the seed standard, and one account per role."""
    empty_database()
    ensure_seed_standard()
    for role in ROLES:
        # One scrypt hash for all: hashing six passwords per test would dominate.
        user = User(username=role.replace("_", "."), role=role, active=True,
                    full_name=f"PEGAWAI {role.upper()}", password_hash=_password_hash())
        if role in TOTP_ROLES:  # enrolled already: the login asks for the code
            user.totp_secret = TOTP_SECRET
            user.totp_enabled_at = utcnow()
        db.session.add(user)
    db.session.commit()



CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


class Auth:
    """Log the test client in and out as one of the six roles."""

    def __init__(self, client) -> None:
        self.client = client

    @staticmethod
    def username(role: str) -> str:
        return role.replace("_", ".")

    def token(self, path: str = "/login") -> str:
        return csrf_from(self.client.get(path).get_data(as_text=True))

    def login(self, role: str, password: str = PASSWORD, follow: bool = False,
              username: str | None = None):
        """The whole login: password, then the second factor where the account has
        one (the fixture's TOTP secret) or must set one up (enrolled on the way)."""
        token = self.token("/login")
        response = self.client.post("/login", data={
            "username": username or self.username(role), "password": password,
            "csrf_token": token})
        step = urlsplit(response.headers.get("Location", "")).path \
            if response.status_code == 302 else ""
        if step == "/login/totp":
            return self.second_factor(username or self.username(role), follow=follow)
        if step == "/login/enrol":
            return self.enrol(follow=follow)
        if follow and response.status_code == 302:
            return self.client.get(response.headers["Location"], follow_redirects=True)
        return response

    def totp_code(self, username: str) -> str:
        """The current code of `username`'s app. The replay guard (last step used) is
        reset first: tests log the same account in more than once per 30 seconds."""
        user = db.session.execute(sa.select(User).where(User.username == username)
                                  ).scalar_one()
        user.totp_last_step = None
        db.session.commit()
        return pyotp.TOTP(user.totp_secret).now()

    def second_factor(self, username: str, code: str | None = None, follow: bool = False):
        page = self.client.get("/login/totp")
        return self.client.post("/login/totp", data={
            "code": code or self.totp_code(username),
            "csrf_token": csrf_from(page.get_data(as_text=True))}, follow_redirects=follow)

    def enrol(self, follow: bool = False):
        page = self.client.get("/login/enrol").get_data(as_text=True)
        match = TOTP_SECRET_RE.search(page)
        assert match, page[:1000]
        secret = match.group(1).replace(" ", "")
        response = self.client.post("/login/enrol", data={
            "code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(page)})
        assert response.status_code == 200, response.get_data(as_text=True)[:1000]
        if follow:
            return self.client.get("/admin/", follow_redirects=True)
        # What a finished login answers: on to the back-office.
        return self.client.get("/login")

    def logout(self):
        token = self.token("/admin/")
        return self.client.post("/logout", data={"csrf_token": token})

    def post(self, path: str, data: dict | None = None, token_from: str = "/admin/", **kw):
        """POST with a valid CSRF token taken from a page of the back-office."""
        data = dict(data or {})
        data.setdefault("csrf_token", self.token(token_from))
        return self.client.post(path, data=data, **kw)


def intake_lookup(client, nik: str, follow: bool = True):
    """The counter's NIK lookup as its page does it: posted with the session's token;
    with `follow`, the answer is the page of the lookup (/admin/intake/?lookup=<key>)."""
    token = csrf_from(client.get("/admin/").get_data(as_text=True))
    return client.post("/admin/intake/lookup/", data={"csrf_token": token, "nik": nik},
                       follow_redirects=follow)



def user_of(role: str):
    return db.session.execute(
        sa.select(User).where(User.username == Auth.username(role))).scalar_one()




# ---- residents and applications






def make_applicant(nik: str = "5311015708900001", birth_date: date = date(1990, 8, 17),
                   sex: str = "2", marital_status: str = "1", name: str = "MARIA HAPU"
                   ) -> Applicant:
    applicant = Applicant(
        nik=nik, kk_number="5311010101100002", name=name, birth_place="WAINGAPU",
        birth_date=birth_date, sex=sex, blood_type="4", religion="2",
        marital_status=marital_status, occupation="9", citizenship="1",
        address="JL. AHMAD YANI NO. 5", rt="003", rw="002", village_code="53.11.01.1001")
    db.session.add(applicant)
    db.session.commit()
    return applicant


def nik_for(birth: date, sex: str, serial: int = 1, district: str = "531101") -> str:
    day = birth.day + (40 if sex == "2" else 0)
    return f"{district}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


def png_bytes(size: tuple[int, int] = (60, 80), color: str = "white") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


# A minimal well-formed PDF (one a PDF reader opens: the upload check parses it).
PDF_BYTES = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n"
             b"<< /Type /Pages /Kids [] /Count 0 >>\nendobj\nxref\n0 3\n"
             b"0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n"
             b"trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n110\n%%EOF\n")


def stored_kk(app) -> object:
    return store_document(app.config["UPLOAD_FOLDER"], PDF_BYTES)


def stored_image(app, kind: str) -> object:
    return store_image(app.config["UPLOAD_FOLDER"], png_bytes(), kind)


def submitted(app, applicant, operator):
    return intake.open_application(applicant, operator, f102_complete=True,
                                     kk_copy=stored_kk(app))


def recorded(app, applicant, operator):
    application = submitted(app, applicant, operator)
    applications.record(application, operator, photo=stored_image(app, "photo"),
                    signature=stored_image(app, "signature"), fingerprints_captured=True,
                    iris_captured=True)
    return application


# ---- blank stock and print batches





def receive(first: int, count: int, reference: str | None = None,
            received_at: date | None = None) -> BlankReceipt:
    receipt = BlankReceipt(
        received_at=received_at or office_today(), reference=reference or f"BA-{first}",
        serial_first=f"{first:010d}", serial_last=f"{first + count - 1:010d}",
        quantity=count)
    receive_blanks(receipt, user_of("printing_operator"))
    return receipt


def print_ready(app, n: int, start_serial: int = 1) -> list:
    """n applications of adults, recorded by the recording operator, print-ready."""
    operator = user_of("recording_operator")
    out = []
    for i in range(n):
        born = date(1980, 1, 1) + timedelta(days=37 * (i + start_serial))
        applicant = make_applicant(nik=nik_for(born, "1", serial=i + start_serial),
                                   birth_date=born, sex="1", name=f"UMBU NOMOR {chr(65 + i % 26)}")
        application = recorded(app, applicant, operator)
        enter_siak_result(application, operator, "print_ready")
        out.append(application)
    return out


def batch_with(applications: list, approve: bool = True) -> PrintBatch:
    """A batch of these applications, submitted and (by default) approved."""
    printer = user_of("printing_operator")
    batch = create_batch(printer)
    add_to_batch(batch, applications, printer)
    submit_batch(batch, printer)
    if approve:
        decide_batch(batch, user_of("head_of_division"), True, "setuju")
    return batch


def standard_form_data(channels: list[dict] | None = None, **overrides) -> dict:
    """What the service standard's screen posts: the version in force as its form
    fields (settings, channel rows channels-N-*, components component_A1-*), with
    `channels` and `overrides` in place of the values in force."""
    from models.standard import current_standard

    std = current_standard()
    data: dict = {
        "document_number": std.document_number, "unit": std.unit,
        "document_date": std.document_date.isoformat(),
        "eligible_marital_statuses": sorted(std.marital_codes),
        "based_on_version": str(std.version),
        **{name: str(getattr(std, name)) for name in (
            "eligibility_age", "sla_hours", "sla_hours_disrupted", "fee",
            "low_stock_threshold", "complaint_response_days",
            "complaint_resolution_working_days", "uncollected_flag_days")},
    }
    rows = channels if channels is not None else list(std.complaint_channels)
    for n, row in enumerate(rows):
        for key in ("kind", "label", "contact"):
            data[f"channels-{n}-{key}"] = row.get(key, "")
    for item in std.components:
        data[f"component_{item['code']}-heading"] = item["heading"]
        data[f"component_{item['code']}-text"] = item["text"]
    data.update(overrides)
    return data
