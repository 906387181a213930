"""Dashboard benchmark: each role's landing page (/admin/) at N applications over the
last 12 months, next to the list view's floor (bench/list_views.py: the same login, a
bare Flask route rendering 20 rows) measured in the same run.

    .venv/bin/python bench/dashboards.py [--rows N] [--db sqlite|postgresql|both]
        [--requests K] [--max-load L] [--explain] [--profile]

Loads (once; a database already holding N applications is reused) N residents with
bench/list_views.py's loader, then one application each, spread evenly over the 365
days before the load, with what follows from them: print batches, blanks and their
events, cards (printed, stored, handed over, some spoiled), complaints, survey answers,
disruptions. Then logs in one account per role through the real forms (TOTP for the
oversight roles) and times K requests of each landing page after a warm-up, the first
(cold: the closed months' snapshots computed) separately. Peak memory is the Python
heap's peak (tracemalloc) while one landing page is built, and the process's RSS.
See bench/README.md, "Dashboard benchmark".
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import resource
import sqlite3
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402
import pyotp  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bench import list_views as lv  # noqa: E402
from models import Application, db  # noqa: E402
from models.office_time import utcnow  # noqa: E402
from models.permissions import ROLES  # noqa: E402
from models.standard import ensure_seed_standard  # noqa: E402
from models.users import TOTP_ROLES, User, create_user  # noqa: E402

# A database of its own: the list-view bench resets ktp_bench whenever its row count
# differs, which must not wipe these applications (or the other way round).
DB_NAME = "ktp_dashboards"
SEED = 20261201
WARMUP = 5
TARGET_RATIO = 10.0  # each landing page within 10x the floor
PASSWORD = "bench-kata-sandi-123"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
BATCH_SIZE = 50  # applications per print batch
SPARE_BLANKS = 3_000  # available blanks at the end
BOARD_OF = {"recording_operator": "operator", "printing_operator": "operator",
            "head_of_division": "division", "secretary": "office",
            "head_of_office": "office", "admin": "admin"}


FLOOR_USER = "bench.floor"


def username(role: str) -> str:
    return FLOOR_USER if role == "floor" else "bench." + role.replace("_", ".")


# --------------------------------------------------------------------------- data
def _ts(value: datetime | None) -> str | None:
    """SQLAlchemy's SQLite storage format (microseconds always: text comparisons)."""
    return None if value is None else value.strftime("%Y-%m-%d %H:%M:%S.%f")


