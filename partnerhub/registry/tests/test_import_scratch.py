import pytest
from partnerhub.registry import importer
from partnerhub.registry.models import Partner, DuplicateKey
from partnerhub.core.models import RecordHistory, AuditLog

pytestmark = pytest.mark.django_db

CSV = """Organisation;Acronym;Country;Category;Channel;Website;Office;Tags;Alternative names
Nairobi Housing Trust;NHT;KE;civil-society;event;nht.example.org;plgu;housing;NHT Kenya
Fundación Vivienda;;Argentina;7;Workshop, networking event or other meeting;;ROLAC;;
"""

def test_smoke(plgu_officer):
    table, mapping, result, counts = importer.run_file(CSV.encode("cp1252"), user=plgu_officer, source="t")
    print(table.encoding, table.delimiter, mapping)
    print([e for e in result.errors])
    print(counts)
    assert counts["created"] == 2
    p = Partner.objects.get(acronym="NHT")
    print(p.search_text, p.name_key, list(DuplicateKey.objects.filter(partner=p).values_list("key", flat=True)))
    print(list(RecordHistory.objects.values_list("object_id", "action", "actor_label")))
    print(list(AuditLog.objects.values_list("action", "after")))
    table, mapping, result, counts = importer.run_file(CSV.encode("cp1252"), user=plgu_officer, source="t")
    print([ (r.number, r.matches) for r in result.rows])
    print(counts)
