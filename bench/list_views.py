"""List-view benchmark: our Applicant screen against a floor (the same 20 rows from a
bare Flask route) and a stock Flask-Admin ModelView.

    .venv/bin/python bench/list_views.py [--rows N] [--db sqlite|postgresql|both]
        [--requests K] [--views ours|floor|stock|all] [--max-load L] [--explain]
        [--profile]

Builds the schema with the project's migrations (so the real indexes are measured,
the name word index and pg_trgm included), loads N synthetic residents, logs in a
recording operator through the real /login form (CSRF on), then times K requests of
each list screen in-process with Flask's test client. See bench/README.md.
"""

from __future__ import annotations

import argparse
import atexit
import cProfile
import io
import json
import os
import platform
import pstats
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from flask import Flask, request  # noqa: E402
from flask_admin import Admin  # noqa: E402
from flask_admin.contrib.sqla import ModelView  # noqa: E402
from flask_admin.contrib.sqla import filters as sqla_filters  # noqa: E402
from flask_login import current_user, login_required  # noqa: E402

from app import create_app  # noqa: E402
from models import Applicant, audit, codes, db, wilayah  # noqa: E402
from models.search import applicant_conditions  # noqa: E402
from models.users import User, create_user  # noqa: E402

RESULTS = ROOT / "bench" / "results"
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
BENCH_DB_NAME = "ktp_bench"
BENCH_USER = "bench.kabid"
BENCH_PASSWORD = "bench-kata-sandi-123"
WARMUP = 20
PAGE_SIZE = 20
TARGET_RATIO = 2.0  # ours p50 / floor p50, every case
WHO = ("ours", "floor", "stock")
SEED = 20251124

COLUMNS = ("id", "nik", "kk_number", "name", "birth_place", "birth_date", "sex",
           "blood_type", "religion", "marital_status", "occupation", "citizenship",
           "address", "rt", "rw", "village_code", "phone", "created_at", "updated_at")


# --------------------------------------------------------------------------- data
MALE_FIRST = ("YOHANES", "PETRUS", "PAULUS", "YULIUS", "MARKUS", "DANIEL", "YAKOBUS",
              "FRANSISKUS", "ARNOLDUS", "STEFANUS", "ANDREAS", "MATIUS", "SIMON", "YOSEF",
              "LUKAS", "AGUSTINUS", "BERNARDUS", "OKTAVIANUS", "ROBERTUS", "DOMINIKUS")
FEMALE_FIRST = ("MARIA", "MARTHA", "YULIANA", "AGUSTINA", "SARLOTA", "DORKAS", "ELISABETH",
                "MAGDALENA", "KORNELIA", "FRANSISKA", "REGINA", "SELFINA", "YOHANA",
                "DOROTHEA", "ANASTASIA", "PAULINA", "KRISTINA", "MARGARETHA", "LIDIA", "ESTER")
CLAN = ("HAPU", "NDAKU", "KAHI", "MBORA", "TAMU", "NGGILU", "LIMU", "KONDA", "DIDA",
        "WULANG", "NDAPA", "HAMBA", "NGANA", "MBAHA", "HUKI", "RATU", "MANU", "DJAWA",
        "HINGGU", "ANGGU", "PAREMA", "LANGGA", "TARAP", "MOTO", "KAMBA", "NAI", "PARANGGI",
        "WAHANG", "HAMAPATI", "RADA", "PALLA", "MEHA", "JAWA", "DAKU", "NJURU", "KATODA")
PLACES = ("WAINGAPU", "MELOLO", "LEWA", "NGGONGI", "RINDI", "UMALULU", "KANANGGAR",
          "TABUNDUNG", "PAHUNGA LODU", "KAMBERA", "HAHARU", "KUPANG", "WAIKABUBAK")
STREETS = ("JL. AHMAD YANI", "JL. EL TARI", "JL. SOEKARNO HATTA", "JL. PRAILIU",
           "JL. LALAMENTIK", "JL. ADAM MALIK", "JL. R. SOEPRAPTO", "JL. KAMBANIRU")
RELIGIONS = (("2", 62), ("3", 25), ("1", 5), ("7", 8))
MARITAL = (("1", 42), ("2", 50), ("3", 2), ("4", 6))  # weights, roughly an adult registry
OCCUPATIONS = [code for code, _label in codes.OCCUPATION]


def _weighted(pairs: tuple[tuple[str, int], ...]) -> list[str]:
    return [code for code, weight in pairs for _ in range(weight)]


