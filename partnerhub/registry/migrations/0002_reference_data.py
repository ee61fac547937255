"""Reference data: UN M49 countries (from data/m49.csv), the SOP's 19 stakeholder categories with their
focal-point offices, and the tag vocabularies (thematic areas, SDG 11 targets, New Urban Agenda commitments).

Category and tag names in the other UN languages are working translations to be confirmed by PLGU.
"""

import csv
from pathlib import Path

from django.db import migrations

M49 = Path(__file__).resolve().parent.parent / "data" / "m49.csv"
LANGS = ["en", "fr", "es", "ar", "ru", "zh-hans"]

# number, code, focal office codes, note, {lang: name}
CATEGORIES = [
    (1, "member-states", ["sgb"], "", {"en": "Member States", "fr": "États Membres", "es": "Estados Miembros", "ar": "الدول الأعضاء", "ru": "Государства-члены", "zh-hans": "会员国"}),
    (2, "local-regional-governments", ["upb", "plgu"], "", {"en": "Local and regional governments", "fr": "Gouvernements locaux et régionaux", "es": "Gobiernos locales y regionales", "ar": "الحكومات المحلية والإقليمية", "ru": "Местные и региональные органы власти", "zh-hans": "地方和区域政府"}),
    (3, "un-entities", ["lo-ny"], "", {"en": "UN agencies, funds and programmes", "fr": "Institutions, fonds et programmes des Nations Unies", "es": "Organismos, fondos y programas de las Naciones Unidas", "ar": "وكالات الأمم المتحدة وصناديقها وبرامجها", "ru": "Учреждения, фонды и программы ООН", "zh-hans": "联合国机构、基金和方案"}),
    (4, "intergovernmental", ["ro-africa", "ro-ap", "ro-as", "ro-lac", "lo-ny", "lo-geneva", "lo-brussels"], "Relevant regional and liaison offices", {"en": "Other intergovernmental bodies, development banks and institutions", "fr": "Autres organismes intergouvernementaux, banques et institutions de développement", "es": "Otros órganos intergubernamentales, bancos e instituciones de desarrollo", "ar": "الهيئات الحكومية الدولية الأخرى ومصارف ومؤسسات التنمية", "ru": "Другие межправительственные органы, банки и учреждения развития", "zh-hans": "其他政府间机构、开发银行和机构"}),
    (5, "private-sector", ["oed"], "", {"en": "Private sector, business and industry", "fr": "Secteur privé, entreprises et industrie", "es": "Sector privado, empresas e industria", "ar": "القطاع الخاص والأعمال التجارية والصناعة", "ru": "Частный сектор, бизнес и промышленность", "zh-hans": "私营部门、工商业"}),
    (6, "civil-society", ["plgu"], "", {"en": "Civil society and community-based organizations, including faith-based organizations", "fr": "Société civile et organisations communautaires, y compris confessionnelles", "es": "Sociedad civil y organizaciones comunitarias, incluidas las confesionales", "ar": "المجتمع المدني والمنظمات المجتمعية، بما فيها المنظمات الدينية", "ru": "Гражданское общество и общинные организации, включая религиозные", "zh-hans": "民间社会和社区组织，包括宗教组织"}),
    (7, "academia", ["cdtu"], "", {"en": "Academia and research organizations", "fr": "Milieux universitaires et organismes de recherche", "es": "Instituciones académicas y de investigación", "ar": "الأوساط الأكاديمية ومنظمات البحث", "ru": "Академические и исследовательские организации", "zh-hans": "学术和研究机构"}),
    (8, "professional", ["pfes"], "", {"en": "Professional organizations", "fr": "Organisations professionnelles", "es": "Organizaciones profesionales", "ar": "المنظمات المهنية", "ru": "Профессиональные организации", "zh-hans": "专业组织"}),
    (9, "women", ["gender"], "", {"en": "Women", "fr": "Femmes", "es": "Mujeres", "ar": "النساء", "ru": "Женщины", "zh-hans": "妇女"}),
    (10, "children-youth", ["youth"], "", {"en": "Children and youth", "fr": "Enfants et jeunes", "es": "Niños, niñas y jóvenes", "ar": "الأطفال والشباب", "ru": "Дети и молодежь", "zh-hans": "儿童和青年"}),
    (11, "workers-trade-unions", ["plgu"], "", {"en": "Workers and trade unions", "fr": "Travailleurs et syndicats", "es": "Trabajadores y sindicatos", "ar": "العمال والنقابات العمالية", "ru": "Трудящиеся и профсоюзы", "zh-hans": "工人和工会"}),
    (12, "foundations", ["drsrp"], "", {"en": "Foundations and philanthropists", "fr": "Fondations et philanthropes", "es": "Fundaciones y filántropos", "ar": "المؤسسات الخيرية والمحسنون", "ru": "Фонды и благотворители", "zh-hans": "基金会和慈善家"}),
    (13, "indigenous-peoples", ["lhss"], "", {"en": "Indigenous peoples", "fr": "Peuples autochtones", "es": "Pueblos indígenas", "ar": "الشعوب الأصلية", "ru": "Коренные народы", "zh-hans": "土著人民"}),
    (14, "grassroots", ["lhss"], "", {"en": "Grassroots and informal settlements organizations", "fr": "Organisations de base et des établissements informels", "es": "Organizaciones de base y de asentamientos informales", "ar": "المنظمات الشعبية ومنظمات المستوطنات غير الرسمية", "ru": "Низовые организации и организации неформальных поселений", "zh-hans": "基层和非正规住区组织"}),
    (15, "older-persons", ["hrsis", "lhss"], "", {"en": "Older persons", "fr": "Personnes âgées", "es": "Personas de edad", "ar": "كبار السن", "ru": "Пожилые люди", "zh-hans": "老年人"}),
    (16, "persons-with-disabilities", ["hrsis"], "", {"en": "Persons with disabilities", "fr": "Personnes handicapées", "es": "Personas con discapacidad", "ar": "الأشخاص ذوو الإعاقة", "ru": "Инвалиды", "zh-hans": "残疾人"}),
    (17, "media", ["cms"], "", {"en": "Media", "fr": "Médias", "es": "Medios de comunicación", "ar": "وسائط الإعلام", "ru": "Средства массовой информации", "zh-hans": "媒体"}),
    (18, "farmers", ["plgu"], "", {"en": "Farmers", "fr": "Agriculteurs", "es": "Agricultores", "ar": "المزارعون", "ru": "Фермеры", "zh-hans": "农民"}),
    (19, "parliamentarians", ["plgu"], "", {"en": "Parliamentarians", "fr": "Parlementaires", "es": "Parlamentarios", "ar": "البرلمانيون", "ru": "Парламентарии", "zh-hans": "议员"}),
]

