"""The checks every stored upload passes: size, type by content, digest, a clean name."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from partnerhub.core.errors import ValidationFailed
from partnerhub.core.uploads import check_upload


def pdf_only(head: bytes) -> str:
    return "application/pdf" if head.startswith(b"%PDF-") else ""


def test_a_pdf_is_accepted_with_its_digest_and_a_name_without_folders():
    data = b"%PDF-1.7\n" + b"x" * 100
    checked = check_upload(
        SimpleUploadedFile("C:\\Users\\me\\statutes.pdf", data),
        limit=1024,
        sniff=pdf_only,
        refused="PDF only",
    )
    assert (checked.content_type, checked.size, checked.name) == (
        "application/pdf",
        len(data),
        "statutes.pdf",
    )
    assert checked.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"%PDF-" + b"x" * 2 * 1024 * 1024, "The file is larger than 1 MB."),
        (b"MZ\x90\x00 renamed program", "PDF only"),
    ],
)
def test_empty_too_large_or_wrong_type_is_refused_with_a_reason(data, message):
    with pytest.raises(ValidationFailed) as refusal:
        check_upload(SimpleUploadedFile("x.pdf", data), limit=1024 * 1024, sniff=pdf_only, refused="PDF only")
    assert refusal.value.errors == {"file": [message]}


def test_a_download_is_an_attachment_browsers_neither_sniff_render_nor_cache(tmp_path):
    from django.core.files import File

    from partnerhub.core.uploads import download_response

    path = tmp_path / "stored.bin"
    path.write_bytes(b"%PDF-1.7\n")
    with path.open("rb") as handle:
        response = download_response(
            File(handle, name=str(path)), filename="statutes.pdf", content_type="application/pdf"
        )
        assert response["Content-Disposition"] == 'attachment; filename="statutes.pdf"'
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "private, no-store"
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert b"".join(response.streaming_content) == b"%PDF-1.7\n"
