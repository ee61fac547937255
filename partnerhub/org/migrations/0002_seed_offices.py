"""Seed every office the SOP names, plus the regional and liaison offices (reference data, editable later).

Parents follow the glossary; links marked "assumption" there are data an administrator can change.
Names in the other five UN languages are working translations, to be confirmed by the offices.
"""

from django.db import migrations

# code, acronym, kind, parent code, city, region, e-mail, {lang: name}
OFFICES = [
    ("oed", "OED", "office", None, "Nairobi", "global", "", {
        "en": "Office of the Executive Director",
        "fr": "Bureau de la Directrice exécutive",
        "es": "Oficina de la Directora Ejecutiva",
        "ru": "Канцелярия Директора-исполнителя",
        "ar": "مكتب المديرة التنفيذية",
        "zh-hans": "执行主任办公室",
    }),
    ("sgb", "SGB", "office", "oed", "Nairobi", "global", "", {
        "en": "Secretariat to the Governing Bodies",
        "fr": "Secrétariat des organes directeurs",
        "es": "Secretaría de los Órganos Rectores",
        "ru": "Секретариат руководящих органов",
        "ar": "أمانة مجالس الإدارة",
        "zh-hans": "理事机构秘书处",
    }),
    ("legal", "LEGAL", "section", "oed", "Nairobi", "global", "", {
        "en": "Legal Section",
        "fr": "Section juridique",
        "es": "Sección Jurídica",
        "ru": "Правовая секция",
        "ar": "القسم القانوني",
        "zh-hans": "法律科",
    }),
    ("plgu", "PLGU", "unit", "oed", "Nairobi", "global", "unhabitat-partners@un.org", {
        "en": "Partnerships and Local Governments Unit",
        "fr": "Groupe des partenariats et des gouvernements locaux",
        "es": "Dependencia de Alianzas y Gobiernos Locales",
        "ru": "Группа по партнерствам и местным органам власти",
        "ar": "وحدة الشراكات والحكومات المحلية",
        "zh-hans": "伙伴关系和地方政府股",
    }),
    ("drsrp", "DRSRP", "unit", "oed", "Nairobi", "global", "", {
        "en": "Donor Relations and Strategic Resource Partnerships Unit",
        "fr": "Groupe des relations avec les donateurs et des partenariats stratégiques de ressources",
        "es": "Dependencia de Relaciones con Donantes y Alianzas Estratégicas de Recursos",
        "ru": "Группа по связям с донорами и стратегическим партнерствам в области ресурсов",
        "ar": "وحدة العلاقات مع المانحين والشراكات الاستراتيجية للموارد",
        "zh-hans": "捐助方关系和战略资源伙伴关系股",
    }),
    ("cms", "CMS", "section", "oed", "Nairobi", "global", "", {
        "en": "Communications and Media Section",
        "fr": "Section de la communication et des médias",
        "es": "Sección de Comunicaciones y Medios",
        "ru": "Секция по коммуникациям и СМИ",
        "ar": "قسم الاتصالات والإعلام",
        "zh-hans": "传播和媒体科",
    }),
    ("gsd", "GSD", "division", None, "Nairobi", "global", "", {
        "en": "Global Solutions Division",
        "fr": "Division des solutions mondiales",
        "es": "División de Soluciones Globales",
        "ru": "Отдел глобальных решений",
        "ar": "شعبة الحلول العالمية",
        "zh-hans": "全球解决方案司",
    }),
    ("upb", "UPB", "branch", "gsd", "Nairobi", "global", "", {
        "en": "Urban Practices Branch",
        "fr": "Service des pratiques urbaines",
        "es": "Subdivisión de Prácticas Urbanas",
        "ru": "Сектор городской практики",
        "ar": "فرع الممارسات الحضرية",
        "zh-hans": "城市实践处",
    }),
    ("cdtu", "CDTU", "unit", "gsd", "Nairobi", "global", "", {
        "en": "Capacity Development and Training Unit",
        "fr": "Groupe du renforcement des capacités et de la formation",
        "es": "Dependencia de Desarrollo de la Capacidad y Capacitación",
        "ru": "Группа по развитию потенциала и подготовке кадров",
        "ar": "وحدة تنمية القدرات والتدريب",
        "zh-hans": "能力发展和培训股",
    }),
    ("pfes", "PFES", "section", "upb", "Nairobi", "global", "", {
        "en": "Planning, Finance and Economy Section",
        "fr": "Section de la planification, des finances et de l'économie",
        "es": "Sección de Planificación, Finanzas y Economía",
        "ru": "Секция планирования, финансов и экономики",
        "ar": "قسم التخطيط والمالية والاقتصاد",
        "zh-hans": "规划、金融和经济科",
    }),
    ("hrsis", "HRSIS", "section", "upb", "Nairobi", "global", "", {
        "en": "Human Rights and Social Inclusion Section",
        "fr": "Section des droits humains et de l'inclusion sociale",
        "es": "Sección de Derechos Humanos e Inclusión Social",
        "ru": "Секция по правам человека и социальной интеграции",
        "ar": "قسم حقوق الإنسان والإدماج الاجتماعي",
        "zh-hans": "人权和社会包容科",
    }),
    ("gender", "GU", "unit", "hrsis", "Nairobi", "global", "", {
        "en": "Gender Unit",
        "fr": "Groupe de l'égalité des genres",
        "es": "Dependencia de Género",
        "ru": "Группа по гендерным вопросам",
        "ar": "وحدة الشؤون الجنسانية",
        "zh-hans": "性别股",
    }),
    ("youth", "YU", "unit", "hrsis", "Nairobi", "global", "", {
        "en": "Youth Unit",
        "fr": "Groupe de la jeunesse",
        "es": "Dependencia de Juventud",
        "ru": "Группа по делам молодежи",
        "ar": "وحدة الشباب",
        "zh-hans": "青年股",
    }),
    ("lhss", "LHSS", "section", "upb", "Nairobi", "global", "", {
        "en": "Land, Housing and Shelter Section",
        "fr": "Section du foncier, du logement et des abris",
        "es": "Sección de Tierras, Vivienda y Refugio",
        "ru": "Секция по вопросам земли, жилья и крова",
        "ar": "قسم الأراضي والإسكان والمأوى",
        "zh-hans": "土地、住房和住所科",
    }),
    ("ro-africa", "ROAf", "regional", None, "Nairobi", "africa", "", {
        "en": "Regional Office for Africa",
        "fr": "Bureau régional pour l'Afrique",
        "es": "Oficina Regional para África",
        "ru": "Региональное отделение для Африки",
        "ar": "المكتب الإقليمي لأفريقيا",
        "zh-hans": "非洲区域办事处",
    }),
    ("ro-ap", "ROAP", "regional", None, "Fukuoka", "asia_pacific", "", {
        "en": "Regional Office for Asia and the Pacific",
        "fr": "Bureau régional pour l'Asie et le Pacifique",
        "es": "Oficina Regional para Asia y el Pacífico",
        "ru": "Региональное отделение для Азии и Тихого океана",
        "ar": "المكتب الإقليمي لآسيا والمحيط الهادئ",
        "zh-hans": "亚洲及太平洋区域办事处",
    }),
    ("ro-as", "ROAS", "regional", None, "Cairo", "arab_states", "", {
        "en": "Regional Office for Arab States",
        "fr": "Bureau régional pour les États arabes",
        "es": "Oficina Regional para los Estados Árabes",
        "ru": "Региональное отделение для арабских государств",
        "ar": "المكتب الإقليمي للدول العربية",
        "zh-hans": "阿拉伯国家区域办事处",
    }),
    ("ro-lac", "ROLAC", "regional", None, "Rio de Janeiro", "latin_america", "", {
        "en": "Regional Office for Latin America and the Caribbean",
        "fr": "Bureau régional pour l'Amérique latine et les Caraïbes",
        "es": "Oficina Regional para América Latina y el Caribe",
        "ru": "Региональное отделение для Латинской Америки и Карибского бассейна",
        "ar": "المكتب الإقليمي لأمريكا اللاتينية ومنطقة البحر الكاريبي",
        "zh-hans": "拉丁美洲和加勒比区域办事处",
    }),
    ("lo-ny", "NYO", "liaison", None, "New York", "north_america", "", {
        "en": "New York Liaison Office",
        "fr": "Bureau de liaison de New York",
        "es": "Oficina de Enlace en Nueva York",
        "ru": "Отделение связи в Нью-Йорке",
        "ar": "مكتب الاتصال في نيويورك",
        "zh-hans": "纽约联络处",
    }),
    ("lo-geneva", "GLO", "liaison", None, "Geneva", "europe", "", {
        "en": "Geneva Liaison Office",
        "fr": "Bureau de liaison de Genève",
        "es": "Oficina de Enlace en Ginebra",
        "ru": "Отделение связи в Женеве",
        "ar": "مكتب الاتصال في جنيف",
        "zh-hans": "日内瓦联络处",
    }),
    ("lo-brussels", "BLO", "liaison", None, "Brussels", "europe", "", {
        "en": "Brussels Liaison Office",
        "fr": "Bureau de liaison de Bruxelles",
        "es": "Oficina de Enlace en Bruselas",
        "ru": "Отделение связи в Брюсселе",
        "ar": "مكتب الاتصال في بروكسل",
        "zh-hans": "布鲁塞尔联络处",
    }),
]


def seed(apps, schema_editor):
    Office = apps.get_model("org", "Office")
    by_code = {}
    for code, acronym, kind, parent, city, region, email, names in OFFICES:
        office, _created = Office.objects.get_or_create(
            code=code,
            defaults={
                "name": names["en"],
                "name_translations": {k: v for k, v in names.items() if k != "en"},
                "acronym": acronym,
                "kind": kind,
                "parent": by_code.get(parent),
                "city": city,
                "region_served": region,
                "email": email,
            },
        )
        by_code[code] = office


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