THEMES = [
    ("land", {"en": "Land", "fr": "Foncier", "es": "Tierras", "ar": "الأراضي", "ru": "Земля", "zh-hans": "土地"}),
    ("housing", {"en": "Housing", "fr": "Logement", "es": "Vivienda", "ar": "الإسكان", "ru": "Жилье", "zh-hans": "住房"}),
    ("safer-cities", {"en": "Safer cities", "fr": "Villes plus sûres", "es": "Ciudades más seguras", "ar": "مدن أكثر أمانا", "ru": "Более безопасные города", "zh-hans": "更安全的城市"}),
    ("public-space", {"en": "Public space", "fr": "Espace public", "es": "Espacio público", "ar": "الأماكن العامة", "ru": "Общественные пространства", "zh-hans": "公共空间"}),
    ("urban-planning", {"en": "Urban planning", "fr": "Planification urbaine", "es": "Planificación urbana", "ar": "التخطيط الحضري", "ru": "Городское планирование", "zh-hans": "城市规划"}),
    ("water", {"en": "Water", "fr": "Eau", "es": "Agua", "ar": "المياه", "ru": "Водоснабжение", "zh-hans": "水"}),
    ("sanitation", {"en": "Sanitation", "fr": "Assainissement", "es": "Saneamiento", "ar": "الصرف الصحي", "ru": "Санитария", "zh-hans": "卫生设施"}),
    ("transport", {"en": "Transport", "fr": "Transports", "es": "Transporte", "ar": "النقل", "ru": "Транспорт", "zh-hans": "交通"}),
    ("infrastructure", {"en": "Infrastructure", "fr": "Infrastructures", "es": "Infraestructura", "ar": "البنية التحتية", "ru": "Инфраструктура", "zh-hans": "基础设施"}),
    ("urban-health", {"en": "Urban health", "fr": "Santé urbaine", "es": "Salud urbana", "ar": "الصحة الحضرية", "ru": "Здоровье в городах", "zh-hans": "城市卫生"}),
    ("climate", {"en": "Climate change", "fr": "Changements climatiques", "es": "Cambio climático", "ar": "تغير المناخ", "ru": "Изменение климата", "zh-hans": "气候变化"}),
    ("resilience", {"en": "Urban resilience and disaster risk reduction", "fr": "Résilience urbaine et réduction des risques de catastrophe", "es": "Resiliencia urbana y reducción del riesgo de desastres", "ar": "المرونة الحضرية والحد من مخاطر الكوارث", "ru": "Устойчивость городов и снижение риска бедствий", "zh-hans": "城市韧性和减少灾害风险"}),
    ("urban-economy", {"en": "Urban economy and finance", "fr": "Économie et finances urbaines", "es": "Economía y finanzas urbanas", "ar": "الاقتصاد والتمويل الحضريان", "ru": "Городская экономика и финансы", "zh-hans": "城市经济和金融"}),
    ("governance", {"en": "Urban governance and legislation", "fr": "Gouvernance et législation urbaines", "es": "Gobernanza y legislación urbanas", "ar": "الحوكمة والتشريعات الحضرية", "ru": "Городское управление и законодательство", "zh-hans": "城市治理和立法"}),
    ("data", {"en": "Urban data and monitoring", "fr": "Données et suivi urbains", "es": "Datos y seguimiento urbanos", "ar": "البيانات والرصد الحضريان", "ru": "Городские данные и мониторинг", "zh-hans": "城市数据和监测"}),
]

