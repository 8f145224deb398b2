"""Prometheus metrics (one registry per service, so tests can run several)."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    def __init__(self, queue_length: Callable[[], float]) -> None:
        self.registry = CollectorRegistry()
        self.accepted = Counter("grader_submissions_accepted", "uploads stored and queued",
                                registry=self.registry)
        self.graded = Counter("grader_jobs_graded", "jobs finished, by run status", ["status"],
                              registry=self.registry)
        self.failures = Counter("grader_job_failures", "jobs whose report is a grader error",
                                registry=self.registry)
        self.seconds = Histogram("grader_grading_seconds", "time to grade one job",
                                 buckets=(0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300), registry=self.registry)
        queue = Gauge("grader_queue_length", "jobs queued or running", registry=self.registry)
        queue.set_function(queue_length)

    def text(self) -> bytes:
        return generate_latest(self.registry)
