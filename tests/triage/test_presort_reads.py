"""Pre-sorting reads the duplicate candidates and the flood counts in one statement, and reads
what each of the two queries alone reads: the counts even where no report is near."""

from datetime import UTC, datetime, timedelta

from app.core.clock import frozen_at
from app.extensions import db
from app.reports.models import Report
from app.triage import suggestions
from app.triage.models import ReportSuggestion
from app.triage.suggestions import presort_reads
from tests.helpers.geometry import FAR_EAST, INSIDE_G1
from tests.helpers.statements import statements_sent

PHONE = "13900002222"
TEXT = "第{}次反映：楼下停车场噪音"
T0 = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)


def alone(report: Report, client_key: str | None):
    """What the two queries read one by one (the resident's hint and junk use them so)."""
    query = suggestions._candidates_query(
        db.engine.dialect.name, suggestions.finder().name, suggestions.candidate_limit()
    )
    rows = db.session.execute(query, suggestions.candidate_params(report)).all()
    return rows, suggestions._earlier_counts(report, client_key)


def test_one_statement_reads_the_candidates_and_the_counts(file_report):
    for i in range(6):
        file_report(TEXT.format(i), at=INSIDE_G1, reporter_phone=PHONE)
    near = file_report(TEXT.format(6), at=INSIDE_G1, reporter_phone=PHONE)
    far = file_report(TEXT.format(6), at=FAR_EAST, reporter_phone=PHONE)
    key = db.session.get(ReportSuggestion, near.id).client_key
    for report in (near, far):
        db.session.refresh(report)  # loaded before, not counted as pre-sorting's
        with statements_sent(db.engine) as sent:
            rows, counts = presort_reads(report, key)
        assert len(sent) == 1
        expected_rows, expected_counts = alone(report, key)
        assert counts == expected_counts
        # The same rows with the same values (beside them, the counts' columns).
        assert [
            [row._mapping[name] for name in row_alone._mapping]
            for (row, _fields), row_alone in zip(rows, expected_rows, strict=True)
        ] == [list(row_alone) for row_alone in expected_rows]
    # Near: the six earlier ones are candidates. Far: none is, and the counts still come.
    assert len(presort_reads(near, key)[0]) == 6
    assert presort_reads(far, key) == ([], (7, 0, 1))
    assert db.session.get(ReportSuggestion, far.id).junk_reasons == ["同一号码24小时内已提交7条"]


def test_a_report_without_a_place_has_its_counts_and_no_candidates(file_report):
    for i in range(5):
        file_report(TEXT.format(i), reporter_phone=PHONE)
    placeless = file_report(TEXT.format(5), at=None, reporter_phone=PHONE)
    assert presort_reads(placeless, None) == (None, (5, 0, 0))
    assert db.session.get(ReportSuggestion, placeless.id).junk_reasons == [
        "同一号码24小时内已提交5条"
    ]


def test_the_newest_within_the_cap_are_read_with_those_tied_at_the_cap_ranked_by_id(
    app, file_report, monkeypatch
):
    """The candidates are the window's newest DUPLICATE_MAX_CANDIDATES by (time, id), however
    they are found: reports filed in one instant (a sync's batch) and tied with the last one
    kept are ranked by id, none dropped for sharing the cap's time."""
    with frozen_at(T0) as clock:
        oldest = file_report(TEXT.format(0))
        clock.advance(timedelta(minutes=1))
        tied = [file_report(TEXT.format(i)) for i in (1, 2, 3)]
        clock.advance(timedelta(minutes=1))
        newest = file_report(TEXT.format(4))
        clock.advance(timedelta(minutes=1))
        report = file_report(TEXT.format(5))
    assert len({r.created_at for r in tied}) == 1
    monkeypatch.setitem(app.config, "DUPLICATE_MAX_CANDIDATES", 3)
    rows, _ = presort_reads(report, None)
    assert [fields[0] for _, fields in rows] == [newest.id, tied[2].id, tied[1].id]
    monkeypatch.setitem(app.config, "DUPLICATE_MAX_CANDIDATES", 5)
    rows, _ = presort_reads(report, None)
    assert [fields[0] for _, fields in rows] == [
        newest.id,
        *(r.id for r in reversed(tied)),
        oldest.id,
    ]