SDG = [
    ("11.1", "Safe and affordable housing and basic services; upgrade slums", "Logement sûr et abordable, services de base, assainissement des quartiers de taudis", "Vivienda segura y asequible, servicios básicos y mejora de barrios marginales", "السكن الآمن الميسور والخدمات الأساسية ورفع مستوى الأحياء الفقيرة", "安全、负担得起的住房和基本服务，改造贫民窟", "Безопасное и доступное жилье, базовые услуги, благоустройство трущоб"),
    ("11.2", "Safe, affordable, accessible and sustainable transport systems", "Systèmes de transport sûrs, abordables, accessibles et durables", "Sistemas de transporte seguros, asequibles, accesibles y sostenibles", "نظم نقل مأمونة وميسورة التكلفة ومستدامة", "安全、负担得起、便利和可持续的交通系统", "Безопасные, доступные и устойчивые транспортные системы"),
    ("11.3", "Inclusive and sustainable urbanization and participatory planning", "Urbanisation durable pour tous et planification participative", "Urbanización inclusiva y sostenible y planificación participativa", "التوسع الحضري الشامل والمستدام والتخطيط التشاركي", "包容和可持续的城市建设与参与性规划", "Инклюзивная и устойчивая урбанизация и комплексное планирование с участием населения"),
    ("11.4", "Protect and safeguard cultural and natural heritage", "Protéger et préserver le patrimoine culturel et naturel", "Proteger y salvaguardar el patrimonio cultural y natural", "حماية التراث الثقافي والطبيعي وصونه", "保护和捍卫文化和自然遗产", "Защита и охрана культурного и природного наследия"),
    ("11.5", "Reduce deaths and losses from disasters", "Réduire le nombre de décès et les pertes dus aux catastrophes", "Reducir las muertes y pérdidas causadas por los desastres", "الحد من الوفيات والخسائر الناجمة عن الكوارث", "减少灾害造成的死亡和损失", "Сокращение числа погибших и ущерба от бедствий"),
    ("11.6", "Reduce the environmental impact of cities (air quality, waste)", "Réduire l'impact environnemental des villes (qualité de l'air, déchets)", "Reducir el impacto ambiental de las ciudades (calidad del aire, desechos)", "الحد من الأثر البيئي للمدن (جودة الهواء، النفايات)", "减少城市对环境的不利影响（空气质量、废物）", "Уменьшение воздействия городов на окружающую среду (качество воздуха, отходы)"),
    ("11.7", "Safe, inclusive and accessible green and public spaces", "Espaces verts et publics sûrs, ouverts à tous et accessibles", "Zonas verdes y espacios públicos seguros, inclusivos y accesibles", "أماكن عامة وخضراء آمنة وشاملة للجميع ويمكن الوصول إليها", "安全、包容、无障碍的绿地和公共空间", "Безопасные, инклюзивные и доступные зеленые зоны и общественные места"),
    ("11.a", "Positive economic, social and environmental links between urban, peri-urban and rural areas", "Liens économiques, sociaux et environnementaux entre zones urbaines, périurbaines et rurales", "Vínculos económicos, sociales y ambientales entre zonas urbanas, periurbanas y rurales", "روابط اقتصادية واجتماعية وبيئية إيجابية بين المناطق الحضرية وشبه الحضرية والريفية", "城市、近郊和农村地区之间的经济、社会和环境联系", "Позитивные связи между городскими, пригородными и сельскими районами"),
    ("11.b", "Integrated policies for inclusion, resilience and disaster risk management (Sendai)", "Politiques intégrées d'intégration, de résilience et de gestion des risques (Sendai)", "Políticas integradas de inclusión, resiliencia y gestión del riesgo de desastres (Sendái)", "سياسات متكاملة للإدماج والمرونة وإدارة مخاطر الكوارث (سنداي)", "包容、抗灾和灾害风险管理的综合政策（仙台）", "Комплексная политика интеграции, устойчивости и управления рисками бедствий (Сендай)"),
    ("11.c", "Support least developed countries in building sustainable and resilient buildings", "Aider les pays les moins avancés à construire des bâtiments durables et résilients", "Apoyar a los países menos adelantados en la construcción de edificios sostenibles y resilientes", "دعم أقل البلدان نموا في تشييد المباني المستدامة والقادرة على الصمود", "支持最不发达国家建造可持续和有抵御灾害能力的建筑", "Поддержка наименее развитых стран в строительстве устойчивых зданий"),
]

