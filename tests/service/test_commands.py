"""The service's commands: roster, tokens, db upgrade, schema, submit; and what they refuse."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.cli import app
from tests.service.conftest import EXAMPLES, ROSTER, offer, write_course

cli = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = cli.invoke(app, list(args))
    return result.exit_code, result.output


def test_roster_import_reimport_and_tokens(tmp_path: Path, db_url: str | None) -> None:
    course = write_course(tmp_path / "course", [offer()])
    db = ["--db", db_url] if db_url else []
    code, out = run("roster", "import", str(course), str(course / "roster.csv"), "--base-url",
                    "https://grader.example.org", *db)
    assert code == 0 and "2 added, 0 updated; 2 new links" in out, out
    (written,) = (course / "state").glob("links-*.csv")
    links = written.read_text().splitlines()
    assert links[0] == "id,name,email,link" and links[1].startswith("alice,Alice A,alice@example.org,https://")
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    (course / "roster.csv").write_text(ROSTER.replace("Alice A", "Alice B") + "carol,Carol,c@x.org\n")
    code, out = run("roster", "import", str(course), str(course / "roster.csv"), "--links",
                    str(written), *db)
    assert code == 2 and "may hold links not mailed yet" in out  # the first file is kept
    code, out = run("roster", "import", str(course), str(course / "roster.csv"), *db)
    assert code == 0 and "1 added, 1 updated; 1 new links" in out
    code, out = run("roster", "token", str(course), "alice", *db)
    assert code == 0 and "alice has 1 working link(s)" in out
    code, out = run("roster", "token", str(course), "alice", "--new", *db)
    assert code == 0 and "1 old link(s) revoked; new link: http://127.0.0.1:8000/login?token=" in out
    code, out = run("roster", "token", str(course), "zed", "--new", *db)
    assert code == 2 and "no student 'zed'" in out
    code, out = run("db", "upgrade", str(course), *db)
    assert code == 0 and "schema up to date" in out


def test_every_bad_roster_line_is_named(tmp_path: Path) -> None:
    course = write_course(tmp_path / "course", [offer()])
    (course / "roster.csv").write_text("id,name,email\n../x,A,a@x.org\nbob,,b@x.org\nbob,B,not-mail\n")
    code, out = run("roster", "import", str(course), str(course / "roster.csv"))
    assert code == 2
    for part in ["line 2: id '../x'", "line 3: the name is empty", "line 4: id 'bob' appears twice",
                 "line 4: email 'not-mail'"]:
        assert part in out.replace("\n", " ").replace("  ", " ") or part in out, (part, out)
    (course / "roster.csv").write_text("student,mail\nx,y\n")
    code, out = run("roster", "import", str(course), str(course / "roster.csv"))
    assert code == 2 and "missing columns ['id', 'name', 'email']" in out


@pytest.mark.parametrize(("yaml_text", "message"), [
    ("title: x\nsheets: []\n", "sheets: List should have at least 1 item"),
    ("title: x\nsheets:\n  - {sheet: inf264-ex4, deadline: '2026-01-01T00:00:00'}\n", "sheets.0.deadline"),
    ("title: x\nsheets:\n  - {sheet: nope}\n", "sheets.0.sheet: no sheet 'nope'"),
    ("title: x\nsheets:\n  - {sheet: inf264-ex4, late: {policy: penalty}}\n", "penalty_per_day is required"),
    ("title: x\nsheets:\n  - {sheet: inf264-ex4, visibility: {before_deadline: some}}\n",
     "sheets.0.visibility.before_deadline"),
    ("title: x\nsheets:\n  - {sheet: inf264-ex4}\n  - {sheet: inf264-ex4}\n", "offered twice"),
    ("title: [unclosed\n", "not valid YAML"),
])
def test_malformed_course_yaml(tmp_path: Path, yaml_text: str, message: str) -> None:
    course = write_course(tmp_path / "course", [offer()])
    (course / "course.yaml").write_text(yaml_text)
    code, out = run("serve", str(course), "--unsafe-no-sandbox")
    assert code == 2 and message in out.replace("\n", ""), out


def test_unwritable_state_folder(tmp_path: Path) -> None:
    course = write_course(tmp_path / "course", [offer()])
    (tmp_path / "file").write_text("")
    code, out = run("serve", str(course), "--state", str(tmp_path / "file" / "state"), "--unsafe-no-sandbox")
    assert code == 2 and "the state folder" in out and "cannot be created" in out


def test_schema_course() -> None:
    code, out = run("schema", "course")
    assert code == 0 and "penalty_per_day" in json.loads(out)["$defs"]["LatePolicy"]["properties"]


@pytest.mark.runs_code
def test_grader_submit_round_trip(live) -> None:
    server = live()
    code, out = run("submit", "inf264-ex4", str(EXAMPLES / "bob.py"), "--server", server.url,
                    "--token", server.tokens["bob"])
    assert code == 0, out
    assert "bob" in out and "passed" in out  # the full feedback: the deadline is past
    code, out = run("submit", "inf264-ex4", str(EXAMPLES / "bob.py"), "--server", server.url,
                    "--token", "forged")
    assert code == 2 and "401: unknown or revoked token" in out


def test_the_example_course_offers_every_sheet() -> None:
    import yaml

    from grader.service.course import CourseSpec
    from grader.service.roster import read_roster
    from grader.sheet import all_sheet_ids

    folder = EXAMPLES.parent / "course"
    spec = CourseSpec.model_validate(yaml.safe_load((folder / "course.yaml").read_text()))
    assert sorted(o.sheet for o in spec.sheets) == all_sheet_ids()
    assert all(o.deadline and o.opens for o in spec.sheets)
    assert [p.id for p in read_roster(folder / "roster.csv")] == ["alice", "bob", "carol", "dave"]
