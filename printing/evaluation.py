"""The monthly evaluation as an A4 PDF (printing/templates/evaluation.html).

Rendered from the report's frozen figures (models.evaluations.collect: JSON), never
from the live tables, so every rendering of one version (one per sign-off step) prints
the same figures; only the sign-off block changes. Charts come from printing.charts,
each with its numbers as a table.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from models.office_time import format_date, format_datetime

from . import charts
from .documents import MONTHS
from .render import render_pdf

# Indonesian names of the SKM elements (PermenPAN-RB 14/2017, U1-U9).
SKM_ELEMENTS = {
    "requirements": "Persyaratan",
    "procedure": "Sistem, mekanisme dan prosedur",
    "time": "Waktu penyelesaian",
    "fee": "Biaya/tarif",
    "product": "Produk spesifikasi jenis pelayanan",
    "staff_competence": "Kompetensi pelaksana",
    "staff_conduct": "Perilaku pelaksana",
    "facilities": "Sarana dan prasarana",
    "complaint_handling": "Penanganan pengaduan, saran dan masukan",
}
GRADE_NAMES = {"A": "Sangat Baik", "B": "Baik", "C": "Kurang Baik", "D": "Tidak Baik"}
DISRUPTION_KINDS = {
    "network": "Jaringan komunikasi", "power": "Listrik", "equipment": "Peralatan",
    "central_server": "Server pusat (SIAK)", "blank_stock_out": "Stok blangko habis",
}
CHANNELS = {
    "suggestion_box": "Kotak saran", "phone": "Telepon", "whatsapp": "WhatsApp",
    "email": "E-mail", "web": "Situs web", "in_person": "Datang langsung",
}
# Labels of the figures compared for a closed month (models.evaluations.COMPARED).
COMPARED_LABELS = {
    ("applications", "received"): "Permohonan diterima",
    ("applications", "recorded"): "Perekaman",
    ("applications", "print_ready"): "Siap cetak",
    ("applications", "printed"): "Dicetak (kartu baik)",
    ("applications", "handed_over"): "Diserahkan",
    ("service", "served"): "Dilayani",
    ("service", "within_normal"): "Selesai dalam batas normal",
    ("service", "within_disrupted"): "Selesai dalam batas gangguan",
    ("service", "breaches"): "Pelanggaran standar waktu",
    ("blanks", "closing"): "Stok blangko akhir",
    ("complaints", "received"): "Pengaduan diterima",
    ("disruption_count", None): "Jumlah gangguan",
}
ACTIONS = {
    "create": "dicatat", "edit": "diubah", "confirm": "dikonfirmasi", "close": "ditutup",
    "sla_extended": "batas waktu diperpanjang", "correct": "dikoreksi",
}
STEP_TITLES = (
    ("generate", "Dibuat", "Kepala Bidang"),
    ("submit", "Diajukan", "Kepala Bidang"),
    ("review", "Diperiksa", "Sekretaris"),
    ("acknowledge", "Diketahui", "Kepala Dinas"),
)


def month_name(period: str) -> str:
    """"2026-11" -> "November 2026"."""
    return f"{MONTHS[int(period[5:7]) - 1]} {period[:4]}"


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _when(text: str | None) -> str:
    moment = _moment(text)
    return format_datetime(moment, zone_label=True) if moment else "–"


def _minutes(value: float | None) -> str:
    return charts.number(value, 1) if value is not None else charts.MISSING


def _duration(minutes: float) -> str:
    total = int(round(minutes))
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} hari {hours} jam {mins} menit"
    if hours:
        return f"{hours} jam {mins} menit"
    return f"{mins} menit"


def _decimal(text: str | None, places: str) -> str:
    """An SKM figure with its fixed decimals, the Indonesian way: 87.5 -> "87,50"."""
    if not text:
        return charts.MISSING
    value = Decimal(text).quantize(Decimal(places), rounding=ROUND_HALF_UP)
    return str(value).replace(".", ",")


def _share(part: int, whole: int) -> str:
    return charts.percent(100.0 * part / whole) if whole else charts.MISSING


def _charts(f: dict[str, Any]) -> dict[str, Any]:
    trend = f["trend"]
    months = [month_name(t["period"])[:3] + " " + t["period"][2:4] for t in trend]
    skm = f["skm"]
    # Few charts, each earning its place: WeasyPrint lays out every SVG element, and
    # the tables beside them already carry the month's own figures.
    out = {
        "trend": charts.figure("line", "Tren 12 bulan: % selesai dalam batas waktu", months, {
            "≤ batas normal": [100.0 * t["within_normal"] / t["served"] if t["served"]
                               else None for t in trend],
            "≤ batas gangguan": [100.0 * t["within_disrupted"] / t["served"] if t["served"]
                                 else None for t in trend],
        }, percent_scale=True, label_heading="Bulan"),
        "volume": charts.figure("bar", "Tren 12 bulan: permohonan dan pelanggaran", months, {
            "Diterima": [t["received"] for t in trend],
            "Dilayani": [t["served"] for t in trend],
            "Pelanggaran": [t["breaches"] for t in trend],
        }, label_heading="Bulan"),
    }
    if skm["respondents"]:
        out["skm"] = charts.figure(
            "bar", "Nilai rata-rata per unsur SKM",
            [f"U{i + 1}" for i in range(len(skm["elements"]))],
            {"NRR": [float(e["nrr"]) if e["nrr"] is not None else None
                     for e in skm["elements"]]}, label_heading="Unsur")
    return out


def evaluation_context(figures: dict[str, Any], *, version: int,
                       signoff: dict[str, Any],
                       supersedes: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything the template prints, formatted (numbers, WITA times, Indonesian)."""
    f = figures
    start, end = _moment(f["start"]), _moment(f["end"])
    assert start is not None and end is not None
    service = f["core"]["service"]
    blanks = f["core"]["blanks"]
    complaints = f["core"]["complaints"]
    used_or_spoiled = blanks["used"] + blanks["spoiled"]
    head = f.get("audit_head")
    return {
        "period": f["period"],
        "month": month_name(f["period"]),
        "version": version,
        "supersedes": supersedes,
        "range": f"{format_datetime(start, zone_label=True)} s.d. "
                 f"{format_datetime(end - timedelta(minutes=1), zone_label=True)}",
        "computed_at": _when(f["computed_at"]),
        "counts": f["core"]["applications"],
        "service": service,
        "share_normal": _share(service["within_normal"], service["served"]),
        "share_disrupted": _share(service["within_disrupted"], service["served"]),
        "median": _minutes(service["median_minutes"]),
        "p90": _minutes(service["p90_minutes"]),
        "breaches": [{
            "number": b["number"], "submitted": _when(b["submitted_at"]),
            "deadline": _when(b["deadline_at"]),
            "stopped": _when(b["stopped_at"]) if b["stopped_at"] else "belum selesai",
            "reason": b["reason"]} for b in f["breaches"]],
        "breaches_more": max(0, service["breaches"] - len(f["breaches"])),
        "breach_groups": [{
            "limit": f"{g['hours']} jam" if g["hours"] is not None else "–",
            "disrupted": "ya" if g["disrupted"] else "tidak",
            "count": g["count"], "open": g["open"],
            "latest": _duration(g["max_late_minutes"]) if g["max_late_minutes"] is not None
            else "–"} for g in f.get("breach_groups", [])],
        "disruptions": [{
            "kind": DISRUPTION_KINDS.get(d["kind"], d["kind"]),
            "started": _when(d["started_at"]),
            "ended": _when(d["ended_at"]) if d["ended_at"] else "masih berlangsung",
            "duration": _duration(d["minutes"]),
            "in_force": "ya" if d["in_force"] else "menunggu konfirmasi",
            "extended": d["applications_extended"]} for d in f["disruptions"]],
        "operators": f["operators"],
        "areas": f["areas"],
        "area_total": {"male": sum(a["male"] for a in f["areas"]),
                       "female": sum(a["female"] for a in f["areas"])},
        "blanks": blanks,
        "spoil_rate": _share(blanks["spoiled"], used_or_spoiled),
        "balances": blanks["opening"] + blanks["received"] - blanks["used"]
        - blanks["spoiled"] - blanks["lost"] - blanks["returned"] == blanks["closing"],
        "previous_closing": f.get("previous_closing"),
        "uncollected": [{
            "band": (f"{u['min_days']}–{u['max_days']} hari" if u["max_days"] is not None
                     else f"lebih dari {u['min_days'] - 1} hari"), "cards": u["cards"]}
            for u in f["uncollected"]],
        "uncollected_total": sum(u["cards"] for u in f["uncollected"]),
        "complaints": complaints,
        "channels": [{"channel": CHANNELS.get(c["channel"], c["channel"]),
                      "received": c["received"], "answered": c["answered"],
                      "mean_hours": charts.number(c["mean_hours"], 1)}
                     for c in complaints["by_channel"]],
        "skm": f["skm"],
        "skm_rows": [{"code": f"U{i + 1}", "name": SKM_ELEMENTS.get(e["element"], e["label"]),
                      "nrr": _decimal(e["nrr"], "0.001")}
                     for i, e in enumerate(f["skm"]["elements"])],
        "skm_index": _decimal(f["skm"]["index_rounded"], "0.01"),
        "skm_grade": (f"{f['skm']['grade']} ({GRADE_NAMES.get(f['skm']['grade'], '')})"
                      if f["skm"]["grade"] else "–"),
        "closed_changes": [{
            "month": month_name(c["period"]), "version": c["version"],
            "acknowledged": _when(c["acknowledged_at"]), "total": c["total"],
            "entries": [{"id": e["id"], "at": _when(e["at"]), "who": e["username"] or "–",
                         "what": f"{e['object_type']} #{e['object_id']} "
                                 f"{ACTIONS.get(e['action'], e['action'])}"}
                        for e in c["entries"]],
            "differences": [{"label": COMPARED_LABELS.get((d["section"], d["key"]),
                                                          f"{d['section']} {d['key']}"),
                             "old": d["old"], "new": d["new"]} for d in c["differences"]],
        } for c in f["closed_changes"]],
        "audit_head": None if head is None else {
            "entry": head["entry_id"], "hash": head["hash"], "at": _when(head["at"])},
        "signoff": [{"title": title, "role": role, "name": signoff[key]["name"] or "",
                     "at": _when(signoff[key]["at"]) if signoff[key]["at"] else None}
                    for key, title, role in STEP_TITLES],
        "charts": _charts(f),
        "today": format_date(datetime.fromisoformat(f["computed_at"])),
    }


def render_evaluation(figures: dict[str, Any], *, version: int, signoff: dict[str, Any],
                      supersedes: dict[str, Any] | None = None) -> bytes:
    return render_pdf("evaluation.html", **evaluation_context(
        figures, version=version, signoff=signoff, supersedes=supersedes))