NUA = [
    ("social-inclusion", {"en": "Sustainable urban development for social inclusion and ending poverty", "fr": "Développement urbain durable au service de l'inclusion sociale et de l'élimination de la pauvreté", "es": "Desarrollo urbano sostenible en favor de la inclusión social y la erradicación de la pobreza", "ar": "التنمية الحضرية المستدامة من أجل الإدماج الاجتماعي وإنهاء الفقر", "ru": "Устойчивое городское развитие в интересах социальной интеграции и ликвидации нищеты", "zh-hans": "促进社会包容和消除贫困的可持续城市发展"}),
    ("prosperity", {"en": "Sustainable and inclusive urban prosperity and opportunities for all", "fr": "Prospérité urbaine durable et partagée et possibilités pour tous", "es": "Prosperidad urbana sostenible e inclusiva y oportunidades para todos", "ar": "الرخاء الحضري المستدام والشامل للجميع وإتاحة الفرص للجميع", "ru": "Устойчивое и инклюзивное процветание городов и возможности для всех", "zh-hans": "可持续和包容的城市繁荣和人人享有机会"}),
    ("environment", {"en": "Environmentally sustainable and resilient urban development", "fr": "Développement urbain écologiquement viable et résilient", "es": "Desarrollo urbano resiliente y ambientalmente sostenible", "ar": "التنمية الحضرية المستدامة بيئيا والقادرة على الصمود", "ru": "Экологически устойчивое и жизнестойкое городское развитие", "zh-hans": "环境可持续和有韧性的城市发展"}),
    ("governance", {"en": "Building the urban governance structure: a supportive framework", "fr": "Mise en place de la structure de gouvernance urbaine", "es": "Establecimiento de la estructura de gobernanza urbana", "ar": "بناء هيكل الحوكمة الحضرية: إطار داعم", "ru": "Создание структуры городского управления", "zh-hans": "建立城市治理结构：支持性框架"}),
    ("planning", {"en": "Planning and managing urban spatial development", "fr": "Planification et gestion de l'aménagement du territoire urbain", "es": "Planificación y gestión del desarrollo espacial urbano", "ar": "تخطيط وإدارة التنمية المكانية الحضرية", "ru": "Планирование и управление пространственным развитием городов", "zh-hans": "规划和管理城市空间发展"}),
    ("means", {"en": "Means of implementation", "fr": "Moyens de mise en œuvre", "es": "Medios de aplicación", "ar": "وسائل التنفيذ", "ru": "Средства осуществления", "zh-hans": "执行手段"}),
]


