"""``python -m grader.cli``: the same command as ``grader``."""

from grader.cli import app

app()
