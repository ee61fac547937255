"""The default due-diligence policy (UNSDG Common Approach, issue 5): which categories need it, the exclusion
criteria, the risk areas, the rating rules and how long an approval lasts. All editable by PLGU afterwards.

Local and regional governments and parliamentarians are treated like the other state and intergovernmental
categories (not required); PLGU can change that per category.
"""

from django.db import migrations

NOT_REQUIRED = {"member-states", "un-entities", "intergovernmental", "local-regional-governments", "parliamentarians"}
STANDARD_DEPTH = {"private-sector", "foundations"}

EXCLUSIONS = [
    ("un-sanctions", "Is the organisation, or any of its key persons, on a United Nations sanctions list?"),
    (
        "weapons",
        "Does it manufacture or sell weapons or their components, including anti-personnel mines, cluster "
        "munitions, or nuclear, chemical or biological weapons?",
    ),
    ("tobacco", "Does it manufacture or sell tobacco or tobacco products?"),
    ("forced-child-labour", "Does it use forced or compulsory labour, or child labour?"),
    ("human-rights-abuses", "Is it complicit in human-rights abuses?"),
    ("pornography", "Is it involved in pornography?"),
    ("gambling", "Is it involved in gambling?"),
]

AREAS = [
    ("human-rights", "Human rights", "Respect for human rights; no complicity in abuses (Global Compact principles 1–2)."),
    ("labour", "Labour", "Freedom of association, no forced or child labour, no discrimination (principles 3–6)."),
    ("environment", "Environment", "Precaution, environmental responsibility, cleaner technologies (principles 7–9)."),
    ("anti-corruption", "Anti-corruption", "Work against corruption in all its forms, including extortion and bribery (principle 10)."),
    ("governance", "Governance", "Ownership, governing body, transparency, controversies about leadership."),
    ("psea", "Protection from sexual exploitation and abuse", "Policies, reporting channels, past allegations."),
    ("financial", "Financial soundness", "Audited accounts, solvency, ability to deliver the engagement."),
    ("adverse-media", "Adverse media", "Reports of misconduct: their severity, how recent, and what was remedied."),
    ("global-compact", "UN Global Compact participation", "Participant in good standing, non-communicating, delisted, or not a participant."),
]

# The seeded questions and area names in the other five languages (PLGU edits them with the rest).
TRANSLATIONS = {
    "un-sanctions": {
        "fr": "L'organisation, ou l'une de ses personnes clés, figure-t-elle sur une liste de sanctions des Nations Unies ?",
        "es": "¿Figura la organización, o alguna de sus personas clave, en una lista de sanciones de las Naciones Unidas?",
        "ar": "هل المنظمة، أو أي من الأشخاص الرئيسيين فيها، مدرجة في قائمة جزاءات للأمم المتحدة؟",
        "ru": "Включена ли организация или кто-либо из ее ключевых лиц в санкционный перечень Организации Объединенных Наций?",
        "zh-hans": "该组织或其任何关键人员是否列于联合国制裁名单？",
    },
    "weapons": {
        "fr": "Fabrique-t-elle ou vend-elle des armes ou leurs composants, y compris des mines antipersonnel, des armes à sous-munitions ou des armes nucléaires, chimiques ou biologiques ?",
        "es": "¿Fabrica o vende armas o sus componentes, incluidas minas antipersonal, municiones en racimo o armas nucleares, químicas o biológicas?",
        "ar": "هل تصنع أو تبيع الأسلحة أو مكوناتها، بما في ذلك الألغام المضادة للأفراد أو الذخائر العنقودية أو الأسلحة النووية أو الكيميائية أو البيولوجية؟",
        "ru": "Производит или продает ли она оружие или его компоненты, включая противопехотные мины, кассетные боеприпасы, ядерное, химическое или биологическое оружие?",
        "zh-hans": "是否制造或销售武器或其部件，包括杀伤人员地雷、集束弹药或核武器、化学武器或生物武器？",
    },
    "tobacco": {
        "fr": "Fabrique-t-elle ou vend-elle du tabac ou des produits du tabac ?",
        "es": "¿Fabrica o vende tabaco o productos de tabaco?",
        "ar": "هل تصنع أو تبيع التبغ أو منتجات التبغ؟",
        "ru": "Производит или продает ли она табак или табачные изделия?",
        "zh-hans": "是否制造或销售烟草或烟草制品？",
    },
    "forced-child-labour": {
        "fr": "A-t-elle recours au travail forcé ou obligatoire, ou au travail des enfants ?",
        "es": "¿Recurre al trabajo forzoso u obligatorio, o al trabajo infantil?",
        "ar": "هل تلجأ إلى العمل الجبري أو القسري أو إلى عمل الأطفال؟",
        "ru": "Использует ли она принудительный или обязательный труд либо детский труд?",
        "zh-hans": "是否使用强迫或强制劳动或童工？",
    },
    "human-rights-abuses": {
        "fr": "Est-elle complice de violations des droits de l'homme ?",
        "es": "¿Es cómplice de abusos contra los derechos humanos?",
        "ar": "هل هي متواطئة في انتهاكات حقوق الإنسان؟",
        "ru": "Является ли она соучастником нарушений прав человека?",
        "zh-hans": "是否同谋侵犯人权？",
    },
    "pornography": {
        "fr": "Est-elle impliquée dans la pornographie ?",
        "es": "¿Participa en la pornografía?",
        "ar": "هل هي ضالعة في المواد الإباحية؟",
        "ru": "Причастна ли она к порнографии?",
        "zh-hans": "是否涉及色情业？",
    },
    "gambling": {
        "fr": "Est-elle impliquée dans les jeux d'argent ?",
        "es": "¿Participa en los juegos de azar?",
        "ar": "هل هي ضالعة في القمار؟",
        "ru": "Причастна ли она к азартным играм?",
        "zh-hans": "是否涉及赌博业？",
    },
    "human-rights": {"fr": "Droits de l'homme", "es": "Derechos humanos", "ar": "حقوق الإنسان", "ru": "Права человека", "zh-hans": "人权"},
    "labour": {"fr": "Travail", "es": "Trabajo", "ar": "العمل", "ru": "Труд", "zh-hans": "劳工"},
    "environment": {"fr": "Environnement", "es": "Medio ambiente", "ar": "البيئة", "ru": "Окружающая среда", "zh-hans": "环境"},
    "anti-corruption": {"fr": "Lutte contre la corruption", "es": "Lucha contra la corrupción", "ar": "مكافحة الفساد", "ru": "Борьба с коррупцией", "zh-hans": "反腐败"},
    "governance": {"fr": "Gouvernance", "es": "Gobernanza", "ar": "الحوكمة", "ru": "Управление", "zh-hans": "治理"},
    "psea": {
        "fr": "Protection contre l'exploitation et les atteintes sexuelles",
        "es": "Protección contra la explotación y los abusos sexuales",
        "ar": "الحماية من الاستغلال والانتهاك الجنسيين",
        "ru": "Защита от сексуальной эксплуатации и сексуальных надругательств",
        "zh-hans": "防范性剥削和性虐待",
    },
    "financial": {"fr": "Solidité financière", "es": "Solidez financiera", "ar": "السلامة المالية", "ru": "Финансовая устойчивость", "zh-hans": "财务稳健性"},
    "adverse-media": {"fr": "Informations défavorables dans les médias", "es": "Información negativa en los medios", "ar": "التغطية الإعلامية السلبية", "ru": "Негативные сведения в СМИ", "zh-hans": "负面媒体报道"},
    "global-compact": {
        "fr": "Participation au Pacte mondial des Nations Unies",
        "es": "Participación en el Pacto Mundial de las Naciones Unidas",
        "ar": "المشاركة في الاتفاق العالمي للأمم المتحدة",
        "ru": "Участие в Глобальном договоре Организации Объединенных Наций",
        "zh-hans": "参与联合国全球契约",
    },
}

