from grader.report import CheckDetails, CheckResult, RunInfo, ScoreReport, TaskResult
from grader.sheet import load_sheet
from grader.writers import feedback_md, gradebook_csv


def report(student="anna", status="failed"):
    check = CheckResult(answer="z", kind="value", status=status, score=0.0, max_score=1.0,
                        message="`z`: got 4, expected 3",
                        details=CheckDetails(got="4", expected="3",
                                             tolerance="atol 1e-06 + rtol 0.001·|expected|"))
    tasks = [TaskResult(id=t.id, title=t.title, score=0.0, max_score=t.points, checks=[check])
             for t in load_sheet("inf264-ex4").spec.tasks]
    return ScoreReport(student=student, sheet="inf264-ex4", score=0.0, max_score=10, tasks=tasks,
                       run=RunInfo(status="completed", file="nb.ipynb", duration_s=1.23))


def test_feedback_shows_got_expected_and_tolerance():
    text = feedback_md.render(report())
    assert "**Score: 0 / 10**" in text and "`nb.ipynb`" in text
    assert "  - got: `4`" in text and "  - expected: `3`" in text and "rtol 0.001" in text


def test_gradebook_has_a_column_per_task_and_totals():
    text = gradebook_csv.render(load_sheet("inf264-ex4"), [report("ben"), report("anna")])
    header, first, _ = text.splitlines()
    assert header == "student,1.1,1.2,1.3,1.4,2.forward,2.backward,total,max_total,pending_manual,run_status"
    assert first.startswith("anna,0,0,")


def test_the_run_line_says_how_long_the_run_took_without_claiming_zero():
    run = report().run
    assert feedback_md.run_line(run).endswith("ran to the end in 1.2 s.")
    fast = run.model_copy(update={"duration_s": 0.04})
    assert feedback_md.run_line(fast).endswith("ran to the end in under 0.1 s.")
    broken = run.model_copy(update={"status": "invalid_submission", "message": "not a notebook"})
    assert feedback_md.run_line(broken) == "Graded file: `nb.ipynb` — could not be run: not a notebook."
