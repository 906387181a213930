"""Card printing benchmark: overlay batches of 1, 100 and 500 cards, and the preview.

    .venv/bin/python bench/print_batch.py [--sizes 1,100,500] [--preview-runs 50]
        [--repeat 3] [--png DIR] [--sequential] [--max-load L]

Builds synthetic card dicts (printing.cards.card_data's shape) with a realistic photo
(JPEG 300x400, a few tens of kB) and signature (PNG) per card, generated with Pillow in
a temporary directory; renders each batch size in overlay mode through
printing.cards.render_card_dicts (what render_cards does after card_data) and prints
cards/s, then times 50 warm single-card previews (printing.cardface.render_chunk, what
render_preview does after card_data) and prints p50/p95. Peak RSS: ru_maxrss of this
process and of its largest child (the worker processes), from resource.getrusage.
--png DIR writes one overlay and one preview card as PNG (pdftoppm) to look at.
"""

from __future__ import annotations

import argparse
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

TARGET_CARDS_PER_S = 50.0  # for the 500-card batch
TARGET_RSS_MB = 250.0
TARGET_PREVIEW_P50_MS = 40.0
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
    """Children, grandchildren... of `root` (the fork server's workers are its
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
    """Peak RSS of this process and of every descendant (VmHWM, read every 50 ms
    while they live; new descendants looked for every 250 ms, which is cheap enough
    not to slow the workers), and the peak of their memory together (sum of PSS, so
    pages the forked workers share are counted once)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peaks: dict[int, int] = {}
        self.peak_total = 0
        self.stop = threading.Event()
        self.pids: list[int] = [os.getpid()]

    def sample(self, discover: bool = True) -> None:
        if discover:
            self.pids = [os.getpid(), *_descendants(os.getpid())]
        total = 0
        for pid in self.pids:
            self.peaks[pid] = max(self.peaks.get(pid, 0), _kib(pid, "VmHWM:"))
            total += _pss_kib(pid)
        self.peak_total = max(self.peak_total, total)

    def run(self) -> None:
        tick = 0
        while not self.stop.wait(0.05):
            self.sample(discover=tick % 5 == 0)
            tick += 1

    def report(self) -> tuple[float, float, float]:
        """(this process, largest other process, largest sum at one moment), MB."""
        self.sample()
        me = max(self.peaks.pop(os.getpid(), 0),
                 resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        others = max([*self.peaks.values(),
                      resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss])
        return me / 1024, others / 1024, self.peak_total / 1024


def to_png(pdf: bytes, out: Path, dpi: int = 300) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "card.pdf"
        src.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1",
                        "-singlefile", str(src), str(out.with_suffix(""))], check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1,100,500")
    parser.add_argument("--preview-runs", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3,
                        help="timed runs per batch size (best and median reported)")
    parser.add_argument("--png", type=Path, help="write overlay.png and preview.png here")
    parser.add_argument("--sequential", action="store_true",
                        help="never start worker processes (for comparison)")
    parser.add_argument("--max-load", type=float,
                        help="first wait (up to 20 min) for the 1-minute load average to "
                             "drop below this: other work on the machine skews the figures")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.max_load is not None:
        deadline = time.monotonic() + 20 * 60
        while os.getloadavg()[0] >= args.max_load and time.monotonic() < deadline:
            time.sleep(10)

    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"chunk {cards.CHUNK_CARDS}, workers {cards.WORKERS} from "
          f"{cards.PARALLEL_MIN_CARDS} cards ({cards.START_METHOD})"
          + (", SEQUENTIAL" if args.sequential else "")
          + f"; load average {os.getloadavg()[0]:.2f}")
    ok = True
    watch = RssWatch()
    watch.start()
    with tempfile.TemporaryDirectory(prefix="ktp-bench-") as tmp:
        t0 = time.perf_counter()
        pool = synthetic_cards(max(sizes + [1]), Path(tmp))
        print(f"{len(pool)} synthetic cards (photo JPEG 300x400 ~"
              f"{os.path.getsize(pool[0]['photo']) // 1024} kB, signature PNG) "
              f"in {time.perf_counter() - t0:.1f} s")

        cold = time.perf_counter()
        cardface.render_chunk(pool[:1], "overlay")  # import, fonts: the cold start
        print(f"cold start (import WeasyPrint, fonts, first card): "
              f"{(time.perf_counter() - cold) * 1000:.0f} ms")

        print(f"\n{'cards':>6} {'best s':>8} {'median s':>9} {'cards/s':>9} {'PDF kB':>8}")
        rates = {}
        for n in sizes:
            batch = pool[:n]
            parallel = False if args.sequential else None
            cards.render_card_dicts(batch, "overlay", (0.5, -0.3), parallel=parallel)  # warm
            times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                pdf = cards.render_card_dicts(batch, "overlay", (0.5, -0.3), parallel=parallel)
                times.append(time.perf_counter() - t)
            best, median = min(times), statistics.median(times)
            rates[n] = n / median
            print(f"{n:>6} {best:>8.3f} {median:>9.3f} {n / median:>9.1f} "
                  f"{len(pdf) // 1024:>8}")

        samples = []
        one = pool[:1]
        for _ in range(5):
            cardface.render_chunk(one, "preview")
        for _ in range(args.preview_runs):
            t = time.perf_counter()
            cardface.render_chunk(one, "preview")
            samples.append((time.perf_counter() - t) * 1000)
        samples.sort()
        p50 = statistics.median(samples)
        p95 = samples[min(len(samples) - 1, math.ceil(0.95 * len(samples)) - 1)]
        print(f"\npreview, 1 card, {args.preview_runs} warm renders: "
              f"p50 {p50:.1f} ms, p95 {p95:.1f} ms")

        me, child, total = watch.report()
        watch.stop.set()
        print(f"peak RSS: this process {me:.0f} MB, largest worker {child:.0f} MB, "
              f"all processes together (PSS) {total:.0f} MB")

        if args.png:
            args.png.mkdir(parents=True, exist_ok=True)
            if shutil.which("pdftoppm"):
                to_png(cardface.render_chunk(one, "overlay"), args.png / "overlay.png")
                to_png(cardface.render_chunk(one, "preview"), args.png / "preview.png")
                print(f"PNG: {args.png / 'overlay.png'}, {args.png / 'preview.png'}")
            else:
                print("pdftoppm not found (apt-get install poppler-utils): no PNG")

    checks = []
    if 500 in rates:
        checks.append((f"500 cards >= {TARGET_CARDS_PER_S:.0f} cards/s",
                       rates[500] >= TARGET_CARDS_PER_S))
    checks.append((f"peak RSS <= {TARGET_RSS_MB:.0f} MB", max(me, child) <= TARGET_RSS_MB))
    checks.append((f"preview p50 <= {TARGET_PREVIEW_P50_MS:.0f} ms",
                   p50 <= TARGET_PREVIEW_P50_MS))
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")
    for label, passed in checks:
        print(f"{'ok  ' if passed else 'MISS'} {label}")
        ok &= passed
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
