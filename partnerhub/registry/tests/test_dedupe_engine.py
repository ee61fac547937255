"""The duplicate engine on its own (no database): which pairs it takes for one organisation, which not."""

import pytest

from partnerhub.registry import dedupe


def rec(name, id=1, **extra):
    return dedupe.Record(id=id, name=name, **extra)


def verdict(a, b):
    return dedupe.score(dedupe.profile(a), dedupe.profile(b))


SAME = [
    # case, accents and punctuation
    (rec("UN-Habitat"), rec("UNHABITAT")),
    (rec("Universidade de São Paulo"), rec("UNIVERSIDADE DE SAO PAULO")),
    (rec("Slum Dwellers International"), rec("slum dwellers international.")),
    (rec("Bill & Melinda Gates Foundation"), rec("Bill and Melinda Gates Foundation")),
    # legal forms changed, removed, spelt out or translated
    (rec("Arup Group Limited"), rec("Arup Group Ltd.")),
    (rec("Acme Widgets GmbH"), rec("Acme Widgets Gesellschaft mit beschränkter Haftung")),
    (rec("Habitat Verein e.V."), rec("Habitat Verein")),
    (rec("Constructora Andina S.A."), rec("Constructora Andina Sociedad Anónima")),
    (rec("Nairobi Water Trust Inc."), rec("Nairobi Water Trust Incorporated")),
    (rec("Shelter Afrique Foundation"), rec("Fundación Shelter Afrique")),
    (rec("Tejan Engineering Private Limited"), rec("TEJAN ENGINEERING PVT LTD")),
    (rec("Urban Futures Foundation"), rec("Urban Futures")),
    # abbreviations, "The", word order, words run together
    (rec("Habitat International Coalition"), rec("Habitat Intl. Coalition")),
    (rec("The Huairou Commission"), rec("Huairou Commission")),
    (rec("University of Nairobi"), rec("Nairobi University")),
    (rec("Green Vault Holding B.V."), rec("GreenVault Holding BV")),
    # translated names
    (rec("United Nations Development Programme"), rec("Programme des Nations Unies pour le développement")),
    # typos
    (rec("Westinghouse Air Brake Technologies"), rec("Westinghuose Air Brake Technologies")),
    (rec("Fircroft Engineering Services Limited"), rec("Fircroft Engineering Services Lmited")),
    # acronym against the full name, in the same country
    (rec("International Business Machines Corporation", country="US"), rec("IBM", country="US")),
    (rec("United Cities and Local Governments", country="ES"), rec("UCLG", acronym="UCLG", country="ES")),
    # alternative names in other languages
    (
        rec("Cooperative Housing Association", alt_names=("جمعية الإسكان التعاوني",)),
        rec("جمعية الإسكان التعاوني"),
    ),
    # the same website or e-mail domain, whatever the names
    (
        rec("Acme Widgets", website="https://www.acme-widgets.com/about"),
        rec("AW Group", email="info@acme-widgets.com"),
    ),
    # the same registration number
    (
        rec("Alpha Builders", registration_number="C-123 456", country="KE"),
        rec("Alpha Construction", registration_number="c123456", country="KE"),
    ),
]

DIFFERENT = [
    # same words for another place
    (rec("Red Cross Kenya", country="KE"), rec("Red Cross Uganda", country="UG")),
    (rec("Acme Properties Nairobi", country="KE"), rec("Acme Properties Mombasa", country="KE")),
    # another kind of body
    (rec("Citi Foundation"), rec("Citi Bank")),
    (rec("Nova Commercial Bank Limited"), rec("Nova Commercial Trust Limited")),
    (rec("Makerere University"), rec("Makerere Institute")),
    # another number in a series
    (rec("Sheridan Production Partners II-A, L.P."), rec("Sheridan Production Partners III-A, L.P.")),
    (rec("Adani Green Energy Twenty Seven C Limited"), rec("Adani Green Energy Twenty Seven B Limited")),
    (rec("Housing Fund 2"), rec("Housing Fund 3")),
    (rec("PNE Wind Park XXVII GmbH & Co. KG"), rec("PNE Wind Park XXVIII GmbH & Co. KG")),
    (rec("EQT Future Co-Investment (C) SCSp"), rec("EQT Future Co-Investment (D) SCSp")),
    # the same name registered in two countries is two legal bodies
    (rec("Acme Holdings Ltd", country="GB"), rec("Acme Holdings Inc", country="US")),
    # little in common
    (rec("Westinghouse Air Brake Technologies"), rec("Westinghouse Electric Company")),
    (rec("Gates Foundation"), rec("Bill & Melinda Gates Foundation")),
    (rec("Acme Ltd"), rec("Acne Ltd")),
    # a public mail service or shared host says nothing
    (rec("Alpha", email="alpha@gmail.com"), rec("Omega", email="omega@gmail.com")),
    (
        rec("Alpha", website="https://alpha.wordpress.com"),
        rec("Omega", website="https://omega.wordpress.com"),
    ),
    # the same acronym alone, in different countries
    (rec("ABC", acronym="ABC", country="KE"), rec("Alpha Beta Consulting", country="BR")),
]


