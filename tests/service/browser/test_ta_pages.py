"""TAs in a real browser: the class table, one student's manual points (which the student sees at
once), the summary and the roster."""

from __future__ import annotations

import pytest

from tests.service.conftest import EXAMPLES, upload, wait_done

pytestmark = [pytest.mark.browser, pytest.mark.runs_code]
COMMENT = "Good <b>reasoning</b> on a to e"


def test_a_ta_scores_a_manual_point_and_the_student_sees_it_with_the_comment(course) -> None:
    c = course()
    with c.live.client("alice") as api, c.live.client("bob") as bob_api:
        notebook = (EXAMPLES / "alice" / "exercise4.ipynb").read_bytes()
        sub = upload(api, "inf264-ex4", "exercise4.ipynb", notebook)
        other = upload(bob_api, "inf264-ex4", "bob.py", (EXAMPLES / "bob.py").read_bytes())
        wait_done(api, sub.json())
        wait_done(bob_api, other.json())
    ta = c.page("ta", refusals=True)  # the refused points answer 422
    page = ta.page
    assert page.url == f"{c.live.url}/ta"
    table = page.inner_text("#class-table")
    assert "7.44 / 10" in table and "Alice A" in table and "late" in table
    page.get_by_role("link", name="INF264 Exercise 4", exact=False).last.click()  # sort by the sheet
    page.get_by_role("link", name="INF264 Exercise 4", exact=False).last.click()  # descending
    rows = page.locator("#class-table tbody th").all_inner_texts()
    assert rows.index("alice") < rows.index("bob") and rows[-1] == "mallory"  # no score: last
    c.shot(ta, "ta-class-table")
    assert page.locator("a[href$='gradebook.csv']").count() == page.locator("a[href$='lms.csv']").count() == 1

    page.get_by_role("link", name="alice", exact=True).click()
    form = page.get_by_role("form", name="1.1 1.1-a-to-e")
    form.get_by_label("Points").fill("7")
    form.get_by_role("button", name="Save").click()
    assert "points 7 outside 0…1" in page.inner_text(".problem")  # apply-overrides' check
    form = page.get_by_role("form", name="1.1 1.1-a-to-e")
    form.get_by_label("Points").fill("1")
    form.get_by_label("Comment the student reads").fill(COMMENT)
    form.get_by_role("button", name="Save").click()
    assert "Points saved" in page.inner_text(".notice")
    c.shot(ta, "ta-student")

    alice = c.page("alice").page
    assert "8.44 / 10" in alice.inner_text("main")
    alice.goto(f"{c.live.url}/submissions/{sub.json()['id']}")
    text = alice.inner_text("main")
    assert f"Scored by a TA: 1 / 1. {COMMENT}" in text and "Score: 8.44 / 10" in text


def test_summary_regrade_and_roster(course) -> None:
    c = course()
    with c.live.client("bob") as api:
        wait_done(api, upload(api, "inf264-ex4", "bob.py", (EXAMPLES / "bob.py").read_bytes()).json())
    ta = c.page("ta").page
    ta.goto(f"{c.live.url}/ta/sheets/inf264-ex4/summary")
    assert "Class summary: inf264-ex4" in ta.inner_text("main")
    ta.get_by_role("button", name="Regrade inf264-ex4").click()
    ta.wait_for_url("**/ta/regrades/*")
    assert "Regrade 1 of inf264-ex4" in ta.inner_text("h1")
    ta.goto(f"{c.live.url}/ta/roster")
    ta.locator("tr", has_text="Alice A").get_by_role("button", name="Reissue").click()
    notice = ta.inner_text(".notice")
    assert "1 link(s) of alice revoked; the new link:" in notice
    link = ta.inner_text(".notice code")
    old = c.page("alice", refusals=True).page
    assert old.goto(c.live.url).status == 401  # the old link died with its session
    fresh = c.page(refusals=True).page
    fresh.goto(link)
    assert fresh.url == f"{c.live.url}/" and "Alice A" in fresh.inner_text("header")
