"""The office's past weeks, replayed on a simulated clock.

Every event (a receipt of blanks, an intake, a recording, SIAK's answer, a print run,
a confirmation, a handover, a complaint, a disruption) is a domain operation run at
its own moment: the simulated now is moved to the event's time, in WITA office hours
(08:00-15:00, Monday to Friday), before the operation runs. So its timestamps, its
receipt or batch number, its blank events and its audit entry all carry that moment,
and nothing is dated back afterwards. Where the domain refuses a scripted step (a
resident who wants to cancel after the card was printed), the step does not happen.

The script draws from one seeded random generator in event order, so the same seed
replays the same weeks; only events after "now" are left out.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from models import wilayah
from models.applications import Application, cancel, enter_siak_result, record, reject
from models.batches import (
    PrintBatch,
    add_to_draft,
    confirm_card,
    decide_batch,
    print_batch,
    submit_batch,
)
from models.blanks import SERIAL_LENGTH, BlankReceipt, low_stock, receive_blanks
from models.cards import Card, hand_over
from models.complaints import Complaint, record_complaint
from models.db import db
from models.eligibility import eligibility
from models.errors import DomainError
from models.intake import open_application
from models.office_time import office_date, office_today, to_office, to_utc
from models.permissions import HEAD_OF_DIVISION, PRINTING_OPERATOR, RECORDING_OPERATOR
from models.residents import Applicant
from models.service_clock import Disruption, close_disruption, open_disruption
from models.standard import ServiceStandard
from models.survey import ELEMENTS, submit_response, survey_code
from models.users import User

from .files import Files
from .people import PHONE_PREFIXES, Household, relative_of

OFFICE_OPENS = time(8, 0)
OFFICE_CLOSES = time(15, 0)
# The counter takes new requests until half an hour before closing.
INTAKE_HOURS = (time(8, 30), time(14, 30))
# The printing operator picks up what SIAK has cleared within a quarter of an hour,
# and first thing in the morning what became printable overnight (17th birthdays).
PRINT_PICKUP = (5, 15)
MORNING_RUN = time(8, 30)
# No batch is started in the last half hour: it must be printed the day it is opened.
LAST_PRINT_START = time(14, 30)
MAX_BATCH = 12
BLANKS_PER_RECEIPT = 500
# Monday brings the most residents, Friday the fewest.
WEEKDAY_WEIGHT = (14, 11, 10, 10, 7)

# Shares of the script: who applies, and what happens to a request.
APPLY_SHARE = 0.5
REJECTED_AT_INTAKE = 0.05
LEAVES_BEFORE_RECORDING = 0.08
RETURNS_FOR_RECORDING = 0.6
REJECTED_AFTER_RECORDING = 0.03
CANCELLED_AFTER_RECORDING = 0.04
DUPLICATE = 0.09
DUPLICATE_REJECTED = 0.3
CANCELLED_WHEN_READY = 0.03
COMES_BACK = 0.4
BATCH_SENT_BACK = 0.03
SPOILED = 0.07
COLLECTED_SAME_DAY = 0.35
COLLECTED_LATER = 0.5  # the rest are still waiting in custody
COLLECTED_BY_FAMILY = 0.15
# The satisfaction survey: the share of handovers answered at the kiosk, and later by
# the receipt's QR code; the answers' weights for scores 1-4 (the KTP-el is free, and
# the waiting room is what residents complain of).
SURVEY_AT_KIOSK = 0.3
SURVEY_BY_QR = 0.15
_USUAL = (1, 6, 30, 18)
SURVEY_WEIGHTS = {
    "requirements": _USUAL, "procedure": _USUAL, "time": (3, 14, 28, 10),
    "fee": (0, 1, 4, 40), "product": _USUAL, "staff_competence": _USUAL,
    "staff_conduct": (1, 4, 26, 24), "facilities": (4, 18, 25, 8),
    "complaint_handling": (2, 10, 30, 10),
}
SURVEY_SUGGESTIONS = (
    "Ruang tunggu panas, mohon ditambah kipas angin.",
    "Pelayanan cepat dan petugas ramah. Terima kasih.",
    "Mohon informasi jadwal pengambilan dikirim lewat WhatsApp.",
    "Kursi di ruang tunggu kurang.",
)

INTAKE_REJECTIONS = (
    "Fotokopi KK tidak sesuai dengan data F-1.02 (nama ayah berbeda); pemohon diminta "
    "memperbaiki data KK terlebih dahulu.",
    "Pemohon masih terdaftar sebagai penduduk Kabupaten Sumba Tengah; wajib mengurus "
    "surat pindah (SKPWNI) terlebih dahulu.",
    "Berkas F-1.02 tidak ditandatangani kepala desa; pemohon diminta melengkapi berkas.",
)
RECORDED_REJECTIONS = (
    "Data NIK tidak ditemukan pada database kependudukan pusat; pemohon diminta "
    "melakukan konsolidasi data di loket pendaftaran.",
)
NOT_RETURNED = "Pemohon tidak kembali melengkapi perekaman dalam 14 hari."
ON_REQUEST = (
    "Atas permintaan pemohon: pemohon pindah domisili ke Kabupaten Sumba Tengah.",
    "Atas permintaan pemohon: pemohon akan merekam KTP-el di tempat kuliah (Kupang).",
    "Permohonan ganda: pemohon sudah mendaftar pada loket kecamatan.",
)
DUPLICATE_REJECTION = ("Hasil SIAK: pemohon sudah pernah merekam KTP-el (data ganda); "
                       "diarahkan ke layanan penggantian KTP-el.")
# Regencies where a duplicate recording is typically found (Sumba and Kupang).
DUPLICATE_REGENCIES = ("53.12", "53.17", "53.18", "53.71")
BATCH_APPROVED = "Data sudah diperiksa."
BATCH_SENT_BACK_NOTES = (
    "Foto salah satu pemohon kurang jelas; mohon diperiksa ulang sebelum dicetak.",
    "Urutan berkas tidak sesuai daftar; susun ulang lalu ajukan kembali.",
)
SPOIL_REASONS = (
    "Hasil cetak bergaris, pita printer habis.",
    "Foto tercetak bergeser dari bingkai.",
    "Chip tidak terbaca saat verifikasi setelah cetak.",
)
STORAGE = ("LEMARI A / RAK 1", "LEMARI A / RAK 2", "LEMARI B / RAK 1")
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
DISRUPTION_TEXT = (
    "Jaringan komunikasi data ke server pusat SIAK terputus (gangguan kabel serat optik "
    "di Waingapu). Perekaman tetap berjalan, verifikasi biometrik dan sinkronisasi "
    "tertunda sampai jaringan pulih.")


class SimulatedNow:
    """The demo's "now": `models.office_time.simulated(clock)` makes `utcnow()` read it."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def move_to(self, moment: datetime) -> None:
        """Never backwards: audit entries stay in time order."""
        self.now = max(self.now, moment)