def synthetic_rows(n: int) -> Iterator[tuple[Any, ...]]:
    """N valid-looking residents: unique NIKs of Sumba Timur's 22 districts."""
    rnd = random.Random(SEED)
    districts = [d.code.replace(".", "") for d in wilayah.districts_of_sumba_timur()]
    villages: dict[str, list[str]] = {}
    for v in wilayah.villages():
        villages.setdefault(v.district_code.replace(".", ""), []).append(v.code)
    districts = [d for d in districts if d in villages]
    religions, marital = _weighted(RELIGIONS), _weighted(MARITAL)
    first_day = date(1945, 1, 1).toordinal()
    last_day = date(2008, 12, 31).toordinal()
    serials: dict[str, int] = {}
    start = datetime(2021, 1, 4, 8, 0)
    step = (datetime(2025, 10, 31, 16, 0) - start) / max(n, 1)
    for i in range(1, n + 1):
        district = rnd.choice(districts)
        born = date.fromordinal(rnd.randint(first_day, last_day))
        female = rnd.random() < 0.5
        ddmmyy = f"{born.day + (40 if female else 0):02d}{born.month:02d}{born.year % 100:02d}"
        key = district + ddmmyy
        serial = serials.get(key, 0) + 1
        serials[key] = serial
        nik = f"{key}{serial:04d}"
        issued = date(rnd.randint(2005, 2024), rnd.randint(1, 12), rnd.randint(1, 28))
        kk = f"{district}{issued:%d%m%y}{rnd.randint(1, 9999):04d}"
        first = rnd.choice(FEMALE_FIRST if female else MALE_FIRST)
        name = f"{first} {'RAMBU' if female else 'UMBU'} {rnd.choice(CLAN)} {rnd.choice(CLAN)}"
        if rnd.random() < 0.5:
            address = f"{rnd.choice(STREETS)} NO. {rnd.randint(1, 120)}"
        else:
            address = f"DUSUN {rnd.choice(CLAN)} {rnd.choice(('I', 'II', 'III', 'IV'))}"
        phone = f"08{rnd.randint(11, 99)}{rnd.randint(10_000_000, 99_999_999)}" \
            if rnd.random() < 0.55 else None
        created = start + step * i
        yield (i, nik, kk, name, rnd.choice(PLACES), born, "2" if female else "1",
               "13" if rnd.random() < 0.7 else str(rnd.randint(1, 12)), rnd.choice(religions),
               rnd.choice(marital), rnd.choice(OCCUPATIONS), "1", address,
               f"{rnd.randint(1, 15):03d}", f"{rnd.randint(1, 8):03d}",
               rnd.choice(villages[district]), phone, created, created)


