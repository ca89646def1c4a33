"""chainrule.backend: array creation follows torch.tensor's dtype inference, dtypes are parsed in
one place, the default floating dtype is validated and honoured, and the malloc tuning is a
plain flag that CHAINRULE_NO_MALLOPT switches off."""

import os
import platform
import subprocess
import sys

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule import backend

# Data torch.tensor accepts, with the dtype it infers; as_array must infer the same.
INFERENCE_CASES = {
    "python floats": [1.0, 2.5],
    "python ints": [1, 2],
    "python bools": [True, False],
    "float scalar": 3.5,
    "int scalar": 7,
    "bool scalar": True,
    "nested ints": [[1, 2], [3, 4]],
    "ints and floats": [1, 2.0],
    "bools and ints": [True, 2],
    "bools and floats": [True, 2.5],
    "empty list": [],
    "empty rows": [[], []],
    "negative ints": [-3, 4],
    "big int": [2**40],
    "numpy float64 scalar": np.float64(1.5),
    "numpy float32 scalar": np.float32(1.5),
    "numpy int32 scalar": np.int32(3),
    "numpy bool scalar": np.bool_(True),
    "float64 array": np.array([1.0, 2.0]),
    "float32 array": np.array([1.0, 2.0], dtype=np.float32),
    "float16 array": np.array([1.0, 2.0], dtype=np.float16),
    "int32 array": np.array([1, 2], dtype=np.int32),
    "uint8 array": np.array([1, 2], dtype=np.uint8),
    "int8 array": np.array([-1, 2], dtype=np.int8),
    "bool array": np.array([True, False]),
    "0-d array": np.array(2.0),
}


@pytest.mark.parametrize("data", INFERENCE_CASES.values(), ids=INFERENCE_CASES.keys())
def test_as_array_infers_dtype_like_torch_tensor(data):
    array = backend.as_array(data)
    expected = torch.tensor(data).numpy()
    assert isinstance(array, np.ndarray)
    assert array.dtype == expected.dtype
    assert array.shape == expected.shape
    np.testing.assert_array_equal(array, expected)


def test_as_array_documented_rules():
    assert backend.as_array([1.0]).dtype == cr.float32
    assert backend.as_array([1]).dtype == cr.int64
    assert backend.as_array([True]).dtype == cr.bool_
    assert backend.as_array(np.zeros(2)).dtype == cr.float64


@pytest.mark.parametrize(
    "data, dtype, torch_dtype",
    [
        ([1, 2], cr.float32, torch.float32),
        ([1.0, 2.0], cr.float64, torch.float64),
        ([-1.5, 2.7], cr.int64, torch.int64),
        ([0, 1, 2], cr.bool_, torch.bool),
        (np.arange(3, dtype=np.int32), cr.float16, torch.float16),
        (np.array([1.5, 2.5]), cr.float32, torch.float32),
        (2.5, cr.int32, torch.int32),
        ([300], cr.int16, torch.int16),
    ],
    ids=[
        "int->float32",
        "float->float64",
        "float->int64 truncates",
        "int->bool",
        "int32 array->float16",
        "float64 array->float32",
        "scalar->int32",
        "int->int16",
    ],
)
def test_as_array_with_dtype_matches_torch_tensor(data, dtype, torch_dtype):
    array = backend.as_array(data, dtype)
    expected = torch.tensor(data, dtype=torch_dtype).numpy()
    assert array.dtype == expected.dtype == dtype
    np.testing.assert_array_equal(array, expected)


def test_as_array_accepts_every_dtype_spelling():
    for spelling in (cr.float64, np.float64, np.dtype("float64"), "float64"):
        assert backend.as_array([1, 2], spelling).dtype == np.float64
    assert backend.as_array([1, 2], float).dtype == cr.float32
    assert backend.as_array([1.5, 2.5], int).dtype == cr.int64


def test_as_array_keeps_an_ndarray_of_the_right_dtype_without_copying():
    a = np.arange(4.0)
    assert backend.as_array(a) is a
    assert backend.as_array(a, np.float64) is a
    converted = backend.as_array(a, np.float32)
    assert converted.dtype == np.float32 and not np.shares_memory(converted, a)


def test_as_array_keeps_non_contiguous_views():
    a = np.arange(12.0).reshape(3, 4).T
    assert backend.as_array(a) is a


@pytest.mark.parametrize(
    "ragged", [[[1, 2], [3]], [[1.0], [2.0, 3.0]], [[[1, 2], [3, 4]], [[5, 6]]]], ids=["ints", "floats", "3-d"]
)
def test_ragged_lists_raise_a_clear_value_error(ragged):
    with pytest.raises(ValueError, match=r"tensor: data must be rectangular \(every row the same length\)"):
        backend.as_array(ragged)
    with pytest.raises(ValueError, match="rectangular"):
        cr.tensor(ragged)


@pytest.mark.parametrize(
    "data",
    [["a", "b"], ["1.0"], [None], [1 + 2j], [object()], {"a": 1}],
    ids=["strings", "numeric string", "None", "complex", "object", "dict"],
)
def test_unsupported_data_raises_type_error(data):
    with pytest.raises(
        TypeError, match="tensor: cannot build a tensor from data of dtype .*; expected numbers or bools"
    ):
        backend.as_array(data)
    with pytest.raises(TypeError, match="cannot build a tensor"):
        cr.tensor(data)


