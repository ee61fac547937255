"""The PDF of a generated letter: the same text as the DOCX, printed by WeasyPrint from an HTML rendering."""

from __future__ import annotations

import importlib.util
import io
import re
import shutil
import subprocess

import pytest
from django.core.files.base import ContentFile

from partnerhub.agreements import services
from partnerhub.agreements.models import DOCX_TYPE, PDF_TYPE, Document, InstrumentTemplate
from partnerhub.agreements.tests.factories import instrument, snapshot
from partnerhub.core.errors import DomainError, NotAllowed
from partnerhub.core.models import AuditLog
from partnerhub.registry import services as registry

pytestmark = pytest.mark.django_db
docx = pytest.importorskip("docx")
weasyprint = services._weasyprint()  # None where WeasyPrint or the Pango library it loads is missing
if weasyprint is None:
    pytest.skip("WeasyPrint cannot be loaded (Debian: libpango-1.0-0)", allow_module_level=True)


def _template(language: str, *paragraphs: str, heading: str = "", table: bool = False) -> InstrumentTemplate:
    document = docx.Document()
    if heading:
        document.add_heading(heading, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        cells = document.add_table(rows=2, cols=2)
        cells.cell(0, 0).text, cells.cell(0, 1).text = "Start", "{{ start_date }}"
        cells.cell(1, 0).text, cells.cell(1, 1).text = "End", "{{ end_date }}"
        document.add_paragraph("After the table: {{ office }}")
    out = io.BytesIO()
    document.save(out)
    template = InstrumentTemplate(instrument=instrument("MOU"), language=language)
    template.file.save("t.docx", ContentFile(out.getvalue()), save=False)
    template.save()
    return template


def _read(document: Document) -> bytes:
    with document.file.open("rb") as f:
        return f.read()


@pytest.fixture
def rendered(monkeypatch):
    """The HTML each generated PDF was printed from, in order."""
    pages: list[str] = []
    original = services.letter_pdf

    def spy(html: str) -> bytes:
        pages.append(html)
        return original(html)

    monkeypatch.setattr(services, "letter_pdf", spy)
    return pages


def _pdf_text(data: bytes) -> str | None:
    if importlib.util.find_spec("pypdf") is None:
        return None
    import pypdf  # type: ignore[import-not-found,unused-ignore]

    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_a_letter_comes_as_a_docx_and_a_pdf_of_the_same_text(draft, staff_member, rendered):
    _template(
        "en",
        "Memorandum {{ reference }}: {{ title }}",
        "{% for p in parties %}{{ p.name }}; {% endfor %}",
        "<b>not markup</b> & {{ reference }}",
        heading="Memorandum of Understanding",
        table=True,
    )

    letter = services.letter_generate_documents(actor=staff_member, agreement=draft, language="en")

    assert letter.pdf is not None
    assert (letter.docx.content_type, letter.pdf.content_type) == (DOCX_TYPE, PDF_TYPE)
    assert (letter.pdf.kind, letter.pdf.agreement_version) == ("generated", letter.docx.agreement_version)
    name = draft.reference.replace("/", "-")
    assert (letter.docx.original_name, letter.pdf.original_name) == (f"{name}-en.docx", f"{name}-en.pdf")
    data = _read(letter.pdf)
    assert data.startswith(b"%PDF")
    assert letter.pdf.size == len(data)
    assert set(draft.documents.values_list("content_type", flat=True)) == {DOCX_TYPE, PDF_TYPE}

    (html,) = rendered
    paragraphs = [p.text for p in docx.Document(io.BytesIO(_read(letter.docx))).paragraphs]
    assert f"Memorandum {draft.reference}: Cooperation on urban planning" in paragraphs
    text = _pdf_text(data)
    if text is not None:  # pypdf installed: read the PDF itself
        assert draft.reference in text
        assert "Cooperation on urban planning" in text
    else:  # otherwise: the HTML the PDF was printed from has the DOCX's text, and it lays out on pages
        assert len(weasyprint.HTML(string=html, base_url=None).render().pages) > 0
    assert '<html lang="en" dir="ltr">' in html
    assert f'class="reference">{draft.reference}<' in html  # the header line
    assert "UN-Habitat" in html
    assert f"<p>Memorandum {draft.reference}: Cooperation on urban planning</p>" in html
    assert "<p>City of Nakuru; </p>" in html
    assert '<p class="heading">Memorandum of Understanding</p>' in html
    assert f"<p>&lt;b&gt;not markup&lt;/b&gt; &amp; {draft.reference}</p>" in html  # text, not markup
    # Paragraphs and tables keep their order.
    start = draft.current_version.start_date.isoformat()
    assert html.index("City of Nakuru") < html.index(f"<td>{start}</td>") < html.index("After the table")


def test_the_docx_entry_point_still_returns_the_docx(draft, staff_member):
    _template("en", "{{ reference }}")

    letter = services.letter_generate(actor=staff_member, agreement=draft, language="en")

    assert letter.content_type == DOCX_TYPE
    assert draft.documents.filter(content_type=PDF_TYPE).count() == 1


def test_an_arabic_letter_is_printed_right_to_left(draft, staff_member, rendered):
    _template("en", "{{ reference }}")
    _template("ar", "مذكرة تفاهم {{ reference }}", "{% for p in parties %}{{ p.name }}{% endfor %}")

    letter = services.letter_generate_documents(actor=staff_member, agreement=draft, language="ar")

    (html,) = rendered
    assert '<html lang="ar" dir="rtl">' in html
    assert f"مذكرة تفاهم {draft.reference}" in html
    assert letter.pdf.original_name.endswith("-ar.pdf")
    assert _read(letter.pdf).startswith(b"%PDF")


def test_a_fallback_letter_takes_the_language_of_its_template(draft, staff_member, rendered):
    _template("en", "{{ reference }}")

    letter = services.letter_generate_documents(actor=staff_member, agreement=draft, language="ar")

    assert '<html lang="en" dir="ltr">' in rendered[0]
    assert letter.pdf.original_name.endswith("-en.pdf")


def _has_chinese_font() -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    found = subprocess.run([fc_list, ":lang=zh"], capture_output=True, text=True, check=False)  # noqa: S603
    return bool(found.stdout.strip())


@pytest.mark.skipif(not _has_chinese_font(), reason="no Chinese font installed (Debian: fonts-wqy-microhei)")
def test_arabic_cyrillic_and_chinese_find_a_font():
    html = services.letter_pdf_html(
        {"reference": "MOU/X/1", "title": "t", "office": ""}, _docx("مرحبا Привет 你好"), "en"
    )

    pdf = weasyprint.HTML(string=html, base_url=None).write_pdf(uncompressed_pdf=True)

    fonts = {f.split(b"+", 1)[-1] for f in re.findall(rb"/BaseFont\s*/([^\s/]+)", pdf)}
    assert b"DejaVu-Sans" in fonts  # Latin, Cyrillic and Arabic
    assert any(f.startswith((b"WenQuanYi", b"Noto-Sans-CJK")) for f in fonts)  # Chinese


def _docx(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_broken_template_still_stores_nothing(draft, staff_member):
    _template("en", "{{ reference ")
    before = snapshot(draft)

    with pytest.raises(DomainError) as refusal:
        services.letter_generate_documents(actor=staff_member, agreement=draft, language="en")

    assert refusal.value.code == "bad_template"
    assert draft.documents.count() == 0
    assert snapshot(draft) == before


def test_a_pdf_that_cannot_be_printed_stores_no_docx_either(draft, staff_member, monkeypatch):
    _template("en", "{{ reference }}")
    before = snapshot(draft)

    def broken(self, *args, **kwargs):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", broken)
    with pytest.raises(DomainError) as refusal:
        services.letter_generate_documents(actor=staff_member, agreement=draft, language="en")

    assert refusal.value.code == "pdf_failed"
    assert draft.documents.count() == 0
    assert snapshot(draft) == before


def test_without_weasyprint_the_docx_alone_is_generated_and_the_user_told(
    draft, staff_member, client_for, monkeypatch
):
    _template("en", "{{ reference }}")
    monkeypatch.setattr(services, "_weasyprint", lambda: None)
    client = client_for(staff_member)

    page = client.post(f"/agreements/{draft.pk}/letters/", {"language": "en"}, follow=True).content.decode()
    created = client.post(
        f"/api/v1/agreements/{draft.pk}/letters", '{"language": "en"}', content_type="application/json"
    )

    assert "Letter generated as DOCX only" in page
    assert "WeasyPrint is not installed" in page
    assert created.status_code == 201
    assert (created.json()["content_type"], created.json()["pdf"]) == (DOCX_TYPE, None)
    assert set(draft.documents.values_list("content_type", flat=True)) == {DOCX_TYPE}


def test_generated_documents_are_audited(draft, staff_member, client_for):
    template = _template("en", "{{ reference }}")

    client_for(staff_member).post(f"/agreements/{draft.pk}/letters/", {"language": "en"})

    docx_document = draft.documents.get(content_type=DOCX_TYPE)
    pdf_document = draft.documents.get(content_type=PDF_TYPE)
    entries = AuditLog.objects.filter(action="agreements.document.generate").order_by("id")
    assert [e.after["document"] for e in entries] == [docx_document.pk, pdf_document.pk]
    assert all(e.actor_id == staff_member.pk and e.target_id == str(draft.pk) for e in entries)
    assert all((e.after["language"], e.after["template"]) == ("en", template.pk) for e in entries)
    assert (entries[1].after["format"], entries[1].after["source"]) == ("pdf", docx_document.pk)


def test_the_page_and_the_api_offer_both_documents(draft, staff_member, client_for):
    _template("en", "{{ reference }}")
    client = client_for(staff_member)

    response = client.post(f"/agreements/{draft.pk}/letters/", {"language": "en"}, follow=True)

    page = response.content.decode()
    assert "Letter generated as DOCX and PDF" in page
    assert "Generate letter (DOCX and PDF)" in page
    name = draft.reference.replace("/", "-")
    assert f"{name}-en.docx</a>" in page
    assert f"{name}-en.pdf</a>" in page
    listed = client.get(f"/api/v1/agreements/{draft.pk}/documents").json()
    assert sorted(d["content_type"] for d in listed) == sorted([DOCX_TYPE, PDF_TYPE])
    pdf = next(d for d in listed if d["content_type"] == PDF_TYPE)
    download = client.get(f"/agreements/{draft.pk}/documents/{pdf['id']}/")
    assert download.status_code == 200
    assert download["Content-Type"] == PDF_TYPE
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_the_pdf_follows_the_rules_of_documents(
    client, client_for, draft, staff_member, focal_point, partner_user, plgu_officer, partner
):
    _template("en", "{{ reference }}")
    letter = services.letter_generate_documents(actor=staff_member, agreement=draft, language="en")
    registry.partner_user_link(actor=plgu_officer, user=partner_user, partner=partner)

    def status(user, document):
        if user is None:
            client.logout()
        else:
            client_for(user)
        return client.get(f"/agreements/{draft.pk}/documents/{document.pk}/").status_code

    # A partner user of a party sees signed copies only: a generated draft letter is internal.
    assert status(partner_user, letter.pdf) == status(partner_user, letter.docx) == 404
    listed = client_for(partner_user).get(f"/api/v1/agreements/{draft.pk}/documents").json()
    assert listed == []
    assert status(None, letter.pdf) == status(None, letter.docx) != 200
    # Staff of another office are treated as for the DOCX (the documents rule: staff see every document),
    # and may not generate letters for an agreement their office does not own.
    assert status(focal_point, letter.pdf) == status(focal_point, letter.docx)
    with pytest.raises(NotAllowed):
        services.letter_generate_documents(actor=focal_point, agreement=draft, language="en")
    assert status(staff_member, letter.pdf) == 200


def test_printing_fetches_nothing(tmp_path):
    from PIL import Image

    image = tmp_path / "red.png"
    Image.new("RGB", (20, 20), "red").save(image)
    html = f'<html><body><p>x</p><img src="file://{image}"></body></html>'

    assert b"/Image" in weasyprint.HTML(string=html, base_url=None).write_pdf()  # WeasyPrint alone would
    assert b"/Image" not in services.letter_pdf(html)
    assert b"/Image" not in services.letter_pdf(html.replace(f"file://{image}", "https://example.org/x.png"))