class World:
    """The synthetic office: every row derived from the application's number, so a
    run at N is reproducible."""

    def __init__(self, n: int, end: datetime, users: dict[str, int]) -> None:
        self.n = n
        self.end = end  # naive UTC, the moment of the load
        self.start = end - timedelta(days=365)
        self.users = users
        self.rnd = random.Random(SEED)

    def submitted(self, i: int) -> datetime:
        return self.start + (self.end - timedelta(hours=1) - self.start) * (i / self.n)

    def applications(self) -> Iterator[dict[str, Any]]:
        """One per resident id 1..N, oldest first, with its card(s) when printed."""
        rnd = self.rnd
        recorder = self.users["recording_operator"]
        for i in range(1, self.n + 1):
            t = self.submitted(i)
            age = self.end - t
            r = rnd.random()
            if age > timedelta(days=3):
                status = ("handed_over" if r < 0.90 else "printed" if r < 0.94 else
                          "rejected" if r < 0.96 else "cancelled" if r < 0.98 else
                          "duplicate")
            else:
                status = ("submitted" if r < 0.10 else "recorded" if r < 0.20 else
                          "print_ready" if r < 0.35 else "batched" if r < 0.45 else
                          "printed" if r < 0.70 else "handed_over")
            disrupted = rnd.random() < 0.05
            hours = 24 if disrupted else 1
            q = rnd.random()
            served = (timedelta(minutes=rnd.randint(120, 1200)) if disrupted else
                      timedelta(minutes=rnd.randint(15, 55)) if q < 0.88 else
                      timedelta(minutes=rnd.randint(61, 300)))
            recorded = t + timedelta(minutes=rnd.randint(5, 12))
            siak = recorded + timedelta(minutes=3)
            stopped = t + served
            a: dict[str, Any] = {
                "id": i, "number": f"P-{i:09d}", "applicant_id": i, "status": status,
                "f102_complete": True, "fingerprints_captured": True,
                "iris_captured": True, "submitted_at": t, "submitted_by_id": recorder,
                "recorded_at": None, "recorded_by_id": None, "siak_result_at": None,
                "sla_hours": hours, "deadline_at": t + timedelta(hours=hours),
                "closed_at": None, "print_batch_id": None, "clock_stopped_at": None,
                "created_at": t, "updated_at": t, "cards": []}
            if status != "submitted":
                a["recorded_at"], a["recorded_by_id"] = recorded, recorder
            if status in ("print_ready", "batched", "printed", "handed_over", "duplicate"):
                a["siak_result_at"] = siak
            if status == "duplicate":
                a["clock_stopped_at"] = siak
            if status in ("rejected", "cancelled"):
                a["closed_at"] = recorded
            if status in ("batched", "printed", "handed_over"):
                a["print_batch_id"] = (i - 1) // BATCH_SIZE + 1
            if status in ("printed", "handed_over") and stopped < self.end:
                a["clock_stopped_at"] = stopped
                handed = stopped + timedelta(days=rnd.randint(1, 10))
                if status == "handed_over" and handed >= self.end:
                    status = a["status"] = "printed"
                if i % 100 == 0:  # a spoiled first print
                    a["cards"].append(("spoiled", stopped - timedelta(minutes=4), None))
                a["cards"].append(("handed_over" if status == "handed_over" else "stored",
                                   stopped, handed if status == "handed_over" else None))
                if status == "handed_over":
                    a["closed_at"] = handed
            elif status in ("printed", "handed_over"):
                status = a["status"] = "batched"
            a["updated_at"] = max(x for x in (t, a["closed_at"], a["clock_stopped_at"])
                                  if x is not None)
            yield a


APPLICATION_COLUMNS = ("id", "number", "applicant_id", "status", "f102_complete",
                       "fingerprints_captured", "iris_captured", "submitted_at",
                       "submitted_by_id", "recorded_at", "recorded_by_id", "siak_result_at",
                       "sla_hours", "deadline_at", "closed_at", "print_batch_id",
                       "clock_stopped_at", "created_at", "updated_at")
CARD_COLUMNS = ("id", "application_id", "blank_id", "batch_id", "status", "printed_at",
                "printed_by_id", "stored_at", "handed_over_at", "handed_over_by_id",
                "receiver_name", "receiver_relation", "receiver_id_checked", "confirmed_at",
                "confirmed_by_id", "spoil_reason")
BLANK_COLUMNS = ("id", "serial", "receipt_id", "status", "updated_at")
EVENT_COLUMNS = ("id", "blank_id", "at", "kind", "from_status", "to_status", "user_id",
                 "reason")
RECEIPT_COLUMNS = ("id", "received_at", "reference", "serial_first", "serial_last",
                   "quantity", "created_at")
BATCH_COLUMNS = ("id", "number", "status", "created_at", "created_by_id", "submitted_at",
                 "approved_by_id", "approved_at", "printed_by_id", "printed_at")
COMPLAINT_COLUMNS = ("id", "ticket", "channel", "kind", "subject", "body", "status",
                     "received_at", "responded_at", "resolved_at", "first_response_due_at",
                     "resolution_due_at")
SURVEY_COLUMNS = ("id", "card_id", "submitted_at", "channel", "requirements", "procedure",
                  "time", "fee", "product", "staff_competence", "staff_conduct",
                  "facilities", "complaint_handling")