def _chunks(rows: Iterator[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# ----------------------------------------------------------------------- databases
def sqlite_path() -> Path:
    return RESULTS / f"{BENCH_DB_NAME}.sqlite"


def pg_admin_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG_URL)


def pg_bench_url() -> str:
    """BENCH_DATABASE_URL with its database replaced by ktp_bench (created if missing)."""
    import psycopg

    base = pg_admin_url()
    parts = urlsplit(base)
    with psycopg.connect(_libpq(base), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                              (BENCH_DB_NAME,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{BENCH_DB_NAME}"')
            print(f"  created database {BENCH_DB_NAME}")
    return urlunsplit((parts.scheme, parts.netloc, "/" + BENCH_DB_NAME, parts.query, ""))


def _libpq(url: str) -> str:
    return re.sub(r"^postgresql\+\w+://", "postgresql://", url)


def database_url(kind: str) -> str:
    if kind == "sqlite":
        RESULTS.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{sqlite_path()}"
    return pg_bench_url()


def reset_database(kind: str, url: str) -> None:
    """Drop everything so the migrations run on an empty database."""
    if kind == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(sqlite_path()) + suffix).unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


def _secondary_indexes_sqlite(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    return conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'applicant'"
        " AND sql IS NOT NULL").fetchall()


def load_sqlite(n: int) -> None:
    conn = sqlite3.connect(sqlite_path(), isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-262144")
        # The migration's own index DDL, dropped for the load and replayed verbatim.
        indexes = _secondary_indexes_sqlite(conn)
        for name, _sql in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        insert = (f"INSERT INTO applicant ({', '.join(COLUMNS)}) "
                  f"VALUES ({', '.join('?' for _ in COLUMNS)})")
        for chunk in _chunks(synthetic_rows(n), 200_000):
            conn.execute("BEGIN")
            conn.executemany(insert, [
                (*row[:5], row[5].isoformat(), *row[6:17],
                 row[17].isoformat(sep=" "), row[18].isoformat(sep=" ")) for row in chunk])
            conn.execute("COMMIT")
        for _name, sql in indexes:
            conn.execute(sql)
        # The word index was filled row by row by its trigger: merge its segments, as
        # FTS5's automerge does over time in service.
        conn.execute("INSERT INTO applicant_name_fts(applicant_name_fts) VALUES ('optimize')")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        # Back to the rollback journal the app gets by default.
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()


def load_postgresql(url: str, n: int) -> None:
    import psycopg

    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '512MB'")
        # Indexes that back no constraint: the migration's DDL, dropped and replayed.
        indexes = conn.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = current_schema() AND i.tablename = 'applicant' "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "                WHERE c.conindid = (quote_ident(i.indexname))::regclass)"
        ).fetchall()
        for name, _sql in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        with conn.cursor() as cur, cur.copy(
                f"COPY applicant ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            buf: list[str] = []
            for row in synthetic_rows(n):
                buf.append("\t".join(r"\N" if v is None else str(v) for v in row))
                if len(buf) >= 50_000:
                    copy.write("\n".join(buf) + "\n")
                    buf = []
            if buf:
                copy.write("\n".join(buf) + "\n")
        for _name, sql in indexes:
            conn.execute(sql)
        conn.execute("SELECT setval(pg_get_serial_sequence('applicant', 'id'), "
                     "(SELECT max(id) FROM applicant))")
        # After a bulk load autovacuum would do this; do it now so the visibility map
        # and statistics look like a table that has been in service for a while.
        conn.execute("VACUUM (ANALYZE) applicant")


def make_app(url: str) -> tuple[Flask, str]:
    """The real app, plus a stock Flask-Admin Applicant view under /stock/."""
    scratch = tempfile.mkdtemp(prefix="ktp_bench_")
    atexit.register(shutil.rmtree, scratch, True)
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "bench-secret-key-not-for-production",
        "TESTING": False,
        "WTF_CSRF_ENABLED": True,
        "UPLOAD_FOLDER": f"{scratch}/uploads",
        "DOCUMENT_FOLDER": f"{scratch}/documents",
    })
    stock = Admin(app, name="stock", url="/stock", endpoint="stockadmin")
    stock.add_view(StockApplicantView(Applicant, db, name="Applicants",
                                      endpoint="stock_applicant", url="applicant"))
    add_floor(app)
    return app, scratch


FLOOR_TEMPLATE = """<!doctype html><html lang="id"><head><meta charset="utf-8">
<title>Penduduk</title></head><body><table class="table">
<thead><tr>{% for h in heads %}<th>{{ h }}</th>{% endfor %}</tr></thead><tbody>
{% for a in rows %}<tr><td class="col-nik">{{ a.nik }}</td><td class="col-name">{{ a.name }}</td>
<td>{{ a.birth_date.strftime("%d-%m-%Y") }}</td><td>{{ a.sex }}</td>
<td class="col-marital_status">{{ a.marital_status }}</td><td>{{ a.village_code }}</td></tr>
{% endfor %}</tbody></table></body></html>"""


def record_lookup_as_ours(search: str) -> None:
    """What our screen writes for a searched list (admin/base.py record_read, through
    models.audit.record_reading): one audit entry with the masked search, the resident
    of a full NIK linked to it, one commit. The floor with `audited=1` does it too: the
    reference for a search that must be on record (the plain floor reads personal data
    without a trace)."""
    changes = {"endpoint": "applicant.index_view", "path": "/admin/applicant/?search=...",
               "method": "GET", "search": audit.mask_niks(search)[:100]}
    audit.record_reading(current_user._get_current_object(), "applicant", changes=changes,
                         nik="".join(ch for ch in search if ch.isdigit()))


def add_floor(app: Flask) -> None:
    """The floor: the same 20 rows as our screen, from a bare Flask route with a minimal
    Jinja table, behind the same login (session cookie, Flask-Login's user loader, the
    app's before/after-request hooks) but without Flask-Admin, the permission matrix,
    the menu or the audit. Same query: newest first, the same search conditions
    (models.search), the same marital-status filter."""
    template = app.jinja_env.from_string(FLOOR_TEMPLATE)
    heads = ("NIK", "Nama", "Tanggal lahir", "Jenis kelamin", "Status kawin", "Desa")

    @login_required
    def floor_applicants() -> str:
        query = sa.select(Applicant)
        search = request.args.get("search")
        if search and request.args.get("audited"):  # on record first, as ours does
            record_lookup_as_ours(search)
        if search:
            query = query.where(*applicant_conditions(search))
        status = request.args.get("marital_status")
        if status:
            query = query.where(Applicant.marital_status == status)
        rows = db.session.execute(
            query.order_by(Applicant.id.desc()).limit(PAGE_SIZE)).scalars().all()
        return template.render(rows=rows, heads=heads)

    app.add_url_rule("/floor/applicant/", "bench_floor", floor_applicants)


