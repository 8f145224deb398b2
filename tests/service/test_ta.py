"""TAs: class table, queue, manual points, exports, regrade after a new lock, metrics."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.grading.reference import lock_sheet
from grader.sandbox.process import ProcessRunner
from grader.sheet import SHEETS_ROOT, load_sheet
from tests.service.conftest import EXAMPLES, REPO, offer, upload, wait_done

pytestmark = pytest.mark.runs_code


def test_class_table_manual_points_and_exports(live) -> None:
    server = live()
    with server.client("alice") as alice, server.client("bob") as bob, server.client("ta") as ta:
        assert alice.get("/api/ta/queue").status_code == 403
        sub = upload(bob, "inf264-ex4", "bob.py", (EXAMPLES / "bob.py").read_bytes()).json()
        wait_done(bob, sub)
        assert ta.get("/api/ta/queue").json() == []
        table = {r["student"]: r for r in ta.get("/api/ta/sheets/inf264-ex4/class").json()}
        assert table["alice"]["counted"] is None and table["bob"]["counted"] == sub["id"]
        assert table["bob"]["pending_points"] > 0 and table["bob"]["late"]  # the deadline was in 2020
        before = table["bob"]["score"]

        header = "student,task,point,max_points,points,comment\n"
        bad = header + "zed,1.1,1.1-a-to-e,1,1,\nbob,1.1,1.1-a-to-e,1,7,\n"
        refused = ta.post("/api/ta/sheets/inf264-ex4/manual-points", files={"file": ("o.csv", bad)})
        detail = refused.json()["detail"]
        assert refused.status_code == 422 and "line 2: unknown student 'zed'" in detail
        assert "line 3: points 7 outside 0…1" in detail
        good = header + "bob,1.1,1.1-a-to-e,1,1,<b>well</b> done\n"
        applied = ta.post("/api/ta/sheets/inf264-ex4/manual-points", files={"file": ("o.csv", good)})
        assert applied.json() == {"sheet": "inf264-ex4", "points": 1}
        after = {r["student"]: r for r in ta.get("/api/ta/sheets/inf264-ex4/class").json()}["bob"]
        assert after["score"] == pytest.approx(before + 1)
        shown = bob.get(sub["report_url"]).json()["feedback"]["report"]
        assert any("<b>well</b> done" in c["message"] for t in shown["tasks"] for c in t["checks"])

        gradebook = ta.get("/api/ta/sheets/inf264-ex4/exports/gradebook.csv")
        assert gradebook.headers["content-type"].startswith("text/csv") and "bob" in gradebook.text
        lms = ta.get("/api/ta/sheets/inf264-ex4/exports/lms.csv").text.splitlines()
        assert lms[1].startswith("bob,<script>alert(1)</script> Bob,")  # named from the roster
        too_big = ta.post("/api/ta/sheets/inf264-ex4/manual-points",
                          files={"file": ("o.csv", good + "#" * (4 * 2**20))})
        assert too_big.status_code == 413  # never a prefix applied and the rest dropped
        assert ta.get("/api/ta/sheets/inf264-ex4/exports/summary.json").json()
        assert ta.get("/api/ta/sheets/inf264-ex4/exports/summary.html").text.startswith("<!")
        assert ta.get("/api/ta/sheets/inf264-ex4/exports/secrets.txt").status_code == 404
        assert bob.get("/api/ta/sheets/inf264-ex4/exports/lms.csv").status_code == 403

        metrics = ta.get("/metrics").text
        assert "grader_queue_length 0.0" in metrics and "grader_grading_seconds_count 1.0" in metrics
        assert 'grader_jobs_graded_total{status="completed"} 1.0' in metrics
        assert bob.get("/metrics").status_code == 403
    with server.client() as anonymous:
        assert anonymous.get("/healthz").json() == {"status": "ok"}
        assert anonymous.get("/openapi.json").json()["paths"]["/api/sheets/{sheet_id}/submissions"]


def test_regrade_after_a_new_lock_says_who_gained(live, tmp_path: Path) -> None:
    sheets = tmp_path / "own" / "sheets"
    shutil.copytree(SHEETS_ROOT / "inf264-ex4", sheets / "inf264-ex4")
    shutil.copytree(REPO / "reference" / "inf264-ex4", tmp_path / "own" / "reference" / "inf264-ex4")
    server = live([offer(sheet=str(sheets / "inf264-ex4"))])
    with server.client("bob") as bob, server.client("alice") as alice, server.client("ta") as ta:
        subs = [upload(bob, "inf264-ex4", "bob.py", (EXAMPLES / "bob.py").read_bytes()).json(),
                upload(alice, "inf264-ex4", "a.py", b"x = 1\n").json()]
        for sub in subs:
            wait_done(ta, sub)
        yaml_path = sheets / "inf264-ex4" / "sheet.yaml"
        text = yaml_path.read_text()
        yaml_path.write_text(text.replace("    points: 1\n", "    points: 3\n", 2))
        stale = ta.post("/api/ta/sheets/inf264-ex4/regrade")
        assert stale.status_code == 409 and "grader lock" in stale.json()["detail"]
        sheet = load_sheet(sheets / "inf264-ex4")
        lock_sheet(sheet, ProcessRunner(sheet.spec.limits))
        started = ta.post("/api/ta/sheets/inf264-ex4/regrade")
        assert started.status_code == 202 and started.json()["jobs"] == 2
        for _ in range(600):
            result = ta.get(started.json()["result_url"]).json()
            if not result["pending"]:
                break
            wait_done(ta, subs[0])
        assert [c["student"] for c in result["gained"]] == ["bob"] and result["lost"] == []
        assert result["unchanged"] == 1 and result["gained"][0]["after"] > result["gained"][0]["before"]
