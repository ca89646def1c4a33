"""chainrule.save / chainrule.load: safetensors files that rebuild the exact nested object.

Round trips compare type, key order, key types and values exactly (arrays with dtype and shape);
torch's own safetensors reader checks that a flat state dict is an ordinary weight file; the
failure tests damage real files (truncate, overwrite) and simulate a crash mid-save.
"""

import math
import os
import pathlib
from collections import Counter, OrderedDict

import numpy as np
import pytest
import safetensors.numpy

import chainrule as cr


def assert_identical(got, expected, where="obj"):
    """Same types all the way down, same key order, arrays equal in dtype, shape and bits."""
    assert type(got) is type(expected), f"{where}: {type(got).__name__} != {type(expected).__name__}"
    if isinstance(expected, dict):
        assert list(got) == list(expected), f"{where}: keys {list(got)} != {list(expected)}"
        for key in expected:
            assert type(key) is type(next(k for k in got if k == key)), f"{where}: key type of {key!r}"
            assert_identical(got[key], expected[key], f"{where}[{key!r}]")
    elif isinstance(expected, (list, tuple)):
        assert len(got) == len(expected), where
        for i, (g, e) in enumerate(zip(got, expected)):
            assert_identical(g, e, f"{where}[{i}]")
    elif isinstance(expected, (np.ndarray, np.generic)):
        assert got.dtype == expected.dtype and got.shape == expected.shape, where
        assert np.array_equal(got, expected, equal_nan=expected.dtype.kind == "f"), where
    elif isinstance(expected, float) and math.isnan(expected):
        assert math.isnan(got), where
    else:
        assert got == expected, where


def model_state():
    rng = np.random.default_rng(0)
    return OrderedDict(
        [
            ("0.weight", rng.standard_normal((4, 3)).astype(np.float32)),
            ("0.bias", rng.standard_normal(4).astype(np.float32)),
            ("1.running_mean", np.zeros(4, np.float32)),
            ("1.num_batches_tracked", np.array(7, dtype=np.int64)),
            ("2.weight", rng.standard_normal((2, 4)).astype(np.float32)),
        ]
    )


def optimizer_state():
    rng = np.random.default_rng(1)
    return {
        "state": {
            0: {"step": 3, "exp_avg": rng.standard_normal((4, 3)), "exp_avg_sq": rng.random((4, 3))},
            2: {"step": np.float32(3.0), "momentum_buffer": None},
        },
        "param_groups": [
            {
                "lr": 1e-3,
                "betas": (0.9, 0.999),
                "eps": 1e-8,
                "weight_decay": 0,
                "amsgrad": False,
                "maximize": False,
                "foreach": None,
                "params": [0, 1, 2],
            },
            {
                "lr": 0.1,
                "betas": (0.5, 0.9),
                "eps": 1e-8,
                "weight_decay": 0.01,
                "amsgrad": True,
                "maximize": False,
                "foreach": None,
                "params": [3],
            },
        ],
    }


def test_flat_model_state_round_trip(tmp_path):
    state = model_state()
    cr.save(state, tmp_path / "model.safetensors")
    assert_identical(cr.load(tmp_path / "model.safetensors"), state)


def test_flat_state_is_an_ordinary_safetensors_weight_file(tmp_path):
    # The tensor names are the state-dict keys, so torch's reader sees the same weights.
    torch_st = pytest.importorskip("safetensors.torch")
    state = model_state()
    path = str(tmp_path / "model.safetensors")
    cr.save(state, path)
    loaded = torch_st.load_file(path)
    assert sorted(loaded) == sorted(state)
    for key, value in state.items():
        np.testing.assert_array_equal(loaded[key].numpy(), value)


def test_foreign_safetensors_file_loads_as_flat_dict(tmp_path):
    arrays = {"b": np.arange(3, dtype=np.int32), "a": np.ones((2, 2), np.float64)}
    path = str(tmp_path / "foreign.safetensors")
    safetensors.numpy.save_file(arrays, path)
    loaded = cr.load(path)
    assert sorted(loaded) == ["a", "b"]
    for key in arrays:
        assert_identical(loaded[key], arrays[key])