class StockApplicantView(ModelView):
    """What Flask-Admin gives out of the box: COUNT(*), '%term%' ilike search.

    is_accessible is left at its default (open): benchmark only.
    """

    column_searchable_list = ("nik", "name")
    column_filters = ("marital_status",)


def prepare(kind: str, n: int) -> tuple[Flask, dict[str, Any]]:
    print(f"\n== {kind}: preparing {n:,} applicants")
    url = database_url(kind)
    app, _scratch = make_app(url)
    info: dict[str, Any] = {"url": re.sub(r"//[^@/]*@", "//", url)}
    with app.app_context():
        flask_migrate.upgrade()  # a no-op on a database at head
        count = db.session.execute(sa.select(sa.func.count()).select_from(Applicant)).scalar()
        db.session.remove()
    if count == n:
        print(f"  reusing the loaded database ({count:,} rows)")
        info["load_seconds"] = None
    else:
        with app.app_context():
            db.engine.dispose()
        reset_database(kind, url)
        with app.app_context():
            t0 = time.perf_counter()
            flask_migrate.upgrade()
            db.session.remove()
            db.engine.dispose()
            t_schema = time.perf_counter() - t0
            t1 = time.perf_counter()
            if kind == "sqlite":
                load_sqlite(n)
            else:
                load_postgresql(url, n)
            t_load = time.perf_counter() - t1
        print(f"  migrations {t_schema:.1f} s; load + indexes + ANALYZE {t_load:.1f} s "
              f"({n / t_load:,.0f} rows/s)")
        info["load_seconds"] = round(t_load, 1)
    with app.app_context():
        if db.session.execute(sa.select(User.id).where(User.username == BENCH_USER)).first() \
                is None:
            create_user(None, BENCH_USER, "BENCH OPERATOR PEREKAMAN", "recording_operator",
                        BENCH_PASSWORD)
        db.session.remove()
    return app, info