@dataclass
class Cast:
    """Who acts in the history, and with what."""

    staff: dict[str, User]
    files: Files
    standard: ServiceStandard
    secret: str  # signs the handover receipts' verification codes


@dataclass(order=True)
class _Event:
    at: datetime
    seq: int
    action: Callable[[], Any] = field(compare=False)


def is_office_day(day: date) -> bool:
    return day.weekday() < 5


def at_office(day: date, clock_time: time) -> datetime:
    """`clock_time` WITA on `day`, as the naive UTC the database stores."""
    return to_utc(datetime.combine(day, clock_time))


def office_days(first: date, end: datetime) -> list[date]:
    """Office days from `first` whose doors opened before `end`."""
    days = []
    day = first
    while at_office(day, OFFICE_OPENS) < end:
        if is_office_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


class History:
    """The office's last `days` days up to `end`, one event at a time."""

    def __init__(self, rng: random.Random, end: datetime, days: int) -> None:
        self.rng = rng
        self.end = end
        self.end_day = office_date(end)
        self.days = office_days(self.end_day - timedelta(days=days), end)
        if not self.days:
            raise ValueError("the demo history needs at least one office day before now")
        self.first_day = self.days[0]
        self.clock = SimulatedNow(at_office(self.first_day, OFFICE_OPENS))
        self._queue: list[_Event] = []
        self._seq = itertools.count()
        self._disruption_id: int | None = None
        self._network_down: tuple[datetime, datetime] | None = None
        self._next_serial = 0
        self._next_run: datetime | None = None
        # Who else on the family card may collect a resident's card (by applicant id).
        self._relatives: dict[int, tuple[str, str] | None] = {}

    @property
    def now(self) -> datetime:
        return self.clock.now

    def pause(self, seconds: int) -> None:
        """Let a little time pass between the set-up steps of the first morning."""
        self.clock.move_to(self.now + timedelta(seconds=seconds))

    # --- the calendar ------------------------------------------------------------------

    def minutes(self, low: int, high: int) -> timedelta:
        return timedelta(minutes=self.rng.randint(low, high), seconds=self.rng.randint(0, 59))

    def during_office(self, moment: datetime) -> datetime:
        """`moment`, or shortly after the next opening when the office is closed then."""
        local = to_office(moment).replace(tzinfo=None)
        day = local.date()
        if is_office_day(day) and OFFICE_OPENS <= local.time() < OFFICE_CLOSES:
            return moment
        if not (is_office_day(day) and local.time() < OFFICE_OPENS):
            day = self.office_day_after(day)
        return at_office(day, OFFICE_OPENS) + self.minutes(5, 40)

    def office_day_after(self, day: date, count: int = 1) -> date:
        while count:
            day += timedelta(days=1)
            count -= is_office_day(day)
        return day

    def time_on(self, day: date, start: time = time(8, 15), stop: time = time(14, 45)) -> datetime:
        """A random moment between `start` and `stop` WITA on `day`."""
        first, last = at_office(day, start), at_office(day, stop)
        return first + timedelta(seconds=self.rng.randint(0, int((last - first).total_seconds())))

    def later(self, low: int, high: int) -> datetime:
        """`low`-`high` minutes from now, in office hours."""
        return self.during_office(self.now + self.minutes(low, high))

    def days_later(self, low: int, high: int) -> datetime:
        """Some time on an office day `low`-`high` office days from today."""
        return self.time_on(self.office_day_after(office_today(), self.rng.randint(low, high)))

    def day_back(self, n: int) -> date:
        """The n-th office day before the last one of the history (clamped)."""
        return self.days[max(0, len(self.days) - 1 - n)]

    # --- the event loop ----------------------------------------------------------------

    def at(self, moment: datetime, action: Callable[[], Any]) -> None:
        heapq.heappush(self._queue, _Event(max(moment, self.now), next(self._seq), action))

    def _run(self) -> None:
        while self._queue and self._queue[0].at < self.end:
            event = heapq.heappop(self._queue)
            self.clock.move_to(event.at)
            event.action()

    @staticmethod
    def attempt(operation: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[bool, Any]:
        """Run a domain operation; a refusal (DomainError) means the step did not happen."""
        try:
            return True, operation(*args, **kwargs)
        except DomainError:
            db.session.rollback()
            return False, None

    def play(self, cast: Cast, register: list[Household]) -> None:
        """Schedule the weeks' events and run every one that falls before the end.

        Events refer to records by id and load them when they happen, and `register`
        is emptied once the intakes are planned, so the session never holds the whole
        register (every commit expires what the session holds)."""
        self.cast = cast
        self.recorder = cast.staff[RECORDING_OPERATOR]
        self.printer = cast.staff[PRINTING_OPERATOR]
        self.head = cast.staff[HEAD_OF_DIVISION]
        self.at(at_office(self.first_day, time(8, 20)), self._receive_blanks)
        self._schedule_intakes(register)
        register.clear()
        for day in self.days:
            self.at(at_office(day, MORNING_RUN) + timedelta(minutes=self.rng.randint(-4, 4)),
                    self._print_run)
        self._schedule_disruption(self.day_back(5))
        self._schedule_complaints()
        self._run()
        self._leave_work_in_progress()

    # --- blanks ------------------------------------------------------------------------

    def _receive_blanks(self) -> None:
        """A sealed consignment from the ministry, recorded the day it arrives."""
        if not self._next_serial:
            first = self.rng.randint(10 ** (SERIAL_LENGTH - 1) // 1000,
                                     10 ** SERIAL_LENGTH // 1000 - 1)
            self._next_serial = first * 1000 + 1
        first = self._next_serial
        self._next_serial += BLANKS_PER_RECEIPT + 1000 * self.rng.randint(1, 20)
        today = office_today()
        receive_blanks(BlankReceipt(
            received_at=today,
            reference=(f"BAST 470/{self.rng.randint(100, 999)}/DUKCAPIL.5311/"
                       f"{ROMAN[today.month - 1]}/{today.year}"),
            serial_first=f"{first:0{SERIAL_LENGTH}d}",
            serial_last=f"{first + BLANKS_PER_RECEIPT - 1:0{SERIAL_LENGTH}d}",
            quantity=BLANKS_PER_RECEIPT,
            notes=("Blanko KTP-el dari Direktorat Jenderal Kependudukan dan Pencatatan "
                   "Sipil, Kementerian Dalam Negeri: 5 kotak masing-masing 100 keping, "
                   "diterima dalam keadaan tersegel."),
        ), self.printer)

    # --- intake and recording ----------------------------------------------------------

    def _schedule_intakes(self, register: list[Household]) -> None:
        """About half of the residents come to the counter on some day of the history
        (on a day they may already be recorded)."""
        standard = self.cast.standard
        weights = [WEEKDAY_WEIGHT[d.weekday()] for d in self.days]
        for hh in register:
            for applicant in hh.residents:
                self._relatives[applicant.id] = relative_of(hh, applicant)
                if self.rng.random() >= APPLY_SHARE:
                    continue
                open_days = [(d, w) for d, w in zip(self.days, weights, strict=True)
                             if eligibility(applicant, on=d, standard=standard).may_record]
                if not open_days:
                    continue
                days, day_weights = zip(*open_days, strict=True)
                day = self.rng.choices(days, weights=day_weights)[0]
                self.at(self.time_on(day, *INTAKE_HOURS), self._intake_of(applicant.id))

    def _intake_of(self, applicant_id: int) -> Callable[[], None]:
        return lambda: self._intake(applicant_id)

    def _intake(self, applicant_id: int) -> None:
        files = self.cast.files
        applicant = db.session.get(Applicant, applicant_id)
        ok, opened = self.attempt(open_application, applicant, self.recorder,
                                  f102_complete=True, kk_copy=files.kk_copy(applicant))
        if not ok:
            return
        app = opened.id
        roll = self.rng.random()
        if roll < REJECTED_AT_INTAKE:
            reason = self.rng.choice(INTAKE_REJECTIONS)
            self.at(self.later(10, 45), lambda: self._close(app, "reject", reason))
        elif roll < REJECTED_AT_INTAKE + LEAVES_BEFORE_RECORDING:
            # The resident leaves before the recording booth: back some days later, or
            # never, and the request lapses after 14 days.
            if self.rng.random() < RETURNS_FOR_RECORDING:
                self.at(self.days_later(1, 4), lambda: self._record(app))
            else:
                self.at(self.during_office(self.now + timedelta(days=14)),
                        lambda: self._close(app, "cancel", NOT_RETURNED))
        else:
            self.at(self.later(3, 12), lambda: self._record(app))

    def _record(self, app_id: int) -> None:
        files = self.cast.files
        application = db.session.get(Application, app_id)
        app = app_id
        ok, _ = self.attempt(record, application, self.recorder,
                             photo=files.photo(application.applicant),
                             signature=files.signature(), fingerprints_captured=True,
                             iris_captured=True)
        if not ok:
            return
        roll = self.rng.random()
        if roll < REJECTED_AFTER_RECORDING:
            reason = self.rng.choice(RECORDED_REJECTIONS)
            self.at(self.later(10, 60), lambda: self._close(app, "reject", reason))
        elif roll < REJECTED_AFTER_RECORDING + CANCELLED_AFTER_RECORDING:
            reason = self.rng.choice(ON_REQUEST)
            self.at(self.later(10, 120), lambda: self._close(app, "cancel", reason))
        else:
            self._schedule_siak(app)

    def _schedule_siak(self, app: int) -> None:
        """SIAK usually answers within minutes; sometimes its queue takes hours, or the
        synchronisation only goes through the next office day."""
        roll = self.rng.random()
        if roll < 0.85:
            moment = self.later(3, 15)
        elif roll < 0.95:
            moment = self.later(60, 150)
        else:
            moment = self.days_later(1, 2)
        self.at(moment, lambda: self._siak(app))

    def _siak(self, app: int) -> None:
        application = db.session.get(Application, app)
        down = self._network_down
        if down and down[0] <= self.now < down[1]:
            # No answer while the network to SIAK is down: it comes once it is back.
            self.at(self.during_office(down[1] + self.minutes(20, 120)), lambda: self._siak(app))
            return
        if self.rng.random() < DUPLICATE:
            ok, _ = self.attempt(enter_siak_result, application, self.recorder, "duplicate",
                                 note=self._duplicate_note(application.applicant))
            if ok and self.rng.random() < DUPLICATE_REJECTED:
                self.at(self.days_later(1, 5),
                        lambda: self._close(app, "reject", DUPLICATE_REJECTION, again=False))
            return
        ok, _ = self.attempt(enter_siak_result, application, self.recorder, "print_ready")
        if ok:
            self._pick_up_soon()
        if ok and self.rng.random() < CANCELLED_WHEN_READY:
            reason = self.rng.choice(ON_REQUEST[:2])
            self.at(self.later(5, 30),
                    lambda: self._close(app, "cancel", reason, actor=self.printer))

    def _duplicate_note(self, applicant: Applicant) -> str:
        """SIAK's answer: the same biometrics under a NIK of another regency."""
        regency = self.rng.choice(DUPLICATE_REGENCIES)
        code6 = self.rng.choice(_districts_of(regency)).replace(".", "")
        other = code6 + applicant.nik[6:12] + f"{self.rng.randint(1, 9999):04d}"
        return (f"Hasil SIAK: data ganda (biometrik cocok) dengan NIK {other} di "
                f"{wilayah.regency_name(regency)}. Pemohon diminta datang membawa KK asli "
                "untuk klarifikasi.")

    def _close(self, app: int, operation: str, reason: str,
               actor: User | None = None, again: bool = True) -> None:
        """Reject or cancel; some residents come back with a new request later."""
        application = db.session.get(Application, app)
        step = reject if operation == "reject" else cancel
        ok, _ = self.attempt(step, application, actor or self.recorder, reason)
        if ok and again and self.rng.random() < COMES_BACK:
            self.at(self.days_later(3, 15), self._intake_of(application.applicant_id))

    # --- printing ----------------------------------------------------------------------

    def _printable(self) -> list[Application]:
        """Print-ready applications whose applicant may be printed today, oldest first."""
        ready = db.session.execute(
            sa.select(Application).where(Application.status == "print_ready")
            .order_by(Application.siak_result_at, Application.id)).scalars()
        return [a for a in ready
                if eligibility(a.applicant, standard=a.standard).may_print][:MAX_BATCH]

    def _pick_up_soon(self) -> None:
        """A print run within a quarter of an hour, unless one is already coming."""
        if self._next_run is not None and self._next_run >= self.now:
            return
        run = self.later(*PRINT_PICKUP)
        if to_office(run).time() > LAST_PRINT_START:
            run = at_office(self.office_day_after(office_date(run)), MORNING_RUN)
        self._next_run = run
        self.at(run, self._print_run)

    def _print_run(self) -> None:
        ready = self._printable()
        if not ready:
            return
        ok, added = self.attempt(add_to_draft, ready, self.printer)
        if not ok:
            return
        batch = added[0]
        if self.attempt(submit_batch, batch, self.printer)[0]:
            batch_id = batch.id
            self.at(self.now + self.minutes(2, 8), lambda: self._decide(batch_id))

    def _decide(self, batch_id: int) -> None:
        batch = db.session.get(PrintBatch, batch_id)
        if self.rng.random() < BATCH_SENT_BACK:
            note = self.rng.choice(BATCH_SENT_BACK_NOTES)
            if self.attempt(decide_batch, batch, self.head, False, note)[0]:
                self._pick_up_soon()
            return
        if self.attempt(decide_batch, batch, self.head, True, BATCH_APPROVED)[0]:
            self.at(self.now + self.minutes(1, 5), lambda: self._print(batch_id))

    def _print(self, batch_id: int) -> None:
        batch = db.session.get(PrintBatch, batch_id)
        short, _available = low_stock(len(batch.applications))
        if short:
            self._receive_blanks()
        ok, cards = self.attempt(print_batch, batch, self.printer)
        if not ok:
            return
        # Each card is checked as it comes out; the operator finishes a batch even
        # when that runs a few minutes past closing time.
        moment = self.now
        for card in cards:
            moment += self.minutes(1, 3)
            self.at(moment, self._confirm_of(card.id))

    def _confirm_of(self, card_id: int) -> Callable[[], None]:
        return lambda: self._confirm(card_id)

    def _confirm(self, card_id: int) -> None:
        card = db.session.get(Card, card_id)
        if self.rng.random() < SPOILED:
            reason = self.rng.choice(SPOIL_REASONS)
            if self.attempt(confirm_card, card, self.printer, False, reason=reason)[0]:
                self._pick_up_soon()  # printed again
            return
        ok, _ = self.attempt(confirm_card, card, self.printer, True,
                             storage_location=self.rng.choice(STORAGE))
        if not ok:
            return
        roll = self.rng.random()
        if roll < COLLECTED_SAME_DAY:
            self.at(self.later(10, 90), lambda: self._hand_over(card_id))
        elif roll < COLLECTED_SAME_DAY + COLLECTED_LATER:
            self.at(self.days_later(1, 6), lambda: self._hand_over(card_id))

    def _hand_over(self, card_id: int) -> None:
        card = db.session.get(Card, card_id)
        applicant = card.application.applicant
        relative = None
        if self.rng.random() < COLLECTED_BY_FAMILY:
            relative = self._relatives.get(applicant.id)
        relation, name = relative or ("self", applicant.name)
        done, _card = self.attempt(hand_over, card, self.printer, receiver_name=name,
                                   relation=relation, id_checked=True,
                                   authority_letter=relation != "self",
                                   secret=self.cast.secret)
        if done:
            self._schedule_survey(card_id)

    # --- the satisfaction survey ------------------------------------------------------

    def _schedule_survey(self, card_id: int) -> None:
        """Part of the residents answer the SKM: at the kiosk right after the handover,
        or later from the receipt's QR code. Drawn from a generator of the card's own,
        so the survey leaves the history's main sequence as it was."""
        rng = random.Random(f"skm-{card_id}")
        roll = rng.random()
        if roll < SURVEY_AT_KIOSK:
            moment, channel = self.now + timedelta(minutes=rng.randint(2, 15)), "kiosk"
        elif roll < SURVEY_AT_KIOSK + SURVEY_BY_QR:
            moment, channel = self.now + timedelta(hours=rng.randint(2, 60)), "qr"
        else:
            return
        scores = {element: rng.choices((1, 2, 3, 4), weights=SURVEY_WEIGHTS[element])[0]
                  for element in ELEMENTS}
        suggestion = rng.choice(SURVEY_SUGGESTIONS) if rng.random() < 0.2 else None
        self.at(moment, lambda: self._answer_survey(card_id, scores, suggestion, channel))

    def _answer_survey(self, card_id: int, scores: dict[str, int], suggestion: str | None,
                       channel: str) -> None:
        card = db.session.get(Card, card_id)
        self.attempt(submit_response, survey_code(card, self.cast.secret), scores,
                     secret=self.cast.secret, suggestion=suggestion, channel=channel)

    # --- disruption and complaints -----------------------------------------------------

    def _schedule_disruption(self, day: date) -> None:
        """A morning when the fibre to SIAK was cut for four to five hours."""
        start = at_office(day, time(9, 20)) + timedelta(minutes=self.rng.randint(0, 40))
        end = start + timedelta(hours=4, minutes=self.rng.randint(0, 50))
        self._network_down = (start, end)
        self.at(start, self._open_disruption)
        self.at(end, self._close_disruption)

    def _open_disruption(self) -> None:
        disruption = Disruption(kind="network", description=DISRUPTION_TEXT)
        open_disruption(disruption, self.recorder)
        self._disruption_id = disruption.id

    def _close_disruption(self) -> None:
        if self._disruption_id is not None:
            close_disruption(db.session.get(Disruption, self._disruption_id), self.recorder)

    def _schedule_complaints(self) -> None:
        for back, clock_time, action in (
                (9, time(10, 5), self._suggestion_box),
                (6, time(13, 10), self._whatsapp_input),
                (4, time(9, 40), self._email_complaint),
                (2, time(11, 15), self._phone_complaint),
                (2, time(14, 10), self._duplicate_complaint)):
            self.at(at_office(self.day_back(back), clock_time)
                    + timedelta(minutes=self.rng.randint(0, 20)), action)

    def _complaint(self, **values: Any) -> None:
        record_complaint(Complaint(**values), self.recorder)

    def phone(self) -> str:
        return self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randint(0, 99_999_999):08d}"

    def _suggestion_box(self) -> None:
        self._complaint(
            channel="suggestion_box", kind="suggestion",
            subject="Ruang tunggu perlu kipas angin dan kursi tambahan",
            body=("Pada hari Senin antrean panjang dan ruang tunggu sangat panas. Mohon "
                  "ditambah kipas angin dan kursi untuk lansia."))

    def _whatsapp_input(self) -> None:
        self._complaint(
            channel="whatsapp", kind="input", complainant_name="MARKUS NDAPA PEKUWALI",
            contact=self.phone(), subject="Usul perekaman keliling ke Kecamatan Pinu Pahar",
            body=("Banyak warga Desa Tawui yang berumur 17 tahun belum rekam KTP-el "
                  "karena jarak ke Waingapu jauh. Mohon ada jadwal perekaman keliling."))

    def _email_complaint(self) -> None:
        self._complaint(
            channel="email", kind="complaint", complainant_name="YULIANA RAMBU HAMU WULANG",
            contact="yuliana.hamu@gmail.com",
            subject="Tanda terima tidak mencantumkan perkiraan waktu selesai",
            body=("Saya sudah rekam KTP-el minggu lalu, tetapi tanda terima tidak menyebut "
                  "kapan KTP-el bisa diambil."))

    def _phone_complaint(self) -> None:
        """A resident (or parent) calls about a card that has not been printed yet."""
        waiting = db.session.execute(
            sa.select(Application).where(Application.status == "print_ready")
            .order_by(Application.siak_result_at, Application.id).limit(1)).scalar()
        if waiting is None:
            self._complaint(
                channel="phone", kind="complaint",
                subject="Telepon kantor tidak diangkat pada jam pelayanan",
                body=("Saya menelepon beberapa kali pada jam pelayanan untuk menanyakan "
                      "syarat perekaman, tetapi telepon tidak diangkat."))
            return
        waited = (office_today() - office_date(waiting.siak_result_at)).days
        since = "lebih dari satu minggu" if waited >= 7 else "beberapa hari"
        self._complaint(
            channel="phone", kind="complaint", complainant_name=waiting.applicant.name,
            contact=waiting.applicant.phone or self.phone(), application_id=waiting.id,
            subject=f"KTP-el belum dicetak ({waiting.number})",
            body=(f"Sudah {since} sejak perekaman, KTP-el belum juga dicetak. Pemohon "
                  "membutuhkan KTP-el untuk mendaftar kerja."))

    def _duplicate_complaint(self) -> None:
        duplicates = db.session.execute(
            sa.select(Application).where(Application.status == "duplicate")
            .order_by(Application.id)).scalars().all()
        if not duplicates:
            return
        app = self.rng.choice(duplicates)
        self._complaint(
            channel="whatsapp", kind="complaint", complainant_name=app.applicant.name,
            contact=app.applicant.phone or self.phone(), application_id=app.id,
            subject=f"Status data ganda ({app.number})",
            body=("Pemohon tidak pernah merekam KTP-el di kabupaten lain, tetapi status "
                  "permohonan tertulis data ganda. Mohon penjelasan."))

    # --- the state at "now" ------------------------------------------------------------

    def _leave_work_in_progress(self) -> None:
        """Make sure "now" shows work in every open state, as an office day does: a
        batch waiting for approval, and requests just submitted, recorded and ready.
        Done in the last minutes before the end, by the same domain operations."""
        gap = (self.end - self.now) / 20
        if gap <= timedelta(0):
            return
        start, step = self.now, min(timedelta(minutes=2), gap)
        moments = (start + step * i for i in itertools.count(1))
        if not _any_in("batched"):
            ready = self._printable()
            if len(ready) < 2:
                ready += [a for a in (self._fresh("print_ready", moments)
                                      for _ in range(2 - len(ready))) if a is not None]
            if ready:
                self.clock.move_to(next(moments))
                ok, added = self.attempt(add_to_draft, ready[:-1] or ready, self.printer)
                if ok:
                    self.clock.move_to(next(moments))
                    self.attempt(submit_batch, added[0], self.printer)
        for state in ("print_ready", "recorded", "submitted"):
            if not _any_in(state):
                self._fresh(state, moments)

    def _fresh(self, state: str, moments: Iterator[datetime]) -> Application | None:
        """A resident without any request comes to the counter now and gets as far
        as `state`."""
        candidates = db.session.execute(
            sa.select(Applicant).where(~Applicant.applications.any())
            .order_by(Applicant.id)).scalars()
        need_print = state == "print_ready"
        applicant = next((a for a in candidates if (
            eligibility(a, standard=self.cast.standard).may_print if need_print else
            eligibility(a, standard=self.cast.standard).may_record)), None)
        if applicant is None:
            return None
        files = self.cast.files
        self.clock.move_to(next(moments))
        ok, app = self.attempt(open_application, applicant, self.recorder,
                               f102_complete=True, kk_copy=files.kk_copy(applicant))
        if not ok or state == "submitted":
            return app
        self.clock.move_to(next(moments))
        ok, _ = self.attempt(record, app, self.recorder, photo=files.photo(applicant),
                             signature=files.signature(), fingerprints_captured=True,
                             iris_captured=True)
        if not ok or state == "recorded":
            return app
        self.clock.move_to(next(moments))
        self.attempt(enter_siak_result, app, self.recorder, "print_ready")
        return app


def _any_in(status: str) -> bool:
    return db.session.execute(
        sa.select(Application.id).where(Application.status == status).limit(1)
    ).first() is not None


def _districts_of(regency: str) -> list[str]:
    return sorted(d.code for d in wilayah._districts().values() if d.regency_code == regency)