def test_optimizer_state_round_trip_restores_int_keys_tuples_scalars_and_none(tmp_path):
    state = optimizer_state()
    cr.save(state, tmp_path / "opt.safetensors")
    loaded = cr.load(tmp_path / "opt.safetensors")
    assert_identical(loaded, state)
    assert list(loaded["state"]) == [0, 2] and all(type(k) is int for k in loaded["state"])
    assert type(loaded["state"][2]["step"]) is np.float32


def test_combined_checkpoint_round_trip(tmp_path):
    rng_state = np.random.default_rng(5).bit_generator.state  # holds 128-bit Python ints
    checkpoint = {
        "model": model_state(),
        "optimizer": optimizer_state(),
        "epoch": 3,
        "scheduler": {
            "last_epoch": 4,
            "base_lrs": [0.1, 0.01],
            "_last_lr": [0.05, 0.005],
            "milestones": Counter({3: 1, 7: 2}),
        },
        "rng": rng_state,
        "misc": [None, True, "text", -(2**70), float("inf"), float("nan"), 1e-300, [], {}, ()],
    }
    cr.save(checkpoint, tmp_path / "ckpt.safetensors")
    loaded = cr.load(tmp_path / "ckpt.safetensors")
    assert_identical(loaded, checkpoint)
    # The restored generator state is usable as such and continues the same stream.
    reference = np.random.default_rng(5)
    restored = np.random.default_rng()
    restored.bit_generator.state = loaded["rng"]
    assert np.array_equal(restored.random(5), reference.random(5))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int64, np.int32, np.int8, np.uint8, np.bool_])
def test_dtypes_and_shapes_preserved(tmp_path, dtype):
    rng = np.random.default_rng(2)
    arrays = {
        "matrix": (rng.standard_normal((3, 5)) * 10).astype(dtype),
        "scalar0d": np.asarray(rng.standard_normal() * 10).astype(dtype),
        "empty": np.zeros((0, 4), dtype),
        "npscalar": dtype(1),
    }
    cr.save(arrays, tmp_path / "a.safetensors")
    assert_identical(cr.load(tmp_path / "a.safetensors"), arrays)


def test_non_contiguous_and_big_endian_arrays_store_their_values(tmp_path):
    base = np.arange(12, dtype=np.float64).reshape(3, 4)
    obj = {"transposed": base.T, "strided": base[:, ::2], "big_endian": base.astype(">f8")}
    cr.save(obj, tmp_path / "a.safetensors")
    loaded = cr.load(tmp_path / "a.safetensors")
    for key, value in obj.items():
        np.testing.assert_array_equal(loaded[key], value)
        assert loaded[key].shape == value.shape


def test_tensors_are_saved_as_arrays_and_loaded_writeable(tmp_path):
    weight = cr.randn(3, 2, requires_grad=True)
    cr.save({"w": weight, "nested": [cr.tensor([1, 2, 3])]}, tmp_path / "t.safetensors")
    loaded = cr.load(tmp_path / "t.safetensors")
    assert isinstance(loaded["w"], np.ndarray) and loaded["w"].dtype == np.float32
    np.testing.assert_array_equal(loaded["w"], weight.detach().numpy())
    np.testing.assert_array_equal(loaded["nested"][0], [1, 2, 3])
    loaded["w"][0, 0] = 42.0  # a loaded state dict can be modified in place


def test_keys_whose_dotted_names_collide_stay_distinct(tmp_path):
    obj = {"a.b": np.zeros(1), "a": {"b": np.ones(1)}, "": np.full(1, 2.0)}
    cr.save(obj, tmp_path / "a.safetensors")
    assert_identical(cr.load(tmp_path / "a.safetensors"), obj)


def test_bare_array_and_scalar_roots(tmp_path):
    cr.save(np.arange(4), tmp_path / "a.safetensors")
    assert_identical(cr.load(tmp_path / "a.safetensors"), np.arange(4))
    cr.save(3, tmp_path / "b.safetensors")
    assert cr.load(tmp_path / "b.safetensors") == 3


