"""Workers: threads that claim jobs and grade each one through the library's one-submission call.

Each job is graded in its own sandbox (the runner's business), from the thread's own grading
process, which warms its next sandbox after each job so a student's report comes back quickly
(:mod:`grader.service.dispatch`). A job's files live in ``state/work/job-<id>/`` and are swept at
start-up if a crash left them.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from grader.service import jobs
from grader.service.course import Course
from grader.service.db import SubmissionRow, now, reading
from grader.service.dispatch import Dispatch, ProcessDispatch
from grader.service.library import (
    Plan,
    Runner,
    Sheet,
    SheetError,
    SheetLock,
    Submission,
    load_sheet,
    ready_lock,
    remove_tree,
    render_report_json,
)
from grader.service.logs import log
from grader.service.metrics import Metrics
from grader.service.policy import accepting
from grader.service.storage import BlobStore
from grader.service.upload import KINDS

RunnerFactory = Callable[[Sheet], Runner]
Runners = dict[str, tuple[Sheet, Runner]]  # a worker's runner per sheet id, made for the sheet as loaded
_IDLE_S = 1.0  # also how soon a job queued by another process is seen


class Sheets:
    """The sheets and their locks, reloaded when ``grader lock`` rewrites a lock file. Until then
    jobs are graded against the sheet as it was locked, even if its files are being edited."""

    def __init__(self, course: Course) -> None:
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[int, Sheet, SheetLock]] = {}
        self._folders = {sid: sheet.folder for sid, (_, sheet) in course.sheets.items()}

    def get(self, sheet_id: str, recheck: bool = False) -> tuple[Sheet, SheetLock]:
        """``recheck``: load the sheet from disk even if its lock did not change (SheetError if stale)."""
        folder = self._folders[sheet_id]
        stamp = (folder / "expected.lock.json").stat().st_mtime_ns
        with self._lock:
            cached = self._cache.get(sheet_id)
            if cached is None or cached[0] != stamp or recheck:
                sheet = load_sheet(folder)
                cached = (stamp, sheet, ready_lock(sheet))
                self._cache[sheet_id] = cached
            return cached[1], cached[2]


def staged_name(filename: str) -> str:
    """The student's file name when it is a plain one (reports then match the CLI's), else a neutral one."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    suffix = PurePosixPath(name).suffix.lower()
    plain = (name and not name.startswith(".") and len(name.encode()) <= 200 and name.isprintable()
             and suffix in KINDS)
    return name if plain else f"submission{suffix if suffix in KINDS else '.py'}"


@dataclass(frozen=True)
class Grading:
    course: Course
    factory: sessionmaker[Session]
    store: BlobStore
    work: Path
    runner_for: RunnerFactory
    metrics: Metrics
    sheets: Sheets
    dispatch: Dispatch = field(default_factory=ProcessDispatch)  # where the grading runs


