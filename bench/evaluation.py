"""Monthly evaluation benchmark: the evaluation PDF of last month at N applications
over 12 months, on SQLite and PostgreSQL (issue 12 item 5; target: within 3 s, memory
that does not grow with N).

    .venv/bin/python bench/evaluation.py [--rows N] [--db sqlite|postgresql|both]
        [--repeat K] [--closed-months M] [--max-load L] [--profile]

The data: bench/dashboards.py's loader (N residents, one application each over the 365
days before the load, with batches, blanks and their events, cards, complaints, survey
answers, disruptions), in a database of its own (ktp_evaluation) so the dashboard and
list-view benchmarks keep theirs. Loading runs in this process; each measurement runs
in a fresh child process (`--measure`), so its peak RSS is the evaluation's alone: the
figures once with no earlier month evaluated (cold), then the M earlier months
evaluated and acknowledged (the steady state), then K generations of last month's
evaluation (figures, 12-month trend, closed-month check, charts, WeasyPrint, sha256,
the row): best and median wall time, the figures alone, peak RSS (VmHWM) and the
Python heap's peak (tracemalloc) of one generation.
See bench/README.md, "Evaluation benchmark".
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DB_NAME = "ktp_evaluation"
TARGET_SECONDS = 3.0


def _setup(kind: str) -> Any:
    from bench import dashboards
    from bench import list_views as lv

    dashboards.DB_NAME = DB_NAME  # prepare() hands it to list_views at call time
    lv.BENCH_DB_NAME = DB_NAME
    return dashboards, lv


def load(kind: str, n: int) -> dict[str, Any]:
    """The database holding N applications (reused when it already does)."""
    dashboards, _lv = _setup(kind)
    _app, info = dashboards.prepare(kind, n)
    return info


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM): unlike getrusage's ru_maxrss, which
    survives exec and would report the loader's peak, it starts afresh in the child."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def measure(kind: str, n: int, repeat: int, profile: bool, closed_months: int
            ) -> dict[str, Any]:
    """In a fresh process: K generations of last month's evaluation."""
    dashboards, lv = _setup(kind)
    app, _scratch = lv.make_app(lv.database_url(kind))
    from models import Application, db
    from models import evaluations as ev
    from models.office_time import office_today
    from models.users import User

    rss_start = peak_rss_mb()
    with app.app_context():
        count = db.session.execute(
            db.select(db.func.count(Application.id))).scalar()
        assert count == n, f"the database holds {count} applications, not {n}"
        head_id = db.session.execute(db.select(User.id).where(
            User.username == dashboards.username("head_of_division"))).scalar_one()
        signer_ids = {role: db.session.execute(db.select(User.id).where(
            User.username == dashboards.username(role))).scalar_one()
            for role in ("head_of_division", "secretary", "head_of_office")}
        today = office_today()
        year, month = ev.previous_period(today.year, today.month)
        period = ev.period_of(year, month)
        # A month left acknowledged by an earlier run would refuse regeneration.
        db.session.execute(db.update(ev.EvaluationReport).where(
            ev.EvaluationReport.period == period).values(acknowledged_at=None))
        db.session.commit()

        t0 = time.perf_counter()
        ev.collect(year, month)
        cold_seconds = time.perf_counter() - t0
        db.session.remove()
        # The steady state: every earlier month evaluated and signed off, as the
        # standard's monthly sign-off leaves them (their trend figures are then read
        # from the acknowledged reports, not recounted).
        closing = []
        y, m = year, month
        for _ in range(closed_months):
            y, m = ev.previous_period(y, m)
            earlier = ev.period_of(y, m)
            if ev.is_frozen(earlier):
                continue
            t0 = time.perf_counter()
            signers = {role: db.session.get(User, uid) for role, uid in signer_ids.items()}
            done = ev.generate(earlier, signers["head_of_division"])
            done = ev.submit(done, signers["head_of_division"])
            done = ev.review(done, signers["secretary"])
            ev.acknowledge(done, signers["head_of_office"])
            closing.append(round(time.perf_counter() - t0, 2))
            db.session.remove()
        t0 = time.perf_counter()
        figures = ev.collect(year, month)
        figures_seconds = time.perf_counter() - t0
        db.session.remove()

        times = []
        report = None
        for _ in range(repeat):
            t0 = time.perf_counter()
            report = ev.generate(period, db.session.get(User, head_id))
            times.append(time.perf_counter() - t0)
            db.session.remove()
        assert report is not None
        tracemalloc.start()
        ev.generate(period, db.session.get(User, head_id))
        heap_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        db.session.remove()
        profile_path = None
        if profile:
            prof = cProfile.Profile()
            prof.enable()
            ev.generate(period, db.session.get(User, head_id))
            prof.disable()
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(30)
            profile_path = lv.RESULTS / f"profile_evaluation_{kind}.txt"
            profile_path.write_text(out.getvalue())
        # The reference, measured here: the same document as a naive WeasyPrint render
        # (its HTML written once, then HTML(string).write_pdf() with fresh fonts and CSS
        # each time), so the ratio says what collecting the figures and storing the
        # report cost on top of the render itself.
        import weasyprint

        from printing.evaluation import evaluation_context
        from printing.render import TEMPLATES, render_html

        stored = db.session.get(ev.EvaluationReport, report.id)
        html = render_html("evaluation.html", **evaluation_context(
            stored.figures or {}, version=stored.version, signoff=ev._signoff(stored)))
        naive = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            weasyprint.HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
            naive.append(time.perf_counter() - t0)
        pdf = ev.stored_pdf(stored)
        return {
            "naive_render_best_s": round(min(naive), 3),
            "ratio_to_naive_render": round(min(times) / min(naive), 2),
            "rows": n, "period": period, "repeat": repeat,
            "best_s": round(min(times), 3), "median_s": round(statistics.median(times), 3),
            "figures_s": round(figures_seconds, 3),
            "figures_cold_s": round(cold_seconds, 3),
            "closed_months": closed_months, "closing_s": closing,
            "served": figures["core"]["service"]["served"],
            "received": figures["core"]["applications"]["received"],
            "pdf_kb": len(pdf) // 1024,
            "rss_start_mb": rss_start,
            "rss_peak_mb": peak_rss_mb(),
            "heap_peak_mb": round(heap_peak / 2**20, 1),
            "within_target": min(times) <= TARGET_SECONDS,
            "profile": str(profile_path.relative_to(ROOT)) if profile_path else None,
        }


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--max-load", type=float, default=None, metavar="L")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--closed-months", type=int, default=11, metavar="M",
                        help="earlier months evaluated and acknowledged first (steady state)")
    parser.add_argument("--measure", choices=("sqlite", "postgresql"), help=argparse.SUPPRESS)
    args = parser.parse_args(list(argv) if argv is not None else None)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    if args.measure:
        print(json.dumps(measure(args.measure, args.rows, args.repeat, args.profile,
                                 args.closed_months)))
        return 0
    _dashboards, lv = _setup("sqlite")
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    out_path, report = lv.results_report("evaluation.json")
    runs = report.setdefault("runs", {})
    for kind in kinds:
        info = load(kind, args.rows)
        if args.max_load is not None:
            lv.wait_for_quiet(args.max_load)
        child = subprocess.run(
            [sys.executable, __file__, "--measure", kind, "--rows", str(args.rows),
             "--repeat", str(args.repeat), "--closed-months", str(args.closed_months),
             *(["--profile"] if args.profile else [])],
            capture_output=True, text=True, check=False, cwd=ROOT)
        if child.returncode != 0:
            print(child.stdout[-2000:], child.stderr[-4000:], sep="\n")
            return child.returncode
        result = json.loads(child.stdout.strip().splitlines()[-1])
        result["load_seconds"] = info.get("load_seconds")
        result["finished_at"] = datetime.now().isoformat(timespec="seconds")
        runs[f"{kind}-{args.rows}"] = result
        out_path.write_text(json.dumps(report, indent=2) + "\n")
        print(f"\n{kind} at {args.rows:,} applications, evaluation of {result['period']} "
              f"({result['received']:,} received, {result['served']:,} served):")
        print(f"  generation best {result['best_s']:.2f} s, median {result['median_s']:.2f} s"
              f" of {result['repeat']} (target {TARGET_SECONDS:g} s: "
              f"{'met' if result['within_target'] else 'NOT met'}); figures alone "
              f"{result['figures_s']:.2f} s ({result['figures_cold_s']:.2f} s with no "
              f"earlier month evaluated); PDF {result['pdf_kb']} KB")
        print(f"  reference, same run: the same document as a naive WeasyPrint render, "
              f"best {result['naive_render_best_s']:.2f} s; generation / naive render "
              f"{result['ratio_to_naive_render']:.2f}x")
        print(f"  peak RSS {result['rss_peak_mb']:.0f} MB (at start {result['rss_start_mb']:.0f}"
              f" MB); Python heap peak of one generation {result['heap_peak_mb']:.1f} MB")
    print(f"\nwritten to {out_path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
