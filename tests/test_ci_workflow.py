"""docs/github-actions-course.yml: valid YAML, the same file the page shows, commands that exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml
from typer.testing import CliRunner

from grader.cli import app

DOCS = Path(__file__).resolve().parent.parent / "docs"
WORKFLOW = DOCS / "github-actions-course.yml"


def steps() -> list[dict[str, object]]:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert set(workflow) >= {"name", True, "jobs"}  # YAML 1.1 reads the key `on` as True
    (job,) = workflow["jobs"].values()
    return list(job["steps"])


def grader_commands() -> list[list[str]]:
    lines = [line.strip() for s in steps() for line in str(s.get("run", "")).splitlines()]
    return [shlex.split(line) for line in lines if line.startswith("grader ")]


def test_the_workflow_checks_every_reference_into_junit_and_uploads_it():
    assert ["grader", "check-reference", "--all", "--junit", "results.xml"] in grader_commands()
    uses = {str(s.get("uses", "")).split("@")[0]: s for s in steps()}
    upload = uses["actions/upload-artifact"]
    assert upload["with"]["path"] == "results.xml" and upload["if"] == "always()"  # type: ignore[index]
    assert uses["mikepenz/action-junit-report"]["with"]["report_paths"] == "results.xml"  # type: ignore[index]


def test_every_grader_command_of_the_workflow_exists_with_its_options():
    runner = CliRunner()
    for command in grader_commands():
        name = command[1]
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, f"grader {name}: {result.output}"
        for option in (a for a in command[2:] if a.startswith("--")):
            assert option in result.output, f"grader {name} has no {option}"


def test_the_page_shows_the_workflow_file_verbatim():
    page = (DOCS / "ci-course-repository.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", page, flags=re.S)
    assert WORKFLOW.read_text(encoding="utf-8") in blocks
