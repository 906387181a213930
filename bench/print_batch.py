"""Card printing benchmark: ours (printing.cards, chunks over two processes) against a
naive reference (the same cards as one WeasyPrint document in one process), and the
preview.

    .venv/bin/python bench/print_batch.py [--cards 500] [--sizes 1,100] [--repeat 3]
        [--naive-repeat 1] [--preview-runs 50] [--png DIR] [--sequential] [--max-load L]

Builds synthetic card dicts (printing.cards.card_data's shape) with a realistic photo
(JPEG 300x400, a few tens of kB) and signature (PNG) per card, generated with Pillow in
a temporary directory. Ours: each batch size rendered in overlay mode through
printing.cards.render_card_dicts (what render_cards does after card_data), cards/s;
50 warm single-card previews through printing.cardface.render_chunk (what
render_preview does after card_data), p50/p95. Memory of ours: every process (this
one, the workers, the resource tracker) sampled from /proc while they live; the target is
the largest sum of their peak RSS (VmHWM) at one moment.

The naive reference runs afterwards in a process of its own (so its memory is not
counted as ours): the --cards batch as ONE `weasyprint.HTML(string=...).write_pdf()`
with card.css parsed anew and WeasyPrint's own fresh FontConfiguration, as a first
implementation would do, and single naive preview renders the same way. Printed: both
rates, the ratio ours/naive, and the checks (ratio >= 1.8 at 500 cards, memory of all
processes <= 250 MB, preview p50 <= 1.2 x the naive single render).
--png DIR writes one overlay and one preview card as PNG (pdftoppm) to look at.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw, ImageFilter  # noqa: E402

from printing import cardface, cards  # noqa: E402

TARGET_RATIO = 1.8  # ours / naive cards/s, for the 500-card batch on 2 cores
TARGET_RATIO_CARDS = 500
TARGET_RSS_MB = 250.0  # all processes together
TARGET_PREVIEW_FACTOR = 1.2  # preview p50 / naive single-card p50
SEED = 20251124

NAMES = ("MARIA RAMBU HAPU", "UMBU NDAKULARAK", "YOHANES NGGAU HAMBANDIMA",
         "RAMBU KAHI ANA AMAH", "PETRUS LAKUNAMBA", "KRISTINA TARA LAKAWA",
         "DOMINGGUS UMBU MARAMBA HAU MEHA", "ANASTASIA RAMBU NJARA PATI")
VILLAGES = (("KAMBAJAWA", "KOTA WAINGAPU"), ("PRAILIU", "KAMBERA"),
            ("MAUHAU", "KAMBERA"), ("MATAWAI MARINGGU", "KAMBATA MAPAMBUHANG"))
OCCUPATIONS = ("PETANI/PEKEBUN", "PELAJAR/MAHASISWA", "WIRASWASTA",
               "MENGURUS RUMAH TANGGA", "PEGAWAI NEGERI SIPIL")


def make_photo(path: Path, rng: random.Random) -> None:
    """A passport-style 300x400 JPEG: plain red/blue backdrop, head and shoulders,
    with sensor noise so it compresses like a real photo (~25-40 kB)."""
    w, h = 300, 400
    backdrop = (200, 30, 40) if rng.random() < 0.5 else (30, 70, 170)
    img = Image.new("RGB", (w, h), backdrop)
    d = ImageDraw.Draw(img)
    skin = tuple(int(c) for c in (rng.uniform(120, 200), rng.uniform(85, 150),
                                  rng.uniform(60, 110)))
    shirt = tuple(rng.randrange(0, 256) for _ in range(3))
    d.ellipse((40, 280, 260, 520), fill=shirt)  # shoulders
    d.rectangle((120, 230, 180, 300), fill=skin)  # neck
    d.ellipse((85, 70, 215, 250), fill=skin)  # face
    d.pieslice((80, 55, 220, 200), 180, 360, fill=(25, 20, 18))  # hair
    d.ellipse((115, 140, 135, 152), fill=(30, 25, 20))
    d.ellipse((165, 140, 185, 152), fill=(30, 25, 20))
    d.arc((125, 185, 175, 215), 20, 160, fill=(90, 40, 40), width=3)
    img = img.filter(ImageFilter.GaussianBlur(1.2))
    noise = Image.merge("RGB", [Image.effect_noise((w, h), 45) for _ in range(3)])
    img = Image.blend(img, noise, 0.1)
    img.save(path, "JPEG", quality=88, optimize=True)


def make_signature(path: Path, rng: random.Random) -> None:
    """A 400x150 grayscale PNG with a pen stroke, as models.uploads stores them."""
    img = Image.new("L", (400, 150), 255)
    d = ImageDraw.Draw(img)
    x, y = 30.0, 90.0
    points = [(x, y)]
    for i in range(60):
        x += rng.uniform(3, 8)
        y = 75 + 35 * math.sin(i / rng.uniform(2, 4)) + rng.uniform(-6, 6)
        points.append((x, y))
    d.line(points, fill=0, width=4, joint="curve")
    d.line((40, 118, 330, 110), fill=0, width=3)
    img.save(path, "PNG", optimize=True)


def synthetic_cards(n: int, folder: Path, seed: int = SEED) -> list[dict]:
    """n card dicts, each with its own photo and signature file in `folder`."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        photo, signature = folder / f"foto-{i:04d}.jpg", folder / f"ttd-{i:04d}.png"
        make_photo(photo, rng)
        make_signature(signature, rng)
        born = f"{rng.randrange(1, 29):02d}-{rng.randrange(1, 13):02d}-{rng.randrange(1950, 2008)}"
        village, district = rng.choice(VILLAGES)
        female = rng.random() < 0.5
        day = int(born[:2]) + (40 if female else 0)
        out.append({
            "province": "PROVINSI NUSA TENGGARA TIMUR", "regency": "KABUPATEN SUMBA TIMUR",
            "nik": f"531101{day:02d}{born[3:5]}{born[8:10]}{i + 1:04d}",
            "name": rng.choice(NAMES), "birth": f"WAINGAPU, {born}",
            "sex": "PEREMPUAN" if female else "LAKI-LAKI",
            "blood_type": rng.choice(("A", "B", "AB", "O", "-")),
            "address": f"JL. AHMAD YANI NO. {rng.randrange(1, 200)}",
            "rt_rw": f"{rng.randrange(1, 20):03d}/{rng.randrange(1, 10):03d}",
            "village": village, "district": district,
            "religion": rng.choice(("KRISTEN", "KATHOLIK", "ISLAM")),
            "marital_status": rng.choice(("BELUM KAWIN", "KAWIN")),
            "occupation": rng.choice(OCCUPATIONS), "citizenship": "WNI",
            "valid_until": "SEUMUR HIDUP", "photo": str(photo),
            "issue_place": "SUMBA TIMUR", "issue_date": "24-11-2025",
            "signature": str(signature),
        })
    return out


