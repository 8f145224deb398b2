"""A body that is not a whole multipart/form-data form is refused with a line, never a 500, and
nothing of it is kept (review findings: garbage, cut-off bodies, oversized headers)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from grader.service.storage import BlobStore
from grader.service.upload import UploadRefused, receive

CT = "multipart/form-data; boundary=B"
PART = b'--B\r\nContent-Disposition: form-data; name="file"; filename="t.py"\r\n\r\nx = 1\r\n'


async def _chunks(body: bytes) -> AsyncIterator[bytes]:
    yield body


def run(body: bytes, store: BlobStore) -> tuple[object, str]:
    """In a thread of its own: an event loop may already run in this one (the browser tests')."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, receive(CT, str(len(body)), _chunks(body), store, 10_000)).result()


@pytest.mark.parametrize(("body", "says"), [
    (b"garbage\r\n--B--\r\n", "not a well-formed"),
    (PART, "ended before the form did"),  # no closing boundary: was accepted and graded
    (b'--B\r\nContent-Disposition: form-data; name="file"; filename="' + b"a" * 5000
     + b'.py"\r\n\r\nx\r\n--B--\r\n', "not a well-formed"),
    (b"--B\r\nno colon here\r\n\r\nx\r\n--B--\r\n", "not a well-formed"),
])
def test_broken_bodies_are_refused_and_nothing_is_kept(tmp_path, body, says):
    store = BlobStore(tmp_path / "blobs")
    with pytest.raises(UploadRefused, match=says) as refused:
        run(body, store)
    assert refused.value.status == 400
    assert not [p for p in (tmp_path / "blobs").iterdir() if p.name.startswith(".upload-")]


def test_a_whole_form_is_received(tmp_path):
    path, name = run(PART + b"--B--\r\n", BlobStore(tmp_path / "blobs"))
    assert name == "t.py" and path.read_bytes() == b"x = 1"  # type: ignore[attr-defined]