# ------------------------------------------------------------------------ requests
CSRF_RE = re.compile(
    r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
NIK_CELL_RE = re.compile(r'<td class="col-nik">\s*(\d{16})\s*</td>')
MARITAL_CELL_RE = re.compile(r'<td class="col-marital_status">\s*([^<]*?)\s*</td>')
NAME_CELL_RE = re.compile(r'<td class="col-name">\s*([^<]*?)\s*</td>')


def login(client: Any) -> None:
    page = client.get("/login").get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, "no CSRF token on /login"
    token = match.group(1) or match.group(2)
    response = client.post("/login", data={"username": BENCH_USER, "password": BENCH_PASSWORD,
                                            "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert client.get("/admin/applicant/").status_code == 200


def filter_arg(app: Flask, endpoint: str, column: str, flt_class: type) -> str:
    """The URL argument Flask-Admin generated for an 'equals' filter on `column`."""
    view = next(v for admin in app.extensions["admin"] for v in admin._views
                if getattr(v, "endpoint", None) == endpoint)
    with app.test_request_context():
        for key, (_idx, flt) in view._filter_args.items():
            if isinstance(flt, flt_class) and getattr(flt.column, "key", None) == column:
                return f"flt0_{key}"
    raise LookupError(f"no {flt_class.__name__} filter on {column} in {endpoint}")


@dataclass
class Case:
    name: str
    label: str
    urls: Callable[[int], str]  # request number -> URL
    check: Callable[[int, str], None]  # request number, HTML -> assert


@dataclass
class Timing:
    ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)


class SqlMeter:
    """Counts statements and time spent in the driver per request."""

    def __init__(self, engine: Any) -> None:
        self.count = 0
        self.seconds = 0.0
        self.capture: list[tuple[str, Any]] | None = None
        self._start = 0.0
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)

    def reset(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self._start = time.perf_counter()
        if self.capture is not None:
            self.capture.append((statement, parameters))

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.seconds += time.perf_counter() - self._start
        self.count += 1


def pick_samples(n_needed: int) -> tuple[list[str], list[str], list[str]]:
    """Existing NIKs (random rows), 10-digit prefixes of them, and two-word name
    searches as a clerk types them (a clan name and the start of the first name, in
    that order, lower case) from other random rows."""
    rnd = random.Random(SEED + 1)
    top = db.session.execute(sa.select(sa.func.max(Applicant.id))).scalar() or 0
    ids = rnd.sample(range(1, top + 1), min(n_needed, top))
    niks = list(db.session.execute(
        sa.select(Applicant.nik).where(Applicant.id.in_(ids))).scalars())
    rnd.shuffle(niks)
    while len(niks) < n_needed:
        niks += niks
    name_ids = rnd.sample(range(1, top + 1), min(40, top))
    names = list(db.session.execute(
        sa.select(Applicant.name).where(Applicant.id.in_(name_ids))).scalars())
    two = [f"{n.split()[2].lower()} {n.split()[0][:4].lower()}" for n in names]
    return niks[:n_needed], [nik[:10] for nik in niks[:n_needed]], two


# One-word searches: every given name and clan of the synthetic data, in turn.
ONE_WORD = tuple(w if i % 2 else w.lower()
                 for i, w in enumerate(MALE_FIRST + FEMALE_FIRST + CLAN))


def name_page(query: str) -> list[str]:
    """NIKs of the newest 20 residents with, for every word typed, a name word that
    starts with it: read by walking the table newest first in Python, not through
    the word index under test."""
    words = query.upper().split()
    found: list[str] = []
    below = None
    while len(found) < PAGE_SIZE:
        q = sa.select(Applicant.id, Applicant.nik, Applicant.name).order_by(
            Applicant.id.desc()).limit(5000)
        if below is not None:
            q = q.where(Applicant.id < below)
        chunk = db.session.execute(q).all()
        if not chunk:
            break
        for _id, nik, name in chunk:
            parts = re.split(r"[^A-Z0-9]+", name)
            if all(any(p.startswith(w) for p in parts) for w in words):
                found.append(nik)
                if len(found) == PAGE_SIZE:
                    break
        below = chunk[-1][0]
    return found


def expected_pages(niks: list[str], prefixes: list[str], two_words: list[str],
                   status: str) -> dict[str, Any]:
    """What each screen must show, read straight from the database. A run of digits
    is a NIK or a KK number (the search box takes both)."""
    a = Applicant

    def page(condition: Any) -> list[str]:
        return list(db.session.execute(
            sa.select(a.nik).where(condition).order_by(a.id.desc()).limit(PAGE_SIZE)
        ).scalars())

    def digits_range(column: Any, p: str) -> Any:
        return sa.and_(column >= p, column < p[:-1] + chr(ord(p[-1]) + 1))

    first = page(sa.true())
    by_nik = {n: page(sa.or_(a.nik == n, a.kk_number == n)) for n in set(niks)}
    by_prefix: dict[str, tuple[list[str], int]] = {}
    for p in set(prefixes):
        nik_range = digits_range(a.nik, p)
        by_prefix[p] = (page(sa.or_(nik_range, digits_range(a.kk_number, p))),
                        db.session.execute(sa.select(sa.func.count()).where(nik_range)
                                           ).scalar() or 0)
    by_name = {q: name_page(q) for q in set(ONE_WORD) | set(two_words)}
    return {"first": first, "nik": by_nik, "prefix": by_prefix, "name": by_name,
            "status": page(a.marital_status == status)}


def build_cases(app: Flask, niks: list[str], prefixes: list[str], two_words: list[str],
                expect: dict[str, Any], status: str) -> dict[str, list[Case]]:
    ours_flt = filter_arg(app, "applicant", "marital_status", sqla_filters.FilterEqual)
    stock_flt = filter_arg(app, "stock_applicant", "marital_status", sqla_filters.FilterEqual)
    status_label = codes.label(codes.MARITAL_STATUS, status)

    def one(i: int) -> str:
        return ONE_WORD[i % len(ONE_WORD)]

    def two(i: int) -> str:
        return two_words[i % len(two_words)]

    def rows(html: str) -> list[str]:
        return NIK_CELL_RE.findall(html)

    def exact(expected: Callable[[int], list[str]], what: str) -> Callable[[int, str], None]:
        def check(i: int, html: str) -> None:
            assert rows(html) == expected(i), f"{what} #{i}: {rows(html)} != {expected(i)}"
        return check

    def status_check(label: str) -> Callable[[int, str], None]:
        def check(i: int, html: str) -> None:
            assert rows(html) == expect["status"], "status filter page differs"
            assert set(MARITAL_CELL_RE.findall(html)) == {label}
        return check

    def stock_first(i: int, html: str) -> None:
        found = rows(html)
        assert len(found) == PAGE_SIZE and len(set(found)) == PAGE_SIZE, found

    def stock_nik(i: int, html: str) -> None:
        assert rows(html) == [niks[i]], f"stock NIK search {niks[i]}: {rows(html)}"

    def stock_prefix(i: int, html: str) -> None:
        found = rows(html)
        _page, total = expect["prefix"][prefixes[i]]
        # '%term%' may also match the digits elsewhere in a NIK: a superset.
        assert len(found) >= min(PAGE_SIZE, total), (prefixes[i], found)
        assert all(prefixes[i] in nik for nik in found), (prefixes[i], found)

    def stock_words(query: Callable[[int], str]) -> Callable[[int, str], None]:
        def check(i: int, html: str) -> None:
            names = NAME_CELL_RE.findall(html)
            assert len(names) == PAGE_SIZE, (query(i), names)
            assert all(w.upper() in n for n in names for w in query(i).split()), names
        return check

    def stock_status(i: int, html: str) -> None:
        assert len(rows(html)) == PAGE_SIZE
        assert set(MARITAL_CELL_RE.findall(html)) == {status}

    def q(base: str, **args: str) -> str:
        return f"{base}?{urlencode(args)}"

    first_page = exact(lambda i: expect["first"], "first page")
    nik_page = exact(lambda i: expect["nik"][niks[i]], "NIK")
    prefix_page = exact(lambda i: expect["prefix"][prefixes[i]][0], "NIK prefix")
    one_page = exact(lambda i: expect["name"][one(i)], "one word")
    two_page = exact(lambda i: expect["name"][two(i)], "two words")

    def screen(base: str, flt: str, label: str) -> list[Case]:
        return [
            Case("list", "list, default page", lambda i: base, first_page),
            Case("nik", "search, full NIK", lambda i: q(base, search=niks[i]), nik_page),
            Case("nik_prefix", "search, NIK prefix (10)",
                 lambda i: q(base, search=prefixes[i]), prefix_page),
            Case("name_one", "search, one name word",
                 lambda i: q(base, search=one(i)), one_page),
            Case("name_two", "search, two name words",
                 lambda i: q(base, search=two(i)), two_page),
            Case("status", f"filter marital_status={status}",
                 lambda i: q(base, **{flt: status}), status_check(label)),
        ]

    stock = "/stock/applicant/"
    floor = screen("/floor/applicant/", "marital_status", status)
    return {
        "ours": screen("/admin/applicant/", ours_flt, status_label),
        "floor": floor,
        # The searches are audited lookups on our screen: the floor plus the same
        # audit write, for those cases only (None: not a lookup, nothing to add).
        "audited": [Case(c.name, c.label, (lambda u: lambda i: u(i) + "&audited=1")(c.urls),
                         c.check) if "search=" in c.urls(0) else None for c in floor],
        "stock": [
            Case("list", "list, default page", lambda i: stock, stock_first),
            Case("nik", "search, full NIK", lambda i: q(stock, search=niks[i]), stock_nik),
            Case("nik_prefix", "search, NIK prefix (10)",
                 lambda i: q(stock, search=prefixes[i]), stock_prefix),
            Case("name_one", "search, one name word", lambda i: q(stock, search=one(i)),
                 stock_words(one)),
            Case("name_two", "search, two name words", lambda i: q(stock, search=two(i)),
                 stock_words(two)),
            Case("status", f"filter marital_status={status}",
                 lambda i: q(stock, **{stock_flt: status}), stock_status),
        ],
    }


def run_interleaved(client: Any, meter: SqlMeter, cases: list[Case], k: int) -> list[Timing]:
    """K timed requests (after WARMUP) of each case, request by request in turn: ours,
    its floor, the audited floor, ours again... A change in the machine's speed (the
    figures here moved by up to 2x within a minute) then hits every side alike, which
    a block of one side's requests after the other's does not."""
    timings = [Timing() for _ in cases]
    for i in range(WARMUP + k):
        for case, timing in zip(cases, timings, strict=True):
            url = case.urls(i)
            meter.reset()
            c0 = time.process_time()
            t0 = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - t0
            cpu = time.process_time() - c0
            assert response.status_code == 200, (url, response.status_code)
            case.check(i, response.get_data(as_text=True))
            if i >= WARMUP:
                timing.ms.append(elapsed * 1000)
                timing.cpu_ms.append(cpu * 1000)
                timing.sql_ms.append(meter.seconds * 1000)
                timing.statements.append(meter.count)
    return timings


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(q) - 1]


def summary(t: Timing) -> dict[str, float]:
    return {"p50_ms": round(pct(t.ms, 50), 2), "p95_ms": round(pct(t.ms, 95), 2),
            "mean_ms": round(statistics.fmean(t.ms), 2),
            "cpu_p50_ms": round(pct(t.cpu_ms, 50), 2),
            "sql_p50_ms": round(pct(t.sql_ms, 50), 2),
            "statements": max(t.statements)}


def explain(app: Flask, client: Any, meter: SqlMeter, kind: str, cases: list[Case],
            who: str) -> None:
    """Plans of the statements one request of each case runs (no user/session lookups)."""
    prefix = "EXPLAIN QUERY PLAN " if kind == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    for case in cases:
        meter.capture = []
        client.get(case.urls(WARMUP))
        captured, meter.capture = meter.capture, None
        print(f"\n--- {who} / {case.label}: {len(captured)} statements")
        with app.app_context():
            conn = db.session.connection()
            for statement, params in captured:
                if "FROM applicant" not in statement:
                    continue
                print("  " + " ".join(statement.split())[:400])
                print(f"  params: {params}")
                for row in conn.exec_driver_sql(prefix + statement, params):
                    print("    " + " | ".join(str(c) for c in row))
            db.session.remove()


def profile(client: Any, kind: str, cases: list[Case], k: int) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    for case in cases:
        prof = cProfile.Profile()
        prof.enable()
        for i in range(k):
            client.get(case.urls(WARMUP + i))
        prof.disable()
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out).sort_stats("cumulative")
        stats.print_stats(45)
        stats.sort_stats("tottime").print_stats(25)
        who = "floor" if case.urls(0).startswith("/floor/") else "ours"
        path = RESULTS / f"profile_{kind}_{'floor_' if who == 'floor' else ''}{case.name}.txt"
        path.write_text(out.getvalue())
        print(f"  profile of {who} / {case.label} -> {path.relative_to(ROOT)}")