VALIDITY = [("low", 24), ("moderate", 12), ("substantial", 6), ("high", 6)]

ENGAGEMENT_DEPTHS = {
    "mou_no_funds": "basic",
    "agreement_with_funds": "standard",
    "event_sponsorship": "standard",
    "emblem_use": "enhanced",
    "other": "basic",
}


def seed(apps, schema_editor):
    Category = apps.get_model("registry", "StakeholderCategory")
    Requirement = apps.get_model("diligence", "CategoryRequirement")
    Criterion = apps.get_model("diligence", "ExclusionCriterion")
    Area = apps.get_model("diligence", "RiskArea")
    Policy = apps.get_model("diligence", "DiligencePolicy")
    Validity = apps.get_model("diligence", "ValidityPeriod")
    for category in Category.objects.all():
        Requirement.objects.get_or_create(
            category=category,
            defaults={
                "required": category.code not in NOT_REQUIRED,
                "base_depth": "standard" if category.code in STANDARD_DEPTH else "basic",
            },
        )
    for order, (code, label) in enumerate(EXCLUSIONS, start=1):
        Criterion.objects.get_or_create(
            code=code,
            defaults={"label": label, "order": order * 10, "label_translations": TRANSLATIONS.get(code, {})},
        )
    for order, (code, label, guidance) in enumerate(AREAS, start=1):
        Area.objects.get_or_create(
            code=code,
            defaults={
                "label": label,
                "guidance": guidance,
                "order": order * 10,
                "label_translations": TRANSLATIONS.get(code, {}),
            },
        )
    if not Policy.objects.exists():
        Policy.objects.create(
            name="Default (2026)",
            moderate_areas_raise=2,
            mitigation_max_levels=1,
            floor_while_high_open="moderate",
            complex_from="substantial",
            engagement_depths=ENGAGEMENT_DEPTHS,
            currency="USD",
            standard_from_amount=50_000,
            enhanced_from_amount=250_000,
            reminder_days=[60, 30],
        )
    for rating, months in VALIDITY:
        Validity.objects.get_or_create(rating=rating, defaults={"months": months})


class Migration(migrations.Migration):
    dependencies = [
        ("diligence", "0001_initial"),
        ("registry", "0002_reference_data"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
