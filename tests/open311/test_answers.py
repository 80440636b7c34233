"""Answers to a service's questions: checked against the definition, and read for risk."""

import pytest

from app.core.errors import Invalid
from app.open311.definitions import attributes_for, check_answers
from app.triage.answers import risk_from_answers


def test_answers_are_typed_and_checked():
    checked = check_answers(
        "labour_wages.unpaid_wages",
        {
            "danger_now": ["yes"], "people_count": ["12"], "wage_amount": ["1500.5"],
            "vulnerable": ["minor", "elderly", "minor"],
            "occurred_at": ["2026-03-02T09:00:00+08:00"], "publish": [""],
        },
    )  # fmt: skip
    assert checked == {
        "danger_now": "yes", "people_count": 12, "wage_amount": 1500.5,
        "vulnerable": ["elderly", "minor"], "occurred_at": "2026-03-02T09:00:00+08:00",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("answers", "named"),
    [
        ({}, "danger_now"),
        ({"danger_now": ["yes", "no"]}, "danger_now"),
        ({"danger_now": ["no"], "people_count": ["-1"]}, "people_count"),
        ({"danger_now": ["no"], "people_count": ["nan"]}, "people_count"),
        ({"danger_now": ["no"], "wage_amount": ["100"]}, "wage_amount"),
        ({"danger_now": ["no"], "occurred_at": ["2026-03-02T09:00:00"]}, "occurred_at"),
    ],
)
def test_wrong_answers_name_the_attribute(answers, named):
    with pytest.raises(Invalid) as raised:
        check_answers("neighbour.noise", answers)
    assert f"attribute[{named}]" in raised.value.message


def test_every_definition_uses_the_specifications_datatypes():
    for code in ("neighbour.noise", "labour_wages"):
        for attribute in attributes_for(code):
            assert attribute.datatype in {
                "string", "number", "datetime", "text", "singlevaluelist", "multivaluelist",
            }  # fmt: skip
            assert bool(attribute.values) == attribute.datatype.endswith("valuelist")


@pytest.mark.parametrize(
    ("answers", "levels"),
    [
        ({"danger_now": "yes"}, ["critical"]),
        ({"danger_now": "no"}, []),
        ({"people_count": 10}, ["high"]),
        ({"people_count": 9}, []),
        ({"wage_amount": 100_000}, ["high"]),
        ({"vulnerable": ["minor"]}, ["medium"]),
        (None, []),
    ],
)
def test_which_answers_raise_the_risk(answers, levels):
    assert [level for level, _reason in risk_from_answers(answers)] == levels
