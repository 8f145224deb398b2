"""Grading: one submission (prepare, run, score), a batch, discovery, the reference."""
