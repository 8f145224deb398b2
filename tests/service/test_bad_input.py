"""Every kind of bad input gets a clear refusal and leaves nothing behind."""

from __future__ import annotations

import io
import json
import stat
import zipfile

import pytest

from grader.service.db import SubmissionRow, transaction
from tests.service.conftest import Live, offer, upload

NOTEBOOK = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def stored(server: Live) -> tuple[int, list[str]]:
    """Rows and files: what a refused upload must not have added."""
    with transaction(server.svc.factory) as session:
        rows = session.query(SubmissionRow).count()
    return rows, sorted(p.name for p in server.svc.store.folder.iterdir())


def zipped(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def bomb(mib: int) -> bytes:
    """A small zip that unpacks to ``mib`` MiB of zeros."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("exercise4.py", "x = 1\n")
        with zf.open("big.bin", "w") as fh:
            for _ in range(mib):
                fh.write(bytes(2**20))
    return buf.getvalue()


def test_refused_uploads_keep_nothing(live) -> None:
    server = live(max_upload_mib=1)
    before = stored(server)
    cases = [
        ("big.py", b"#" * (2**20 + 1), 413, "larger than this course's limit"),
        ("notes.txt", b"hello", 415, ".ipynb"),
        ("fake.ipynb", b"not json", 415, "not a Jupyter notebook"),
        ("binary.py", b"\xff\xfe\x00", 415, "not UTF-8 Python source"),
        ("fake.zip", b"PK not really", 415, "not a zip archive"),
        ("slip.zip", zipped({"../../evil.py": b"x = 1"}), 422, "points outside the submission folder"),
        ("bomb.zip", bomb(210), 422, "cannot be unpacked safely"),
    ]
    with server.client("alice") as alice:
        for name, content, status, message in cases:
            response = upload(alice, "inf264-ex4", name, content)
            assert response.status_code == status, (name, response.text)
            assert message in response.json()["detail"], (name, response.text)
        no_file = alice.post("/api/sheets/inf264-ex4/submissions", data={"other": "x"})
        assert no_file.status_code in (400, 415) and "file" in no_file.json()["detail"]
        raw = alice.post("/api/sheets/inf264-ex4/submissions", content=b"x = 1",
                         headers={"content-type": "text/x-python"})
        assert raw.status_code == 415 and "multipart/form-data" in raw.json()["detail"]
    assert stored(server) == before


def test_rules_of_the_course(live) -> None:
    server = live([offer(), offer(sheet="waterloo-a2-1", opens="2099-01-01T00:00:00+00:00", deadline=None),
                   offer(sheet="sheet6-ffnn", late={"policy": "refuse"})])
    with server.client("alice") as alice:
        unknown = upload(alice, "no-such-sheet", "a.py", b"x = 1\n")
        assert unknown.status_code == 404 and "no sheet 'no-such-sheet'" in unknown.json()["detail"]
        early = upload(alice, "waterloo-a2-1", "a.py", b"x = 1\n")
        assert early.status_code == 403 and "opens at 2099-01-01" in early.json()["detail"]
        late = upload(alice, "sheet6-ffnn", "a.py", b"x = 1\n")
        assert late.status_code == 403 and "late submissions are not accepted" in late.json()["detail"]


def test_attempts_and_interval(live) -> None:
    server = live([offer(attempts={"max": 2}), offer(sheet="sheet6-ffnn", attempts={"min_interval": "PT1H"})])
    with server.client("alice") as alice:
        assert upload(alice, "inf264-ex4", "a.py", b"x = 1\n").status_code == 202
        assert upload(alice, "inf264-ex4", "a.py", b"x = 2\n").status_code == 202
        third = upload(alice, "inf264-ex4", "a.py", b"x = 3\n")
        assert third.status_code == 429 and "all 2 attempts" in third.json()["detail"]
        assert "retry-after" not in third.headers
        assert upload(alice, "sheet6-ffnn", "a.py", b"x = 1\n").status_code == 202
        again = upload(alice, "sheet6-ffnn", "a.py", b"x = 2\n")
        assert again.status_code == 429 and 3590 <= int(again.headers["retry-after"]) <= 3600


@pytest.mark.parametrize("header", [None, "Bearer forged-token", "Basic YWxpY2U6eA==", "Bearer"])
def test_missing_or_forged_tokens(live, header: str | None) -> None:
    server = live()
    with server.client(headers={"Authorization": header} if header else {}) as anonymous:
        for method, path in [("GET", "/api/me"), ("GET", "/api/submissions/1"),
                             ("GET", "/api/ta/queue"), ("POST", "/api/sheets/inf264-ex4/submissions"),
                             ("GET", "/metrics")]:
            response = anonymous.request(method, path)
            assert response.status_code == 401, (path, response.text)


def test_revoked_token_and_its_session(live) -> None:
    from grader.service import admin

    server = live()
    with server.client() as browser:
        assert browser.get(f"/login?token={server.tokens['alice']}").status_code == 303
        assert browser.get("/api/me").json()["id"] == "alice"
        url = str(server.svc.engine.url.render_as_string(hide_password=False))
        revoked, secret = admin.student_token(url, "alice", new=True, revoke_only=False)
        assert revoked == 1 and secret
        assert browser.get("/api/me").status_code == 401  # the session died with its token
    with server.client("alice") as old:
        assert old.get("/api/me").status_code == 401
    with server.client(headers={"Authorization": f"Bearer {secret}"}) as new:
        assert new.get("/api/me").json()["id"] == "alice"


def test_cookie_sessions_need_the_csrf_token(live) -> None:
    server = live()
    with server.client() as browser:
        landing = browser.get(f"/login?token={server.tokens['bob']}", follow_redirects=False)
        cookie = landing.headers["set-cookie"].lower()
        assert landing.status_code == 303 and "httponly" in cookie and "samesite=lax" in cookie
        me = browser.get("/api/me").json()
        assert me["name"] == "<script>alert(1)</script> Bob" and me["csrf_token"]
        refused = upload(browser, "inf264-ex4", "a.py", b"x = 1\n")
        assert refused.status_code == 403 and "X-CSRF-Token" in refused.json()["detail"]
        forged = browser.post("/api/sheets/inf264-ex4/submissions", files={"file": ("a.py", b"x = 1\n")},
                              headers={"X-CSRF-Token": "guess"})
        assert forged.status_code == 403
        accepted = browser.post("/api/sheets/inf264-ex4/submissions", files={"file": ("a.py", b"x = 1\n")},
                                headers={"X-CSRF-Token": me["csrf_token"]})
        assert accepted.status_code == 202
    with server.client() as stranger:
        stranger.cookies.set("grader_session", "forged.cookie.value")
        assert stranger.get("/api/me").status_code == 401
    with server.client() as bad_link:
        assert bad_link.get("/login?token=nope").status_code == 401


def test_hostile_names_are_plain_json_strings(live) -> None:
    server = live()
    name = "<img src=x onerror=alert(1)>\u202e.py"
    with server.client("bob") as bob, server.client("ta") as ta:
        response = upload(bob, "inf264-ex4", name, b"x = 1\n")
        assert response.status_code == 202 and response.headers["content-type"] == "application/json"
        assert response.json()["filename"] == "<img src=x onerror=alert(1)>.py"  # bidi mark dropped
        assert "<img" not in response.text.replace('"<img', "")  # only inside a JSON string
        table = ta.get("/api/ta/sheets/inf264-ex4/class")
        assert table.headers["content-type"] == "application/json"
        assert "<script>alert(1)</script> Bob" in [r["name"] for r in table.json()]


def test_review_findings_big_anonymous_forms_huge_ids_caching_and_state_rights(live) -> None:
    """An anonymous 3 MiB form is refused before it is read (it was spooled to disk, then 401);
    an id past the database's integers is a 422 (was a 500); authenticated answers are not
    cached; the state folder (the database holds every expected value) is the server's only."""
    server = live()
    with server.client() as anonymous:
        big = anonymous.post("/api/ta/sheets/inf264-ex4/manual-points",
                             files={"file": ("o.csv", b"x" * (3 * 2**20))})
        assert big.status_code == 413
    with server.client("alice") as alice:
        assert alice.get("/api/submissions/99999999999999999999").status_code == 422
        me = alice.get("/api/me")
        assert me.status_code == 200 and me.headers["cache-control"] == "no-store"
    folder = server.svc.store.folder.parent
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_a_link_never_switches_a_signed_in_browser_silently_and_sign_out_works(live) -> None:
    """Review finding (login CSRF): a page could send alice's browser to bob's link and collect
    her uploads in his account. Now the link is refused until she signs out."""
    server = live()
    with server.client() as browser:
        assert browser.get(f"/login?token={server.tokens['alice']}").status_code == 303
        assert browser.get(f"/login?token={server.tokens['alice']}").status_code == 303  # her own: fine
        switched = browser.get(f"/login?token={server.tokens['bob']}")
        assert switched.status_code == 409 and "Sign out" in switched.text
        assert browser.get("/api/me").json()["id"] == "alice"
        csrf = browser.get("/api/me").json()["csrf_token"]
        assert browser.post("/logout", data={"csrf": "forged"}).status_code == 403
        assert browser.post("/logout", data={"csrf": csrf}).status_code == 303
        assert browser.get("/api/me").status_code == 401
        assert browser.get(f"/login?token={server.tokens['bob']}").status_code == 303
        assert browser.get("/api/me").json()["id"] == "bob"
