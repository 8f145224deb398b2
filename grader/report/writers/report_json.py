"""``report.json``: the ScoreReport itself, the machine-readable source of every other format."""

from __future__ import annotations

from grader.report import ScoreReport


def render(report: ScoreReport) -> str:
    return report.model_dump_json(indent=2) + "\n"
