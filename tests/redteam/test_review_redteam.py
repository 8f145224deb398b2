"""Red team (#18): the review pages, their grouping, anonymous mode, overrides.csv and --serve,
against a hostile student (answers, ids) and a careless TA (or another local user)."""

from __future__ import annotations

import csv
import html
import json
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from grader.report import ScoreReport
from grader.report.located import Located, LocatedBlock
from grader.report.overrides import apply_overrides, review_template, save_overrides
from grader.report.review.grouping import grouped, normalised
from grader.report.review.pages import write_review
from grader.report.review.points import Answer, saved_rows
from grader.report.review.serve import ReviewSite, review_server
from tests.report.review import conftest
from tests.report.review.conftest import GOLDEN, tagged, with_located

graded = conftest.graded  # the review tests' OUT folder, as a fixture here too
PAGE = "review/1.1-1.1-a-to-e.html"


def out_ids(out: Path) -> set[str]:
    return {p.name for p in out.iterdir() if (p / "report.json").is_file()}


def _answer(student: str, located: Located) -> Answer:
    return Answer(student, located, "", "", None)


@pytest.mark.parametrize(("right", "wrong"), [
    ("x != 0", "x = 0"),                    # '!' was dropped as punctuation: the opposite answer
    ("the outputs are 1, 2", "the outputs are 12"),  # white space and commas dropped: words ran together
    ("w_12 is updated", "w1_2 is updated"),  # '_' dropped: another weight
    ("2 3", "23"),
])
def test_different_answers_are_not_grouped(right: str, wrong: str) -> None:
    """FIXED. A group gets one score: a wrong answer grouped with a right one gets its points."""
    assert normalised(tagged(right)) != normalised(tagged(wrong))
    assert len(grouped([_answer("a", tagged(right)), _answer("b", tagged(wrong))])) == 2


@pytest.mark.parametrize(("right", "wrong"), [
    ("sigmoid maps R to (0, 1)", "sigmoid maps R to [0, 1]"), ("x in [0, 1)", "x in [0, 1]"),
])
def test_an_open_and_a_closed_interval_are_not_grouped(right: str, wrong: str) -> None:
    """FIXED. Brackets are Markdown noise ('(b)' and '**B**' group), so an open and a closed
    interval grouped; brackets around a comma are now kept."""
    assert normalised(tagged(right)) != normalised(tagged(wrong))
    assert normalised(tagged("(0,1)")) == normalised(tagged("( 0 , 1 )"))


def test_near_identical_answers_still_group() -> None:
    assert normalised(tagged("**(b)** σ′ at z = 0 is 0.25")) == normalised(tagged("B)", "σ' at z=0 is 0.25."))
    assert normalised(tagged("x<0")) == normalised(tagged("x < 0")) != normalised(tagged("x <= 0"))


def test_an_answer_cut_to_the_size_bound_stands_alone() -> None:
    """FIXED. Two answers alike up to the bound (20 blocks, 20,000 characters) may differ after it:
    the group showed the first member only, without its '✂ more not shown' note."""
    same = [LocatedBlock(kind="markdown", cell=i, text="the same") for i in range(1, 21)]
    cut = Located(how="tag", detail="tags", blocks=same, omitted=3)
    whole = Located(how="tag", detail="tags", blocks=same)
    truncated = Located(how="tag", detail="tags", blocks=[same[0].model_copy(update={"truncated": True})])
    answers = [_answer("a", whole), _answer("b", cut), _answer("c", cut), _answer("d", truncated)]
    assert [g.students for g in grouped(answers)] == [["a"], ["b"], ["c"], ["d"]]


def test_anonymous_pages_show_no_student_id_a_ta_can_see(graded) -> None:
    """FIXED. Anonymous mode hid names in the list only: the static page linked
    ../<id>/submission.html (the id shows on hover and in the status bar), and its form and script
    data held every id. Now no id is in the page; the static page links no notebook (their
    folders are named by id) and cannot save a CSV (it names students)."""
    sheet, out = graded({"alice": tagged("x"), "bob": tagged("y")})
    (out / "alice" / "submission.html").write_text("<html>alice.ipynb as it ran</html>")
    write_review(sheet, out, anonymous=True)
    page = (out / "review" / "1.1-1.1-a-to-e.html").read_text()
    links = re.findall(r'href="([^"]*)"', page)
    assert not any("alice" in link for link in links), links
    assert "alice" not in page and "bob" not in page and "--anonymous --serve" in page


