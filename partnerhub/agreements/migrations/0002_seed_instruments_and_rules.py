"""The seed the issue asks for: instrument types, clearance chains and the advisor's first rule set.

All of it is an assumption drawn from public UN practice (the Legal Section's guidance on agreements, legal
instruments, clearance and designated signatories is not public). Every instrument is marked "to be confirmed
by Legal" and the Legal Section edits all of it in the admin site.
"""

from django.db import migrations

ASSUMED = "Seeded from public UN practice; the Legal Section's own guidance is not public. Confirm or correct."

# code, name, binding, funds flow, end assessment, description
INSTRUMENTS = [
    ("MOU", "Memorandum of Understanding", False, "none", True,
     "Non-binding framework for cooperation; no transfer of funds."),
    ("AOC", "Agreement of Cooperation", True, "to_partner", True,
     "Binding; UN-Habitat transfers funds to an implementing partner for part of a project."),
    ("CA", "Contribution Agreement", True, "to_unhabitat", False,
     "Binding; a donor transfers funds to UN-Habitat."),
    ("LOI", "Letter of Intent", False, "none", False,
     "Records an intention to cooperate before a fuller instrument."),
    ("EOL", "Exchange of Letters", False, "none", False,
     "Light form for limited cooperation such as co-organising an event."),
    ("HCA", "Host Country Agreement", True, "none", False,
     "Binding agreement with a government hosting a UN-Habitat office."),
]

NAMES = {
    "MOU": {"fr": "Mémorandum d'accord", "es": "Memorando de entendimiento", "ar": "مذكرة تفاهم",
            "ru": "Меморандум о взаимопонимании", "zh-hans": "谅解备忘录"},
    "AOC": {"fr": "Accord de coopération", "es": "Acuerdo de cooperación", "ar": "اتفاق تعاون",
            "ru": "Соглашение о сотрудничестве", "zh-hans": "合作协议"},
    "CA": {"fr": "Accord de contribution", "es": "Acuerdo de contribución", "ar": "اتفاق مساهمة",
           "ru": "Соглашение о взносе", "zh-hans": "捐款协议"},
    "LOI": {"fr": "Lettre d'intention", "es": "Carta de intención", "ar": "خطاب نوايا",
            "ru": "Письмо о намерениях", "zh-hans": "意向书"},
    "EOL": {"fr": "Échange de lettres", "es": "Canje de cartas", "ar": "تبادل رسائل",
            "ru": "Обмен письмами", "zh-hans": "换文"},
    "HCA": {"fr": "Accord avec le pays hôte", "es": "Acuerdo con el país anfitrión", "ar": "اتفاق البلد المضيف",
            "ru": "Соглашение с принимающей страной", "zh-hans": "东道国协定"},
}

# code, name, [(label, role, office code)]
CHAINS = [
    ("standard", "PLGU then Legal", [("Partnerships and Local Government Unit", "plgu", ""), ("Legal Section", "legal", "")]),
    ("funds-out", "PLGU, Legal, then the Office of the Executive Director",
     [("Partnerships and Local Government Unit", "plgu", ""), ("Legal Section", "legal", ""),
      ("Office of the Executive Director", "oed", "")]),
    ("funds-in", "Legal, then the Office of the Executive Director",
     [("Legal Section", "legal", ""), ("Office of the Executive Director", "oed", "")]),
    ("legal-only", "Legal only", [("Legal Section", "legal", "")]),
]

# order, name, instrument, chain, categories, purposes, funds flows, min, max, signatory role, signatory note, why
RULES = [
    (10, "Office hosted by a government", "HCA", "funds-in", ["member-states"], ["hosting"], [], None, None,
     "oed", "Executive Director", "Hosting an office is a binding commitment with a Member State."),
    (20, "Contribution to UN-Habitat", "CA", "funds-in", [], [], ["to_unhabitat"], None, None,
     "oed", "Executive Director or a delegate", "Funds flow to UN-Habitat: a binding contribution agreement."),
    (30, "Implementing partner with funds", "AOC", "funds-out", [], [], ["to_partner"], None, None,
     "", "Head of the owning office holding a delegation of authority",
     "UN-Habitat transfers funds to the partner to implement part of a project."),
    (40, "Event co-organisation without funds", "EOL", "legal-only", [], ["event"], ["none"], None, None,
     "", "Head of the owning office holding a delegation of authority",
     "Limited, time-bound cooperation without funds: an exchange of letters is enough."),
    (50, "Framework cooperation without funds", "MOU", "standard", [],
     ["framework", "data_sharing", "secondment", "other"], ["none"], None, None,
     "oed", "Executive Director or a delegate", "Non-binding cooperation without transfer of funds: an MoU."),
]


def seed(apps, schema_editor):
    Instrument = apps.get_model("agreements", "InstrumentType")
    Chain = apps.get_model("agreements", "ClearanceChain")
    Step = apps.get_model("agreements", "ClearanceChainStep")
    RuleSet = apps.get_model("agreements", "AdvisorRuleSet")
    Rule = apps.get_model("agreements", "AdvisorRule")
    Category = apps.get_model("registry", "StakeholderCategory")
    Office = apps.get_model("org", "Office")
    instruments = {}
    for code, name, binding, flow, assessment, description in INSTRUMENTS:
        instruments[code], _ = Instrument.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_translations": NAMES[code],
                "binding": binding,
                "funds_flow": flow,
                "needs_end_assessment": assessment,
                "description": description,
                "reminder_days": [90, 60, 30],
                "is_assumption": True,
                "assumption_note": ASSUMED,
            },
        )
    chains = {}
    for code, name, steps in CHAINS:
        chain, created = Chain.objects.get_or_create(code=code, defaults={"name": name})
        chains[code] = chain
        if created:
            for order, (label, role, office) in enumerate(steps, start=1):
                Step.objects.create(
                    chain=chain,
                    order=order,
                    label=label,
                    role=role,
                    office=Office.objects.filter(code=office).first() if office else None,
                )
    if RuleSet.objects.exists():
        return
    rule_set = RuleSet.objects.create(number=1, is_active=True, note=ASSUMED)
    for order, name, instrument, chain, categories, purposes, flows, low, high, role, note, why in RULES:
        rule = Rule.objects.create(
            rule_set=rule_set,
            order=order,
            name=name,
            instrument=instruments[instrument],
            clearance_chain=chains[chain],
            purposes=purposes,
            funds_flows=flows,
            min_amount=low,
            max_amount=high,
            signatory_role=role,
            signatory_note=note,
            explanation=why,
        )
        if categories:
            rule.categories.set(Category.objects.filter(code__in=categories))


class Migration(migrations.Migration):
    dependencies = [("agreements", "0001_initial"), ("org", "0002_seed_offices")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
