"""Reference data shipped with the registry: the SOP's categories and focal points, channels, M49, SDG 11."""

import pytest

from partnerhub.org.models import Office, OfficeKind
from partnerhub.registry.choices import Channel
from partnerhub.registry.models import Country, StakeholderCategory, Tag

pytestmark = pytest.mark.django_db

PLGU = "Partnerships and Local Governments Unit"
LHSS = "Land, Housing and Shelter Section"

# number → (code, English name, the SOP's focal-point office(s))
SOP_CATEGORIES = {
    1: ("member-states", "Member States", {"Secretariat to the Governing Bodies"}),
    2: ("local-regional-governments", "Local and regional governments", {"Urban Practices Branch", PLGU}),
    3: ("un-entities", "UN agencies, funds and programmes", {"New York Liaison Office"}),
    4: (
        "intergovernmental",
        "Other intergovernmental bodies, development banks and institutions",
        {
            "Regional Office for Africa",
            "Regional Office for Asia and the Pacific",
            "Regional Office for Arab States",
            "Regional Office for Latin America and the Caribbean",
            "New York Liaison Office",
            "Geneva Liaison Office",
            "Brussels Liaison Office",
        },
    ),
    5: ("private-sector", "Private sector, business and industry", {"Office of the Executive Director"}),
    6: (
        "civil-society",
        "Civil society and community-based organizations, including faith-based organizations",
        {PLGU},
    ),
    7: ("academia", "Academia and research organizations", {"Capacity Development and Training Unit"}),
    8: ("professional", "Professional organizations", {"Planning, Finance and Economy Section"}),
    9: ("women", "Women", {"Gender Unit"}),
    10: ("children-youth", "Children and youth", {"Youth Unit"}),
    11: ("workers-trade-unions", "Workers and trade unions", {PLGU}),
    12: (
        "foundations",
        "Foundations and philanthropists",
        {"Donor Relations and Strategic Resource Partnerships Unit"},
    ),
    13: ("indigenous-peoples", "Indigenous peoples", {LHSS}),
    14: ("grassroots", "Grassroots and informal settlements organizations", {LHSS}),
    15: ("older-persons", "Older persons", {"Human Rights and Social Inclusion Section", LHSS}),
    16: (
        "persons-with-disabilities",
        "Persons with disabilities",
        {"Human Rights and Social Inclusion Section"},
    ),
    17: ("media", "Media", {"Communications and Media Section"}),
    18: ("farmers", "Farmers", {PLGU}),
    19: ("parliamentarians", "Parliamentarians", {PLGU}),
}
OTHER_LANGUAGES = {"fr", "es", "ar", "ru", "zh-hans"}


def test_there_are_exactly_the_sops_19_categories():
    assert list(StakeholderCategory.objects.order_by("number").values_list("number", "code", "name")) == [
        (number, code, name) for number, (code, name, _offices) in sorted(SOP_CATEGORIES.items())
    ]


@pytest.mark.parametrize("number", sorted(SOP_CATEGORIES))
def test_each_category_has_exactly_the_sops_focal_offices(number):
    _code, _name, offices = SOP_CATEGORIES[number]
    category = StakeholderCategory.objects.get(number=number)

    assert set(category.focal_offices.values_list("name", flat=True)) == offices
    assert category.focal_offices.count() == len(offices)
    assert category.is_active


def test_the_intergovernmental_category_names_the_regional_and_liaison_offices():
    category = StakeholderCategory.objects.get(number=4)

    assert category.focal_note == "Relevant regional and liaison offices"
    assert set(category.focal_offices.values_list("kind", flat=True)) == {
        OfficeKind.REGIONAL,
        OfficeKind.LIAISON,
    }
    assert (
        category.focal_offices.count()
        == Office.objects.filter(kind__in=[OfficeKind.REGIONAL, OfficeKind.LIAISON]).count()
    )


