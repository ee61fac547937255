"""Demo partners: real, well-known organisations of UN-Habitat's kind, with invented contacts."""

from __future__ import annotations

import datetime as dt
from typing import TextIO

from partnerhub.accounts.models import User
from partnerhub.core.context import Actor, acting_as
from partnerhub.core.errors import IllegalTransition
from partnerhub.org.models import Office
from partnerhub.registry import services
from partnerhub.registry.models import Country, Partner, StakeholderCategory, Tag
from partnerhub.registry.states import PartnerStatus

# name, acronym, category code, country, channel, office, status, website, themes, alt names
DEMO = [
    (
        "United Cities and Local Governments",
        "UCLG",
        "local-regional-governments",
        "ES",
        "accreditation",
        "plgu",
        "active",
        "https://www.uclg.org",
        ["governance", "urban-planning"],
        [("Cités et Gouvernements Locaux Unis", "fr"), ("Ciudades y Gobiernos Locales Unidos", "es")],
    ),
    (
        "ICLEI – Local Governments for Sustainability",
        "ICLEI",
        "local-regional-governments",
        "DE",
        "urban_forum",
        "upb",
        "active",
        "https://iclei.org",
        ["climate", "resilience"],
        [],
    ),
    (
        "Slum Dwellers International",
        "SDI",
        "grassroots",
        "ZA",
        "urban_forum",
        "lhss",
        "active",
        "https://sdinet.org",
        ["housing", "land"],
        [],
    ),
    (
        "Habitat International Coalition",
        "HIC",
        "civil-society",
        "CL",
        "accreditation",
        "plgu",
        "active",
        "https://www.hic-net.org",
        ["housing", "land"],
        [("Coalición Internacional para el Hábitat", "es")],
    ),
    (
        "Huairou Commission",
        "",
        "women",
        "US",
        "event",
        "gender",
        "active",
        "https://huairou.org",
        ["housing", "resilience"],
        [],
    ),
    (
        "HelpAge International",
        "",
        "older-persons",
        "GB",
        "recommendation",
        "hrsis",
        "prospect",
        "https://www.helpage.org",
        ["urban-health"],
        [],
    ),
    (
        "World Blind Union",
        "WBU",
        "persons-with-disabilities",
        "CA",
        "request",
        "hrsis",
        "prospect",
        "https://worldblindunion.org",
        ["public-space", "transport"],
        [],
    ),
    (
        "Commonwealth Local Government Forum",
        "CLGF",
        "local-regional-governments",
        "GB",
        "accreditation",
        "plgu",
        "active",
        "https://www.clgf.org.uk",
        ["governance"],
        [],
    ),
    (
        "University of Nairobi",
        "UoN",
        "academia",
        "KE",
        "intelligence",
        "cdtu",
        "active",
        "https://www.uonbi.ac.ke",
        ["urban-planning", "data"],
        [],
    ),
    (
        "Universidade de São Paulo",
        "USP",
        "academia",
        "BR",
        "competition",
        "cdtu",
        "prospect",
        "https://www.usp.br",
        ["urban-planning"],
        [("University of São Paulo", "en")],
    ),
    (
        "International Federation of Surveyors",
        "FIG",
        "professional",
        "DK",
        "event",
        "pfes",
        "active",
        "https://www.fig.net",
        ["land"],
        [("Fédération Internationale des Géomètres", "fr")],
    ),
    (
        "International Society of City and Regional Planners",
        "ISOCARP",
        "professional",
        "NL",
        "urban_forum",
        "pfes",
        "active",
        "https://isocarp.org",
        ["urban-planning"],
        [],
    ),
    (
        "Global Youth Biodiversity Network",
        "GYBN",
        "children-youth",
        "DE",
        "advocacy",
        "youth",
        "prospect",
        "https://www.gybn.org",
        ["climate"],
        [],
    ),
    (
        "Arup Group Limited",
        "Arup",
        "private-sector",
        "GB",
        "intelligence",
        "oed",
        "under_due_diligence",
        "https://www.arup.com",
        ["infrastructure", "resilience"],
        [],
    ),
    (
        "Bill & Melinda Gates Foundation",
        "",
        "foundations",
        "US",
        "recommendation",
        "drsrp",
        "prospect",
        "https://www.gatesfoundation.org",
        ["sanitation", "urban-health"],
        [("Gates Foundation", "en")],
    ),
    (
        "Inter-Parliamentary Union",
        "IPU",
        "parliamentarians",
        "CH",
        "recommendation",
        "plgu",
        "active",
        "https://www.ipu.org",
        ["governance"],
        [("Union interparlementaire", "fr")],
    ),
    (
        "International Trade Union Confederation",
        "ITUC",
        "workers-trade-unions",
        "BE",
        "accreditation",
        "plgu",
        "inactive",
        "https://www.ituc-csi.org",
        ["urban-economy"],
        [],
    ),
    (
        "World Farmers' Organisation",
        "WFO",
        "farmers",
        "IT",
        "event",
        "plgu",
        "prospect",
        "https://www.wfo-oma.org",
        ["land"],
        [],
    ),
    (
        "Asian Development Bank",
        "ADB",
        "intergovernmental",
        "PH",
        "recommendation",
        "ro-ap",
        "active",
        "https://www.adb.org",
        ["infrastructure", "urban-economy"],
        [],
    ),
    (
        "African Union Commission",
        "AUC",
        "intergovernmental",
        "ET",
        "accreditation",
        "ro-africa",
        "active",
        "https://au.int",
        ["governance"],
        [("Commission de l'Union africaine", "fr"), ("مفوضية الاتحاد الأفريقي", "ar")],
    ),
    (
        "United Nations Development Programme",
        "UNDP",
        "un-entities",
        "US",
        "accreditation",
        "lo-ny",
        "active",
        "https://www.undp.org",
        ["governance", "resilience"],
        [("Programme des Nations Unies pour le développement", "fr"), ("PNUD", "es")],
    ),
    (
        "United Nations Environment Programme",
        "UNEP",
        "un-entities",
        "KE",
        "accreditation",
        "lo-ny",
        "active",
        "https://www.unep.org",
        ["climate"],
        [("PNUE", "fr")],
    ),
    (
        "Ministry of Lands, Public Works, Housing and Urban Development (Kenya)",
        "",
        "member-states",
        "KE",
        "accreditation",
        "sgb",
        "active",
        "https://www.lands.go.ke",
        ["housing", "land"],
        [],
    ),
    (
        "Thomson Reuters Foundation",
        "",
        "media",
        "GB",
        "advocacy",
        "cms",
        "prospect",
        "https://www.trust.org",
        ["data"],
        [],
    ),
    (
        "Consejo Indígena de Centro América",
        "CICA",
        "indigenous-peoples",
        "GT",
        "urban_forum",
        "lhss",
        "prospect",
        "",
        ["land"],
        [],
    ),
    (
        "Fundación Hábitat para la Humanidad Argentina",
        "HPHA",
        "civil-society",
        "AR",
        "call_for_eoi",
        "ro-lac",
        "active",
        "https://www.hph.org.ar",
        ["housing"],
        [],
    ),
    (
        "جمعية الإسكان التعاوني",
        "",
        "civil-society",
        "EG",
        "call_for_eoi",
        "ro-as",
        "prospect",
        "",
        ["housing"],
        [("Cooperative Housing Association", "en")],
    ),
]