def seed(apps, schema_editor):
    Country = apps.get_model("registry", "Country")
    Office = apps.get_model("org", "Office")
    Category = apps.get_model("registry", "StakeholderCategory")
    Tag = apps.get_model("registry", "Tag")
    with M49.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    existing = set(Country.objects.values_list("iso2", flat=True))
    Country.objects.bulk_create(
        [
            Country(
                iso2=r["iso2"], iso3=r["iso3"], m49=r["m49"], region_code=r["region_code"],
                subregion_code=r["subregion_code"], intermediate_code=r["intermediate_code"],
                ldc=bool(r["ldc"]), lldc=bool(r["lldc"]), sids=bool(r["sids"]),
                **{f"{kind}_{lang.replace('-', '_')}": r[f"{kind}_{lang}"] for kind in ("name", "region", "subregion") for lang in LANGS},
            )
            for r in rows
            if r["iso2"] not in existing
        ]
    )
    offices = {o.code: o for o in Office.objects.all()}
    for number, code, focal, note, names in CATEGORIES:
        category, created = Category.objects.get_or_create(
            code=code,
            defaults={"number": number, "name": names["en"], "focal_note": note,
                      "name_translations": {k: v for k, v in names.items() if k != "en"}},
        )
        if created:
            category.focal_offices.set([offices[c] for c in focal if c in offices])
    for code, names in THEMES:
        Tag.objects.get_or_create(kind="theme", code=code, defaults={"name": names["en"], "name_translations": {k: v for k, v in names.items() if k != "en"}})
    for code, en, fr, es, ar, zh, ru in SDG:
        Tag.objects.get_or_create(kind="sdg", code=code, defaults={"name": f"{code} {en}", "name_translations": {"fr": f"{code} {fr}", "es": f"{code} {es}", "ar": f"{code} {ar}", "zh-hans": f"{code} {zh}", "ru": f"{code} {ru}"}})
    for code, names in NUA:
        Tag.objects.get_or_create(kind="nua", code=code, defaults={"name": names["en"], "name_translations": {k: v for k, v in names.items() if k != "en"}})


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial"), ("org", "0002_seed_offices")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