def ratios(row: dict[str, Any]) -> None:
    """ours/floor (the target: at most TARGET_RATIO) and ours/stock, on the p50s."""
    for key, other in (("ratio_ours_floor_p50", "floor"), ("ratio_ours_stock_p50", "stock"),
                       ("ratio_ours_audited_floor_p50", "audited")):
        if "ours" in row and other in row:
            row[key] = round(row["ours"]["p50_ms"] / row[other]["p50_ms"], 2)
    row.pop("ratio_stock_ours_p50", None)  # the old, inverted column


def bench_database(kind: str, n: int, k: int, do_explain: bool, do_profile: bool,
                   views: tuple[str, ...] = WHO, stock_k: int | None = None
                   ) -> dict[str, Any]:
    app, info = prepare(kind, n)
    status = "2"
    with app.app_context():
        niks, prefixes, two_words = pick_samples(WARMUP + k)
        t0 = time.perf_counter()
        expect = expected_pages(niks, prefixes, two_words, status)
        print(f"  expected pages read in {time.perf_counter() - t0:.1f} s")
        meter = SqlMeter(db.engine)
        db.session.remove()
    cases = build_cases(app, niks, prefixes, two_words, expect, status)
    client = app.test_client()
    login(client)
    results: dict[str, Any] = {}
    # Case by case; ours, the floor and the audited floor request by request in turn
    # (run_interleaved), stock (a second a search) in a block of its own after them.
    sides = (*views, "audited") if "floor" in views else views
    for index in range(len(cases["ours"])):
        together = [who for who in sides if who != "stock" and cases[who][index] is not None]
        groups = ([together] if together else []) + ([["stock"]] if "stock" in sides else [])
        for group in groups:
            t0 = time.perf_counter()
            timings = run_interleaved(client, meter, [cases[who][index] for who in group],
                                      stock_k or k if group == ["stock"] else k)
            for who, timing in zip(group, timings, strict=True):
                case = cases[who][index]
                s = summary(timing)
                # Other work on the machine skews the figures: keep the 1-minute load.
                s["load_avg_1m"] = round(os.getloadavg()[0], 2)
                results.setdefault(case.name, {"request": case.label})[who] = s
                print(f"  {who:7} {case.label:26} p50 {s['p50_ms']:8.2f} ms  p95 "
                      f"{s['p95_ms']:8.2f} ms  ({time.perf_counter() - t0:.0f} s, "
                      f"load {s['load_avg_1m']:.1f})")
    for row in results.values():
        ratios(row)
    if do_explain:
        for who in views:
            explain(app, client, meter, kind, cases[who], who)
    if do_profile:
        profile(client, kind, cases["ours"] + cases["floor"][:1], k)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return {**info, "rows": n, "requests": k, "stock_requests": stock_k or k,
            "warmup": WARMUP, "cases": results}


