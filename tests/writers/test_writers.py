import csv

from markdown_it import MarkdownIt

from grader.report import CellErrorInfo, CheckDetails, CheckResult, RunInfo, ScoreReport, TaskResult
from grader.report.writers import feedback_md, gradebook_csv
from grader.report.writers.batch import Batch
from grader.sheet import load_sheet

HOSTILE = ("```\n</x>``` <script>alert(1)</script> <img src=x onerror=alert(1)> "
           "[link](javascript:alert(1))\n# heading\n\n- item\n| a | b |\n|---|---|\n`~~~~")


def report(student="anna", status="failed", text=""):
    check = CheckResult(answer="z", kind="value", status=status, score=0.0, max_score=1.0,
                        message=f"`z`: got 4{text}, expected 3",
                        details=CheckDetails(got="4" + text, expected="3",
                                             tolerance="atol 1e-06 + rtol 0.001·|expected|"))
    tasks = [TaskResult(id=t.id, title=t.title, score=0.0, max_score=t.points, checks=[check])
             for t in load_sheet("inf264-ex4").spec.tasks]
    errors = [CellErrorInfo(cell=3, kind="error", error="ValueError: " + text, traceback="Traceback" + text)]
    return ScoreReport(student=student, sheet="inf264-ex4", score=0.0, max_score=10, tasks=tasks,
                       run=RunInfo(status="crashed", file="nb.ipynb" + text, duration_s=1.23,
                                   message="exit 1" + text, cell_errors=errors, stderr="log" + text))


def test_feedback_shows_got_expected_and_tolerance():
    text = feedback_md.render(report())
    assert "**Score: 0 / 10**" in text and "`nb.ipynb`" in text
    assert "  - got: `4`" in text and "  - expected: `3`" in text and "rtol 0.001" in text


def structure(markdown: str) -> list[str]:
    """Headings, list items, tables, code blocks, in document order: what a student must not change."""
    blocks = ("heading_open", "list_item_open", "table_open", "fence", "code_block", "html_block", "hr")
    return [f"{t.type}{t.tag}" for t in MarkdownIt("commonmark").enable("table").parse(markdown)
            if t.type in blocks]


def test_student_text_never_becomes_markdown_structure_or_html():
    md = MarkdownIt("commonmark").enable("table")
    benign = feedback_md.render(report())
    hostile = feedback_md.render(report("=x<script>alert(1)</script>\n# h |", text=HOSTILE))
    assert structure(hostile) == structure(benign)
    inline = {c.type for t in md.parse(hostile) if t.type == "inline" for c in t.children or []}
    assert inline <= {"text", "code_inline", "strong_open", "strong_close", "softbreak"}
    html = md.render(hostile)
    assert "<script" not in html and "<img" not in html and "<a " not in html and "</x>" not in html
    assert "alert(1)" in html  # shown, as text


def test_gradebook_has_a_column_per_task_and_totals():
    text = gradebook_csv.render(Batch(load_sheet("inf264-ex4"), [report("ben"), report("anna")]))
    header, first, _ = text.splitlines()
    assert header == "student,1.1,1.2,1.3,1.4,2.forward,2.backward,total,max_total,pending_manual,run_status"
    assert first.startswith("anna,0,0,")


def test_gradebook_cells_are_never_formulas():
    names = ["=1+1", "@SUM(2+2)", "+1+1", "-1+1", "\tx"]
    text = gradebook_csv.render(Batch(load_sheet("inf264-ex4"), [report(n) for n in names]))
    students = [row["student"] for row in csv.DictReader(text.splitlines())]
    assert sorted(students) == sorted("'" + n for n in names)


def test_the_run_line_says_how_long_the_run_took_without_claiming_zero():
    run = report().run.model_copy(update={"status": "completed", "message": ""})
    assert feedback_md.run_line(run).endswith("ran to the end in 1.2 s.")
    fast = run.model_copy(update={"duration_s": 0.04})
    assert feedback_md.run_line(fast).endswith("ran to the end in under 0.1 s.")
    broken = run.model_copy(update={"status": "invalid_submission", "message": "not a notebook"})
    assert feedback_md.run_line(broken) == "Graded file: `nb.ipynb` — could not be run: not a notebook."
