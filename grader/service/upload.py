"""Receive one file from a multipart/form-data request while it streams in.

Starlette would buffer the whole body before a handler sees it; here each chunk is parsed as it
arrives and written to the blob store's temporary file, so an oversize upload is cut off at the
limit (413) and nothing of it is kept. The form must carry one file, in the field ``file``.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from grader.service.library import UnsafeArchive, remove_tree, safe_extract
from grader.service.storage import BlobStore, TooLarge

KINDS = {".ipynb": "notebook", ".py": "script", ".zip": "zip"}
FORM_LIMIT = 2 * 2**20  # any other request body (a form, an overrides CSV): refused past this
_FORM_OVERHEAD = 64 * 1024  # boundaries and headers around the file
# The HTML standard's multipart/form-data encoding escapes exactly these three in a file name.
_FORM_ESCAPES = re.compile("%(22|0D|0A)")


class UploadRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Sink:
    """Parser callbacks: the ``file`` part's bytes go to ``out``, counted against ``limit``."""

    def __init__(self, out: IO[bytes], limit: int) -> None:
        self.out, self.limit, self.size = out, limit, 0
        self.field, self.value, self.headers = b"", b"", {}  # type: tuple[bytes, bytes, dict[bytes, bytes]]
        self.filename: str | None = None
        self.writing = self.ended = False

    def callbacks(self) -> dict[str, object]:
        return {"on_header_field": self._field, "on_header_value": self._value,
                "on_header_end": self._header_end, "on_headers_finished": self._headers_done,
                "on_part_data": self._data, "on_part_end": self._part_end, "on_end": self._end}

    def _field(self, data: bytes, start: int, end: int) -> None:
        self.field += data[start:end]

    def _value(self, data: bytes, start: int, end: int) -> None:
        self.value += data[start:end]

    def _header_end(self) -> None:
        self.headers[self.field.lower()] = self.value
        self.field, self.value = b"", b""

    def _headers_done(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        if options.get(b"name") == b"file" and b"filename" in options:
            if self.filename is not None:
                raise UploadRefused(400, "send one file per submission")
            self.filename = form_filename(options[b"filename"])
            self.writing = True

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self.writing:
            self.size += end - start
            if self.size > self.limit:
                raise TooLarge(f"the file is larger than this course's limit of {self.limit} bytes")
            self.out.write(data[start:end])

    def _part_end(self) -> None:
        self.writing, self.headers = False, {}

    def _end(self) -> None:
        self.ended = True


def form_filename(raw: bytes) -> str:
    """The name as the student's browser knew it: ``%22``, ``%0D`` and ``%0A`` decoded (how browsers
    send ``"``, CR and LF), nothing else. Still hostile text: it is shown escaped, staged neutrally."""
    return _FORM_ESCAPES.sub(lambda m: chr(int(m[1], 16)), raw.decode("utf-8", "replace"))


async def receive(content_type: str, length: str | None, chunks: AsyncIterator[bytes],
                  store: BlobStore, limit: int) -> tuple[Path, str]:
    """The temporary file holding the upload and the name the student gave it; UploadRefused else."""
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data" or b"boundary" not in options:
        raise UploadRefused(415, "send the file as multipart/form-data in the field 'file'")
    if length and length.isdigit() and int(length) > limit + _FORM_OVERHEAD:
        raise UploadRefused(413, f"the file is larger than this course's limit of {limit} bytes")
    tmp = store.start()
    try:
        with tmp.open("wb") as out:
            sink = _Sink(out, limit)
            parser = MultipartParser(options[b"boundary"], sink.callbacks(),  # type: ignore[arg-type]
                                     max_size=limit + _FORM_OVERHEAD)
            async for chunk in chunks:
                parser.write(chunk)
            parser.finalize()
    except TooLarge as exc:
        tmp.unlink(missing_ok=True)
        raise UploadRefused(413, str(exc)) from None
    except MultipartParseError as exc:  # a body that is not multipart/form-data after all
        tmp.unlink(missing_ok=True)
        raise UploadRefused(400, f"the upload is not a well-formed multipart/form-data body: {exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    problem = ("the upload ended before the form did (a cut connection?): send it again" if not sink.ended
               else "no file in the form: send it in the field 'file'" if sink.filename is None else "")
    if problem:
        tmp.unlink(missing_ok=True)
        raise UploadRefused(400, problem)
    assert sink.filename is not None
    return tmp, sink.filename


def check_content(path: Path, filename: str, max_unpacked: int) -> str:
    """The submission's kind, or UploadRefused saying why the file cannot be one."""
    kind = KINDS.get(Path(filename).suffix.lower())
    if kind is None:
        raise UploadRefused(415, "submit a notebook (.ipynb), a Python script (.py) or a .zip of them")
    if kind == "zip":
        _check_zip(path, max_unpacked)
    else:
        try:
            text = path.read_text(encoding="utf-8")
            if kind == "notebook" and not isinstance(json.loads(text).get("cells"), list):
                raise ValueError("no cells")
        except (UnicodeDecodeError, ValueError, AttributeError):
            what = "a Jupyter notebook (JSON with cells)" if kind == "notebook" else "UTF-8 Python source"
            raise UploadRefused(415, f"the file is not {what}") from None
    return kind


def _check_zip(path: Path, max_unpacked: int) -> None:
    if not zipfile.is_zipfile(path):
        raise UploadRefused(415, "the file is not a zip archive")
    scratch = path.with_name(path.name + ".unzip" + ".partial")
    scratch.mkdir()
    try:
        safe_extract(path, scratch, max_unpacked)
    except UnsafeArchive as exc:
        raise UploadRefused(422, f"the zip cannot be unpacked safely: {exc}") from None
    finally:
        remove_tree(scratch)