def _kib(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _pss_kib(pid: int) -> int:
    """Proportional set size: shared (copy-on-write) pages counted once overall."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return _kib(pid, "VmRSS:")


def _descendants(root: int) -> list[int]:
    """Children, grandchildren... of `root` (a fork server's workers are its
    children, not ours), from /proc/*/stat."""
    parent_of = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            parent_of[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        kids = [p for p, pp in parent_of.items() if pp == pid]
        found += kids
        frontier += kids
    return found


class RssWatch(threading.Thread):
    """Memory of this process and of every descendant (the workers and the resource
    tracker), read every 200 ms while they live.

    Kept: each process's peak RSS (VmHWM); the largest sum of the peak RSS of the
    processes alive at one moment (the target: shared copy-on-write pages counted in
    each process, so an upper bound); and the largest sum of their PSS at one moment
    (shared pages counted once: what the machine really gave)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peaks: dict[int, int] = {}
        self.peak_sum = 0
        self.peak_pss = 0
        self.most_processes = 1
        self.stop = threading.Event()
        self.paused = threading.Event()  # set while the naive reference runs
        self.pids: list[int] = [os.getpid()]
        self.names: dict[int, str] = {}
        self.cpu: dict[int, float] = {}  # CPU seconds of each helper, last seen

    def sample(self, discover: bool = True) -> None:
        if self.paused.is_set():
            return
        if discover:
            self.pids = [os.getpid(), *_descendants(os.getpid())]
        live_peaks, pss = 0, 0
        alive = 0
        for pid in self.pids:
            hwm = _kib(pid, "VmHWM:")
            if not hwm:  # gone
                continue
            alive += 1
            if pid not in self.names:
                self.names[pid] = _process_name(pid)
            self.peaks[pid] = max(self.peaks.get(pid, 0), hwm)
            if pid != os.getpid():
                self.cpu[pid] = _cpu_seconds(pid) or self.cpu.get(pid, 0.0)
            live_peaks += self.peaks[pid]
            pss += _pss_kib(pid)
        self.peak_sum = max(self.peak_sum, live_peaks)
        self.peak_pss = max(self.peak_pss, pss)
        self.most_processes = max(self.most_processes, alive)

    def run(self) -> None:
        # Every 200 ms: VmHWM is the kernel's own high-water mark, so sampling often
        # adds nothing but load on the process measured (this thread takes the GIL).
        while not self.stop.wait(0.2):
            self.sample()

    def report(self) -> dict[str, float]:
        """MB: this process, the largest other, the largest sum of peak RSS of the
        processes alive together, the largest PSS sum; and how many processes."""
        self.sample()
        self.stop.set()
        me = max(self.peaks.get(os.getpid(), 0),
                 resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        others = [v for pid, v in self.peaks.items() if pid != os.getpid()]
        child = max(others, default=0)
        return {"me": me / 1024, "child": child / 1024, "sum": self.peak_sum / 1024,
                "pss": self.peak_pss / 1024, "processes": self.most_processes}

    def breakdown(self) -> str:
        """Peak RSS per kind of process (the largest of each kind), MB."""
        kinds: dict[str, tuple[int, int]] = {}
        for pid, peak in self.peaks.items():
            name = "bench (parent)" if pid == os.getpid() else self.names.get(pid, "?")
            n, top = kinds.get(name, (0, 0))
            kinds[name] = (n + 1, max(top, peak))
        return ", ".join(f"{name} {top / 1024:.0f}" + (f" (x{n} in turn)" if n > 1 else "")
                         for name, (n, top) in sorted(kinds.items()))


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def _process_name(pid: int) -> str:
    """What a helper process is: a worker (spawned by us, or forked by a fork server),
    the resource tracker, or a fork server."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        with open(f"/proc/{pid}/stat") as f:
            ppid = int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError):
        return "?"
    if "resource_tracker" in cmd:
        return "resource tracker"
    if "forkserver" in cmd and ppid == os.getpid():
        return "fork server"
    return "worker"  # spawned (spawn_main), or forked by a fork server


# ---------------------------------------------------------------- the naive reference


def naive_pdf(card_list: list[dict], mode: str, offset: tuple[float, float]) -> bytes:
    """What a first implementation does: the whole batch as one HTML document,
    card.css parsed for this render, WeasyPrint's default (fresh) FontConfiguration."""
    import weasyprint

    html = cardface.card_html(card_list, mode, offset)
    css = weasyprint.CSS(filename=str(cardface.TEMPLATES / cardface.STYLESHEET))
    return weasyprint.HTML(string=html, base_url=str(cardface.TEMPLATES)).write_pdf(
        stylesheets=[css])


def naive_child(spec: Path) -> int:
    """Run in a process of its own (--naive-child): warm up (imports, one card), time
    one render of the whole batch as one document, print the figures as JSON."""
    job = json.loads(spec.read_text())
    pool = job["cards"]
    naive_pdf(pool[:1], "overlay", (0.5, -0.3))  # imports and first layout: not timed
    t, cpu = time.perf_counter(), time.process_time()
    pdf = naive_pdf(pool, "overlay", (0.5, -0.3))
    seconds = time.perf_counter() - t
    print(json.dumps({"seconds": seconds, "cpu": time.process_time() - cpu,
                      "pdf_kb": len(pdf) // 1024,
                      "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
    return 0


def run_naive(spec: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--naive-child", str(spec)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def to_png(pdf: bytes, out: Path, dpi: int = 300) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "card.pdf"
        src.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1",
                        "-singlefile", str(src), str(out.with_suffix(""))], check=True)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cards", type=int, default=TARGET_RATIO_CARDS,
                        help="the batch rendered by ours AND by the naive reference")
    parser.add_argument("--sizes", default="1,100",
                        help="further batch sizes, ours only")
    parser.add_argument("--preview-runs", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3,
                        help="timed runs of ours per batch size (best and median reported)")
    parser.add_argument("--naive-repeat", type=int, default=2,
                        help="timed runs of the naive reference, each after one of ours "
                             "(at most --repeat)")
    parser.add_argument("--no-naive", action="store_true", help="ours only")
    parser.add_argument("--png", type=Path, help="write overlay.png and preview.png here")
    parser.add_argument("--sequential", action="store_true",
                        help="never start worker processes (for comparison)")
    parser.add_argument("--max-load", type=float,
                        help="first wait (up to 20 min) for the 1-minute load average to "
                             "drop below this: other work on the machine skews the figures")
    parser.add_argument("--chunk", type=int,
                        help=f"cards per WeasyPrint document (default {cards.CHUNK_CARDS})")
    parser.add_argument("--naive-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.naive_child:
        return naive_child(args.naive_child)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s} | {args.cards})
    if args.chunk:
        cards.CHUNK_CARDS = args.chunk
    if args.max_load is not None:
        deadline = time.monotonic() + 20 * 60
        while os.getloadavg()[0] >= args.max_load and time.monotonic() < deadline:
            time.sleep(10)

    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"chunk {cards.CHUNK_CARDS}, workers {cards.WORKERS} from "
          f"{cards.PARALLEL_MIN_CARDS} cards ({cards.START_METHOD})"
          + (", SEQUENTIAL" if args.sequential else "")
          + f"; load average {os.getloadavg()[0]:.2f}")
    watch = RssWatch()
    watch.start()
    with tempfile.TemporaryDirectory(prefix="ktp-bench-") as tmp:
        t0 = time.perf_counter()
        pool = synthetic_cards(max(sizes), Path(tmp))
        print(f"{len(pool)} synthetic cards (photo JPEG 300x400 ~"
              f"{os.path.getsize(pool[0]['photo']) // 1024} kB, signature PNG) "
              f"in {time.perf_counter() - t0:.1f} s")

        cold = time.perf_counter()
        cardface.render_chunk(pool[:1], "overlay")  # import, fonts: the cold start
        print(f"cold start (import WeasyPrint, fonts, first card): "
              f"{(time.perf_counter() - cold) * 1000:.0f} ms")

        print(f"\nours: {'cards':>6} {'best s':>8} {'median s':>9} {'cards/s':>9} "
              f"{'PDF kB':>8}")
        parallel = False if args.sequential else None
        rates = {}
        spec = Path(tmp) / "naive.json"
        spec.write_text(json.dumps({"cards": pool[:args.cards]}))
        naive_runs: list[dict] = []
        # CPU seconds of each timed run at --cards: (this process, helpers, busiest helper)
        ours_cpu: list[tuple[float, float, float]] = []
        for n in sizes:
            batch = pool[:n]
            cards.render_card_dicts(batch, "overlay", (0.5, -0.3), parallel=parallel)  # warm
            times = []
            for i in range(args.repeat):
                before = dict(watch.cpu)
                t, cpu = time.perf_counter(), time.process_time()
                pdf = cards.render_card_dicts(batch, "overlay", (0.5, -0.3), parallel=parallel)
                times.append(time.perf_counter() - t)
                pdf_kb = len(pdf) // 1024
                del pdf  # not kept while the next run renders (the app keeps none)
                if n == args.cards:
                    helpers = [v - before.get(pid, 0.0) for pid, v in watch.cpu.items()
                               if watch.names.get(pid) == "worker" and v > before.get(pid, 0.0)]
                    ours_cpu.append((time.process_time() - cpu, sum(helpers),
                                     max(helpers, default=0.0)))
                if n == args.cards and not args.no_naive and i < args.naive_repeat:
                    # Interleaved with ours, so a change of load hits both alike; not
                    # watched: its memory is not ours.
                    watch.paused.set()
                    naive_runs.append(run_naive(spec))
                    watch.paused.clear()
            best, median = min(times), statistics.median(times)
            rates[n] = n / median
            print(f"      {n:>6} {best:>8.3f} {median:>9.3f} {n / median:>9.1f} "
                  f"{pdf_kb:>8}")

        cold_rate = None
        if not args.sequential and args.cards >= cards.PARALLEL_MIN_CARDS:
            # The timed runs above found the helpers running (they stay
            # POOL_IDLE_SECONDS after a batch); the print room's first batch of a
            # session starts them: timed once, reported beside the median.
            cards.POOL.shutdown(wait=True)  # the old helpers gone before the new start
            t = time.perf_counter()
            cards.render_card_dicts(pool[:args.cards], "overlay", (0.5, -0.3))
            cold_s = time.perf_counter() - t
            cold_rate = args.cards / cold_s
            print(f"      {args.cards:>6} cards, first batch (helpers started for it): "
                  f"{cold_s:.3f} s, {cold_rate:.1f} cards/s")

        one = pool[:1]
        for _ in range(5):  # our preview warm, before the memory is read
            cardface.render_chunk(one, "preview")
        mem = watch.report()

        # Previews: ours (the shared fonts and parsed card.css) and the naive single
        # render (everything fresh), alternated in this process (after the memory was
        # read: the naive renders are not ours).
        samples, naive_samples = [], []
        for _ in range(5):
            naive_pdf(one, "preview", (0.0, 0.0))
        for _ in range(args.preview_runs):
            t = time.perf_counter()
            cardface.render_chunk(one, "preview")
            samples.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            naive_pdf(one, "preview", (0.0, 0.0))
            naive_samples.append((time.perf_counter() - t) * 1000)
        p50, naive_p50 = statistics.median(samples), statistics.median(naive_samples)
        print(f"\nours: preview, 1 card, {args.preview_runs} warm renders: "
              f"p50 {p50:.1f} ms, p95 {percentile(samples, 0.95):.1f} ms")

        print(f"ours: peak RSS this process {mem['me']:.0f} MB, largest helper process "
              f"{mem['child']:.0f} MB; all processes together ({mem['processes']} at most): "
              f"sum of peak RSS {mem['sum']:.0f} MB, sum of PSS {mem['pss']:.0f} MB")
        print(f"ours: peak RSS by process, MB: {watch.breakdown()}")

        naive = None
        if naive_runs:
            naive_times = [r["seconds"] for r in naive_runs]
            naive = {"median": statistics.median(naive_times), "best": min(naive_times)}
            naive_rate = args.cards / naive["median"]
            print(f"\nnaive: {args.cards:>6} cards as one WeasyPrint document in one "
                  f"process, {len(naive_runs)} run(s) interleaved with ours: best "
                  f"{naive['best']:.3f} s, median {naive['median']:.3f} s, "
                  f"{naive_rate:.1f} cards/s, {naive_runs[-1]['pdf_kb']} kB, peak RSS "
                  f"{max(r['rss_mb'] for r in naive_runs):.0f} MB")
            print(f"naive: preview, 1 card (fresh fonts and CSS), {args.preview_runs} "
                  f"renders alternated with ours: p50 {naive_p50:.1f} ms, p95 "
                  f"{percentile(naive_samples, 0.95):.1f} ms")
            mine, helpers, busiest = (statistics.median(x) for x in zip(*ours_cpu, strict=True))
            naive_cpu = statistics.median(r["cpu"] for r in naive_runs)
            print(f"CPU time at {args.cards} cards (medians): ours {mine:.1f} s here + "
                  f"{helpers:.1f} s in helpers = {mine + helpers:.1f} s; naive "
                  f"{naive_cpu:.1f} s. On cores of its own ours would take about "
                  f"{max(mine, busiest):.1f} s (its busiest process): "
                  f"{naive_cpu / max(mine, busiest):.2f}x the naive (a projection; the "
                  f"measured ratio is below)")
            print(f"\nratio ours/naive at {args.cards} cards: "
                  f"{rates[args.cards] / naive_rate:.2f}x "
                  f"({rates[args.cards]:.1f} vs {naive_rate:.1f} cards/s); preview p50 "
                  f"{p50 / naive_p50:.2f} of the naive single render")
            if cold_rate is not None:
                print(f"ratio of a first batch (helpers started for it): "
                      f"{cold_rate / naive_rate:.2f}x")

        if args.png:
            args.png.mkdir(parents=True, exist_ok=True)
            if shutil.which("pdftoppm"):
                to_png(cardface.render_chunk(one, "overlay"), args.png / "overlay.png")
                to_png(cardface.render_chunk(one, "preview"), args.png / "preview.png")
                print(f"PNG: {args.png / 'overlay.png'}, {args.png / 'preview.png'}")
            else:
                print("pdftoppm not found (apt-get install poppler-utils): no PNG")

    checks = [(f"all processes <= {TARGET_RSS_MB:.0f} MB (sum of peak RSS)",
               mem["sum"] <= TARGET_RSS_MB)]
    if naive is not None:
        if args.cards == TARGET_RATIO_CARDS:
            checks.append((f"{TARGET_RATIO_CARDS} cards: ours >= {TARGET_RATIO}x the naive",
                           rates[args.cards] * naive["median"] / args.cards >= TARGET_RATIO))
        checks.append((f"preview p50 <= {TARGET_PREVIEW_FACTOR}x the naive single render",
                       p50 <= TARGET_PREVIEW_FACTOR * naive_p50))
    print(f"\nload average at the end {os.getloadavg()[0]:.2f} (other work on the machine "
          f"skews the ratios)")
    ok = True
    for label, passed in checks:
        print(f"{'ok  ' if passed else 'MISS'} {label}")
        ok &= passed
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