DISRUPTION_COLUMNS = ("id", "kind", "started_at", "ended_at", "description", "reported_at",
                      "needs_confirmation")


class Tables:
    """Every table's rows, streamed in the order they load (a row's foreign keys exist
    before it). Only what later tables need of the applications is kept: per card,
    its application, batch, status and moments."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.printer = world.users["printing_operator"]
        self.head = world.users["head_of_division"]
        # (application id, batch id, status, printed, handed over), card id = index + 1
        self.cards: list[tuple[int, int, str, datetime, datetime | None]] = []
        self.receipt_of: dict[str, int] = {}
        self.receipts: list[list[Any]] = []

    def disruption(self) -> Iterator[tuple[Any, ...]]:
        w, day, n = self.world, self.world.start, 0
        while day < w.end - timedelta(days=7):
            n += 1
            yield (n, "network", day + timedelta(hours=3), day + timedelta(hours=5),
                   "Jaringan putus (uji)", day + timedelta(hours=3, minutes=5), False)
            day += timedelta(days=7)

    def print_batch(self) -> Iterator[tuple[Any, ...]]:
        """A batch per BATCH_SIZE applications: closed, or approved and waiting to be
        printed in the last three days; three more waiting for approval."""
        w = self.world
        last = (w.n - 1) // BATCH_SIZE + 1
        for b in range(1, last + 1):
            first = w.submitted((b - 1) * BATCH_SIZE + 1)
            status = "approved" if w.end - first < timedelta(days=3) else "closed"
            printed = status == "closed"
            yield (b, f"CTK-{b:07d}", status, first, self.printer,
                   first + timedelta(minutes=20), self.head, first + timedelta(minutes=25),
                   self.printer if printed else None,
                   first + timedelta(minutes=30) if printed else None)
        for k in range(1, 4):
            t = w.end - timedelta(minutes=30 * k)
            yield (last + k, f"CTK-{last + k:07d}", "submitted", t, self.printer, t, None,
                   None, None, None)

    def application(self) -> Iterator[tuple[Any, ...]]:
        for a in self.world.applications():
            for status, printed, handed in a["cards"]:
                self.cards.append((a["id"], a["print_batch_id"], status, printed, handed))
            yield tuple(a[c] for c in APPLICATION_COLUMNS)

    def blank_receipt(self) -> Iterator[tuple[Any, ...]]:
        """Blanks arrive monthly, 20 days before their use; the spare stock 5 days ago."""
        for blank_id in range(1, len(self.cards) + SPARE_BLANKS + 1):
            arrival = self._arrival(blank_id)
            key = f"{arrival:%Y-%m}"
            if key not in self.receipt_of:
                self.receipt_of[key] = len(self.receipts) + 1
                self.receipts.append([self.receipt_of[key], arrival.date(),
                                      f"BA-BENCH-{key}", f"{blank_id:010d}",
                                      f"{blank_id:010d}", 0, arrival])
            receipt = self.receipts[self.receipt_of[key] - 1]
            receipt[4] = f"{blank_id:010d}"
            receipt[5] += 1
        for receipt in self.receipts:
            yield tuple(receipt)

    def _arrival(self, blank_id: int) -> datetime:
        if blank_id <= len(self.cards):
            return self.cards[blank_id - 1][3] - timedelta(days=20)
        return self.world.end - timedelta(days=5)

    def _blank_status(self, blank_id: int) -> str:
        if blank_id > len(self.cards):
            return "available"
        return "spoiled" if self.cards[blank_id - 1][2] == "spoiled" else "used"

    def blank(self) -> Iterator[tuple[Any, ...]]:
        for blank_id in range(1, len(self.cards) + SPARE_BLANKS + 1):
            arrival = self._arrival(blank_id)
            used = self.cards[blank_id - 1][3] if blank_id <= len(self.cards) else arrival
            yield (blank_id, f"{blank_id:010d}", self.receipt_of[f"{arrival:%Y-%m}"],
                   self._blank_status(blank_id), used)

    def blank_event(self) -> Iterator[tuple[Any, ...]]:
        n = 0
        for blank_id in range(1, len(self.cards) + SPARE_BLANKS + 1):
            arrival = self._arrival(blank_id)
            n += 1
            yield (n, blank_id, self.receipts[self.receipt_of[f"{arrival:%Y-%m}"] - 1][6],
                   "received", None, "available", self.printer, None)
            if blank_id <= len(self.cards):
                status = self._blank_status(blank_id)
                n += 1
                yield (n, blank_id, self.cards[blank_id - 1][3], status, "reserved", status,
                       self.printer, "Tinta pudar" if status == "spoiled" else None)

    def card(self) -> Iterator[tuple[Any, ...]]:
        p = self.printer
        for card_id, (app_id, batch_id, status, printed, handed) in enumerate(self.cards, 1):
            yield (card_id, app_id, card_id, batch_id, status, printed, p,
                   printed if status != "spoiled" else None, handed, p if handed else None,
                   "PENERIMA" if handed else None, "self" if handed else None,
                   bool(handed), printed, p, "Tinta pudar" if status == "spoiled" else None)

    def complaint(self) -> Iterator[tuple[Any, ...]]:
        w = self.world
        rnd = random.Random(SEED + 1)
        count = max(w.n // 200, 1)
        for c in range(1, count + 1):
            t = w.start + (w.end - w.start) * (c / (count + 1))
            open_ = rnd.random() < 0.05
            yield (c, f"ADU-B{c:07d}", rnd.choice(("phone", "whatsapp", "web")),
                   "complaint", "Pelayanan", "Keluhan uji", "new" if open_ else "resolved",
                   t, None if open_ else t + timedelta(days=1),
                   None if open_ else t + timedelta(days=4), t + timedelta(days=3),
                   t + timedelta(days=7))

    def survey_response(self) -> Iterator[tuple[Any, ...]]:
        """One answer for every 20th card handed over."""
        n = 0
        for card_id, (_a, _b, status, _printed, handed) in enumerate(self.cards, 1):
            if status == "handed_over" and handed is not None and card_id % 20 == 0:
                n += 1
                score = 3 + card_id % 2
                yield (n, card_id, handed + timedelta(minutes=5), "kiosk", *(score,) * 9)


COLUMNS = {
    "disruption": DISRUPTION_COLUMNS, "print_batch": BATCH_COLUMNS,
    "application": APPLICATION_COLUMNS, "blank_receipt": RECEIPT_COLUMNS,
    "blank": BLANK_COLUMNS, "blank_event": EVENT_COLUMNS, "card": CARD_COLUMNS,
    "complaint": COMPLAINT_COLUMNS, "survey_response": SURVEY_COLUMNS,
}


LOAD_ORDER = ("disruption", "print_batch", "application", "blank_receipt", "blank",
              "blank_event", "card", "complaint", "survey_response")


def _sqlite_value(v: Any) -> Any:
    if isinstance(v, datetime):
        return _ts(v)
    if isinstance(v, bool):
        return int(v)
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def load_sqlite(data: Tables) -> dict[str, int]:
    conn = sqlite3.connect(lv.sqlite_path(), isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-262144")
        counts = {}
        for table in LOAD_ORDER:
            columns, rows = COLUMNS[table], getattr(data, table)()
            counts[table] = 0
            indexes = conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
                " AND sql IS NOT NULL", (table,)).fetchall()
            for name, _sql in indexes:
                conn.execute(f'DROP INDEX "{name}"')
            insert = (f'INSERT INTO "{table}" ({", ".join(columns)}) '
                      f'VALUES ({", ".join("?" for _ in columns)})')
            for chunk in lv._chunks(iter(rows), 200_000):
                counts[table] += len(chunk)
                conn.execute("BEGIN")
                conn.executemany(insert, [tuple(_sqlite_value(v) for v in r) for r in chunk])
                conn.execute("COMMIT")
            for _name, sql in indexes:
                conn.execute(sql)
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()
    return counts


def _copy_value(v: Any) -> str:
    if v is None:
        return r"\N"
    if isinstance(v, bool):
        return "t" if v else "f"
    if isinstance(v, datetime):
        return v.isoformat(sep=" ")
    return str(v).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def load_postgresql(url: str, data: Tables) -> dict[str, int]:
    import psycopg

    with psycopg.connect(lv._libpq(url), autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '512MB'")
        counts: dict[str, int] = {}
        for table in LOAD_ORDER:
            columns, rows = COLUMNS[table], getattr(data, table)()
            counts[table] = 0
            indexes = conn.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                "WHERE i.schemaname = current_schema() AND i.tablename = %s "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                "                WHERE c.conindid = (quote_ident(i.indexname))::regclass)",
                (table,)).fetchall()
            for name, _sql in indexes:
                conn.execute(f'DROP INDEX "{name}"')
            with conn.cursor() as cur, cur.copy(
                    f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
                for chunk in lv._chunks(iter(rows), 50_000):
                    counts[table] += len(chunk)
                    copy.write("\n".join("\t".join(_copy_value(v) for v in r)
                                         for r in chunk) + "\n")
            for _name, sql in indexes:
                conn.execute(sql)
            if "id" in columns and counts[table]:
                conn.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                             f"(SELECT max(id) FROM \"{table}\"))")
            conn.execute(f'VACUUM (ANALYZE) "{table}"')
    return counts


def ensure_users() -> dict[str, int]:
    """One account per role (TOTP enrolled for the roles that need it), their ids."""
    ids = {}
    for role in ROLES:
        user = db.session.execute(sa.select(User).where(User.username == username(role))
                                  ).scalar()
        if user is None:
            user = create_user(None, username(role), f"BENCH {role.upper()}", role, PASSWORD)
        if role in TOTP_ROLES and user.totp_enabled_at is None:
            user.totp_secret = TOTP_SECRET
            user.totp_enabled_at = utcnow()
        ids[role] = user.id
    # The floor's own account: a second login of the same account ends the first session.
    if db.session.execute(sa.select(User.id).where(User.username == FLOOR_USER)).first() \
            is None:
        create_user(None, FLOOR_USER, "BENCH FLOOR", "recording_operator", PASSWORD)
    db.session.commit()
    return ids


def prepare(kind: str, n: int) -> tuple[Any, dict[str, Any]]:
    """The app on a database holding N residents and N applications (loaded if not)."""
    lv.BENCH_DB_NAME = DB_NAME  # list_views' helpers read it at call time
    print(f"\n== {kind}: preparing {n:,} applications over 12 months")
    url = lv.database_url(kind)
    app, _scratch = lv.make_app(url)
    info: dict[str, Any] = {}
    with app.app_context():
        flask_migrate.upgrade()
        count = db.session.execute(sa.select(sa.func.count(Application.id))).scalar()
        db.session.remove()
        db.engine.dispose()
    if count == n:
        print(f"  reusing the loaded database ({count:,} applications)")
        info["load_seconds"] = None
    else:
        lv.reset_database(kind, url)
        t0 = time.perf_counter()
        with app.app_context():
            flask_migrate.upgrade()
            ensure_seed_standard()
            users = ensure_users()
            db.session.remove()
            db.engine.dispose()
            if kind == "sqlite":
                lv.load_sqlite(n)
            else:
                lv.load_postgresql(url, n)
            t1 = time.perf_counter()
            data = Tables(World(n, utcnow(), users))
            counts = load_sqlite(data) if kind == "sqlite" else load_postgresql(url, data)
            del data
            print(f"  residents {t1 - t0:.0f} s; then " + ", ".join(
                f"{t} {c:,}" for t, c in counts.items())
                + f" in {time.perf_counter() - t1:.0f} s")
        info["load_seconds"] = round(time.perf_counter() - t0, 1)
        print(f"  loaded in {info['load_seconds']:.0f} s")
    with app.app_context():
        ensure_seed_standard()
        ensure_users()
        db.session.remove()
    return app, info


# ------------------------------------------------------------------------ requests
def login(client: Any, role: str) -> None:
    from tests.factories import csrf_from

    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username(role), "password": PASSWORD,
                                            "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    if response.headers["Location"].endswith("/login/totp"):
        with client.application.app_context():
            user = db.session.execute(sa.select(User).where(
                User.username == username(role))).scalar_one()
            user.totp_last_step = None  # a rerun within 30 seconds
            db.session.commit()
            db.session.remove()
        page = client.get("/login/totp").get_data(as_text=True)
        response = client.post("/login/totp", data={
            "code": pyotp.TOTP(TOTP_SECRET).now(), "csrf_token": csrf_from(page)})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
    landing = client.get("/admin/")
    assert landing.status_code == 200, landing.status_code
    assert f'data-board="{BOARD_OF.get(role, "operator")}"' in landing.get_data(as_text=True)


def timed(client: Any, url: str, k: int, check: Callable[[str], None],
          meter: lv.SqlMeter, floor: Any = None) -> tuple[lv.Timing, lv.Timing]:
    """K requests of `url` (after WARMUP), each followed by one of the floor when
    `floor` (its client) is given: the machine's load drifts less between the two."""
    timing, floor_timing = lv.Timing(), lv.Timing()
    pairs = [(client, url, check, timing)]
    if floor is not None:
        pairs.append((floor, "/floor/applicant/", lambda html: None, floor_timing))
    for i in range(WARMUP + k):
        for c, u, chk, t in pairs:
            meter.reset()
            c0, t0 = time.process_time(), time.perf_counter()
            response = c.get(u)
            elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
            assert response.status_code == 200, (u, response.status_code)
            chk(response.get_data(as_text=True))
            if i >= WARMUP:
                t.ms.append(elapsed * 1000)
                t.cpu_ms.append(cpu * 1000)
                t.sql_ms.append(meter.seconds * 1000)
                t.statements.append(meter.count)
    return timing, floor_timing