def test_only_the_intergovernmental_category_needs_a_note():
    assert list(StakeholderCategory.objects.exclude(focal_note="").values_list("number", flat=True)) == [4]


def test_every_category_is_named_in_the_six_un_languages():
    for category in StakeholderCategory.objects.all():
        assert set(category.name_translations) == OTHER_LANGUAGES, category.code
        assert all(category.name_translations.values()), category.code


def test_the_nine_identification_channels():
    assert Channel.values == [
        "call_for_eoi",
        "accreditation",
        "advocacy",
        "event",
        "urban_forum",
        "intelligence",
        "recommendation",
        "competition",
        "request",
    ]
    assert [str(label) for label in Channel.labels] == [
        "Call for expressions of interest (including implementing partners)",
        "Accreditation and engagement in intergovernmental processes",
        "Advocacy campaign",
        "Workshop, networking event or other meeting",
        "World, Regional or National Urban Forum",
        "Partnership intelligence, desk research and reviews",
        "Recommendation by a Member State or partner organisation",
        "Competition or award, including best practices",
        "Request from a potential partner interested in UN-Habitat's mandate",
    ]


def test_namibia_keeps_its_code_na():
    namibia = Country.objects.get(pk="NA")

    assert (namibia.iso3, namibia.m49, namibia.name_en) == ("NAM", "516", "Namibia")
    assert (namibia.region_code, namibia.region_en, namibia.subregion_code, namibia.subregion_en) == (
        "002",
        "Africa",
        "202",
        "Sub-Saharan Africa",
    )


def test_the_m49_list_is_complete_with_unique_codes():
    assert Country.objects.count() == 249
    assert Country.objects.values("m49").distinct().count() == 249
    assert Country.objects.values("iso3").distinct().count() == 249
    assert {"KE", "BR", "FR", "CN", "US", "RU", "SA", "NA", "PS"} <= set(
        Country.objects.values_list("iso2", flat=True)
    )


def test_every_country_has_a_region_and_sub_region_except_antarctica():
    without = Country.objects.filter(region_code="") | Country.objects.filter(subregion_code="")

    assert list(without.values_list("iso2", flat=True)) == ["AQ"]
    assert not Country.objects.exclude(pk="AQ").filter(region_en="").exists()
    assert not Country.objects.exclude(pk="AQ").filter(subregion_en="").exists()


@pytest.mark.parametrize("language", ["en", "fr", "es", "ar", "ru", "zh_hans"])
def test_every_country_is_named_in_each_un_language(language):
    assert not Country.objects.filter(**{f"name_{language}": ""}).exists()


def test_country_names_follow_the_active_language():
    from django.utils import translation

    kenya = Country.objects.get(pk="KE")
    names = {}
    for language in ["en", "fr", "es", "ar", "ru", "zh-hans"]:
        with translation.override(language):
            names[language] = (kenya.name, kenya.region)

    assert names == {
        "en": ("Kenya", "Africa"),
        "fr": ("Kenya", "Afrique"),
        "es": ("Kenya", "África"),
        "ar": ("كينيا", "أفريقيا"),
        "ru": ("Кения", "Африка"),
        "zh-hans": ("肯尼亚", "非洲"),
    }


def test_sdg_11_targets_are_tags():
    assert list(Tag.objects.filter(kind="sdg").order_by("code").values_list("code", flat=True)) == [
        "11.1",
        "11.2",
        "11.3",
        "11.4",
        "11.5",
        "11.6",
        "11.7",
        "11.a",
        "11.b",
        "11.c",
    ]
    target = Tag.objects.get(kind="sdg", code="11.1")
    assert target.name == "11.1 Safe and affordable housing and basic services; upgrade slums"
    assert set(target.name_translations) == OTHER_LANGUAGES


def test_thematic_areas_and_nua_commitments_are_tags_too():
    assert Tag.objects.filter(kind="theme").count() == 15
    assert Tag.objects.filter(kind="nua").count() == 6
    assert Tag.objects.get(kind="theme", code="housing").name == "Housing"
