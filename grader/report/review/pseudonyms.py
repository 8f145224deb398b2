"""Stable pseudonyms for anonymous grading: an HMAC of the student id under a per-OUT secret.

The secret lives in ``OUT/review/.secret`` (owner-only), so a student keeps the same pseudonym
across runs of ``grader review`` and nobody without the secret can map it back to an id.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

SECRET_NAME = ".secret"


def secret_of(folder: Path) -> bytes:
    """The folder's secret, made on first use."""
    path = folder / SECRET_NAME
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def pseudonym(secret: bytes, student: str) -> str:
    return "student-" + hmac.new(secret, student.encode(), hashlib.sha256).hexdigest()[:10]
