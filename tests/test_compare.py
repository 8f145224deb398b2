import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.checks.compare import compare, fmt, is_numeric
from grader.harness.wire import Unsupported
from grader.sheet.kinds import Tolerance

TOL = Tolerance(rtol=1e-3, atol=1e-6)
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(got=finite, expected=finite, rtol=st.floats(0, 0.1), atol=st.floats(0, 1))
def test_scalar_rule_is_exactly_isclose(got, expected, rtol, atol):
    tol = Tolerance(rtol=rtol, atol=atol)
    assert compare(got, expected, tol).ok == (abs(got - expected) <= atol + rtol * abs(expected))


@given(st.lists(finite, min_size=1, max_size=6))
def test_lists_arrays_and_tuples_are_the_same_numbers(values):
    assert compare(values, np.array(values), TOL).ok
    assert compare(tuple(values), values, TOL).ok
    assert compare(np.array(values), tuple(values), TOL).ok


@given(finite)
def test_zero_d_array_equals_scalar(x):
    assert compare(np.array(x), x, TOL).ok and compare(x, np.array(x), TOL).ok


def test_tolerance_is_relative_to_the_expected_value():
    tol = Tolerance(rtol=0.1, atol=0)
    assert compare(1.09, 1.0, tol).ok          # |0.09| <= 0.1 * 1.0
    assert not compare(1.0, 1.1, Tolerance(rtol=0.09, atol=0)).ok


def test_shapes_are_strict_and_the_hint_spots_transposes():
    exp = np.arange(6.0).reshape(2, 3)
    verdict = compare(exp.T, exp, TOL)
    assert not verdict.ok and "shape (3, 2), expected shape (2, 3)" in verdict.message
    assert "transpose" in verdict.hint
    assert "reshape" in compare(exp.reshape(6, 1), exp.reshape(6), TOL).hint


def test_nan_matches_only_nan():
    assert compare([1.0, np.nan], [1.0, np.nan], TOL).ok
    verdict = compare([1.0, np.nan], [1.0, 2.0], TOL)
    assert not verdict.ok and verdict.worst_index == (1,) and "NaN" in verdict.hint
    assert not compare(1.0, np.nan, TOL).ok


def test_array_message_names_the_worst_element_and_the_tolerance():
    verdict = compare([[1.0, 2.0], [3.0, 9.0]], [[1.0, 2.5], [3.0, 4.0]], TOL)
    assert verdict.worst_index == (1, 1)
    assert "element [1, 1]: got 9, expected 4" in verdict.message
    assert "2 of 4 elements outside the tolerance" in verdict.message
    assert "atol 1e-06 + rtol 0.001" in verdict.message


@pytest.mark.parametrize(("got", "expected", "hint"), [
    (-2.0, 2.0, "sign"),
    (4.0, 2.0, "twice"),
    (1.0, 2.0, "half"),
    ([[1.0, 3.0], [2.0, 4.0]], [[1.0, 2.0], [3.0, 4.0]], "transpose"),
    ([1.0, -2.0], [1.0, 2.0], "some signs"),
])
def test_hints_for_typical_slips(got, expected, hint):
    assert hint in compare(got, expected, TOL).hint


def test_bool_str_none_are_compared_exactly():
    assert compare(True, True, TOL).ok
    assert not compare(1, True, TOL).ok  # 1 is not True for a yes/no answer
    assert not compare(True, 1.0, TOL).ok
    assert compare("X1X2", "X1X2", TOL).ok and not compare("x1x2", "X1X2", TOL).ok
    assert compare(None, None, TOL).ok


def test_dicts_and_nested_sequences_report_the_path():
    exp = {"z": 3.0, "grads": (1.0, np.array([1.0, 2.0]))}
    verdict = compare({"z": 3.0, "grads": (1.0, np.array([1.0, 5.0]))}, exp, TOL)
    assert not verdict.ok and verdict.message.startswith("['grads'][1]: element [1]")
    assert "missing keys ['grads']" in compare({"z": 3.0}, exp, TOL).message
    assert compare({"10": 0.5}, {10: 0.5}, TOL).ok  # int vs str keys of the same name