@pytest.mark.parametrize(
    "spelling, expected",
    [
        (cr.float32, np.float32),
        (cr.float64, np.float64),
        (cr.float16, np.float16),
        (cr.int8, np.int8),
        (cr.int16, np.int16),
        (cr.int32, np.int32),
        (cr.int64, np.int64),
        (cr.uint8, np.uint8),
        (cr.bool_, np.bool_),
        (np.float32, np.float32),
        (np.dtype("int32"), np.int32),
        ("float64", np.float64),
        ("int64", np.int64),
        (int, np.int64),
        (float, np.float32),
        (bool, np.bool_),
    ],
)
def test_to_dtype_returns_a_numpy_dtype(spelling, expected):
    dtype = backend.to_dtype(spelling)
    assert isinstance(dtype, np.dtype)
    assert dtype == np.dtype(expected)


def test_to_dtype_passes_none_through():
    assert backend.to_dtype(None) is None


def test_torch_style_aliases():
    assert cr.float is cr.float32 and backend.float is backend.float32
    assert backend.double == np.float64 and backend.long == np.int64


@pytest.mark.parametrize(
    "wrong", ["nonsense", torch.float32, object(), 3.5], ids=["unknown name", "torch dtype", "object", "float value"]
)
def test_to_dtype_rejects_unsupported_dtypes(wrong):
    with pytest.raises(TypeError, match=r"unsupported dtype .*; expected a NumPy dtype such as chainrule\.float32"):
        backend.to_dtype(wrong)
    with pytest.raises(TypeError, match="unsupported dtype"):
        cr.zeros(2, dtype=wrong)


def test_default_dtype_is_float32_like_torch():
    assert cr.get_default_dtype() == backend.get_default_dtype() == cr.float32
    assert torch.get_default_dtype() == torch.float32


@pytest.mark.parametrize("dtype", [cr.float16, cr.float32, cr.float64, np.float64, "float64"])
def test_set_default_dtype_accepts_floating_dtypes(dtype):
    previous = cr.get_default_dtype()
    try:
        cr.set_default_dtype(dtype)
        assert cr.get_default_dtype() == np.dtype(dtype)
        assert isinstance(cr.get_default_dtype(), np.dtype)
    finally:
        cr.set_default_dtype(previous)


@pytest.mark.parametrize(
    "dtype",
    [cr.int64, cr.int32, cr.bool_, cr.uint8, "int16", int, bool],
    ids=["int64", "int32", "bool", "uint8", "'int16'", "int", "bool type"],
)
def test_set_default_dtype_rejects_non_floating_dtypes_like_torch(dtype):
    with pytest.raises(TypeError, match="set_default_dtype: expected a floating dtype, got"):
        cr.set_default_dtype(dtype)
    assert cr.get_default_dtype() == cr.float32  # a rejected call changes nothing
    with pytest.raises(TypeError):
        torch.set_default_dtype(torch.int64)


def test_set_default_dtype_rejects_unknown_names():
    with pytest.raises(TypeError):
        cr.set_default_dtype("nonsense")
    assert cr.get_default_dtype() == cr.float32


@pytest.mark.usefixtures("float64_default")
@pytest.mark.parametrize(
    "data",
    [
        1.5,
        [1.0, 2.0],
        [[1.0], [2.0]],
        [1, 2.5],
        [True, 2.5],
        [1, 2],
        [True],
        np.float32(1.5),
        np.array([1.0], dtype=np.float32),
        np.array([1.0]),
    ],
    ids=[
        "float",
        "floats",
        "nested floats",
        "ints and floats",
        "bools and floats",
        "ints",
        "bools",
        "numpy float32 scalar",
        "float32 array",
        "float64 array",
    ],
)
def test_default_dtype_decides_python_floats_only_like_torch(data):
    assert cr.get_default_dtype() == cr.float64
    assert backend.as_array(data).dtype == torch.tensor(data).numpy().dtype
    assert cr.tensor(data).dtype == torch.tensor(data).numpy().dtype


@pytest.mark.usefixtures("float64_default")
def test_default_dtype_reaches_to_dtype_and_the_factories():
    assert backend.to_dtype(float) == cr.float64
    assert cr.zeros(2).dtype == cr.ones(2).dtype == cr.randn(2).dtype == cr.rand(2).dtype == cr.float64
    assert cr.arange(0.0, 1.0, 0.5).dtype == cr.linspace(0, 1, 3).dtype == cr.eye(2).dtype == cr.float64
    assert cr.full((2,), 1.5).dtype == cr.float64
    assert cr.arange(3).dtype == cr.full((2,), 1).dtype == cr.int64  # integers are not affected


def test_allocator_setting_is_a_bool():
    assert type(backend.allocator_tuned) is bool


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="mallopt tuning exists on glibc only",
)
def test_allocator_is_tuned_on_glibc_unless_switched_off():
    if os.environ.get("CHAINRULE_NO_MALLOPT"):
        pytest.skip("this test process runs with CHAINRULE_NO_MALLOPT set")
    assert backend.allocator_tuned is True


def _allocator_tuned_in_subprocess(**environ):
    env = {key: value for key, value in os.environ.items() if key != "CHAINRULE_NO_MALLOPT"}
    env.update(environ)
    # A fresh interpreter: the flag is decided once, when chainrule.backend is first imported.
    result = subprocess.run(
        [sys.executable, "-c", "import chainrule.backend as b; print(repr(b.allocator_tuned))"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip()


def test_chainrule_no_mallopt_is_honoured_in_a_fresh_process():
    assert _allocator_tuned_in_subprocess(CHAINRULE_NO_MALLOPT="1") == "False"
