"""The ``grader`` command: parses options, calls the library, renders. Nothing else.

Each command imports the library code it calls: a command's start-up is part of what a TA
waits for, and ``grader grade`` warms its first sandbox while its grading code loads. One module
per group of commands registers them on :data:`grader.cli.app.app`.
"""

from __future__ import annotations

from grader.cli import authoring, grading, info, reports, selfcheck, service
from grader.cli.app import app

__all__ = ["app", "authoring", "grading", "info", "reports", "selfcheck", "service"]
