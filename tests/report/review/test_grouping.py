"""Near-identical answers group; answers that differ in meaning, score or figure do not."""

from __future__ import annotations

from grader.report.located import Located
from grader.report.review.grouping import grouped, normalised
from grader.report.review.points import Answer
from tests.report.review.conftest import tagged


def _answer(student: str, located: Located | None, points: str = "") -> Answer:
    return Answer(student, located, points, "", None)


def test_the_same_answer_in_other_spacing_case_and_markdown_is_one_key() -> None:
    assert normalised(tagged("**(b)** σ′ at z = 0 is 0.25")) == normalised(tagged("B)", "σ' at z=0 is 0.25."))
    assert normalised(tagged("2.5")) != normalised(tagged("25"))
    assert normalised(tagged("x < 0")) != normalised(tagged("x > 0"))
    assert normalised(tagged("same", image=True)) != normalised(tagged("same"))


def test_groups_keep_page_order_and_never_join_unlocated_or_differently_scored_answers() -> None:
    missing = Located(how="not_located", detail="no tag")
    answers = [_answer("a", tagged("(a) yes")), _answer("b", missing), _answer("c", tagged("A: YES")),
               _answer("d", missing), _answer("e", tagged("(a) yes"), points="1"), _answer("f", None)]
    assert [g.students for g in grouped(answers)] == [["a", "c"], ["b"], ["d"], ["e"], ["f"]]
    assert [g.id for g in grouped(answers)] == ["g1", "g2", "g3", "g4", "g5"]
