"""File names as browsers send them: the HTML standard escapes ``"``, CR and LF as %22, %0D, %0A."""

from __future__ import annotations

import pytest

from grader.service.upload import form_filename
from grader.service.worker import staged_name
from tests.service.conftest import Live, upload

BOUNDARY = "----WebKitFormBoundaryx7Q2mZ"


@pytest.mark.parametrize(("sent", "meant"), [
    (b"say %22hi%22.py", 'say "hi".py'),
    (b"two%0D%0Alines.py", "two\r\nlines.py"),
    (b"100%25 %2522 %0a %22%22.py", '100%25 %2522 %0a "".py'),  # nothing else, and only once
    (b"caf\xc3\xa9.ipynb", "café.ipynb"),
])
def test_only_the_three_form_escapes_are_decoded(sent: bytes, meant: str) -> None:
    assert form_filename(sent) == meant


def test_decoded_names_stay_hostile_text() -> None:
    assert staged_name('say "hi".py') == 'say "hi".py'  # a plain name: reports match the CLI's
    assert staged_name("two\r\nlines.py") == "submission.py"
    assert staged_name('"><script>.ipynb') == '"><script>.ipynb'
    assert staged_name("a\nb.zip") == "submission.zip"


def chromium_upload(server: Live, who: str, filename: bytes, content: bytes) -> dict[str, str]:
    """The body Chromium sends for a file input: the name escaped, the content raw."""
    body = (f"--{BOUNDARY}\r\n".encode()
            + b'Content-Disposition: form-data; name="file"; filename="' + filename + b'"\r\n'
            + b"Content-Type: text/x-python\r\n\r\n" + content + f"\r\n--{BOUNDARY}--\r\n".encode())
    with server.client(who) as client:
        response = client.post("/api/sheets/inf264-ex4/submissions", content=body,
                               headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
    assert response.status_code == 202, response.text
    accepted: dict[str, str] = response.json()
    return accepted


def test_browser_escapes_are_shown_decoded_and_escaped(live) -> None:
    server = live()
    quoted = chromium_upload(server, "bob", b"<b>%22bob%22</b>.py", b"x = 1\n")
    assert quoted["filename"] == '<b>"bob"</b>.py'
    lines = chromium_upload(server, "bob", b"two%0D%0Alines%0A.py", b"x = 1\n")
    assert lines["filename"] == "two lines .py"  # one line, as every name is shown
    with server.client("bob") as bob:
        assert upload(bob, "inf264-ex4", 'say "hi".py', b"x = 1\n").json()["filename"] == 'say "hi".py'
        page = bob.get(f"/submissions/{quoted['id']}")
    assert page.status_code == 200, page.text
    assert "&lt;b&gt;&#34;bob&#34;&lt;/b&gt;.py" in page.text and "<b>" not in page.text
    assert "%22" not in page.text