def test_anonymous_serve_links_saves_and_confirms_by_pseudonym_only(graded) -> None:
    """FIXED. With --serve, the notebook is linked as submission/<pseudonym> and served without
    the file's name; the form names pseudonyms (the server maps them back, so overrides.csv holds
    ids); the page after a save (?saved=1) showed the names: it no longer does."""
    sheet, out = graded({"alice": tagged("x"), "bob": tagged("y")})
    (out / "alice" / "submission.html").write_text(
        "<html><head><title>alice.ipynb as it ran</title></head><body><header>\n<h1>alice.ipynb</h1>"
        "<p>The notebook as it ran</p></header><h1>alice's heading</h1></body></html>")
    site = ReviewSite(sheet, out, anonymous=True)
    server, url = review_server(site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with httpx.Client(base_url=url.removesuffix("review/index.html"), timeout=10) as client:
            page = client.get(PAGE).text
            assert "alice" not in page and "bob" not in page
            link = next(h for h in re.findall(r'href="\.\./([^"]*)"', page) if h.startswith("submission/"))
            notebook = client.get(link).text
            assert notebook.count("alice.ipynb") == 0 and "<h1>alice's heading</h1>" in notebook
            assert client.get("alice/submission.html").status_code == 404  # no address by id
            group, students = re.findall(r'name="students-(g\d+)" value="([^"]*)"', page)[0]
            form = {"token": site.token, f"students-{group}": html.unescape(students), f"points-{group}": "1"}
            saved = client.post(PAGE, data=form, follow_redirects=True)
            assert saved.status_code == 200 and "Saved 1 score(s)" in saved.text
            assert "alice" not in saved.text and "bob" not in saved.text
    finally:
        server.shutdown()
        server.server_close()
    named = json.loads(html.unescape(students))
    assert len(named) == 1 and named[0].startswith("student-")
    student = site.view("1.1-1.1-a-to-e").student(named[0])
    assert student in out_ids(out)
    assert list(saved_rows(out / "overrides.csv")) == [(student, "1.1", "1.1-a-to-e")]


def test_a_student_id_is_no_formula_in_overrides_csv_and_still_scores(graded) -> None:
    """FIXED. overrides.csv, the file a TA fills in a spreadsheet, wrote student ids (and
    comments) as they are: an id from a file named "=2+5+cmd|' calc'!A0.ipynb" was a formula there
    (gradebook.csv and lms.csv already used textsafe.csv_cell). Now written with a leading quote,
    read back without it: the template, a save and apply-overrides all name the same student."""
    report = ScoreReport.model_validate_json((GOLDEN / "alice.json").read_text())
    evil = "=2+5+cmd|' calc'!A0"  # discover keeps it: no control character, no '/'
    sheet, out = graded(extra=[with_located(report.model_copy(update={"student": evil}),
                                            lambda s, c: tagged("x"))])
    template = review_template(sheet, out)
    rows = list(csv.reader(template.splitlines()))
    assert any(r[0] == "'" + evil for r in rows)
    assert not any(r[0].startswith(("=", "+", "-", "@")) for r in rows[1:]), [r[0] for r in rows[1:]]
    path = out / "overrides.csv"
    path.write_text(template.replace("'" + evil + ",1.1,1.1-a-to-e,1,,", "'" + evil + ",1.1,1.1-a-to-e,1,1,"
                                     "\"@SUM(1)\""))
    save_overrides(sheet, out, [["alice", "1.1", "1.1-a-to-e", "1", "0.5", "=1+1 is wrong"]], path)
    text = path.read_text()
    assert "'=1+1 is wrong" in text and "'@SUM(1)" in text and text.count(evil) == text.count("'" + evil)
    assert saved_rows(path)[(evil, "1.1", "1.1-a-to-e")] == ("1", "@SUM(1)")
    merged = {r.student: r for r in apply_overrides(sheet, out, path)}
    check = next(c for t in merged[evil].tasks for c in t.checks if c.answer == "1.1-a-to-e")
    assert check.score == 1 and check.details.hint == "@SUM(1)"


@pytest.fixture
def served(graded) -> Iterator[tuple[httpx.Client, ReviewSite, str]]:
    sheet, out = graded({"alice": tagged("(a) re-init"), "bob": tagged("(a) other")})
    site = ReviewSite(sheet, out)
    server, url = review_server(site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = url.removesuffix("review/index.html")
    with httpx.Client(base_url=base, timeout=10) as client:
        yield client, site, url
    server.shutdown()
    server.server_close()


def test_an_idle_connection_does_not_hang_the_review_server(served) -> None:
    """FIXED. The server handled one request at a time: a socket that connects and sends nothing
    (Chrome's preconnection does exactly that; so can any local user) held it, and every page
    and save of the TA hung until it closed."""
    client, _, url = served
    host, port = url.removeprefix("http://").split("/")[0].split(":")
    idle = socket.create_connection((host, int(port)))
    try:
        assert client.get(PAGE, timeout=5).status_code == 200
    finally:
        idle.close()


def test_concurrent_saves_lose_no_row(served) -> None:
    client, site, _ = served
    page = client.get(PAGE).text
    groups = dict(re.findall(r'name="students-(g\d+)" value="([^"]*)"', page))
    forms = [{"token": site.token, f"students-{g}": s.replace("&#34;", '"'), f"points-{g}": "1"}
             for g, s in groups.items()]
    results: list[int] = []

    def post(form: dict[str, str]) -> None:
        with httpx.Client(base_url=client.base_url, timeout=10) as other:
            results.append(other.post(PAGE, data=form).status_code)

    threads = [threading.Thread(target=post, args=(f,)) for f in forms]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [303] * len(forms)
    rows = list(csv.DictReader((site.out / "overrides.csv").open()))
    expected = sum(s.count('",') + 1 for s in groups.values())
    assert len({r["student"] for r in rows if r["points"] == "1"}) == expected


@pytest.mark.parametrize("points", ["-0.5", "nan", "inf", "1e309", "-0", "0x1", "1_0"])
def test_scores_out_of_range_or_not_finite_are_refused(served, points: str) -> None:
    client, site, _ = served
    form = {"token": site.token, "students-g1": '["alice"]', "points-g1": points}
    answer = client.post(PAGE, data=form)
    if points == "-0":  # a zero, written as the CSV writes numbers
        assert answer.status_code == 303
        return
    assert answer.status_code == 422, answer.text
    saved = site.out / "overrides.csv"
    assert not saved.exists() or "alice" not in saved.read_text()


@pytest.mark.parametrize("student", ["..", ".", "%2e%2e", "..%2Freview", "alice%2F..%2F..", "review",
                                     "alice%00", "%2Fetc", "alice%5C..", "~"])
def test_no_path_outside_a_students_folder_is_served(served, student: str) -> None:
    client, _, _ = served
    assert client.get(f"{student}/submission.html").status_code == 404


def test_a_saved_score_for_a_student_of_another_point_or_none_is_refused(served) -> None:
    client, site, _ = served
    for students in ('["mallory"]', '["alice", "alice/../bob"]', "[]"):
        form = {"token": site.token, "students-g1": students, "points-g1": "1"}
        status = client.post(PAGE, data=form).status_code
        assert status == (303 if students == "[]" else 422), students
    saved = site.out / "overrides.csv"
    assert not saved.exists() or "mallory" not in saved.read_text()


def test_the_review_page_forbids_scripts_but_its_own(graded, tmp_path: Path) -> None:
    hostile = "</textarea></script><script>alert(1)</script><img src=x onerror=alert(1)>"
    sheet, out = graded({"alice": tagged(hostile, "[x](javascript:alert(1)) ![i](http://evil.example/t.png)")})
    write_review(sheet, out)
    page = (out / "review" / "1.1-1.1-a-to-e.html").read_text()
    assert page.count("<script") == 2 and 'href="javascript' not in page and '<img src="http' not in page
    assert "<img src=x" not in page and "script-src 'sha256-" in html.unescape(page)


def test_the_review_server_listens_on_the_ipv6_loopback_it_accepts(graded) -> None:
    """FIXED. --host ::1 passed the loopback check, then the IPv4 server could not bind it:
    a resolver error and a traceback instead of the page."""
    sheet, out = graded({"alice": tagged("x")})
    server, url = review_server(ReviewSite(sheet, out), host="::1")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert url.startswith("http://[::1]:") and httpx.get(url, timeout=10).status_code == 200
    finally:
        server.shutdown()
        server.server_close()


def test_an_overrides_csv_saved_by_a_spreadsheet_keeps_its_rows(served) -> None:
    """FIXED. Excel's "CSV UTF-8" starts the file with a byte-order mark: its first column was
    '\\ufeffstudent', so the page ignored the TA's scores, apply-overrides said 'missing columns
    ['student']', and a save from the page rewrote every kept row without its student id."""
    client, site, _ = served
    path = site.out / "overrides.csv"
    path.write_text("student,task,point,max_points,points,comment\r\n"
                    "dave_syntax_error,1.4,1.4-c,0.3333,0.3333,kept\r\n", encoding="utf-8-sig")
    assert "1 of 7 scored" in client.get("review/1.4-1.4-c.html").text
    form = {"token": site.token, "students-g1": '["alice"]', "points-g1": "1"}
    assert client.post(PAGE, data=form).status_code == 303
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig")))
    assert [(r["student"], r["points"]) for r in rows] == [("dave_syntax_error", "0.3333"), ("alice", "1")]
    apply_overrides(site.sheet, site.out, path)


def test_hostile_markdown_in_an_answer_renders_in_bounded_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """FIXED. 20 blocks of 20,000 '[' (within the report's bounds) took 5.7 s of markdown-it per
    point, at grading time too (feedback.html shows the located answers): 23 s a submission on a
    sheet of four manual points. Now 40,000 characters an answer are rendered as Markdown, the
    rest shown as text (counted, not timed)."""
    from grader.report.review import render

    calls: list[int] = []
    real = render._markdown()

    class Counting:
        def render(self, text: str) -> str:
            calls.append(len(text))
            return real.render(text)

    blocks = [LocatedBlock(kind="markdown", cell=i, text="[" * 20_000) for i in range(1, 21)]
    monkeypatch.setattr(render, "_markdown", Counting)
    page = render.located_html(Located(how="tag", detail="tags", blocks=blocks))
    assert sum(calls) <= render.MAX_MARKDOWN and page.count("[" * 20_000) == 20


def test_a_typed_output_is_not_grouped_with_one_the_run_printed() -> None:
    """FIXED. The key joined every block's text: a student who typed 'accuracy 0.95' in markdown
    grouped with one whose code printed it, and the TA saw only the first member's answer."""
    def answer(*blocks: tuple[str, str]) -> Located:
        return Located(how="tag", detail="t",
                       blocks=[LocatedBlock(kind=k, cell=i, text=t) for i, (k, t) in enumerate(blocks, 2)])

    ran = answer(("code", "train()"), ("output", "accuracy 0.95"))
    typed = answer(("code", "train()"), ("markdown", "accuracy 0.95"))
    forged = answer(("markdown", "<code> train()"), ("markdown", "<output> accuracy 0.95"))
    assert len({normalised(ran), normalised(typed), normalised(forged)}) == 3


def test_a_stale_page_does_not_silently_overwrite_a_newer_score(served) -> None:
    """FIXED. A save carried no trace of the scores the page showed: a page rendered before another
    TA's (or another tab's) save overwrote it silently. Each group's form now says what it showed;
    a student whose score changed since is not saved and is named with both scores; the other
    students of the same save are saved."""
    client, site, _ = served
    stale = client.get(PAGE).text
    assert "0 of 7 scored" in stale
    fields = {m[0]: html.unescape(m[1])
              for m in re.findall(r'name="((?:students|shown)-g\d)" value="([^"]*)"', stale)}
    assert fields["students-g1"] == '["alice"]' and fields["students-g2"] == '["bob"]'
    newer = {"token": site.token, **fields, "points-g1": "1", "comment-g1": "full marks"}
    assert client.post(PAGE, data=newer).status_code == 303  # the other tab
    from_stale = {"token": site.token, **fields, "points-g1": "0", "comment-g1": "nothing",
                  "points-g2": "0.5"}
    answer = client.post(PAGE, data=from_stale)
    assert answer.status_code == 409
    text = html.unescape(answer.text)
    assert ('alice: this page showed no score, but 1 ("full marks") was saved since; '
            'your 0 ("nothing") was not saved') in text and "Saved 1 other score(s)" in text
    assert 'value="1"' in answer.text and ">full marks</textarea>" in answer.text  # the newer score shown
    rows = list(csv.DictReader((site.out / "overrides.csv").open()))
    assert {r["student"]: r["points"] for r in rows} == {"alice": "1", "bob": "0.5"}
    again = {"token": site.token, **fields, "points-g1": "1", "comment-g1": "full marks"}
    assert client.post(PAGE, data=again).status_code == 303  # typed what is saved now: no conflict