CONTACTS = [
    ("UCLG", "Ms.", "Emilia", "Saiz", "Secretary General", True, "emilia.saiz@uclg.example"),
    ("SDI", "Mr.", "Joseph", "Muturi", "Chair", True, "j.muturi@sdinet.example"),
    ("UoN", "Prof.", "Wanjiku", "Kamau", "Head, Department of Urban Planning", True, "w.kamau@uonbi.example"),
    ("Arup", "Mr.", "Henrik", "Larsen", "Director, Cities", True, "henrik.larsen@arup.example"),
    ("USP", "Dra.", "Beatriz", "Conceição", "Professora", False, "beatriz.conceicao@usp.example"),
    ("AUC", "Mr.", "Kwame", "Mensah", "Director, Infrastructure", True, "k.mensah@au.example"),
]


def seed_partners(out: TextIO) -> None:
    if Partner.objects.exists():
        out.write("Demo partners: already there.\n")
        return
    plgu = User.objects.filter(email="plgu@partnerhub.example").first()
    if plgu is None:
        out.write("Demo partners: skipped (no demo PLGU user).\n")
        return
    categories = {c.code: c for c in StakeholderCategory.objects.all()}
    offices = {o.code: o for o in Office.objects.all()}
    countries = {c.iso2: c for c in Country.objects.all()}
    themes = {t.code: t for t in Tag.objects.filter(kind="theme")}
    created: dict[str, Partner] = {}
    with acting_as(Actor(user_id=plgu.pk, label=plgu.email)):
        for i, (name, acronym, cat, country, channel, office, status, web, tags, alts) in enumerate(DEMO):
            partner = services.partner_create(
                actor=plgu,
                data={
                    "name": name,
                    "acronym": acronym,
                    "primary_category": categories[cat],
                    "country": countries[country],
                    "identified_channel": channel,
                    "owning_office": offices[office],
                    "website": web,
                    "identified_on": dt.date(2025, 1 + i % 12, 1 + i),
                    "relationship_manager": plgu if office == "plgu" else None,
                },
                alternative_names=[(n, lang, "alternative") for n, lang in alts],
                tags=[themes[t] for t in tags],
            )
            path = {
                "active": [PartnerStatus.ACTIVE],
                "inactive": [PartnerStatus.ACTIVE, PartnerStatus.INACTIVE],
                "under_due_diligence": [PartnerStatus.UNDER_DUE_DILIGENCE],
            }.get(status, [])
            for step in path:
                try:
                    partner = services.partner_change_status(
                        actor=plgu, partner=partner, status=step, reason="demo data"
                    )
                except IllegalTransition:
                    # Another app refuses the move (due diligence: no activation without an approval);
                    # the demo partner waits under due diligence instead.
                    partner = services.partner_change_status(
                        actor=plgu,
                        partner=partner,
                        status=PartnerStatus.UNDER_DUE_DILIGENCE,
                        reason="demo data",
                    )
                    break
            created[acronym or name] = partner
        for key, honorific, given, family, title, key_person, email in CONTACTS:
            services.contact_create(
                actor=plgu,
                data={
                    "honorific": honorific,
                    "given_name": given,
                    "family_name": family,
                    "emails": [email],
                    "consent_email": True,
                },
                partner=created[key],
                title=title,
                is_key_person=key_person,
                is_primary=True,
            )
        services.relationship_create(
            actor=plgu, source=created["CLGF"], kind="member_of", target=created["UCLG"]
        )
        services.relationship_create(
            actor=plgu, source=created["HPHA"], kind="affiliate_of", target=created["HIC"]
        )
        partner_user = User.objects.filter(email="partner@partnerhub.example").first()
        if partner_user is not None:
            services.partner_user_link(actor=plgu, user=partner_user, partner=created["UCLG"])
    out.write(f"Demo partners: {len(created)} created.\n")