@pytest.mark.parametrize(("a", "b"), SAME, ids=[f"{a.name} ~ {b.name}" for a, b in SAME])
def test_variants_of_one_organisation_match(a, b):
    result = verdict(a, b)
    assert result.score >= dedupe.MATCH_THRESHOLD, result
    assert verdict(b, a).score == result.score


@pytest.mark.parametrize(("a", "b"), DIFFERENT, ids=[f"{a.name} / {b.name}" for a, b in DIFFERENT])
def test_different_organisations_do_not_match(a, b):
    assert verdict(a, b).score < dedupe.MATCH_THRESHOLD, verdict(a, b)


def test_reasons_name_the_evidence():
    assert verdict(rec("Arup Group Limited"), rec("ARUP GROUP LTD")).reasons == (dedupe.NAME_SAME,)
    assert dedupe.ACRONYM in verdict(rec("United Cities and Local Governments"), rec("UCLG")).reasons
    assert (
        dedupe.WEB_DOMAIN
        in verdict(rec("A", website="www.x-y.org"), rec("B", website="http://x-y.org/")).reasons
    )
    assert dedupe.EMAIL_DOMAIN in verdict(rec("A", website="x-y.org"), rec("B", email="me@x-y.org")).reasons
    assert (
        dedupe.REGISTRATION
        in verdict(rec("A", registration_number="12345"), rec("B", registration_number="12345")).reasons
    )
    assert (
        dedupe.NAME_ALT
        in verdict(rec("Gates Foundation", alt_names=("BMGF Trust",)), rec("BMGF Trust")).reasons
    )
    assert dedupe.COUNTRY_DIFFERS in verdict(rec("Acme", country="KE"), rec("Acme", country="UG")).reasons


def test_same_name_in_another_country_is_a_candidate_but_not_a_match():
    result = verdict(rec("Acme Holdings", country="KE"), rec("Acme Holdings", country="UG"))
    assert dedupe.CANDIDATE_THRESHOLD <= result.score < dedupe.MATCH_THRESHOLD


@pytest.mark.parametrize(
    ("given", "domain"),
    [
        ("https://www.en.unesco.org/themes", "unesco.org"),
        ("info@lands.go.ke", "lands.go.ke"),
        ("www.uclg.org", "uclg.org"),
        ("http://arup.co.uk:8080/x", "arup.co.uk"),
        ("someone@gmail.com", ""),
        ("https://www.un.org/ecosoc", ""),
        ("not a url", ""),
        ("", ""),
    ],
)
def test_registrable_domain(given, domain):
    assert dedupe.registrable_domain(given) == domain


def test_blocking_keys_cover_words_whole_name_acronyms_domain_and_registration():
    keys = dedupe.blocking_keys(
        dedupe.profile(
            rec(
                "United Cities and Local Governments Ltd",
                acronym="UCLG",
                website="https://www.uclg.org",
                registration_number="ES-123",
                country="ES",
            )
        )
    )
    assert {"t:united", "t:city", "t:local", "t:government", "a:uclg", "d:uclg.org", "r:es123"} <= keys
    assert "n:city government local united" in keys
    assert all(len(k) <= 120 for k in keys)
    assert not any(k.endswith(":ltd") for k in keys)


def test_find_pairs_and_clusters_link_every_variant():
    records = [
        rec("United Nations Development Programme", id=1, country="US"),
        rec("Programme des Nations Unies pour le développement", id=2, country="US"),
        rec("UNDP", id=3, country="US"),
        rec("Citi Foundation", id=4),
        rec("Citi Bank", id=5),
    ]
    pairs = dedupe.find_pairs(records)
    assert {(p.a, p.b) for p in pairs} == {(1, 2), (1, 3)}
    clusters = dedupe.clusters_from_pairs(pairs)
    assert [c.ids for c in clusters] == [[1, 2, 3]]
    assert clusters[0].score == 1.0


def test_find_pairs_skips_pairs_decided_different():
    records = [rec("Acme Widgets Ltd", id=1), rec("ACME WIDGETS LIMITED", id=2)]
    assert dedupe.find_pairs(records, skip=lambda a, b: {a, b} == {1, 2}) == []


def test_find_pairs_reports_progress_up_to_the_total():
    seen = []
    dedupe.find_pairs(
        [rec(f"Org {i}", id=i) for i in range(10)], progress=lambda done, total: seen.append((done, total))
    )
    assert seen[-1] == (10, 10)


def test_read_csv_needs_id_name_and_country():
    with pytest.raises(ValueError, match="country"):
        list(dedupe.read_csv(["id,name", "1,Acme"]))
    records = list(dedupe.read_csv(["ID,Name,Country,Alt_Names", "7,Acme,ke,Acme Kenya|ACME", ",Skipped,KE"]))
    assert records == [dedupe.Record(id="7", name="Acme", alt_names=("Acme Kenya", "ACME"), country="KE")]