def heap_peak(client: Any, url: str) -> float:
    """The Python heap's peak (MiB) while one page is built: what grows if rows are
    loaded into Python."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        assert client.get(url).status_code == 200
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def forget_snapshots(app: Any) -> None:
    from models.dashboards import forget_snapshots as forget

    with app.app_context():
        forget()
        db.session.remove()


def bench_database(kind: str, n: int, k: int, do_explain: bool, do_profile: bool
                   ) -> dict[str, Any]:
    app, info = prepare(kind, n)
    with app.app_context():
        meter = lv.SqlMeter(db.engine)
    forget_snapshots(app)  # the first office page computes them: the cold figure
    results: dict[str, Any] = {}
    floor_client = app.test_client()
    login(floor_client, "floor")
    floors: list[float] = []
    for role in ROLES:
        client = app.test_client()
        t0 = time.perf_counter()
        login(client, role)  # its /admin/ is the cold request
        cold_ms = (time.perf_counter() - t0) * 1000
        marker = f'data-board="{BOARD_OF[role]}"'

        def check(html: str, marker: str = marker) -> None:
            assert marker in html

        page, floor_timing = timed(client, "/admin/", k, check, meter, floor_client)
        s = lv.summary(page)
        floor = lv.summary(floor_timing)
        floors += floor_timing.ms
        s["floor_p50_ms"], s["floor_p95_ms"] = floor["p50_ms"], floor["p95_ms"]
        s["cold_login_and_first_ms"] = round(cold_ms, 1)
        s["heap_peak_mib"] = round(heap_peak(client, "/admin/"), 2)
        s["ratio_floor_p50"] = round(s["p50_ms"] / floor["p50_ms"], 1)
        s["load_avg_1m"] = round(os.getloadavg()[0], 2)
        results[role] = s
        print(f"  {role:20} /admin/  p50 {s['p50_ms']:8.2f} ms  p95 {s['p95_ms']:8.2f} ms"
              f"  floor p50 {floor['p50_ms']:6.2f} ms"
              f"  {s['ratio_floor_p50']:5.1f}x floor  {s['statements']:3d} statements"
              f"  heap {s['heap_peak_mib']:.1f} MiB  (first {cold_ms:.0f} ms)")
        if do_explain:
            explain(app, client, meter, kind)
        if do_profile:
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(k):
                client.get("/admin/")
            prof.disable()
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(40)
            path = lv.RESULTS / f"profile_dashboard_{kind}_{role}.txt"
            path.write_text(out.getvalue())
            print(f"    profile -> {path.relative_to(ROOT)}")
    results["floor"] = lv.summary(lv.Timing(ms=floors, cpu_ms=floors, sql_ms=[0.0],
                                            statements=[2]))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return {**info, "rows": n, "requests": k, "warmup": WARMUP, "pages": results,
            "max_rss_mib": round(rss, 1)}


def explain(app: Any, client: Any, meter: lv.SqlMeter, kind: str) -> None:
    """The plan of every statement one request of the page runs."""
    prefix = "EXPLAIN QUERY PLAN " if kind == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    meter.capture = []
    client.get("/admin/")
    captured, meter.capture = meter.capture, None
    with app.app_context():
        conn = db.session.connection()
        for statement, params in captured:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            print("    " + " ".join(statement.split())[:300])
            for row in conn.exec_driver_sql(prefix + statement, params):
                print("      " + " | ".join(str(c) for c in row))
        db.session.remove()


def print_table(kind: str, result: dict[str, Any]) -> None:
    pages = result["pages"]
    print(f"\n{kind} — {result['rows']:,} applications over 12 months, {result['requests']} "
          f"requests per page after {result['warmup']} warm-up (ms, in-process client)")
    head = (f"{'page':22} {'p50':>8} {'p95':>8} {'floor p50':>9} {'/floor':>7} {'SQL p50':>8} "
            f"{'stmts':>6} {'heap MiB':>9} {'first':>8}")
    print(head)
    print("-" * len(head))
    f = pages["floor"]
    print(f"{'floor (all its runs)':22} {f['p50_ms']:8.2f} {f['p95_ms']:8.2f}")
    for role in ROLES:
        s = pages[role]
        flag = "  > target" if s["ratio_floor_p50"] > TARGET_RATIO else ""
        print(f"{role:22} {s['p50_ms']:8.2f} {s['p95_ms']:8.2f} {s['floor_p50_ms']:9.2f} "
              f"{s['ratio_floor_p50']:6.1f}x {s['sql_p50_ms']:8.2f} {s['statements']:6d} "
              f"{s['heap_peak_mib']:9.2f} {s['cold_login_and_first_ms']:8.0f}{flag}")
    print(f"max RSS of the process (loading included): {result['max_rss_mib']:.0f} MiB")


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--max-load", type=float, default=None, metavar="L")
    args = parser.parse_args(list(argv) if argv is not None else None)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    out_path, report = lv.results_report("dashboards.json")
    runs = report.setdefault("runs", {})
    for kind in kinds:
        if args.max_load is not None:
            lv.wait_for_quiet(args.max_load)
        result = bench_database(kind, args.rows, args.requests, args.explain, args.profile)
        result["finished_at"] = datetime.now().isoformat(timespec="seconds")
        runs[f"{kind}-{args.rows}"] = result
        out_path.write_text(json.dumps(report, indent=2) + "\n")
        print_table(kind, result)
    print(f"\nwritten to {out_path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