@pytest.mark.parametrize(
    "obj, message",
    [
        ({"x": {1, 2}}, r"obj\['x'\] of type set"),
        ({"x": object()}, "of type object"),
        ({1.5: np.zeros(1)}, "keys must be str or int"),
        ({"x": np.array([1 + 2j])}, "complex128"),
        ({"x": np.array(["a"])}, "<U1"),
    ],
)
def test_unsupported_objects_raise_type_error_naming_where(tmp_path, obj, message):
    with pytest.raises(TypeError, match=message):
        cr.save(obj, tmp_path / "bad.safetensors")
    assert os.listdir(tmp_path) == []


def test_crash_before_replace_keeps_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    cr.save({"w": np.zeros(3)}, path)
    before = path.read_bytes()

    def crash(src, dst):
        raise OSError("simulated crash")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="simulated crash"):
        cr.save({"w": np.ones(300)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]
    monkeypatch.undo()
    np.testing.assert_array_equal(cr.load(path)["w"], np.zeros(3))


def test_crash_during_write_leaves_no_temp_and_no_target(tmp_path, monkeypatch):
    def crash(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        cr.save({"w": np.ones(3)}, tmp_path / "new.safetensors")
    assert os.listdir(tmp_path) == []


def test_save_overwrites_existing_file(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    cr.save({"w": np.zeros(3)}, path)
    cr.save({"w": np.ones(2)}, path)
    np.testing.assert_array_equal(cr.load(path)["w"], np.ones(2))
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]


@pytest.mark.parametrize("keep", [0, 5, 8, 40, -1])
def test_truncated_file_raises_value_error_naming_the_path(tmp_path, keep):
    path = tmp_path / "ckpt.safetensors"
    cr.save({"model": model_state(), "epoch": 1}, path)
    data = path.read_bytes()
    path.write_bytes(data[:keep] if keep >= 0 else data[:-10])
    with pytest.raises(ValueError, match="ckpt.safetensors.*(truncated|too short)"):
        cr.load(path)


def test_garbage_file_raises_value_error(tmp_path):
    path = tmp_path / "garbage.safetensors"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    with pytest.raises(ValueError, match="garbage.safetensors"):
        cr.load(path)
    text = tmp_path / "notes.txt"
    text.write_text("these are not the tensors you are looking for\n" * 20)
    with pytest.raises(ValueError, match="notes.txt"):
        cr.load(text)


def test_small_header_length_with_invalid_json_says_header_is_not_json(tmp_path):
    path = tmp_path / "bad.safetensors"
    path.write_bytes((6).to_bytes(8, "little") + b"{nope}")
    with pytest.raises(ValueError, match="header is not valid JSON"):
        cr.load(path)


def test_structure_that_names_a_missing_tensor_is_reported_as_corruption(tmp_path):
    path = str(tmp_path / "forged.safetensors")
    structure = '{"version": 1, "root": {"t": "array", "name": "missing"}}'
    safetensors.numpy.save_file({"present": np.zeros(1)}, path, metadata={"chainrule.structure": structure})
    with pytest.raises(ValueError, match="forged.safetensors.*does not match its tensors"):
        cr.load(path)


def test_corrupted_structure_json_is_reported(tmp_path):
    path = str(tmp_path / "forged.safetensors")
    safetensors.numpy.save_file({"present": np.zeros(1)}, path, metadata={"chainrule.structure": "{oops"})
    with pytest.raises(ValueError, match="structure metadata is not valid"):
        cr.load(path)


def test_bad_path_type_raises_type_error():
    with pytest.raises(TypeError, match="chainrule.save: expected a str or os.PathLike"):
        cr.save({}, 3.5)


def test_accepts_str_and_pathlib_paths(tmp_path):
    cr.save({"w": np.zeros(1)}, str(tmp_path / "a.safetensors"))
    assert "w" in cr.load(pathlib.Path(tmp_path) / "a.safetensors")


def _torch_half_file(path, dtype):
    """A safetensors file written by torch's safetensors writer, and the tensors in it."""
    torch = pytest.importorskip("torch")
    torch_st = pytest.importorskip("safetensors.torch")
    special = torch.tensor([0.0, -0.0, 1.0, -2.5, float("inf"), -float("inf"), float("nan"), 1e-40, 3e38])
    finite = torch.finfo(dtype)
    tensors = {
        "values": torch.cat([special.to(dtype), torch.randn(50, generator=torch.Generator().manual_seed(0)).to(dtype)]),
        "extremes": torch.tensor([finite.max, finite.min, finite.tiny, finite.eps], dtype=dtype),
        "matrix": torch.arange(12, dtype=dtype).reshape(3, 4) / 7,
        "scalar": torch.tensor(1.5, dtype=dtype),
        "empty": torch.zeros((0, 3), dtype=dtype),
        "ints": torch.arange(5, dtype=torch.int64),
    }
    torch_st.save_file(tensors, str(path))
    return tensors


def test_bf16_file_loads_widened_to_float32_exactly_as_torch_does(tmp_path):
    import torch

    path = tmp_path / "bf16.safetensors"
    tensors = _torch_half_file(path, torch.bfloat16)
    loaded = cr.load(path)
    assert sorted(loaded) == sorted(tensors)
    for name, tensor in tensors.items():
        expected = (tensor.float() if tensor.is_floating_point() else tensor).numpy()
        assert loaded[name].dtype == expected.dtype and loaded[name].shape == expected.shape, name
        # bit for bit: signed zeros, subnormals, inf and NaN included
        assert loaded[name].tobytes() == expected.tobytes(), name
    loaded["matrix"][0, 0] = 1.0  # writeable


@pytest.mark.parametrize("dtype", [np.float64, np.float16, np.float32])
def test_bf16_result_dtype_is_chosen_with_dtype(tmp_path, dtype):
    import torch

    path = tmp_path / "bf16.safetensors"
    tensors = _torch_half_file(path, torch.bfloat16)
    loaded = cr.load(path, dtype=dtype)
    for name in ("values", "matrix", "scalar", "empty"):
        assert loaded[name].dtype == dtype
        expected = tensors[name].to(getattr(torch, np.dtype(dtype).name)).numpy()
        np.testing.assert_array_equal(loaded[name], expected)
    assert loaded["ints"].dtype == np.int64  # dtype= only concerns BF16 tensors
    with pytest.raises(TypeError, match="floating dtype"):
        cr.load(path, dtype=np.int32)


def test_f16_file_loads_as_float16_like_torch(tmp_path):
    import torch

    path = tmp_path / "f16.safetensors"
    tensors = _torch_half_file(path, torch.float16)
    loaded = cr.load(path)
    for name, tensor in tensors.items():
        assert loaded[name].dtype == tensor.numpy().dtype
        assert loaded[name].tobytes() == tensor.numpy().tobytes(), name


def test_bf16_checkpoint_with_chainrule_structure_loads(tmp_path):
    # a chainrule checkpoint whose weights another tool rewrote as BF16 keeps its structure
    torch = pytest.importorskip("torch")
    torch_st = pytest.importorskip("safetensors.torch")
    path = tmp_path / "ckpt.safetensors"
    cr.save({"model": {"w": np.ones((2, 2), np.float32)}, "epoch": 2}, path)
    metadata = safetensors.safe_open(str(path), "np").metadata()
    torch_st.save_file({"model.w": torch.full((2, 2), 0.5, dtype=torch.bfloat16)}, str(path), metadata=metadata)
    loaded = cr.load(path)
    assert loaded["epoch"] == 2
    assert_identical(loaded["model"]["w"], np.full((2, 2), 0.5, np.float32))


def test_unknown_dtype_and_bad_sizes_are_reported(tmp_path):
    import json

    def write(header, body):
        blob = json.dumps(header).encode()
        path = tmp_path / "forged.safetensors"
        path.write_bytes(len(blob).to_bytes(8, "little") + blob + body)
        return path

    path = write({"x": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}}, bytes(2))
    with pytest.raises(ValueError, match="forged.safetensors.*dtype F8_E4M3, which chainrule cannot read"):
        cr.load(path)
    path = write({"x": {"dtype": "BF16", "shape": [3], "data_offsets": [0, 4]}}, bytes(4))
    with pytest.raises(ValueError, match=r"shape \[3\] needs 6 bytes, its data_offsets give 4"):
        cr.load(path)
    path = write({"x": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, bytes(4))
    with pytest.raises(ValueError, match="header entry of tensor 'x' is invalid"):
        cr.load(path)


@pytest.mark.parametrize("where", ["header", "structure", "structure_nodes"])
def test_deeply_nested_header_is_a_clear_error_not_a_recursion_error(tmp_path, where):
    import json

    path = tmp_path / "deep.safetensors"
    depth = 100_000
    if where == "header":
        blob = ('{"__metadata__": ' + "[" * depth + "]" * depth + "}").encode()
        path.write_bytes(len(blob).to_bytes(8, "little") + blob)
    else:
        if where == "structure":
            structure = '{"version": 1, "root": ' + "[" * depth + "]" * depth + "}"
        else:  # valid JSON to the parser's depth, nested list nodes beyond Python's recursion limit
            node = {"t": "value", "v": 0}
            text = json.dumps(node)
            for _ in range(5000):
                text = '{"t": "list", "items": [' + text + "]}"
            structure = '{"version": 1, "root": ' + text + "}"
        safetensors.numpy.save_file({"x": np.zeros(1)}, str(path), metadata={"chainrule.structure": structure})
    with pytest.raises(ValueError, match="deep.safetensors.*nests deeper than Python can parse"):
        cr.load(path)


def _leftover(tmp_path, name="ckpt.safetensors"):
    return sorted(n for n in os.listdir(tmp_path) if n != name)


def test_save_killed_mid_write_leaves_a_temp_that_the_next_save_removes(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "ckpt.safetensors"
    cr.save({"w": np.zeros(3)}, path)
    # A real kill: the child process SIGKILLs itself between writing and renaming the temporary,
    # so no except/finally clause runs.
    script = (
        "import os, signal, sys, numpy as np, chainrule as cr\n"
        "os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)\n"
        "cr.save({'w': np.ones(1000)}, sys.argv[1])\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    if os.name != "posix":
        pytest.skip("SIGKILL is POSIX")
    result = subprocess.run([sys.executable, "-c", script, str(path)], env=env, capture_output=True)
    assert result.returncode == -9, result.stderr.decode()
    stale = _leftover(tmp_path)
    assert len(stale) == 1 and stale[0].startswith(".ckpt.safetensors.") and stale[0].endswith(".tmp")
    np.testing.assert_array_equal(cr.load(path)["w"], np.zeros(3))  # the old checkpoint is intact
    cr.save({"w": np.full(2, 7.0)}, path)
    assert _leftover(tmp_path) == []
    np.testing.assert_array_equal(cr.load(path)["w"], np.full(2, 7.0))


def test_next_save_removes_only_stale_temporaries_of_the_same_path(tmp_path):
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    stale = [
        f".ckpt.safetensors.{dead_pid}.0123456789ab.tmp",  # writer killed
        ".ckpt.safetensors.0123456789ab.tmp",  # an older chainrule's name, no pid
    ]
    kept = [
        f".ckpt.safetensors.{os.getpid()}.0123456789ab.tmp",  # a writer still alive (this process)
        f".other.safetensors.{dead_pid}.0123456789ab.tmp",  # another path's temporary
        ".ckpt.safetensors.notmine.tmp",  # not a name save writes
        "ckpt.safetensors.bak",
    ]
    for name in stale + kept:
        (tmp_path / name).write_bytes(b"partial")
    cr.save({"w": np.ones(1)}, tmp_path / "ckpt.safetensors")
    assert _leftover(tmp_path) == sorted(kept)
