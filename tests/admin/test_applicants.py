"""The applicant screen: validation next to the field, nothing saved, audit, search."""

import sqlalchemy as sa

from models import Applicant, AuditEntry, db


def count_applicants() -> int:
    return db.session.execute(sa.select(sa.func.count(Applicant.id))).scalar()


def create(auth, data):
    return auth.post("/admin/applicant/new/", data, token_from="/admin/applicant/new/")


def test_bad_nik_is_refused_next_to_the_field_and_nothing_saved(recording_operator,
                                                                 applicant_data):
    data = dict(applicant_data, nik="5311015708900000")  # serial 0000
    response = create(recording_operator, data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "invalid-feedback" in html
    assert "0000" in html
    assert count_applicants() == 0


def test_nik_must_agree_with_birth_date_and_sex(recording_operator, applicant_data):
    # A man's NIK (day 17, not 57) for a woman: sex disagrees.
    response = create(recording_operator, dict(applicant_data, nik="5311011708900001"))
    assert response.status_code == 200
    assert count_applicants() == 0
    response = create(recording_operator, dict(applicant_data, birth_date="1990-08-18"))
    assert response.status_code == 200
    assert count_applicants() == 0


def test_valid_applicant_is_saved_normalised_and_audited(recording_operator, applicant_data):
    data = dict(applicant_data, name="maria  umbu hapu", rt="3")
    response = create(recording_operator, data)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    applicant = db.session.execute(sa.select(Applicant)).scalar_one()
    assert applicant.name == "MARIA UMBU HAPU"
    assert applicant.rt == "003"
    entry = db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == "create",
                                    AuditEntry.object_type == "applicant")).scalar_one()
    assert entry.username == "recording.operator"
    assert entry.changes["nik"] == [None, "5311015708900001"]


def test_duplicate_nik_is_refused(recording_operator, applicant_data):
    assert create(recording_operator, applicant_data).status_code == 302
    response = create(recording_operator, dict(applicant_data, name="ORANG LAIN"))
    assert response.status_code == 200
    assert count_applicants() == 1


def test_edit_writes_a_before_after_diff(recording_operator, applicant_data):
    create(recording_operator, applicant_data)
    applicant = db.session.execute(sa.select(Applicant)).scalar_one()
    url = f"/admin/applicant/edit/?id={applicant.id}"
    response = recording_operator.post(url, dict(applicant_data, address="JL. BARU 1"),
                                       token_from=url)
    assert response.status_code == 302
    entry = db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == "edit")).scalar_one()
    assert entry.changes["address"] == ["JL. AHMAD YANI NO. 5", "JL. BARU 1"]


def test_future_birth_date_and_outside_village_refused(recording_operator, applicant_data):
    assert create(recording_operator, dict(applicant_data, birth_date="2090-01-01")
                  ).status_code == 200
    assert create(recording_operator, dict(applicant_data, village_code="53.10.01.2001")
                  ).status_code == 200
    assert count_applicants() == 0


def test_search_by_exact_nik_prefix_and_name(recording_operator, applicant_data):
    create(recording_operator, applicant_data)
    create(recording_operator, dict(applicant_data, nik="5311021203850002", sex="1",
                                    birth_date="1985-03-12", name="UMBU NDAKULARAK"))
    page = recording_operator.client.get("/admin/applicant/?search=5311015708900001")
    html = page.get_data(as_text=True)
    assert "MARIA UMBU HAPU" in html and "UMBU NDAKULARAK" not in html
    html = recording_operator.client.get("/admin/applicant/?search=531102").get_data(
        as_text=True)
    assert "UMBU NDAKULARAK" in html and "MARIA UMBU HAPU" not in html
    html = recording_operator.client.get("/admin/applicant/?search=umbu").get_data(
        as_text=True)
    assert "UMBU NDAKULARAK" in html
    html = recording_operator.client.get("/admin/applicant/?search=999").get_data(
        as_text=True)
    assert "UMBU NDAKULARAK" not in html and "MARIA UMBU HAPU" not in html


def test_dates_are_shown_day_month_year(recording_operator, applicant_data):
    create(recording_operator, applicant_data)
    html = recording_operator.client.get("/admin/applicant/").get_data(as_text=True)
    assert "17-08-1990" in html


def test_code_lists_have_no_silent_default(recording_operator, applicant_data):
    form = recording_operator.client.get("/admin/applicant/new/").get_data(as_text=True)
    assert 'name="religion"><option value="">' in form  # no browser check: the server's
    response = create(recording_operator, dict(applicant_data, religion=""))
    assert response.status_code == 200
    assert count_applicants() == 0
