"""Builders for printing tests: blank stock and print-ready applications."""

from __future__ import annotations

from datetime import date, timedelta

from models import BlankReceipt, PrintBatch
from models.blanks import receive_blanks
from models.applications import enter_siak_result
from models.batches import add_to_batch, create_batch, decide_batch, submit_batch
from models.office_time import office_today
from tests.conftest import user_of
from tests.workflow_helpers import make_applicant, nik_for, recorded


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
