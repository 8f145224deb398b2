"""Manual points reach the store as text, never through a temporary file: an uploaded CSV is
decoded as ``grader apply-overrides`` decodes a file (a spreadsheet's BOM dropped, bytes that are
not UTF-8 named by line), and the per-student form's point is checked the same way."""

from __future__ import annotations

import html
import io
from pathlib import Path

import pytest
from fastapi import HTTPException, UploadFile
from httpx import Response

from grader.report.overrides import decoded, read_overrides
from grader.service import ta_api
from grader.sheet import SheetError
from tests.service import test_ta_review
from tests.service.test_ta_review import Course

course = test_ta_review.course  # the fixture: three graded students, nothing run

API = "/api/ta/sheets/inf264-ex4/manual-points"
HEADER = "student,task,point,max_points,points,comment\r\n"


def _post(course: Course, data: bytes) -> Response:
    ta = course.client("ta")  # a cookie session: the API wants its CSRF token in a header
    ta.headers["x-csrf-token"] = ta.get("/api/me").json()["csrf_token"]
    return ta.post(API, files={"file": ("o.csv", data)})


def _scores(course: Course) -> dict[str, float]:
    table = course.client("ta").get("/api/ta/sheets/inf264-ex4/class").json()
    return {r["student"]: r["score"] for r in table}


def test_decoded_drops_a_bom_and_names_the_line_that_is_not_utf8(tmp_path: Path) -> None:
    assert decoded(b"\xef\xbb\xbfa,b\r\n\xc3\xa9\r\n", "o.csv") == "a,b\r\n\u00e9\r\n"
    with pytest.raises(SheetError, match=r"^o\.csv line 3: not UTF-8 text \(invalid start byte\)$"):
        decoded(b"\xef\xbb\xbfa\r\nb\r\nc\xff\r\n", "o.csv")
    path = tmp_path / "overrides.csv"  # the CLI's file gets the same message, not a grader bug
    path.write_bytes(HEADER.encode() + b"bob,1.1,1.1-a-to-e,1,1,\xff\n")
    with pytest.raises(SheetError, match=r"^overrides\.csv line 2: not UTF-8 text"):
        read_overrides(None, path, ["bob"])  # type: ignore[arg-type]  # decoding comes first


def test_an_uploaded_csv_with_a_bom_and_crlf_lines_is_applied(course: Course) -> None:
    before = _scores(course)
    text = HEADER + 'bob,1.1,1.1-a-to-e,1,1,"two\r\nlines"\r\n'
    applied = _post(course, b"\xef\xbb\xbf" + text.encode())
    assert applied.status_code == 200 and applied.json() == {"sheet": "inf264-ex4", "points": 1}
    assert _scores(course)["bob"] == pytest.approx(before["bob"] + 1)


@pytest.mark.parametrize(("data", "status", "detail"), [
    ((HEADER + "bob,1.1,1.1-a-to-e,1,1,\r\nalice,1.1,1.1-a-to-e,1,1,caf\xe9\r\n").encode("latin-1"), 422,
     "overrides.csv line 3: not UTF-8 text (invalid continuation byte)"),
    ((HEADER + "bob,1.1,1.1-a-to-e,1,1,\r\nzed,1.1,1.1-a-to-e,1,1,\r\n").encode(), 422,
     "overrides not applied: overrides.csv line 3: unknown student 'zed'"),
    ((HEADER + "bob,1.1,1.1-a-to-e,1,1,\r\n").encode() + b"#" * (4 * 2**20), 413,
     "a form here is at most 2097152 bytes"),  # the app's cap on every form comes first
])
def test_a_bad_upload_is_refused_whole(course: Course, data: bytes, status: int, detail: str) -> None:
    before = _scores(course)
    refused = _post(course, data)
    assert (refused.status_code, refused.json()["detail"]) == (status, detail)
    assert _scores(course) == before  # bob's good line was not stored either


def test_the_endpoint_caps_the_csv_itself(course: Course) -> None:
    """Past the form cap (were it lifted), a CSV cut short would store a prefix of its rows."""
    data = (HEADER + "bob,1.1,1.1-a-to-e,1,1,\r\n").encode() + b"#" * (4 * 2**20)
    before = _scores(course)
    with pytest.raises(HTTPException) as refused:
        ta_api.manual_points("inf264-ex4", UploadFile(io.BytesIO(data)), None, course.svc)  # type: ignore[arg-type]
    assert (refused.value.status_code, refused.value.detail) == (413, "an overrides CSV is at most 2 MiB")
    assert _scores(course) == before


def test_the_student_pages_point_form_is_checked_and_stored(course: Course) -> None:
    ta = course.client("ta")
    form = {"sheet": "inf264-ex4", "task": "1.1", "point": "1.1-a-to-e", "max_points": "1",
            "csrf": ta.get("/api/me").json()["csrf_token"]}
    before = _scores(course)
    refused = ta.post("/ta/students/bob/points", data={**form, "points": "7"})
    assert refused.status_code == 422
    assert "overrides.csv line 2: points 7 outside 0…1" in html.unescape(refused.text)
    saved = ta.post("/ta/students/bob/points", data={**form, "points": "0.5", "comment": "=1+1, \"so\"\nok"},
                    follow_redirects=False)
    assert saved.status_code == 303 and _scores(course)["bob"] == pytest.approx(before["bob"] + 0.5)
    shown = html.unescape(ta.get("/ta/students/bob").text)
    assert '>=1+1, "so"\nok</textarea>' in shown  # kept as typed: no formula guard, quotes, line break
