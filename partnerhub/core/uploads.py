"""Checks every stored upload passes: not empty, under a size limit, of a type decided by its first bytes
(never by its name or the browser's claim), and its SHA-256, read once."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext as _

from partnerhub.core.errors import ValidationFailed

# How many leading bytes a `sniff` function sees.
HEAD_BYTES = 16


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    size: int
    sha256: str
    name: str  # the file's own name without any folder, at most 200 characters


def check_upload(
    upload: Any, *, limit: int, sniff: Callable[[bytes], str], refused: str, default_name: str = "file"
) -> CheckedUpload:
    """Refuse (`ValidationFailed` on "file") an empty or too large upload, or one whose first bytes `sniff`
    does not recognise (`refused` says which types are accepted); the upload is left rewound."""
    size = upload.size or 0
    if size <= 0:
        raise ValidationFailed({"file": [_("The file is empty.")]})
    if size > limit:
        raise ValidationFailed(
            {"file": [_("The file is larger than %(limit)d MB.") % {"limit": limit // (1024 * 1024)}]}
        )
    upload.seek(0)
    content_type = sniff(upload.read(HEAD_BYTES))
    if not content_type:
        raise ValidationFailed({"file": [refused]})
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = (upload.name or default_name).replace("\\", "/").rsplit("/", 1)[-1][:200]
    return CheckedUpload(content_type=content_type, size=size, sha256=digest.hexdigest(), name=name)


def download_response(stored: Any, *, filename: str, content_type: str) -> FileResponse:
    """A stored upload as a download that browsers neither sniff, render nor cache (callers check who may)."""
    response = FileResponse(
        stored.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
