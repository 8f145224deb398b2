"""``grader review --serve``: real HTTP posts to the loopback form server, then apply-overrides."""

from __future__ import annotations

import csv
import html
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from grader.report import ScoreReport
from grader.report.overrides import apply_overrides
from grader.report.review.serve import MAX_BODY, ReviewSite, review_server
from tests.report.review.conftest import tagged

PAGE = "review/1.1-1.1-a-to-e.html"
Serve = Callable[..., tuple[httpx.Client, ReviewSite]]


@pytest.fixture
def serve(graded) -> Iterator[Serve]:
    """``serve(apply=False)``: OUT (alice and bob gave the same answer) behind a live server."""
    stops = []

    def start(apply: bool = False) -> tuple[httpx.Client, ReviewSite]:
        sheet, out = graded({"alice": tagged("(a) re-init"), "bob": tagged("(A)  Re-init."),
                             "carol_wrong_gradient": tagged("(a) <i>no</i> idea")})
        site = ReviewSite(sheet, out, apply=apply)
        server, url = review_server(site)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        stops.append(server)
        base = url.removesuffix("review/index.html")
        return httpx.Client(base_url=base, timeout=10, follow_redirects=False), site

    yield start
    for server in stops:
        server.shutdown()
        server.server_close()


def _groups(page: str) -> dict[str, str]:
    """Each group's id → its students field, as the page's form holds them."""
    return {m[0]: m[1].replace("&#34;", '"') for m in
            re.findall(r'name="students-(g\d+)" value="([^"]*)"', page)}


def _fields(page: str, group: str) -> dict[str, str]:
    """A group's hidden fields as the page's form holds them: its students and the score shown."""
    return {name: html.unescape(value) for name, value in
            re.findall(rf'name="((?:students|shown)-{group})" value="([^"]*)"', page)}


def site_url(client: httpx.Client, location: str) -> str:
    """A Location (a path from the server's root) as a full address."""
    return f"{client.base_url.scheme}://{client.base_url.netloc.decode()}{location}"


def _report(out: Path, student: str) -> ScoreReport:
    return ScoreReport.model_validate_json((out / student / "report.json").read_text())


def _manual(report: ScoreReport, point: str) -> tuple[float, str]:
    check = next(c for t in report.tasks for c in t.checks if c.answer == point)
    return check.score, check.status


def test_three_students_scored_through_the_form_then_apply_overrides_merges_them(serve) -> None:
    client, site = serve()
    out = site.out
    (out / "overrides.csv").write_text("student,task,point,max_points,points,comment\n"
                                       "dave_syntax_error,1.4,1.4-c,0.3333,0.3333,kept\n")
    page = client.get(PAGE)
    assert page.status_code == 200 and "0 of 7 scored; 6 distinct answers." in page.text
    groups = _groups(page.text)
    assert groups["g1"] == '["alice", "bob"]' and groups["g2"] == '["carol_wrong_gradient"]'
    form = {"token": site.token, **{f"students-{g}": s for g, s in groups.items()},
            "points-g1": "0.75", "comment-g1": "  (b) is missing  ",
            "points-g2": "0", "comment-g2": "no answer"}
    saved = client.post(PAGE, data=form)
    assert saved.status_code == 303 and saved.headers["location"].endswith(f"{PAGE}?saved=3")
    again = client.get(site_url(client, saved.headers["location"]))
    assert "Saved 3 score(s) to overrides.csv." in again.text and "3 of 7 scored" in again.text
    rows = list(csv.DictReader((out / "overrides.csv").open()))
    assert [(r["student"], r["point"], r["points"], r["comment"]) for r in rows] == [
        ("dave_syntax_error", "1.4-c", "0.3333", "kept"),  # another point's row is kept
        ("alice", "1.1-a-to-e", "0.75", "(b) is missing"), ("bob", "1.1-a-to-e", "0.75", "(b) is missing"),
        ("carol_wrong_gradient", "1.1-a-to-e", "0", "no answer")]
    apply_overrides(site.sheet, out, out / "overrides.csv")
    assert _manual(_report(out, "alice"), "1.1-a-to-e") == (0.75, "failed")
    assert _manual(_report(out, "bob"), "1.1-a-to-e") == (0.75, "failed")
    assert _manual(_report(out, "carol_wrong_gradient"), "1.1-a-to-e") == (0.0, "failed")
    assert _manual(_report(out, "dave_syntax_error"), "1.4-c")[1] == "passed"
    assert "(b) is missing" in (out / "alice" / "feedback.html").read_text()