class WorkerPool:
    def __init__(self, grading: Grading, size: int) -> None:
        self.grading, self.size = grading, size
        self._stop, self._wake = threading.Event(), threading.Event()
        self._threads: list[threading.Thread] = []

    def sweep(self) -> None:
        """At start-up, before any job runs: a crash's leftovers (those jobs run again)."""
        for path in self.grading.work.glob("job-*"):
            remove_tree(path)

    def start(self) -> None:
        self._stop.clear()  # a pool may be stopped and started again
        self._threads = []
        for i in range(self.size):
            thread = threading.Thread(target=self._loop, name=f"grader-worker-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """Drain: each thread finishes the job it is grading, then stops; queued jobs wait in the database."""
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join()
        self.grading.dispatch.close()

    def _loop(self) -> None:
        runners: Runners = {}
        idle = self._likely()  # the sheet to warm a sandbox for as soon as the queue is empty
        claimed: jobs.Claimed | None = None
        while not self._stop.is_set():
            claimed = claimed or jobs.claim(self.grading.factory)
            if claimed is None:
                if idle is not None:
                    self._ready(idle, runners)
                    idle = None
                self._wake.wait(_IDLE_S)
                self._wake.clear()
                continue
            job = claimed
            claimed, idle = None, job.sheet_id
            try:
                claimed = self._run(job, runners)
            except Exception:  # a grader bug or a missing upload: logged, the job waits for a fix
                log("job failed in the grader", logging.ERROR, job=job.job_id, exc_info=True)
                self.grading.metrics.failures.inc()
                jobs.release(self.grading.factory, job)
                self._stop.wait(5.0)
        if claimed is not None:  # claimed as the last job was stored, then told to stop
            jobs.release(self.grading.factory, claimed)
        for _sheet, runner in runners.values():
            runner.close()

    def _plan(self, sheet_id: str, runners: Runners) -> Plan:
        """The sheet as locked now, with a runner made for it (a new lock may change its limits)."""
        sheet, lock = self.grading.sheets.get(sheet_id)
        made = runners.get(sheet_id)
        if made is None or made[0] is not sheet:
            if made is not None:
                made[1].close()
            made = runners[sheet_id] = (sheet, self.grading.runner_for(sheet))
        return Plan(sheet, lock, made[1])

    def _ready(self, sheet_id: str, runners: Runners) -> None:
        """Warm a sandbox while this thread has nothing to do, so the next report comes back quickly
        (not after each job: under load the next job is waiting, and no CPU is idle to warm one)."""
        try:
            self.grading.dispatch.ready(self._plan(sheet_id, runners))
        except Exception:  # only a head start: the next job starts its own sandbox
            log("warming a sandbox failed", logging.WARNING, exc_info=True)

    def _likely(self) -> str | None:
        """Before the first job: the sheet most likely to come next (the one submitted to last,
        else the first sheet open now), so the first report is quick too."""
        try:
            with reading(self.grading.factory) as session:
                newest = select(SubmissionRow.sheet_id).order_by(SubmissionRow.id.desc()).limit(1)
                last = session.scalar(newest)
        except Exception:  # the database is down: the loop's first claim says so
            log("choosing a sheet to warm failed", logging.WARNING, exc_info=True)
            return None
        moment = now()
        open_now = [sid for sid, (offer, _) in self.grading.course.sheets.items() if accepting(offer, moment)]
        return last if last in self.grading.course.sheets else next(iter(open_now), None)

    def _run(self, claimed: jobs.Claimed, runners: Runners) -> jobs.Claimed | None:
        """Grade and store one job; the next job, claimed as this one is stored (None: none queued)."""
        try:
            plan = self._plan(claimed.sheet_id, runners)
        except (SheetError, OSError) as exc:
            log("job waits: its sheet cannot be graded", logging.ERROR, job=claimed.job_id, error=str(exc))
            jobs.release(self.grading.factory, claimed)
            self._stop.wait(5.0)
            return None
        folder = (self.grading.work / f"job-{claimed.job_id}").resolve()  # Dask workers share the path
        remove_tree(folder)
        folder.mkdir(parents=True)
        started = time.monotonic()
        try:
            path = folder / staged_name(claimed.filename)
            shutil.copyfile(self.grading.store.path(claimed.sha256), path)
            sub = Submission(claimed.student_id, path, KINDS[path.suffix.lower()])  # type: ignore[arg-type]
            report = self.grading.dispatch.grade(plan, sub)
        finally:
            remove_tree(folder)
        seconds = time.monotonic() - started
        following = jobs.finish(self.grading.factory, claimed, render_report_json(report), report.score,
                                report.max_score, then_claim=not self._stop.is_set())
        self._count(claimed, report.run.status, seconds)
        return following

    def _count(self, claimed: jobs.Claimed, status: str, seconds: float) -> None:
        metrics = self.grading.metrics
        metrics.graded.labels(status=status).inc()
        metrics.seconds.observe(seconds)
        if status == "grader_error":
            metrics.failures.inc()
        log("job graded", job=claimed.job_id, submission=claimed.submission_id, sheet=claimed.sheet_id,
            student=claimed.student_id, status=status, seconds=round(seconds, 3), run=claimed.run)
