import json
import math

import numpy as np
import pytest

from grader.harness import wire


def roundtrip(value):
    return wire.decode(json.loads(json.dumps(wire.encode(value), allow_nan=False)))


def test_plain_values_roundtrip_with_their_types():
    value = {"a": (1, 2.5, "x"), 10: [True, None], "c": 1 + 2j}
    assert roundtrip(value) == value
    assert isinstance(roundtrip(value)["a"], tuple)
    assert 10 in roundtrip(value)  # int keys stay ints


def test_arrays_keep_dtype_shape_and_non_finite_values():
    arr = np.array([[1.0, np.nan], [np.inf, -np.inf]], dtype=np.float32)
    back = roundtrip(arr)
    assert back.dtype == np.float32 and back.shape == (2, 2)
    assert math.isnan(back[0, 1]) and back[1, 0] == np.inf and back[1, 1] == -np.inf


def test_numpy_scalars_become_python_scalars():
    assert roundtrip(np.float64(0.5)) == 0.5 and type(roundtrip(np.int64(3))) is int
    assert roundtrip(np.bool_(True)) is True


def test_unknown_objects_cross_as_type_names_only():
    class Lying(float):
        def __eq__(self, other):
            return True

    assert roundtrip(object()) == wire.Unsupported("object")
    assert isinstance(roundtrip(Lying(1.0)), wire.Unsupported)  # subclasses are not trusted
    assert roundtrip(len) == wire.CallableRef("len")


def test_an_ndarray_subclass_is_not_trusted():
    class Sneaky(np.ndarray):
        pass

    assert isinstance(roundtrip(np.zeros(2).view(Sneaky)), wire.Unsupported)


def test_limits_on_size_and_depth():
    nested: list = []
    for _ in range(wire.MAX_DEPTH + 2):
        nested = [nested]
    with pytest.raises(wire.WireError, match="deeper"):
        wire.encode(nested)
    assert isinstance(roundtrip("x" * (wire.MAX_STR + 1)), wire.Unsupported)


@pytest.mark.parametrize("bad", [
    {"$array": {"dtype": "float64", "shape": [3], "data": [1.0]}},
    {"$array": {"dtype": "object", "shape": [1], "data": [1]}},
    {"$f": "zero"},
    {"$dict": [[[1], 2]]},
    {"unknown": 1},
    {"$tuple": 5},
])
def test_malformed_wire_json_is_a_wire_error(bad):
    with pytest.raises(wire.WireError):
        wire.decode(bad)


@pytest.mark.parametrize("forged", [
    {"$array": {"dtype": "int64", "shape": [1], "data": [10**30]}},  # OverflowError in numpy
    {"$array": {"dtype": "uint8", "shape": [1], "data": [-1]}},
    {"$complex": [1, 2, 3]},
    {"$array": {"dtype": "float64", "shape": [2], "data": "ab"}},
    {"$dict": [[[1], 2]]},
])
def test_forged_values_are_wire_errors_never_other_exceptions(forged):
    with pytest.raises(wire.WireError):
        wire.decode(forged)
