"""The rating rules, table-driven: pure functions, no database."""

from __future__ import annotations

import pytest

from partnerhub.diligence.choices import Rating
from partnerhub.diligence.rating import AreaAnswer, Rules, describe_step, rate

AREAS = ["human-rights", "labour", "environment", "anti-corruption", "governance", "psea", "financial"]


def areas(*levels: str, mitigated: tuple[str, ...] = ()) -> list[AreaAnswer]:
    return [
        AreaAnswer(code=code, label=code, level=level, mitigated=code in mitigated)
        for code, level in zip(AREAS, levels, strict=False)
    ]


@pytest.mark.parametrize(
    ("levels", "mitigations", "rules", "expected"),
    [
        # Low when everything is low.
        (("low", "low", "low"), 0, Rules(), "low"),
        # The worst area sets the floor.
        (("low", "substantial", "low"), 0, Rules(), "substantial"),
        (("low", "high", "low"), 0, Rules(), "high"),
        (("moderate", "low", "low"), 0, Rules(), "moderate"),
        # Two Moderate areas raise it a level.
        (("moderate", "moderate", "low"), 0, Rules(), "substantial"),
        (("moderate", "moderate", "substantial"), 0, Rules(), "high"),
        # ...but never past High, and the count is data.
        (("high", "moderate", "moderate"), 0, Rules(), "high"),
        (("moderate", "moderate", "low"), 0, Rules(moderate_areas_raise=3), "moderate"),
        (("moderate", "moderate", "low"), 0, Rules(moderate_areas_raise=0), "moderate"),
        # Mitigation lowers it at most one level, however many measures there are.
        (("low", "substantial"), 1, Rules(), "moderate"),
        (("low", "substantial"), 5, Rules(), "moderate"),
        (("moderate", "low"), 3, Rules(), "low"),
        (("low", "low"), 2, Rules(), "low"),
        # Never below Moderate while a High area is open (the levels mitigation may lower by are data).
        (("high", "low"), 1, Rules(), "substantial"),
        (("high", "low"), 1, Rules(mitigation_max_levels=3), "moderate"),
        (
            ("high", "low"),
            1,
            Rules(mitigation_max_levels=3, floor_while_high_open="substantial"),
            "substantial",
        ),
    ],
)
def test_rating_rules(levels, mitigations, rules, expected):
    assert rate(areas(*levels), mitigations=mitigations, rules=rules).rating == expected


def test_a_high_area_with_its_own_mitigation_is_not_open():
    result = rate(
        areas("high", "low", mitigated=("human-rights",)), mitigations=1, rules=Rules(mitigation_max_levels=3)
    )
    assert result.rating == "low"
    assert "high_open_floor" not in [s["rule"] for s in result.steps]


def test_no_answer_gives_no_rating_and_unanswered_areas_are_listed():
    result = rate(areas("", ""), mitigations=0, rules=Rules())
    assert result.rating == ""
    assert [s["rule"] for s in result.steps] == ["unanswered", "unanswered"]


def test_the_explanation_lists_every_step_in_order():
    result = rate(areas("moderate", "moderate", "low"), mitigations=1, rules=Rules())
    assert [(s["rule"], s["rating"]) for s in result.steps] == [
        ("worst_area", "moderate"),
        ("moderates_raise", "substantial"),
        ("mitigation", "moderate"),
        ("result", "moderate"),
    ]
    assert (
        describe_step(result.steps[1])
        == "2 areas are Moderate (human-rights, labour), one level higher: Substantial."
    )


@pytest.mark.parametrize(
    ("severity", "recency", "remediation", "expected"),
    [
        ("high", "recent", "none", "high"),
        ("high", "older", "none", "substantial"),
        ("high", "older", "full", "moderate"),
        ("moderate", "one_to_three", "partial", "moderate"),
        ("low", "older", "full", "low"),
    ],
)
def test_adverse_media_level_comes_from_severity_recency_and_remediation(
    severity, recency, remediation, expected
):
    media = AreaAnswer(
        code="adverse-media",
        label="Adverse media",
        level="",
        severity=severity,
        recency=recency,
        remediation=remediation,
    )
    assert rate([media], mitigations=0, rules=Rules()).rating == expected


def test_the_explanation_names_areas_in_the_viewer_language_when_their_names_are_given():
    areas = [
        AreaAnswer("labour", "Labour", level=Rating.SUBSTANTIAL),
        AreaAnswer("governance", "Governance", level=Rating.LOW),
    ]
    result = rate(areas, mitigations=0, rules=Rules())
    worst = next(step for step in result.steps if step["rule"] == "worst_area")
    assert worst["area_code"] == "labour"
    assert "Labour" in describe_step(worst)
    assert "Travail" in describe_step(worst, {"labour": "Travail"})