def test_wrong_kinds_are_named_not_crashed_on():
    assert "unsupported type torch.Thing" in compare(Unsupported("torch.Thing"), 1.0, TOL).message
    assert "got a str" in compare("6", 6.0, TOL).message
    assert "ragged" in compare([[1.0], [1.0, 2.0]], [[1.0, 2.0], [1.0, 2.0]], TOL).message


def test_ragged_tuple_is_a_sequence_not_an_array():
    assert not is_numeric((np.zeros(2), 1.0))
    assert compare((np.zeros(2), 1.0), (np.zeros(2), 1.0), TOL).ok


def test_fmt_is_one_line_and_numpy2_proof():
    assert fmt(np.float64(0.5)) == "0.5"
    assert "\n" not in fmt(np.eye(3))


def test_sentence_ends_with_one_punctuation_mark():
    assert compare(1.0, 2.0, TOL).sentence().endswith("extra ½?")
    assert compare(7.0, 2.0, TOL).sentence().endswith(").")


@pytest.mark.parametrize("got", [np.array([3.0]), [[3.0]], np.array([[[3.0]]]), (3.0,)])
def test_a_one_element_array_is_the_number_it_holds(got):
    verdict = compare(got, 3.0, TOL)
    assert verdict.ok and verdict.accepted == ("a one-element array for a number",)


def test_a_number_is_a_one_element_array_and_plain_passes_name_nothing():
    verdict = compare(6.0, np.array([6.0]), TOL)
    assert verdict.ok and verdict.accepted == ("a number for a one-element array",)
    assert compare(3.0, 3.0, TOL).accepted == () and compare([1.0, 2.0], [1.0, 2.0], TOL).accepted == ()


def test_a_wrong_one_element_array_shows_the_numbers_not_the_shapes():
    verdict = compare(np.array([2.5]), 3.0, TOL)
    assert not verdict.ok and "shape" not in verdict.message
    assert verdict.message.startswith("got 2.5, expected 3 (|difference| 0.5 > tolerance")
    assert (verdict.got, verdict.expected, verdict.worst_index) == ("2.5", "3", None)
    assert "half" not in verdict.hint and compare([[-3.0]], 3.0, TOL).hint == "the sign is flipped"


def test_other_shape_mismatches_still_fail_with_their_hints():
    verdict = compare(np.array([3.0, 1.0]), 3.0, TOL)
    assert not verdict.ok and "got shape (2,), expected shape ()" in verdict.message
    one_by_one = compare([3.0], [[3.0]], TOL)  # neither is a number: a shape slip as before
    assert not one_by_one.ok and "reshape to (1, 1)" in one_by_one.hint
    # shapes as answers (inf264's W1_shape = (3, 2)) are two numbers, untouched by the rule
    assert compare([3, 2], (3, 2), TOL).ok and not compare((3,), (3, 2), TOL).ok
    assert not compare(3, (3, 2), TOL).ok


def test_shape_exact_refuses_a_one_element_array_with_the_reshape_hint():
    verdict = compare([3.0], 3.0, TOL, shape="exact")
    assert not verdict.ok and "got shape (1,), expected shape ()" in verdict.message
    assert "the number is right; reshape to ()" in verdict.hint
    assert not compare(3.0, np.array([3.0]), TOL, shape="exact").ok
    assert compare(np.array(3.0), 3.0, TOL, shape="exact").ok  # 0-d is still a number


def test_nested_outputs_collect_what_they_accepted_once():
    expected = {"z": 3.0, "y_hat": 6.0, "W": [[1.0, 2.0]]}
    got = {"z": np.array([3.0]), "y_hat": [[6.0]], "W": [[1.0, 2.0]]}
    verdict = compare(got, expected, TOL)
    assert verdict.ok and verdict.accepted == ("a one-element array for a number",)
    assert compare((np.array([1.0]), 2.0), (1.0, np.array([2.0])), TOL).accepted == (
        "a one-element array for a number", "a number for a one-element array")
    wrong = compare({"z": np.array([3.0]), "y_hat": [[5.0]], "W": [[1.0, 2.0]]}, expected, TOL)
    assert not wrong.ok and wrong.message.startswith("['y_hat']: got 5, expected 6")
