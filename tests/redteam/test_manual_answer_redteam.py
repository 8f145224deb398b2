"""Red team: a TA's manual score follows the answer it was given for (grader/service/manual.py).

Each test is a reproduction of one problem found by an adversarial review of efbd21d/5507da6/06c6675; its
docstring says the problem, its severity and a suggested fix. A student keeping a score for an answer
they changed, or losing one without changing it, is a fairness problem either way.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.grading.locate import MAX_REPORT, MAX_TEXT, RunView, locate_notebook
from grader.report import ScoreReport
from grader.report.located import answer_digest
from grader.report.overrides import merge
from grader.sandbox.job import CellOutput
from grader.sandbox.process import ProcessRunner
from grader.service import admin, ta_api
from grader.service.db import make_engine, transaction, upgrade
from grader.service.state import open_service
from tests.redteam.test_locate_redteam import code, md, nb, point
from tests.report.review.conftest import tagged, with_located
from tests.service.conftest import offer, store_graded, write_course
from tests.service.postgres import create_database, start_postgres
from tests.service.test_manual_follow_answer import (
    BASE,
    CSV,
    CSV_API,
    POINT,
    REVIEW,
    Course,
    _feedback_check,
    _review_form,
    _score_on_student_page,
)

TAG = "grader:1.1-a-to-e"


def _digest(notebook: dict[str, Any], run: RunView | None = None) -> str:
    """The digest the service stores for point 1.1-a-to-e of ``notebook`` (as the worker locates it)."""
    checks = [point("1.1-a-to-e", heading="1.1")]
    return answer_digest(locate_notebook(checks, notebook, run or RunView())["1.1-a-to-e"])


# --- a student keeps a score for a changed answer ---------------------------------------------------------

def test_an_nbformat_3_notebook_keeps_its_score_whatever_the_answer_becomes() -> None:
    """Severity: high. locate.read_cells reads only ``notebook["cells"]``; an nbformat-3 notebook keeps its
    cells under ``worksheets`` (the harness converts it and runs it, so it is graded normally), so every
    point is "not located" and hashes as no blocks. A student who hands in v3 notebooks keeps every manual
    score through any change of the answer (the TA scored it from the whole notebook).
    Fix: read v3 notebooks in locate as the harness does (harness/lean.py's nbformat conversion), and hash
    a not-located answer as the notebook's written content (next test)."""
    def v3(answer: str) -> dict[str, Any]:
        cells = [{"cell_type": "markdown", "source": "### 1.1 Preliminaries", "metadata": {}},
                 {"cell_type": "markdown", "source": answer, "metadata": {"tags": [TAG]}}]
        return {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": cells}]}

    assert _digest(v3("(a) re-init the weights")) != _digest(v3("(a) I do not know"))


def test_an_answer_not_located_both_times_keeps_its_score_through_any_change() -> None:
    """Severity: medium. An answer the locator does not find (no tag, heading renamed beyond recognition)
    hashes as no blocks both times, so the TA, who scored it by reading the whole notebook (the page says
    "see the whole notebook"), never sees it again however it changes: 1/1 stays for "I do not know".
    The reverse too: a 0 "no answer found" stays after the student adds the answer.
    Fix: for a not-located point, hash what the student wrote in the whole notebook (all markdown and code
    sources), so any change re-opens the point; or the submission's own sha256."""
    def notebook(answer: str) -> dict[str, Any]:
        return nb(md("## Part one"), md(f"Answer to the first question: {answer}"))

    assert _digest(notebook("re-initialise the weights")) != _digest(notebook("I do not know"))


def test_a_change_past_the_size_bound_of_a_block_keeps_the_score() -> None:
    """Severity: medium. The digest is taken of the report's bounded blocks: a block's text is cut at
    MAX_TEXT (20,000) characters, so a student who pads the answer cell (a long comment) and writes the
    answer below the cut can replace it after it was scored: same digest, the score stays. The TA had to
    open the whole notebook to score it (the block says it was cut), which is exactly what changed.
    Likewise blocks past MAX_BLOCKS and blocks omitted for the report's budget (``omitted``).
    Fix: compute the digest in locate from the full sources of the located cells (store it in Located),
    not from the bounded blocks."""
    pad = "#" * MAX_TEXT + "\n"
    scored = nb(md("### 1.1 Preliminaries"), code(pad + "answer = 're-init'", tags=[TAG]))
    changed = nb(md("### 1.1 Preliminaries"), code(pad + "answer = 'no idea'", tags=[TAG]))
    assert _digest(scored) != _digest(changed)


def _budget_notebook(answer: str) -> tuple[dict[str, Any], list[Any]]:
    """Four earlier points with a figure each, then 1.1-a-to-e's code cell (its answer)."""
    cells = [code("plot()", tags=[f"grader:p{i}"]) for i in range(4)]
    return nb(*cells, code(answer, tags=[TAG])), [point(f"p{i}") for i in range(4)] + [point("1.1-a-to-e")]


def _figures(size: int) -> RunView:
    png = "iVBORw0KGgo" + "A" * (size - 11)
    return RunView({i: [CellOutput(kind="image", png_base64=png)] for i in range(4)})


def test_figures_of_other_points_can_push_an_answer_out_of_the_report_and_its_digest() -> None:
    """Severity: medium. The report's budget (MAX_REPORT) is shared by all points in sheet order: a
    student whose earlier points draw large figures leaves no room for a later point's answer, which is
    then omitted, and its digest is that of no blocks whatever it says: the score stays through any change.
    Fix: as above, a digest of the located cells' full sources taken before the budget applies."""
    size = (MAX_REPORT - 4 * len("plot()")) // 4  # the four figures fill the report
    digests = set()
    for answer in ("answer = 're-initialise the weights'", "answer = 'I do not know'"):
        notebook, checks = _budget_notebook(answer)
        digests.add(answer_digest(locate_notebook(checks, notebook, _figures(size))["1.1-a-to-e"]))
    assert len(digests) == 2


# --- a student loses a score without changing the answer ----------------------------------------------------

def test_a_regrade_drawing_figures_a_few_bytes_larger_loses_an_unchanged_answers_score() -> None:
    """Severity: medium. The flip side of the shared budget: the same notebook regraded, its figures drawn
    again with a few more bytes (the case 5507da6 meant to cover by leaving figures out of the digest),
    can leave no room for a later point's code: the answer drops out of the report, its digest changes
    and the TA's score of an unchanged answer is no longer applied (pending again, flagged).
    Fix: the digest taken from the located cells' sources before any bound applies."""
    answer = "answer = 're-initialise the weights'"
    notebook, checks = _budget_notebook(answer)
    room = MAX_REPORT - 4 * len("plot()") - len(answer)
    first = locate_notebook(checks, notebook, _figures(room // 4 - 1000))["1.1-a-to-e"]
    regraded = locate_notebook(checks, notebook, _figures(room // 4 + 1))["1.1-a-to-e"]
    assert answer_digest(first) == answer_digest(regraded)


# --- which answer a score attaches to ----------------------------------------------------------------

@pytest.fixture
def course_of(tmp_path: Path) -> Iterator[Any]:
    """``course_of(**offer)``: a SQLite course of one sheet offered so (the test helpers' Course)."""
    def make(**changes: Any) -> Course:
        folder = write_course(tmp_path / "course", [offer(**changes)])
        url = admin.database_url(folder, None, None)
        imported = admin.import_roster(folder, folder / "roster.csv", folder / "links.csv", "http://x", url)
        links = {p.id: s for p, s in imported.imported.links}
        links["ta"] = admin.ta_token(url, "Tess TA")
        return Course(open_service(folder, lambda s: ProcessRunner(s.spec.limits), workers=1), links)
    yield make


def test_a_review_page_read_before_the_student_resubmits_scores_the_answer_the_ta_never_saw(
        course_of: Any) -> None:
    """Severity: medium. The review page's form checks that the scores it showed are unchanged, not the
    answers: a TA who reads alice's answer A and saves after she resubmitted B gives A's score to B,
    stamped with B's digest, so it is never flagged. The student page's form is the same (it names the
    point only). A hostile student resubmits while the TA reads; an honest one just happens to.
    Fix: the forms carry the digest of each answer shown (as they carry the scores shown, ``shown-g*``);
    the save refuses a student whose answer changed since (as it refuses a changed score), naming it."""
    course = course_of()
    course.submit("alice", tagged("(a) re-init the weights"))
    ta = course.client("ta")
    page = ta.get(REVIEW).text
    assert "re-init the weights" in page  # the TA reads A
    second = course.submit("alice", tagged("(a) I do not know"))
    group = re.search(r'name="points-(g\d+)"', page)
    assert group is not None
    form = {**_review_form(page, ta.get("/api/me").json()["csrf_token"]), f"points-{group[1]}": "1"}
    ta.post(REVIEW, data=form, follow_redirects=False)
    assert _feedback_check(course, second)["status"] == "pending"


def test_a_batch_review_csv_uploaded_after_a_resubmission_scores_the_new_answer(course_of: Any) -> None:
    """Severity: medium. The overrides CSV of ``grader review`` names no submission or answer: uploaded
    to the service, each row is stamped with whatever submission counts at upload time. A TA who reviewed
    a batch export on Monday and uploads on Tuesday gives Monday's scores to answers changed since,
    unflagged. Fix: ``grader review`` writes an answer_sha256 column (answer_digest of the answer it
    showed) and the service stores that digest, so a changed answer is flagged; without the column,
    warn (or refuse rows whose counted submission is newer than the batch export).
    Fixed: the CSV's last column, answer, is the digest of the answer scored (grader review fills it);
    a file without it (an older one, a hand-made spreadsheet) scores the counted answer, as documented."""
    course = course_of()
    seen = tagged("(a) re-init the weights")
    course.submit("alice", seen)  # what the batch export showed
    second = course.submit("alice", tagged("(a) I do not know"))
    ta = course.client("ta")
    ta.headers["x-csrf-token"] = ta.get("/api/me").json()["csrf_token"]
    exported = ("student,task,point,max_points,points,comment,answer\n"
                f"alice,1.1,1.1-a-to-e,1,1,,{answer_digest(seen)}\n")
    assert ta.post(CSV_API, files={"file": ("o.csv", exported)}).status_code == 200
    assert _feedback_check(course, second)["status"] == "pending"


def _submit_report(course: Course, report: ScoreReport) -> int:
    return store_graded(course.svc.factory, report)


def test_counts_best_picks_by_the_automatic_score_and_drops_a_better_scored_attempt(course_of: Any) -> None:
    """Severity: medium (fairness). With ``counts: best`` the counted submission is chosen by row.score,
    the automatic score without manual points. Alice's first attempt misses one automatic check
    (-0.111) and the TA gives its answer 1/1: 8.33. Her second fixes the check and rewrites the answer:
    7.44 automatic, the answer pending. "best" counts the second, 7.44, though her first is worth 8.33;
    before this change the score followed her to any attempt, now it is lost until a TA re-scores.
    Fix: "best" compares the scores with the manual points that apply to each submission merged
    (grades.graded per row), which the class table can compute from the same overrides."""
    course = course_of(counts="best")
    answer = with_located(BASE.model_copy(update={"student": "alice"}),
                          lambda _s, c: tagged("(a) re-init") if c.answer == POINT[1] else tagged("x"))
    missed = [t.model_copy(update={"checks": [c.model_copy(update={"status": "failed", "score": 0.0})
                                              if c.answer == "H1_size" else c for c in t.checks]})
              for t in answer.tasks]
    first = _submit_report(course, merge(answer.model_copy(update={"tasks": missed}), []))
    _score_on_student_page(course, "1", "right")
    worth = course.table()["alice"]["score"]
    changed = with_located(answer, lambda _s, c: tagged("(a) other") if c.answer == POINT[1] else tagged("x"))
    _submit_report(course, changed)
    row = course.table()["alice"]
    assert row["score"] >= worth, f"counted #{row['counted']} for {row['score']}; #{first} is worth {worth}"


def test_anonymous_review_page_names_no_submission_even_for_a_changed_answer(course_of: Any) -> None:
    """Pins a guarantee (passes): in anonymous review mode a changed answer's flag names no submission
    number and no student id (they lead to the student)."""
    course = course_of()
    first = course.submit("alice", tagged("(a) re-init"))
    _score_on_student_page(course, "1", "good")
    second = course.submit("alice", tagged("(a) other"))
    page = course.client("ta").get(f"{REVIEW}?anonymous=true").text
    assert "an earlier submission" in page
    assert f"#{first}" not in page and f"#{second}" not in page and "alice" not in page.lower()


def test_hostile_text_in_an_earlier_comment_is_escaped_on_both_pages(course_of: Any) -> None:
    """Pins a guarantee (passes): the old comment shown beside a changed answer is escaped (HTML, a
    right-to-left override stays text inside the paragraph) on the student and review pages."""
    course = course_of()
    course.submit("alice", tagged("(a) re-init"))
    hostile = "<img src=x onerror=alert(1)>\u202e" + "x" * 5000
    _score_on_student_page(course, "1", hostile)
    course.submit("alice", tagged("(a) other"))
    ta = course.client("ta")
    for page in (ta.get("/ta/students/alice").text, ta.get(REVIEW).text):
        assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


@pytest.fixture(scope="module")
def pg_server() -> Iterator[str]:
    """A throwaway PostgreSQL server (tests/service/conftest.py's fixture is not seen from here)."""
    yield from start_postgres()


@pytest.mark.postgres
def test_two_tas_saving_the_same_point_at_once_both_succeed_on_postgresql(tmp_path: Path,
                                                                         pg_server: str) -> None:
    """Severity: low (a TA sees an internal error and retries). store_points deletes the point's row
    then inserts the new one; on PostgreSQL (read committed) two TAs saving the same new point at once
    both find nothing to delete, and the second insert waits on the unique index, then fails with an
    IntegrityError: a 500 for that TA. (SQLite serialises the two writes: no error.)
    Fix: an upsert (INSERT … ON CONFLICT (sheet_id, student_id, task, point) DO UPDATE), or retry the
    transaction once on a unique violation; last save wins, as on SQLite."""
    url = create_database(pg_server)
    upgrade(make_engine(url))
    folder = write_course(tmp_path / "course", [offer()])
    admin.import_roster(folder, folder / "roster.csv", folder / "links.csv", "http://x", url)
    svc = open_service(folder, lambda s: ProcessRunner(s.spec.limits), db=url, workers=1)
    course = Course(svc, {})
    course.submit("alice", tagged("(a) re-init"))
    offered = svc.course.offer("inf264-ex4")
    assert offered is not None
    first = svc.factory()
    ta_api.store_points(first, *offered, CSV.format(points="1"))
    first.flush()  # TA 1's save, not committed yet
    errors: list[BaseException] = []

    def second_ta() -> None:
        try:
            with transaction(svc.factory) as session:
                ta_api.store_points(session, *offered, CSV.format(points="0"))
        except Exception as exc:  # the failure under test
            errors.append(exc)

    thread = threading.Thread(target=second_ta)
    thread.start()
    time.sleep(1)  # TA 2 now waits on TA 1's row
    first.commit()
    first.close()
    thread.join(30)
    assert not errors, errors
