"""The risk rating: a pure function of the answers and the policy's rules, returning each step it took.

The rules, in order (their parameters are data in `DiligencePolicy`):

1. adverse media: the area's level is its severity, one level lower when older than three years and one
   lower when fully remedied (never below Low);
2. the worst area sets the floor;
3. when `moderate_areas_raise` or more areas are Moderate, the rating rises one level (at most High);
4. mitigation measures lower it, by at most `mitigation_max_levels` levels;
5. never below `floor_while_high_open` while a High area has no mitigation measure addressing it.

Steps are stored as codes with parameters and worded when shown (`describe_step`), so the explanation
reads in the viewer's language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from partnerhub.diligence.choices import RATING_SCALE, Rating, Recency, Remediation, rating_index


@dataclass(frozen=True)
class AreaAnswer:
    code: str
    label: str
    level: str = ""  # "" when not answered
    severity: str = ""  # adverse media only
    recency: str = ""
    remediation: str = ""
    mitigated: bool = False  # a mitigation measure addresses this area


@dataclass(frozen=True)
class Rules:
    moderate_areas_raise: int = 2
    mitigation_max_levels: int = 1
    floor_while_high_open: str = Rating.MODERATE


@dataclass
class RatingResult:
    rating: str  # "" when no area is answered
    steps: list[dict[str, Any]] = field(default_factory=list)


def _step(rule: str, rating: str, **params: Any) -> dict[str, Any]:
    return {"rule": rule, "rating": rating, **params}


def _down(rating: str, levels: int = 1) -> str:
    return RATING_SCALE[max(0, rating_index(rating) - levels)]


def area_level(area: AreaAnswer, *, adverse_media: bool) -> tuple[str, list[dict[str, Any]]]:
    """The level an area counts with, and the adverse-media steps that led to it."""
    if not adverse_media or not area.severity:
        return area.level, []
    level = area.severity
    steps = [_step("media_severity", level, area=area.label, area_code=area.code)]
    if area.recency == Recency.OLDER and level != Rating.LOW:
        level = _down(level)
        steps.append(_step("media_old", level, area=area.label, area_code=area.code))
    if area.remediation == Remediation.FULL and level != Rating.LOW:
        level = _down(level)
        steps.append(_step("media_remedied", level, area=area.label, area_code=area.code))
    return level, steps


def rate(
    areas: Sequence[AreaAnswer],
    *,
    mitigations: int,
    rules: Rules,
    adverse_media_code: str = "adverse-media",
) -> RatingResult:
    """Rate a case from its area answers and the number of measures that lower the rating."""
    steps: list[dict[str, Any]] = []
    levels: list[tuple[AreaAnswer, str]] = []
    for area in areas:
        level, media_steps = area_level(area, adverse_media=area.code == adverse_media_code)
        steps.extend(media_steps)
        if level:
            levels.append((area, level))
        else:
            steps.append(_step("unanswered", "", area=area.label, area_code=area.code))
    if not levels:
        return RatingResult(rating="", steps=steps)

    worst_area, worst = max(levels, key=lambda pair: rating_index(pair[1]))
    rating = worst
    steps.append(_step("worst_area", rating, area=worst_area.label, area_code=worst_area.code))

    moderate_areas = [area for area, level in levels if level == Rating.MODERATE]
    moderates = [area.label for area in moderate_areas]
    if rules.moderate_areas_raise and len(moderates) >= rules.moderate_areas_raise and rating != Rating.HIGH:
        rating = RATING_SCALE[rating_index(rating) + 1]
        steps.append(
            _step(
                "moderates_raise",
                rating,
                count=len(moderates),
                areas=moderates,
                area_codes=[area.code for area in moderate_areas],
            )
        )

    if mitigations and rules.mitigation_max_levels and rating != Rating.LOW:
        lowered = _down(rating, rules.mitigation_max_levels)
        open_high_areas = [area for area, level in levels if level == Rating.HIGH and not area.mitigated]
        open_high = [area.label for area in open_high_areas]
        if open_high and rating_index(lowered) < rating_index(rules.floor_while_high_open):
            lowered = rules.floor_while_high_open
            if rating_index(lowered) < rating_index(rating):
                steps.append(
                    _step("mitigation", lowered, count=mitigations, levels=rules.mitigation_max_levels)
                )
            steps.append(
                _step(
                    "high_open_floor",
                    lowered,
                    areas=open_high,
                    area_codes=[area.code for area in open_high_areas],
                )
            )
        else:
            steps.append(_step("mitigation", lowered, count=mitigations, levels=rules.mitigation_max_levels))
        rating = lowered if rating_index(lowered) < rating_index(rating) else rating

    steps.append(_step("result", rating))
    return RatingResult(rating=rating, steps=steps)


def _rating_label(rating: str) -> str:
    return str(dict(Rating.choices).get(rating, rating)) if rating else "—"


def describe_step(step: dict[str, Any], area_names: Mapping[str, str] | None = None) -> str:
    """One explanation step in words, in the current language; `area_names` (code → name in that language)
    names the areas, else the names stored with the step are used."""
    rule = step.get("rule", "")
    names = area_names or {}
    codes = step.get("area_codes") or []
    stored = step.get("areas", [])
    areas = [names.get(code, label) for code, label in zip(codes, stored, strict=False)] if codes else stored
    params = {
        "rating": _rating_label(step.get("rating", "")),
        "area": names.get(step.get("area_code", ""), step.get("area", "")),
        "count": step.get("count", 0),
        "levels": step.get("levels", 0),
        "areas": ", ".join(areas),
    }
    texts = {
        "unanswered": _("%(area)s: not answered yet, not counted."),
        "media_severity": _("%(area)s: the severity of the reports, %(rating)s, is the starting level."),
        "media_old": _("%(area)s: the reports are more than three years old, one level lower: %(rating)s."),
        "media_remedied": _("%(area)s: fully remedied, one level lower: %(rating)s."),
        "worst_area": _("The worst area, %(area)s, sets the floor: %(rating)s."),
        "moderates_raise": _("%(count)s areas are Moderate (%(areas)s), one level higher: %(rating)s."),
        "mitigation": _(
            "%(count)s mitigation measures lower the rating by at most %(levels)s level(s): %(rating)s."
        ),
        "high_open_floor": _(
            "A High area has no mitigation measure (%(areas)s), so the rating stays at least %(rating)s."
        ),
        "result": _("Rating: %(rating)s."),
    }
    text = texts.get(rule)
    return text % params if text else rule