def test_saving_again_replaces_a_row_and_apply_writes_the_reports(serve) -> None:
    client, site = serve(apply=True)
    for points in ("1", "0.5"):  # the page read again before each save, as after a save's redirect
        page = client.get(PAGE).text
        form = {"token": site.token, **_fields(page, "g1"), "points-g1": points, "comment-g1": ""}
        assert client.post(PAGE, data=form).status_code == 303
    rows = list(csv.DictReader((site.out / "overrides.csv").open()))
    assert [(r["student"], r["points"]) for r in rows if r["point"] == "1.1-a-to-e" and r["points"]] == [
        ("alice", "0.5"), ("bob", "0.5")]
    assert _manual(_report(site.out, "bob"), "1.1-a-to-e") == (0.5, "failed")


def test_bad_numbers_are_a_message_on_the_page_and_nothing_is_saved(serve) -> None:
    client, site = serve()
    groups = _groups(client.get(PAGE).text)
    before = (site.out / "overrides.csv").read_text() if (site.out / "overrides.csv").exists() else None
    for points, message in (("7", "points 7 outside 0…1"), ("lots", "points 'lots' is not a number"),
                            ("nan", "outside 0…1")):
        form = {"token": site.token, "students-g1": groups["g1"], "points-g1": points, "comment-g1": "x"}
        refused = client.post(PAGE, data=form)
        assert refused.status_code == 422 and message in html.unescape(refused.text), refused.text
        assert "overrides not applied" in refused.text and 'value="x"' not in refused.text  # comment kept:
        assert ">x</textarea>" in refused.text
    broken = client.post(PAGE, data={"token": site.token, "students-g1": "[1", "points-g1": "1"})
    assert broken.status_code == 422 and "list of students is broken" in broken.text
    stranger = client.post(PAGE, data={"token": site.token, "students-g1": '["zed"]', "points-g1": "1"})
    assert stranger.status_code == 422 and "unknown student 'zed'" in html.unescape(stranger.text)
    after = (site.out / "overrides.csv").read_text() if (site.out / "overrides.csv").exists() else None
    assert after == before


def test_the_token_host_origin_and_size_are_checked(serve) -> None:
    client, site = serve()
    base = str(client.base_url).rstrip("/")
    root = base.rsplit("/", 1)[0]
    with httpx.Client(timeout=10) as raw:
        assert raw.get(f"{root}/wrong-token/{PAGE}").status_code == 404
        assert raw.get(f"{root}/{PAGE}").status_code == 404
    assert client.get(PAGE, headers={"Host": "evil.example"}).status_code == 404  # DNS rebinding
    form = {"token": site.token, "students-g1": '["alice"]', "points-g1": "1"}
    assert client.post(PAGE, data=form, headers={"Origin": "http://evil.example"}).status_code == 404
    assert client.post(PAGE, data={**form, "token": "guess"}).status_code == 403
    assert client.post(PAGE, data={k: v for k, v in form.items() if k != "token"}).status_code == 403
    huge = client.post(PAGE, content=b"x" * (MAX_BODY + 1),
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert huge.status_code == 413
    assert client.get("review/nope.html").status_code == 404
    assert not (site.out / "overrides.csv").exists()


def test_the_executed_notebook_is_served_without_scripts_and_nothing_else(serve) -> None:
    client, site = serve()
    (site.out / "alice" / "submission.html").write_text("<script>alert(1)</script>ran")
    shown = client.get("alice/submission.html")
    assert shown.status_code == 200 and "sandbox" in shown.headers["content-security-policy"]
    assert "script-src" not in shown.headers["content-security-policy"]
    assert client.get("alice/report.json").status_code == 404
    assert client.get("..%2Falice/submission.html").status_code == 404
    assert client.get("bob/submission.html").status_code == 404


def test_only_loopback_addresses_are_served(graded) -> None:
    sheet, out = graded()
    for host in ("0.0.0.0", "192.168.1.10", "::"):
        with pytest.raises(ValueError, match="not a loopback address"):
            review_server(ReviewSite(sheet, out), host)


def test_the_cli_refuses_a_non_loopback_host_after_writing_the_pages(graded) -> None:
    from typer.testing import CliRunner

    from grader.cli import app

    sheet, out = graded()
    result = CliRunner().invoke(app, ["review", sheet.id, str(out), "--serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "not a loopback address" in result.output
    assert (out / "review" / "index.html").is_file() and (out / "overrides.csv").is_file()
