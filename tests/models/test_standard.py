"""The service standard as structure (issue 10 item 3): channel rows checked per kind,
each contact kept once and shown from there, the numbered components A1..B8, a
preview that stores nothing, and the fee said plainly."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from models import AuditEntry, DomainError, db
from models.permissions import PermissionDenied
from models.standard import (
    COMPONENT_CODES,
    SEED_STANDARD,
    ServiceStandard,
    clean_channel,
    clean_channels,
    current_standard,
    fee_text,
    office_contacts,
    preview_version,
    publish_version,
)
from models.transitions import JustProcessed
from tests.factories import user_of
from tests.race_helpers import one_wins, race


@pytest.fixture
def context(_app):
    """The app without a fresh database: the channel checks read nothing stored."""
    with _app.app_context():
        yield _app


def values(**changes) -> dict:
    return dict(SEED_STANDARD, **changes)


def refused(kind: str, contact: str, label: str = "") -> DomainError:
    with pytest.raises(DomainError) as exc:
        clean_channel(kind, label, contact, "channels-3-")
    return exc.value


@pytest.mark.parametrize(("kind", "contact", "stored"), [
    ("phone", "0387-61234", "038761234"),
    ("phone", "+62 812 3763 4471", "081237634471"),
    ("whatsapp", "0812-3763-44", "0812376344"),
    ("whatsapp", "+6281237634471", "081237634471"),
    ("email", "5311.Dukcapil@GMAIL.com", "5311.Dukcapil@gmail.com"),
    ("suggestion_box", "Lobi  kantor", "Lobi kantor"),
    ("in_person", "Loket 2", "Loket 2"),
    ("web", "", ""),
    ("web", "https://dukcapil.sumbatimurkab.go.id/complaint", "https://dukcapil.sumbatimurkab.go.id/complaint"),
])
def test_each_kind_takes_its_own_form_of_contact(context, kind, contact, stored) -> None:
    assert clean_channel(kind, "", contact, "x-") == {"kind": kind, "label": "",
                                                     "contact": stored}


@pytest.mark.parametrize(("kind", "contact", "field"), [
    ("fax", "123", "kind"),
    ("", "081237634471", "kind"),
    ("phone", "12-AB", "contact"),
    ("phone", "081", "contact"),
    ("phone", "٠٨١٢٣٧٦٣٤٤٧١", "contact"),  # Arabic-Indic digits are no phone number
    ("whatsapp", "0387-61234", "contact"),  # a landline has no WhatsApp
    ("whatsapp", "", "contact"),
    ("email", "5311.dukcapil", "contact"),
    ("email", "a@b", "contact"),
    ("suggestion_box", "081237634471", "contact"),  # a place, not a number
    ("in_person", "kantor@dukcapil.go.id", "contact"),
    ("web", "javascript:alert(1)", "contact"),
])
def test_a_contact_of_the_wrong_form_is_refused_on_its_field(context, kind, contact,
                                                              field) -> None:
    error = refused(kind, contact)
    assert error.field == f"channels-3-{field}"
    with force_locale("id"):
        assert str(error.message) and "Write" not in str(error.message)  # Indonesian


def test_a_label_that_repeats_the_kind_or_its_place_is_said_once(app) -> None:
    with force_locale("id"):
        rows = clean_channels([{"kind": "suggestion_box", "label": "", "contact": "Kotak saran"},
                               {"kind": "suggestion_box", "label": "Kotak saran",
                                "contact": "Lobi"},
                               {"kind": "", "label": "", "contact": ""}])  # skipped
    assert rows == [{"kind": "suggestion_box", "label": "", "contact": ""},
                    {"kind": "suggestion_box", "label": "", "contact": "Lobi"}]
    std = publish_version(user_of("admin"), values(complaint_channels=rows + [
        {"kind": "phone", "label": "HP", "contact": "081237634471"}]))
    with force_locale("id"):
        assert [c.text for c in std.channels] == ["Kotak saran", "Kotak saran: Lobi",
                                                  "HP: 081237634471"]


def test_channel_rows_refuse_duplicates_and_an_empty_list(context) -> None:
    with pytest.raises(DomainError) as exc:
        clean_channels([{"kind": "phone", "contact": "081237634471"},
                        {"kind": "phone", "contact": "0812-3763-4471"}])
    assert exc.value.field == "channels-1-contact"
    with pytest.raises(DomainError) as exc:
        clean_channels([{"kind": "", "label": " ", "contact": ""}])
    assert exc.value.field == "channels-0-kind"


def test_the_components_are_a1_to_b8_each_headed(app) -> None:
    std = current_standard()
    assert [c.code for c in std.parts["A"]] + [c.code for c in std.parts["B"]] == \
        list(COMPONENT_CODES)
    assert std.component("B8").heading == "Evaluasi Kinerja Pelaksana"
    broken = [dict(c) for c in SEED_STANDARD["components"]]
    broken[2]["heading"] = " "
    with pytest.raises(DomainError) as exc:
        publish_version(user_of("admin"), values(components=broken))
    assert exc.value.field == "component_A3-heading"
    broken = [dict(c) for c in SEED_STANDARD["components"]]
    broken[8]["text"] = ""
    with pytest.raises(DomainError) as exc:
        publish_version(user_of("admin"), values(components=broken))
    assert exc.value.field == "component_B3-text"
    assert current_standard().version == 1


def test_a6_lists_the_channels_from_their_rows(app) -> None:
    with force_locale("id"):
        a6 = current_standard().component("A6").rendered_text
    assert a6 == ("a. Kotak saran; b. Telepon: 081237634471; c. WhatsApp: 0812376344; "
                  "d. E-mail: 5311.dukcapil@gmail.com.")


def test_a_new_whatsapp_number_is_the_only_one_anywhere(app) -> None:
    rows = [dict(c) for c in SEED_STANDARD["complaint_channels"]]
    rows[2]["contact"] = "081339990000"
    publish_version(user_of("admin"), values(complaint_channels=rows))
    std = current_standard()
    with force_locale("id"):
        texts = [office_contacts(), std.component("A6").rendered_text,
                 *(c.text for c in std.channels)]
    joined = " ".join(texts)
    assert "WhatsApp: 081339990000" in office_contacts()
    assert "081339990000" in std.component("A6").rendered_text
    # (the old number is a prefix of the phone's 081237634471: matched whole)
    assert re.search(r"0812376344(?!\d)", joined) is None
    # The old version is as it was published.
    assert db.session.get(ServiceStandard, 1).channels[2].contact == "0812376344"


def test_a_preview_stores_nothing(app) -> None:
    count = sa.select(sa.func.count()).select_from
    before = (db.session.execute(count(ServiceStandard)).scalar(),
              db.session.execute(count(AuditEntry)).scalar())
    draft = preview_version(user_of("admin"), values(fee=0, sla_hours=2))
    assert (draft.version, draft.sla_hours, draft.id) == (2, 2, None)
    assert draft not in db.session
    db.session.commit()
    assert (db.session.execute(count(ServiceStandard)).scalar(),
            db.session.execute(count(AuditEntry)).scalar()) == before
    with pytest.raises(DomainError):
        preview_version(user_of("admin"), values(sla_hours_disrupted=0))
    with pytest.raises(PermissionDenied):
        preview_version(user_of("head_of_division"), values())


def test_only_the_administrator_publishes(app) -> None:
    for role in ("recording_operator", "head_of_division", "head_of_office"):
        with pytest.raises(PermissionDenied):
            publish_version(user_of(role), values())
    assert current_standard().version == 1


def test_the_fee_is_said_plainly(context) -> None:
    with force_locale("id"):
        assert fee_text(0) == "Gratis / tanpa biaya"
        assert fee_text(15000) == "Rp 15.000"


def test_an_edit_started_from_an_older_version_is_refused(app) -> None:
    publish_version(user_of("admin"), values(sla_hours=2), based_on=1)
    with pytest.raises(JustProcessed):
        publish_version(user_of("admin"), values(sla_hours=3), based_on=1)
    assert (current_standard().version, current_standard().sla_hours) == (2, 2)


def test_two_administrators_publishing_at_once_make_one_version(app) -> None:
    from models import User

    admin_id = user_of("admin").id

    def prepare():
        return db.session.get(User, admin_id)

    def publish(sla: int):
        def act(admin):
            return publish_version(admin, values(sla_hours=sla), based_on=1).version
        return act

    winner, _loser = one_wins(race(app, (prepare, publish(2)), (prepare, publish(3))))
    assert winner.value == 2
    versions = db.session.execute(sa.select(ServiceStandard.version)).scalars().all()
    assert sorted(versions) == [1, 2]
    assert db.session.execute(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "publish")).scalar() == 2  # the seed's and the winner's
