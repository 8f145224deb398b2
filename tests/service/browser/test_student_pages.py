"""Students in a real browser: sign in by link, upload, watch the status, read the feedback;
nobody sees another's work; hostile names stay text; refusals and visibility hold."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.service.browser.conftest import HOSTILE_FILE, HOSTILE_NAME, Gate
from tests.service.conftest import EXAMPLES, offer, upload, wait_done

pytestmark = [pytest.mark.browser, pytest.mark.runs_code]
NOTEBOOK = (EXAMPLES / "alice" / "exercise4.ipynb").read_bytes()


def _submit(page, name: str, content: bytes) -> None:
    page.set_input_files("#file", files=[{"name": name, "mimeType": "application/json", "buffer": content}])
    page.get_by_role("button", name="Submit").click()


def test_sign_in_upload_watch_it_graded_without_reload_and_read_feedback(course, tmp_path) -> None:
    gate = Gate(tmp_path)
    c = course(gate=gate)
    alice = c.page("alice")
    page = alice.page
    assert page.url == f"{c.live.url}/"  # the token left the address bar
    sheets = page.inner_text("main")
    assert "INF264 Exercise 4" in sheets and "0 used, unlimited left" in sheets
    c.shot(alice, "student-sheets")
    page.get_by_role("link", name=re.compile("INF264 Exercise 4")).click()
    _submit(page, "exercise4.ipynb", NOTEBOOK)
    page.wait_for_url(re.compile(r"/submissions/\d+$"))
    loads: list[str] = []
    page.on("load", lambda p: loads.append(p.url))
    assert page.inner_text("#status .status") in ("queued", "running")

    ta = c.page("ta")
    ta.page.goto(f"{c.live.url}/ta/queue")
    assert "alice" in ta.page.inner_text("main") and "Nothing is waiting" in ta.page.inner_text("main")
    c.shot(ta, "ta-queue")

    gate.open()
    expect(page.locator("#status .status")).to_have_text("graded", timeout=60_000)
    assert loads == []  # no reload: the script followed the status
    page.get_by_role("link", name="Read the feedback").click()
    text = page.inner_text("main")
    assert "Feedback: inf264-ex4 — alice" in text and "Score: 7.44 / 10" in text
    assert "Backward pass and one gradient-descent step" in text
    c.shot(alice, "student-feedback")
    page.goto(f"{c.live.url}/sheets/inf264-ex4")
    assert "exercise4.ipynb" in page.inner_text("#history ~ table") and "(counts)" in page.inner_text("main")


def test_another_students_feedback_is_not_found_and_they_appear_nowhere(course) -> None:
    c = course()
    with c.live.client("alice") as api:
        sub = upload(api, "inf264-ex4", "alice-secret.ipynb", NOTEBOOK).json()
        wait_done(api, sub)
    bob = c.page("bob", refusals=True).page
    for path in (f"/submissions/{sub['id']}", "/ta", "/ta/students/alice"):
        answer = bob.goto(c.live.url + path)
        assert answer.status == (404 if path.startswith("/submissions") else 403), path
        assert "alice" not in bob.content().lower(), path
    for path in ("/", "/sheets/inf264-ex4"):
        bob.goto(c.live.url + path)
        assert "alice" not in bob.content().lower(), path
    assert "No attempts yet" in bob.inner_text("main")
    answer = json.loads(bob.goto(f"{c.live.url}/api/submissions/{sub['id']}").text())
    assert answer["detail"].startswith("no submission")


def test_hostile_names_show_as_text_and_nothing_executes(course) -> None:
    c = course()
    mallory = c.page("mallory")
    page = mallory.page
    page.goto(f"{c.live.url}/sheets/inf264-ex4")
    _submit(page, HOSTILE_FILE, NOTEBOOK)
    page.wait_for_url(re.compile(r"/submissions/\d+$"))
    assert page.inner_text(".filename") == HOSTILE_FILE
    expect(page.locator("#status .status")).to_have_text("graded", timeout=60_000)
    page.reload()
    assert HOSTILE_NAME in page.inner_text("header") and page.locator("main img").count() == 0
    page.goto(f"{c.live.url}/sheets/inf264-ex4")
    assert page.inner_text(".filename") == HOSTILE_FILE
    ta = c.page("ta")
    for path in ("/ta", "/ta/students/mallory", "/ta/roster", "/ta/queue", "/ta/sheets/inf264-ex4/summary"):
        ta.page.goto(c.live.url + path)
        assert ta.page.locator("script:not([src])").count() == 0
        assert ta.page.locator("img[src=x]").count() == 0
    ta.page.goto(f"{c.live.url}/ta/roster")
    assert HOSTILE_NAME in ta.page.inner_text("main")
    ta.page.goto(f"{c.live.url}/ta/students/mallory")
    assert HOSTILE_FILE in ta.page.inner_text("main") and HOSTILE_NAME in ta.page.inner_text("h1")
    mallory.clean()
    ta.clean()


def test_late_upload_refused_with_the_reason_and_correctness_hides_expected_values(course) -> None:
    late = course([offer(late={"policy": "refuse"})])
    page = late.page("alice", refusals=True).page
    page.goto(f"{late.live.url}/sheets/inf264-ex4")
    _submit(page, "exercise4.ipynb", NOTEBOOK)
    expect(page.locator("#upload-problem")).to_contain_text("late submissions are not accepted")
    assert page.url.endswith("/sheets/inf264-ex4")
    no_js = late.page("alice", javascript=False, refusals=True).page
    no_js.goto(f"{late.live.url}/sheets/inf264-ex4")
    with no_js.expect_navigation():
        _submit(no_js, "e.ipynb", NOTEBOOK)
    assert "late submissions are not accepted" in no_js.inner_text("#upload-problem")

    hidden = course([offer(deadline="2099-01-01T00:00:00+01:00", late={"policy": "refuse"},
                           visibility={"before_deadline": "correctness", "after_deadline": "full"})])
    wrong = (EXAMPLES / "carol_wrong_gradient" / "exercise4.ipynb").read_bytes()
    with hidden.live.client("alice") as api, hidden.live.client("ta") as ta:
        sub = upload(api, "inf264-ex4", "exercise4.ipynb", wrong).json()
        wait_done(api, sub)
        full = json.loads(ta.get(f"/api/ta/submissions/{sub['id']}/report.json").text)
    expected = [str(c["details"]["expected"]) for t in full["tasks"] for c in t["checks"]
                if c["details"].get("expected")]
    assert expected
    page = hidden.page("alice").page
    page.goto(f"{hidden.live.url}/submissions/{sub['id']}")
    html = page.content()
    assert "Feedback (correctness)" in html and "✘ failed" in html
    distinctive = [v for v in expected if len(v) >= 3]  # "2" is in any page
    assert distinctive, expected
    assert [v for v in distinctive if v in html] == [] and "expected" not in html.lower()
    assert page.locator("pre").count() == 0  # where the full feedback puts "you gave" and "expected"


def test_pages_send_security_headers_and_refuse_forms_without_the_csrf_token(course) -> None:
    c = course()
    page = c.page("alice", refusals=True).page
    answer = page.goto(f"{c.live.url}/sheets/inf264-ex4")
    headers = answer.headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"
    cookie = next(k for k in page.context.cookies() if k["name"] == "grader_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    jar = {"grader_session": cookie["value"]}
    with httpx.Client(base_url=c.live.url, cookies=jar) as forger:
        refused = forger.post("/sheets/inf264-ex4/upload?csrf=guess", files={"file": ("a.py", b"x = 1\n")})
        assert refused.status_code == 403 and "stale" in refused.text
        assert forger.post("/ta/roster/alice", data={"csrf": "", "action": "revoke"}).status_code == 403
