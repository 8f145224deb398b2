"""Service load: simulated students uploading the inf264 examples to ``grader serve`` on loopback.

Phases, each on a fresh course state: (1) S students × 4 submissions uploaded concurrently: all
accepted and graded, none lost or graded twice; throughput against ``grader grade`` on the same
files; RSS of the server and its grading processes after the first quarter and at the end.
(2) Idle latency, upload to report, of the inf264 reference-style notebook, one at a time.
(3) The same load with a ``kill -9`` of the server at a random moment and a restart: every
accepted submission graded exactly once.
Targets: throughput ≥ 0.9× the CLI; idle p50 ≤ 0.5 s, p95 ≤ 1 s; RSS growth ≤ 25 %. Loopback
only, bounded (every wait has a timeout), stops its servers itself; exit 1 on a missed target.

    .venv/bin/python benchmarks/service_load.py [--students 50] [--idle 20] [--unsafe-no-sandbox]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "submissions_example" / "inf264-ex4"
FILES = [EXAMPLES / "bob.py", EXAMPLES / "alice" / "exercise4.ipynb",
         EXAMPLES / "carol_wrong_gradient" / "exercise4.ipynb", EXAMPLES / "frank_zipped.zip"]
COURSE = "title: load test\nsheets:\n  - {sheet: inf264-ex4, late: {policy: flag}}\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, root: Path, students: int, unsafe: bool) -> None:
        self.course, self.log, self.unsafe = root / "course", root / "server.log", unsafe
        self.course.mkdir(parents=True)
        (self.course / "course.yaml").write_text(COURSE)
        people = (f"s{i:03d},Student {i},s{i}@example.org\n" for i in range(students))
        roster = "id,name,email\n" + "".join(people)
        (self.course / "roster.csv").write_text(roster)
        grader(["roster", "import", str(self.course), str(self.course / "roster.csv"),
                "--links", str(root / "links.csv")])
        links = (root / "links.csv").read_text().splitlines()[1:]
        self.tokens = [line.rsplit("token=", 1)[1] for line in links]
        self.port, self.process = free_port(), None  # type: int, subprocess.Popen[bytes] | None
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        args = ["serve", str(self.course), "--port", str(self.port), "--workers", "2"]
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen([str(REPO / ".venv/bin/grader"), *args,
                                             *(["--unsafe-no-sandbox"] if self.unsafe else [])],
                                            stdout=sink, stderr=sink)
        for _ in range(600):
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise SystemExit(f"server did not start: {self.log.read_text()[-2000:]}")

    def rss_mib(self) -> float:
        """The server and its grading processes (not the sandboxes they start: those come and go)."""
        assert self.process is not None
        children: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                pid, rest = stat.read_text().split(" ", 1)
                comm, fields = rest.rsplit(") ", 1)
            except OSError:
                continue
            if comm != "(bwrap":
                children.setdefault(int(fields.split()[1]), []).append(int(pid))
        tree, total = [self.process.pid], 0.0
        while tree:
            pid = tree.pop()
            tree += children.get(pid, [])
            try:
                status = Path(f"/proc/{pid}/status").read_text().splitlines()
            except OSError:
                continue
            total += sum(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:"))
        return total

    def kill(self, sig: int) -> None:
        assert self.process is not None
        self.process.send_signal(sig)
        self.process.wait(120)

    def graded_events(self) -> list[int]:
        return [json.loads(line)["submission"] for line in self.log.read_text().splitlines()
                if line.startswith("{") and '"job graded"' in line]


def grader(args: list[str]) -> None:
    subprocess.run([str(REPO / ".venv/bin/grader"), *args], check=True, capture_output=True)


_CLIENTS = threading.local()  # one connection pool per uploading thread, as a browser keeps one


def upload(url: str, token: str, path: Path) -> int | None:
    client = getattr(_CLIENTS, "client", None) or httpx.Client(timeout=60)
    _CLIENTS.client = client
    try:
        r = client.post(f"{url}/api/sheets/inf264-ex4/submissions",
                        headers={"Authorization": f"Bearer {token}"},
                        files={"file": (path.name, path.read_bytes())})
    except httpx.HTTPError:
        return None
    return int(r.json()["id"]) if r.status_code == 202 else None


def wait_one(url: str, token: str, sid: int, timeout: float) -> float:
    """A student waiting for one report (polls as ``grader submit`` does, but finer: this is timed)."""
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        while client.get(f"/api/submissions/{sid}").json()["status"] != "done":
            if time.monotonic() > deadline:
                raise SystemExit(f"submission {sid} not graded within {timeout} s")
            time.sleep(0.02)
    return time.monotonic()


def counters(client: httpx.Client) -> dict[str, float]:
    """The service's /metrics, each metric summed over its labels."""
    sums: dict[str, float] = {}
    for line in client.get("/metrics").text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            sums[name.split("{")[0]] = sums.get(name.split("{")[0], 0.0) + float(value)
    return sums


def wait_graded(url: str, ta: str, ids: list[int], timeout: float, enough: float | None = None) -> float:
    """Every one of ``ids`` graded (or, with ``enough``, that many jobs graded so far): /metrics
    polled five times a second, a count the server keeps anyway (polling each submission, or the
    TA's queue of every pending job, would load the server with the load generator's own requests),
    then each submission checked."""
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {ta}"}, timeout=30) as client:
        while True:
            seen = counters(client)
            if (seen["grader_jobs_graded_total"] >= enough if enough is not None
                    else seen["grader_queue_length"] == 0):
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"submissions not graded within {timeout} s")
            time.sleep(0.2)
        end = time.monotonic()
        if enough is not None:
            return end
        undone = [i for i in ids if client.get(f"/api/submissions/{i}").json()["status"] != "done"]
    if undone:
        raise SystemExit(f"left the queue without a report: {undone}")
    return end