def print_table(kind: str, result: dict[str, Any]) -> None:
    print(f"\n{kind} — {result['rows']:,} applicants, {result['requests']} requests each "
          f"(stock {result.get('stock_requests', result['requests'])}) after "
          f"{result['warmup']} warm-up (ms, in-process test client)")
    head = (f"{'request':28} {'ours p50':>8} {'ours p95':>8} {'floor p50':>9} "
            f"{'floor p95':>9} {'stock p50':>9} {'stock p95':>9} {'ours/floor':>10} "
            f"{'ours/stock':>10} {'ours CPU':>8} {'ours SQL':>8} {'+audit p50':>10} "
            f"{'ours/(floor+audit)':>18}")
    print(head)
    print("-" * len(head))

    def cell(row: dict[str, Any], who: str, key: str, width: int) -> str:
        return f"{row[who][key]:{width}.2f}" if who in row else f"{'-':>{width}}"

    def ratio(row: dict[str, Any], key: str, width: int) -> str:
        return f"{row[key]:{width - 1}.2f}x" if key in row else f"{'-':>{width}}"

    for row in result["cases"].values():
        value = row.get("ratio_ours_floor_p50")
        flag = "  > target" if value is not None and value > TARGET_RATIO else ""
        print(f"{row['request']:28} {cell(row, 'ours', 'p50_ms', 8)} "
              f"{cell(row, 'ours', 'p95_ms', 8)} {cell(row, 'floor', 'p50_ms', 9)} "
              f"{cell(row, 'floor', 'p95_ms', 9)} {cell(row, 'stock', 'p50_ms', 9)} "
              f"{cell(row, 'stock', 'p95_ms', 9)} {ratio(row, 'ratio_ours_floor_p50', 10)} "
              f"{ratio(row, 'ratio_ours_stock_p50', 10)} {cell(row, 'ours', 'cpu_p50_ms', 8)} "
              f"{cell(row, 'ours', 'sql_p50_ms', 8)} {cell(row, 'audited', 'p50_ms', 10)} "
              f"{ratio(row, 'ratio_ours_audited_floor_p50', 18)}{flag}")


