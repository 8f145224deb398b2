import pytest

from grader.authoring.markers import MarkerError, strip_solutions


def test_a_block_becomes_an_ellipsis_at_its_indentation_keeping_the_prompt():
    source = ("def f(x):\n    # YOUR CODE HERE\n    # BEGIN SOLUTION\n    y = x + 1\n    return y\n"
              "    # END SOLUTION\n\nz = 1\n# BEGIN SOLUTION\nw = 2\n# END SOLUTION")
    stripped = strip_solutions(source)
    assert stripped.source == "def f(x):\n    # YOUR CODE HERE\n    ...\n\nz = 1\n..."
    assert stripped.blocks == 2


def test_a_prompt_inside_the_block_is_kept():
    stripped = strip_solutions("# BEGIN SOLUTION\n# YOUR CODE HERE\nanswer = 42\n# END SOLUTION\n")
    assert stripped.source == "# YOUR CODE HERE\n...\n"


def test_a_source_without_markers_is_unchanged():
    assert strip_solutions("x = 1\n").source == "x = 1\n" and strip_solutions("x = 1").blocks == 0


@pytest.mark.parametrize(("source", "message"), [
    ("# BEGIN SOLUTION\nx = 1\n", r"line 1: # BEGIN SOLUTION is never closed"),
    ("x = 1\n# END SOLUTION\n", r"line 2: # END SOLUTION without a # BEGIN SOLUTION"),
    ("# BEGIN SOLUTION\n  # BEGIN SOLUTION\n# END SOLUTION\n",
     r"line 2: .*inside the block opened at line 1"),
])
def test_markers_that_do_not_pair_up_name_their_lines(source, message):
    with pytest.raises(MarkerError, match=message):
        strip_solutions(source)
