"""JUnit XML, the test-result format CI systems (GitHub Actions, GitLab, Jenkins) show natively.

One ``testsuite`` per report (a student's, or a sheet's reference), one ``testcase`` per check:
``classname`` is ``sheet.task``, ``name`` the answer; a failed check is a ``failure``, a check
that could not use the answer an ``error``, a manual point still to score ``skipped``. A run that
did not complete or had cells raising is a ``testcase`` named ``(run)`` with an ``error``: the
schema CI systems validate against (Jenkins' junit-10.xsd) allows no ``error`` directly under a
``testsuite``. Student text is made inert first (escape sequences, control and bidi characters
removed, not escaped: XML 1.0 cannot carry them at all) and bounded in size.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.report import CheckResult, ScoreReport
from grader.report.textsafe import plain

_MAX_TEXT = 4000
# what plain() leaves that XML 1.0 still forbids: lone surrogates and the two non-characters
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")
_ELEMENT = {"failed": "failure", "error": "error", "pending": "skipped"}


def xml_text(text: str) -> str:
    """Text any XML 1.0 parser takes: what a terminal would not show is dropped, then bounded."""
    cleaned = _NOT_XML.sub("", plain(text))
    return cleaned if len(cleaned) <= _MAX_TEXT else cleaned[:_MAX_TEXT] + " …"


def path_problem(path: Path, submissions: Path | None = None) -> str | None:
    """Why ``--junit PATH`` cannot take the XML (None when it can): told before anything is graded,
    not after the batch. Inside SUBMISSIONS the next run would grade the XML as a student."""
    if path.is_dir():
        return f"--junit {path} is a folder: give the file to write, e.g. {path / 'junit.xml'}"
    blocker = next((p for p in path.parents if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        return f"--junit {path}: {blocker} is a file, not a folder"
    if submissions is not None and submissions.resolve() in path.resolve().parents:
        return (f"--junit {path} is inside SUBMISSIONS {submissions}: the next run would grade it as a "
                "student; write it elsewhere")
    return None


def _seconds(value: float) -> str:
    """A duration as the schema's time pattern takes it (digits only): a clock slip is 0."""
    return f"{value:.3f}" if math.isfinite(value) and value >= 0 else "0"


@dataclass(frozen=True)
class Suite:
    """One testsuite: a report, and problems that belong to no check (a stale lock, say)."""

    name: str
    report: ScoreReport | None
    problems: Sequence[str] = field(default=())


def _testcase(classname: str, name: str, status: str | None = None, message: str = "") -> ET.Element:
    case = ET.Element("testcase", classname=xml_text(classname), name=xml_text(name), time="0")
    if status in _ELEMENT:
        outcome = ET.SubElement(case, _ELEMENT[status], type=status, message=xml_text(message))
        outcome.text = xml_text(message)
    return case


def _check_case(report: ScoreReport, task: str, check: CheckResult) -> ET.Element:
    message = "manual point: scored by a TA" if check.status == "pending" else check.message
    return _testcase(f"{report.sheet}.{task}", check.answer, check.status, message)


def _run_case(report: ScoreReport) -> ET.Element | None:
    run = report.run
    if run.ran_to_end and not run.cell_errors:
        return None
    lines = [f"run {run.status}" + (f": {run.message}" if run.message else "")]
    lines += [f"cell {e.cell} raised {e.error}" for e in run.cell_errors]
    return _testcase(f"{report.sheet}.run", "(run)", "error", "\n".join(lines))


def _suite(suite: Suite) -> ET.Element:
    cases: list[ET.Element] = []
    report = suite.report
    if report is not None:
        cases += [c for c in [_run_case(report)] if c is not None]
        cases += [_check_case(report, t.id, c) for t in report.tasks for c in t.checks]
    if suite.problems:
        cases.append(_testcase(f"{suite.name}.problems", "(problems)", "failed", "\n".join(suite.problems)))
    counts = {tag: sum(c.find(tag) is not None for c in cases) for tag in ("failure", "error", "skipped")}
    element = ET.Element("testsuite", name=xml_text(suite.name), tests=str(len(cases)),
                         failures=str(counts["failure"]), errors=str(counts["error"]),
                         skipped=str(counts["skipped"]),
                         time=_seconds(report.run.duration_s) if report else "0")
    if report is not None:
        props = ET.SubElement(element, "properties")
        for key, value in (("score", report.score), ("max_score", report.max_score),
                           ("pending_points", report.pending_points)):
            ET.SubElement(props, "property", name=key, value=f"{value:g}")
    element.extend(cases)
    return element


def render(suites: Iterable[Suite], name: str = "grader") -> str:
    root = ET.Element("testsuites", name=xml_text(name))
    root.extend(_suite(s) for s in suites)
    for key in ("tests", "failures", "errors"):
        root.set(key, str(sum(int(s.get(key, "0")) for s in root)))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def render_reports(reports: Iterable[ScoreReport], name: str = "grader") -> str:
    """A batch: one testsuite per student, named ``sheet/student``."""
    return render((Suite(f"{r.sheet}/{r.student}", r) for r in reports), name)