def wait_for_quiet(max_load: float, timeout: float = 1200) -> None:
    deadline = time.monotonic() + timeout
    while (load := os.getloadavg()[0]) >= max_load and time.monotonic() < deadline:
        print(f"  load average {load:.2f} >= {max_load:g}: waiting", flush=True)
        time.sleep(15)


def results_report(name: str) -> tuple[Path, dict[str, Any]]:
    """bench/results/<name> as left by the last run (each run adds its cases), with
    this machine's description: the report a benchmark writes its figures into."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    try:
        report = json.loads(path.read_text())
    except (OSError, ValueError):
        report = {}
    report["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                         "platform": platform.platform()}
    return path, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--explain", action="store_true",
                        help="print the query plans of one request of each case")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile our screens; reports in bench/results/")
    parser.add_argument("--views", choices=("ours", "floor", "stock", "both", "all"),
                        default="all",
                        help="time one side only (quick iteration; the other sides' last "
                             "figures are kept); both = ours and floor")
    parser.add_argument("--stock-requests", type=int, default=None, metavar="K",
                        help="timed requests per stock case (default: --requests; its "
                             "searches take about a second each at 1M rows)")
    parser.add_argument("--max-load", type=float, default=None, metavar="L",
                        help="before each database, wait (up to 20 min) until the 1-minute "
                             "load average is below L")
    args = parser.parse_args(argv)
    views = {"all": WHO, "both": ("ours", "floor")}.get(args.views, (args.views,))
    sys.stdout.reconfigure(line_buffering=True)  # progress shows up when piped
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)

    out_path, report = results_report("list_views.json")
    report.setdefault("databases", {})
    for kind in kinds:
        if args.max_load is not None:
            wait_for_quiet(args.max_load)
        result = bench_database(kind, args.rows, args.requests, args.explain, args.profile,
                                views, args.stock_requests)
        result["finished_at"] = datetime.now().isoformat(timespec="seconds")
        previous = report["databases"].get(kind)
        if len(views) < len(WHO) and previous and previous.get("rows") == result["rows"]:
            # Some sides only: keep the other sides' figures from the last run.
            if "stock" not in views:
                result["stock_requests"] = previous.get("stock_requests",
                                                        previous.get("requests"))
            for name, row in result["cases"].items():
                merged = {**previous["cases"].get(name, {}), **row}
                ratios(merged)
                result["cases"][name] = merged
        report["databases"][kind] = result
        out_path.write_text(json.dumps(report, indent=2) + "\n")
    for kind in kinds:
        print_table(kind, report["databases"][kind])
    print(f"\nwritten to {out_path.relative_to(ROOT)}")
    misses = [(kind, row["request"], row["ratio_ours_floor_p50"]) for kind in kinds
              for row in report["databases"][kind]["cases"].values()
              if row.get("ratio_ours_floor_p50", 0) > TARGET_RATIO]
    if misses:
        print(f"ours/floor above {TARGET_RATIO:g}: "
              + "; ".join(f"{k}: {r} ({x:.2f}x)" for k, r, x in misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
