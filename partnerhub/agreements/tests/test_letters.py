"""Letters generated from the instrument's DOCX template in a language (docxtpl)."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile

from partnerhub.agreements import services
from partnerhub.agreements.models import DOCX_TYPE, InstrumentTemplate
from partnerhub.agreements.tests.factories import instrument, snapshot
from partnerhub.core.errors import DomainError, NotAllowed

pytestmark = pytest.mark.django_db
docx = pytest.importorskip("docx")


def _template(language: str, text: str) -> InstrumentTemplate:
    document = docx.Document()
    document.add_paragraph(text)
    document.add_paragraph("{% for p in parties %}{{ p.name }}; {% endfor %}")
    out = io.BytesIO()
    document.save(out)
    template = InstrumentTemplate(instrument=instrument("MOU"), language=language)
    template.file.save("t.docx", ContentFile(out.getvalue()), save=False)
    template.save()
    return template


def _text(document) -> str:
    with document.file.open("rb") as f:
        return "\n".join(p.text for p in docx.Document(io.BytesIO(f.read())).paragraphs)


def test_letter_is_filled_in_the_chosen_language_and_kept(draft, staff_member):
    _template("en", "Memorandum {{ reference }}: {{ title }}")
    _template("fr", "Mémorandum {{ reference }} : {{ title }}")

    letter = services.letter_generate(actor=staff_member, agreement=draft, language="fr")

    assert (letter.kind, letter.content_type) == ("generated", DOCX_TYPE)
    assert letter.original_name == f"{draft.reference.replace('/', '-')}-fr.docx"
    assert _text(letter) == f"Mémorandum {draft.reference} : Cooperation on urban planning\nCity of Nakuru; "


def test_english_is_the_fallback_and_a_missing_template_is_refused(draft, staff_member):
    before = snapshot(draft)
    with pytest.raises(DomainError) as refusal:
        services.letter_generate(actor=staff_member, agreement=draft, language="ar")
    assert refusal.value.code == "no_template"
    assert snapshot(draft) == before

    _template("en", "{{ reference }}")
    assert _text(services.letter_generate(actor=staff_member, agreement=draft, language="ar")).startswith(
        draft.reference
    )


def test_a_broken_template_is_refused_with_a_reason(draft, staff_member):
    _template("en", "{{ reference ")

    with pytest.raises(DomainError) as refusal:
        services.letter_generate(actor=staff_member, agreement=draft, language="en")

    assert refusal.value.code == "bad_template"
    assert draft.documents.count() == 0


def test_only_the_owning_office_generates_letters(draft, focal_point):
    _template("en", "{{ reference }}")
    with pytest.raises(NotAllowed):
        services.letter_generate(actor=focal_point, agreement=draft, language="en")


def test_letters_through_the_page_and_the_api(client_for, staff_member, draft):
    _template("en", "{{ reference }}")
    client = client_for(staff_member)

    response = client.post(f"/agreements/{draft.pk}/letters/", {"language": "en"}, follow=True)
    created = client.post(
        f"/api/v1/agreements/{draft.pk}/letters", '{"language": "en"}', content_type="application/json"
    )

    assert "Letter generated" in response.content.decode()
    assert created.status_code == 201
    assert created.json()["content_type"] == DOCX_TYPE
    with_pdf = services._weasyprint() is not None  # a PDF of the same text where WeasyPrint loads
    assert (created.json()["pdf"] or {}).get("content_type") == ("application/pdf" if with_pdf else None)
    listed = client.get(f"/api/v1/agreements/{draft.pk}/documents").json()
    assert [d["kind"] for d in listed] == ["generated"] * (4 if with_pdf else 2)  # DOCX (and PDF) each time
    docx_id = next(d["id"] for d in listed if d["content_type"] == DOCX_TYPE)
    download = client.get(f"/agreements/{draft.pk}/documents/{docx_id}/")
    assert download["Content-Type"] == DOCX_TYPE


def test_templates_run_sandboxed(draft, staff_member):
    _template("en", "{{ reference.__class__.__mro__[1].__subclasses__() }}")

    with pytest.raises(DomainError) as refusal:
        services.letter_generate(actor=staff_member, agreement=draft, language="en")

    assert refusal.value.code == "bad_template"
