"""The seeded exclusion criteria and risk areas read in each of the six languages."""

from __future__ import annotations

import pytest
from django.utils import translation

from partnerhub.diligence.models import ExclusionCriterion, RiskArea

pytestmark = pytest.mark.django_db

LANGUAGES = ["ar", "zh-hans", "fr", "ru", "es"]


def test_every_seeded_criterion_and_area_has_the_five_other_languages():
    for item in [*ExclusionCriterion.objects.all(), *RiskArea.objects.all()]:
        assert sorted(item.label_translations) == sorted(LANGUAGES), item.code
        assert all(text.strip() for text in item.label_translations.values()), item.code


def test_the_label_follows_the_language_of_the_page():
    area = RiskArea.objects.get(code="anti-corruption")
    with translation.override("fr"):
        assert area.display_label == "Lutte contre la corruption"
    with translation.override("zh-hans"):
        assert area.display_label == "反腐败"
    with translation.override("en"):
        assert area.display_label == "Anti-corruption"
