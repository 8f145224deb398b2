"""Red team (#18): a hostile student's notebook against locating manual answers.

What a student controls here: the notebook's JSON (cells, tags, markdown, saved outputs) and
what its code prints when it runs. None of it may slow the host for more than a few seconds,
forge outputs, or take another point's place unflagged.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from grader.grading import headings
from grader.grading.locate import RunView, locate_notebook
from grader.sandbox.job import CellOutput, CellOutputs
from grader.sheet.kinds import Locate, ManualCheck


def point(answer: str, heading: str | None = None) -> ManualCheck:
    return ManualCheck(answer=answer, prompt="rubric", locate=Locate(heading=heading) if heading else None)


def md(source: str, tags: list[str] | None = None) -> dict:
    return {"cell_type": "markdown", "source": source, "metadata": {"tags": tags or []}}


def code(source: str, tags: list[str] | None = None, outputs: list | None = None) -> dict:
    return {"cell_type": "code", "source": source, "metadata": {"tags": tags or []}, "outputs": outputs or []}


def nb(*cells: dict) -> dict:
    return {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


@contextmanager
def hang_guard(seconds: int) -> Iterator[None]:
    """Turn a hang into a failure. Not a timing assertion: the bound is tens of times what the
    work takes; the bug it guards against took minutes."""
    def stop(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s: quadratic on hostile input")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_a_heading_line_of_blanks_does_not_make_locate_quadratic() -> None:
    """FIXED. '# a' + 60,000 blanks + 'b': the ATX regex (a lazy title, then optional closing
    '#'s and blanks) backtracked quadratically: ~55 s for one line, minutes for a 100k-char cell,
    and a notebook may hold many such cells. Now the title is trimmed in Python."""
    line = "# a" + " " * 60_000 + "b"
    with hang_guard(10):
        found = list(headings.scan(0, line))
        located = locate_notebook([point("p", "1.4")], nb(md(line), md(line + "\t" * 30_000 + "#"),
                                                          md("## 1.4"), md("answer")), RunView())
    assert found[0].title == ("a" + " " * 60_000 + "b")[:headings.MAX_TITLE]
    assert located["p"].how == "heading" and located["p"].blocks[-1].text == "answer"


@pytest.mark.parametrize(("line", "title"), [
    ("# 1.4 ##", "1.4"), ("# 1.4##", "1.4##"), ("#1.4", "1.4"), ("   ## a b  ", "a b"), ("# ##", "##"),
    ("# a # #", "a #"), ("#\t\tx\t##\t", "x"), ("# a#b #", "a#b"), ("#", ""),
])
def test_the_linear_heading_matcher_reads_titles_as_before(line: str, title: str) -> None:
    assert [h.title for h in headings.scan(0, line)] == [title]


def test_outputs_saved_in_the_file_are_never_shown_as_the_runs() -> None:
    forged = [{"output_type": "stream", "name": "stdout", "text": "accuracy 0.99"}]
    nbk = nb(code("print('accuracy 0.31')", ["grader:p"], outputs=forged))
    run = RunView.of([CellOutputs(cell=0, outputs=[CellOutput(kind="text", text="accuracy 0.31\n")])], [])
    texts = [b.text for b in locate_notebook([point("p")], nbk, run)["p"].blocks]
    assert "accuracy 0.31\n" in texts and not any("0.99" in t for t in texts)


def test_an_image_output_that_is_not_a_png_is_dropped() -> None:
    svg = "PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+"  # base64 of <svg onload=alert(1)>
    run = RunView.of([CellOutputs(cell=0, outputs=[CellOutput(kind="image", png_base64=svg)])], [])
    blocks = locate_notebook([point("p")], nb(code("x", ["grader:p"])), run)["p"].blocks
    assert [b.kind for b in blocks] == ["code"]


def test_claiming_another_points_answer_by_its_tag_is_flagged() -> None:
    """A student tags a second code cell (a classmate's pasted answer, say) with the same point:
    both are shown and the TA is told."""
    located = locate_notebook([point("p")], nb(code("mine", ["grader:p"]), code("pasted", ["grader:p"])),
                              RunView())["p"]
    assert [b.text for b in located.blocks] == ["mine", "pasted"]
    assert any("2 code cells carry the tag grader:p" in f for f in located.flags)


def test_a_flood_of_tags_and_headings_stays_bounded() -> None:
    cells = [md("x", [f"grader:z{i}" for i in range(50_000)])] + [md("## 1.4 again", ["grader:p"])] * 5_000
    cells += [md("# x\n" * 20_000)] * 50
    with hang_guard(30):
        located = locate_notebook([point("p", "1.4"), point("q", "9")], nb(*cells), RunView())
    assert len(located["p"].blocks) <= 21 and sum(len(v.flags) for v in located.values()) <= 25
    assert located["q"].how == "not_located" and len(located["q"].detail) < 2_000


def test_long_heading_titles_are_read_once_and_short() -> None:
    """FIXED. Every point matched its label against every heading's whole title (twice when not
    found): 100 headings of 100,000 characters (a 10 MB notebook) took 7 s of host time for four
    points. Titles are now cut to MAX_TITLE characters when scanned."""
    long = "# " + "ab.cd " * 16_000
    assert [len(h.title) for h in headings.scan(0, long)] == [headings.MAX_TITLE]
    checks = [point(f"p{i}", f"{i}.9") for i in range(4)]
    with hang_guard(10):
        located = locate_notebook(checks, nb(*[md(long)] * 300), RunView())
    assert all(v.how == "not_located" and len(v.detail) < 2_000 for v in located.values())


def test_a_png_bomb_is_named_not_shown() -> None:
    """A megabyte of PNG can declare 14,000 × 14,000 pixels (zeros compress): the review and
    submission pages would make the TA's browser decode 800 MB. A real figure still shows."""
    import base64
    import struct
    import zlib

    from grader.grading.locate import RunView, output_blocks
    from grader.sandbox.job import CellOutput, CellOutputs

    def png(w: int, h: int) -> str:
        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
        return base64.b64encode(b"\x89PNG\r\n\x1a\n" + ihdr + chunk(b"IEND", b"")).decode()

    run = RunView.of([CellOutputs(cell=0, outputs=[CellOutput(kind="image", png_base64=png(14000, 14000)),
                                                  CellOutput(kind="image", png_base64=png(640, 480)),
                                                  CellOutput(kind="image", png_base64="iVBORw0KGgoAB")])], [])
    bomb, figure, stub = output_blocks(0, run)
    assert bomb.kind == "output" and "14000 × 14000 pixels: too large to show" in bomb.text
    assert figure.kind == "image" and stub.kind == "image"