def load(server: Server, ta: str, rss: list[float]) -> tuple[list[int], float]:
    jobs = [(t, FILES[k % len(FILES)]) for k in range(4) for t in server.tokens]
    started = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        ids = [i for i in pool.map(lambda job: upload(server.url, *job), jobs) if i is not None]
    wait_graded(server.url, ta, ids, 1800, enough=len(ids) // 4)
    rss.append(server.rss_mib())
    end = wait_graded(server.url, ta, ids, 1800)
    rss.append(server.rss_mib())
    return ids, end - started


def cli_seconds(root: Path, students: int, unsafe: bool) -> float:
    subs = root / "subs"
    subs.mkdir()
    for k in range(4):
        for i in range(students):
            f = FILES[k % len(FILES)]
            shutil.copyfile(f, subs / f"s{i:03d}-{k}{f.suffix}")
    started = time.monotonic()
    grader(["grade", "inf264-ex4", str(subs), "--out", str(root / "out"), "--quiet", "--workers", "2",
            *(["--unsafe-no-sandbox"] if unsafe else [])])
    return time.monotonic() - started


def idle_latency(server: Server, n: int) -> list[float]:
    times = []
    for i in range(n):
        started = time.monotonic()
        sid = upload(server.url, server.tokens[i % len(server.tokens)], FILES[1])
        assert sid is not None
        times.append(wait_one(server.url, server.tokens[i % len(server.tokens)], sid, 120) - started)
    return times


def crash_phase(root: Path, students: int, unsafe: bool, ta_name: str) -> tuple[int, int, int]:
    server = Server(root, students, unsafe)
    server.start()
    jobs = [(t, FILES[k % len(FILES)]) for k in range(4) for t in server.tokens]
    with ThreadPoolExecutor(16) as pool:
        futures = [pool.submit(upload, server.url, *job) for job in jobs]
        time.sleep(random.uniform(0.5, 5.0))
        server.kill(signal.SIGKILL)
        accepted = [i for f in futures if (i := f.result()) is not None]
    server.start()
    ta = admin_ta(server, ta_name)
    wait_graded(server.url, ta, accepted, 1800)
    events = server.graded_events()
    server.kill(signal.SIGTERM)
    return len(accepted), len(stored_once(server.course / "state" / "grader.db", accepted)), \
        len(events) - len(set(events))


def stored_once(db: Path, accepted: list[int]) -> set[int]:
    """Accepted submissions with exactly one finished job and a report, read from the database
    itself: the log's "job graded" line follows the commit, so a kill between them drops the line."""
    with sqlite3.connect(db) as conn:
        done = conn.execute("SELECT s.id FROM submissions s JOIN jobs j ON j.submission_id = s.id "
                            "WHERE j.state = 'done' AND j.regrade_id IS NULL AND s.report_json IS NOT NULL "
                            "GROUP BY s.id HAVING COUNT(*) = 1").fetchall()
    return {row[0] for row in done} & set(accepted)


def admin_ta(server: Server, name: str) -> str:
    out = subprocess.run([str(REPO / ".venv/bin/grader"), "roster", "ta", str(server.course), name],
                         check=True, capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--idle", type=int, default=20)
    parser.add_argument("--unsafe-no-sandbox", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="grader-load-") as tmp:
        root = Path(tmp)
        server = Server(root / "a", args.students, args.unsafe_no_sandbox)
        server.start()
        ta = admin_ta(server, "bench")
        rss: list[float] = []
        cpu = time.process_time()
        ids, service_s = load(server, ta, rss)
        cpu = time.process_time() - cpu
        events = server.graded_events()
        latency = idle_latency(server, args.idle)
        server.kill(signal.SIGTERM)
        cli_s = cli_seconds(root, args.students, args.unsafe_no_sandbox)
        accepted, once, twice = crash_phase(root / "b", args.students, args.unsafe_no_sandbox, "bench")
    total = 4 * args.students
    p50, p95 = statistics.median(latency), sorted(latency)[max(0, int(len(latency) * 0.95) - 1)]
    rows = [("accepted and graded", f"{len(ids)}/{total}", len(ids) == total and len(set(events)) == total),
            ("graded twice", str(len(events) - len(set(events))), len(events) == len(set(events))),
            ("throughput vs grader grade", f"{cli_s / service_s:.2f}x ({service_s:.1f} s vs {cli_s:.1f} s)",
             cli_s / service_s >= 0.9),
            ("idle latency p50", f"{p50:.2f} s", p50 <= 0.5),
            ("idle latency p95", f"{p95:.2f} s", p95 <= 1.0),
            ("RSS (server+grading) 1/4 -> all", f"{rss[0]:.0f} -> {rss[1]:.0f} MiB", rss[1] <= rss[0] * 1.25),
            ("kill -9: accepted, graded once", f"{accepted}, {once}, {twice} twice",
             once == accepted and not twice)]
    print(f"(load generator, on the same cores: {cpu:.1f} s CPU during the {service_s:.1f} s load)")
    for name, value, ok in rows:
        print(f"{'ok  ' if ok else 'MISS'} {name:<32} {value}")
    return 0 if all(ok for *_, ok in rows) else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
