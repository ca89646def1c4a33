"""Save and load state dicts as safetensors files — never pickle.

``torch.save`` pickles, and unpickling runs whatever code the file names: loading a checkpoint
from someone else is then as dangerous as running their script. A safetensors file is only data:
an 8-byte little-endian header length, a JSON header naming each array's dtype, shape and byte
range, then the raw bytes. Loading it can fail, but it cannot execute anything.

A checkpoint is more than a flat bag of arrays, though: an optimizer's state dict is nested
(``{'state': {0: {'exp_avg': array, 'step': 3}}, 'param_groups': [{'lr': 0.1, 'params': [0]}]}``),
has integer keys, Python scalars, lists and ``None``. So :func:`save` walks the object once,
puts every array into the safetensors body under a readable dotted name (``model.0.weight``,
``optimizer.state.0.exp_avg``) and describes everything else — the nesting, the key types, the
scalars — as JSON in the header's ``__metadata__`` (which safetensors restricts to strings).
:func:`load` reads that description back and rebuilds the same object, with NumPy arrays where
the arrays were. A flat ``{name: array}`` dict, a model's ``state_dict()``, keeps its keys as
the tensor names, so the file is also an ordinary safetensors weight file for other tools; and
:func:`load` of a safetensors file written by another tool returns its ``{name: array}`` dict.

Writing is atomic: the bytes go to a temporary file in the target's directory, are flushed and
fsync'ed, and only then renamed over the target with ``os.replace`` (atomic on POSIX and Windows
within one file system). A crash mid-write leaves the previous checkpoint intact instead of a
half-written one; the temporary it leaves (``.NAME.PID.RANDOM.tmp``) is deleted by the next save
to the same path once process PID is gone.
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import sys
from collections import Counter, OrderedDict
from collections.abc import Mapping

import numpy as np
import safetensors
import safetensors.numpy

__all__ = ["load", "save"]

# The key in ``__metadata__`` that holds our JSON description; its absence marks a file written
# by some other tool (a plain ``{name: array}`` safetensors file).
_STRUCTURE_KEY = "chainrule.structure"
_FORMAT_VERSION = 1
# JSON numbers are doubles in most readers; larger ints (a PCG64 generator's 128-bit state) are
# written as decimal strings so that no reader can round them.
_MAX_SAFE_INT = 2**53


def _tensor_type():
    from .tensor import Tensor  # lazy: serialization sits beside, not below, the tensor module

    return Tensor


def _encode(obj, name: str, arrays: dict, where: str):
    """Return the JSON description of ``obj``; add the arrays it holds to ``arrays``.

    ``name`` is the dotted path used as the tensor name; ``where`` is the same path in Python
    indexing syntax, used in error messages.
    """
    if isinstance(obj, _tensor_type()):
        obj = obj._data
    if isinstance(obj, np.ndarray) or (isinstance(obj, np.generic) and not isinstance(obj, (np.str_, np.bytes_))):
        return _encode_array(obj, name, arrays, where)
    if obj is None or isinstance(obj, (bool, str)):
        return {"t": "value", "v": obj}
    if isinstance(obj, int):
        if abs(obj) >= _MAX_SAFE_INT:
            return {"t": "bigint", "v": str(obj)}
        return {"t": "value", "v": obj}
    if isinstance(obj, float):
        # JSON has no inf/nan; repr() round-trips every float exactly.
        return {"t": "float", "v": repr(obj)}
    if isinstance(obj, Mapping):
        return _encode_mapping(obj, name, arrays, where)
    if isinstance(obj, (list, tuple)):
        nodes = [
            _encode(value, f"{name}.{i}" if name else str(i), arrays, f"{where}[{i}]") for i, value in enumerate(obj)
        ]
        return {"t": "tuple" if isinstance(obj, tuple) else "list", "items": nodes}
    raise TypeError(
        f"chainrule.save: cannot store {where} of type {type(obj).__name__}; expected arrays, Tensors, "
        "dicts, lists, tuples, str, int, float, bool or None (chainrule never pickles)"
    )


def _encode_array(obj, name: str, arrays: dict, where: str) -> dict:
    """Add an array (or NumPy scalar) to ``arrays`` under a unique tensor name; return its node."""
    array = np.asarray(obj)
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"chainrule.save: cannot store {where}: array of dtype {array.dtype}; safetensors holds "
            "bool, integer and floating-point arrays only"
        )
    unique = name or "tensor"
    suffix = 1
    while unique in arrays:  # e.g. {'a.b': x, 'a': {'b': y}} both map to 'a.b'
        unique = f"{name or 'tensor'}#{suffix}"
        suffix += 1
    # safetensors stores little-endian C-order bytes (not np.ascontiguousarray: it turns a
    # 0-d array into shape (1,)).
    arrays[unique] = array.astype(array.dtype.newbyteorder("<"), order="C", copy=False)
    node = {"t": "array", "name": unique}
    if isinstance(obj, np.generic):
        node["t"] = "npscalar"  # so load gives back np.float32(...) rather than a 0-d array
    return node


def _encode_mapping(obj, name: str, arrays: dict, where: str) -> dict:
    """Encode a dict's entries (str or int keys) in order, recursing into the values."""
    items = []
    for key, value in obj.items():
        if isinstance(key, np.integer):
            key = int(key)
        if isinstance(key, bool) or not isinstance(key, (str, int)):
            raise TypeError(
                f"chainrule.save: cannot store {where}: dict key {key!r} of type {type(key).__name__}; "
                "keys must be str or int"
            )
        child = f"{name}.{key}" if name else str(key)
        # A list of [key, node] pairs, not a JSON object, so int keys stay ints.
        items.append([key, _encode(value, child, arrays, f"{where}[{key!r}]")])
    # The dict subclasses a state dict meets (MultiStepLR's milestones are a Counter) keep their
    # type; any other mapping comes back as a plain dict.
    kind = "odict" if isinstance(obj, OrderedDict) else "counter" if isinstance(obj, Counter) else "dict"
    return {"t": kind, "items": items}


_MAPPING_TYPES = {"dict": dict, "odict": OrderedDict, "counter": Counter}


def _decode(node, arrays: dict, path: str):
    kind = node["t"]
    if kind == "array":
        return arrays[node["name"]]
    if kind == "npscalar":
        return arrays[node["name"]][()]
    if kind == "value":
        return node["v"]
    if kind == "bigint":
        return int(node["v"])
    if kind == "float":
        return float(node["v"])
    if kind in _MAPPING_TYPES:
        # Built from a dict, not from pairs: Counter(iterable) would count the pairs.
        return _MAPPING_TYPES[kind]({key: _decode(child, arrays, path) for key, child in node["items"]})
    if kind in ("list", "tuple"):
        values = [_decode(child, arrays, path) for child in node["items"]]
        return tuple(values) if kind == "tuple" else values
    raise ValueError(f"chainrule.load: {path}: unknown node type {kind!r} in the structure metadata")


def _fspath(path, where: str) -> str:
    try:
        return os.fspath(path)
    except TypeError:
        raise TypeError(f"{where}: expected a str or os.PathLike path, got {type(path).__name__}") from None


def save(obj, path) -> None:
    """Write ``obj`` (a state dict, or a dict of them) to ``path`` as a safetensors file.

    The write is atomic: either the whole new file is at ``path`` afterwards, or the old one still is.

    Args:
        obj: nested dicts (str or int keys), lists and tuples of NumPy arrays, chainrule Tensors
            (stored as arrays), NumPy scalars and Python str/int/float/bool/None.
        path: a str or os.PathLike file name.

    Raises:
        TypeError: ``obj`` holds something else (chainrule never pickles).
    """
    path = _fspath(path, "chainrule.save")
    arrays: dict = {}
    structure = _encode(obj, "", arrays, "obj")
    metadata = {
        "format": "np",
        _STRUCTURE_KEY: json.dumps({"version": _FORMAT_VERSION, "root": structure}, allow_nan=False),
    }
    payload = safetensors.numpy.save(arrays, metadata=metadata)
    write_atomically(payload, path)


def write_atomically(payload: bytes, path: str) -> None:
    """Write ``payload`` to a temporary file beside ``path``, fsync it, rename it over ``path``.

    The one atomic writer of the package: checkpoints, Hugging Face folders and the lab's
    ``results.json`` all go through it, so a crash mid-write leaves the previous file whole.
    """
    directory = os.path.dirname(os.path.abspath(path))
    _remove_stale_temporaries(directory, os.path.basename(path))
    # The writer's pid is in the name, so that a later save can tell a dead writer's leftover
    # from a temporary another process is still writing.
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
    # O_EXCL: never write into someone else's file; mode 0o666 lets the umask decide, as open() does.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(directory)


def _pid_is_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # another thread of this process may be saving to the same path
    if os.name != "posix":
        return True  # no cheap check: leave it (a Windows leftover stays until removed by hand)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, under another user
        return True
    return True


def _remove_stale_temporaries(directory: str, basename: str) -> None:
    """Delete the temporaries that a save to this same path left when its process was killed
    mid-write (SIGKILL, power loss: no ``except`` clause ran). Only names of the exact form
    this module writes for ``basename`` are considered, and only when their writer is gone."""
    pattern = re.compile(rf"\.{re.escape(basename)}\.(?:(\d+)\.)?[0-9a-f]{{12}}\.tmp")
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        match = pattern.fullmatch(name)
        # No pid in the name: written by an older chainrule that did not record it.
        if match is None or (match.group(1) is not None and _pid_is_alive(int(match.group(1)))):
            continue
        try:
            os.unlink(os.path.join(directory, name))
        except OSError:
            pass


def _fsync_directory(directory: str) -> None:
    """Persist a rename itself (the directory entry); not possible on every platform."""
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def _read_header(data: bytes, path: str) -> dict:
    """Parse and sanity-check the safetensors header, so a damaged file fails with a message that
    says what is wrong rather than a raw deserializer error."""
    if len(data) < 8:
        raise ValueError(
            f"chainrule.load: {path!r} is not a valid safetensors file: it is {len(data)} bytes long, "
            "too short to hold even the 8-byte header length (truncated or empty file?)"
        )
    header_len = int.from_bytes(data[:8], "little")
    if header_len > len(data) - 8:
        raise ValueError(
            f"chainrule.load: {path!r} is truncated or not a safetensors file: its first 8 bytes announce "
            f"a {header_len}-byte header but only {len(data) - 8} bytes follow"
        )
    try:
        header = json.loads(data[8 : 8 + header_len].decode("utf-8"))
    except RecursionError:
        raise _too_deep(path) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(
            f"chainrule.load: {path!r} is corrupted or not a safetensors file: its header is not valid JSON ({exc})"
        ) from None
    if not isinstance(header, dict):
        raise ValueError(f"chainrule.load: {path!r} is corrupted: its header is not a JSON object")
    body = len(data) - 8 - header_len
    try:
        end = max((int(entry["data_offsets"][1]) for key, entry in header.items() if key != "__metadata__"), default=0)
    except (TypeError, KeyError, IndexError, ValueError):
        raise ValueError(
            f"chainrule.load: {path!r} is corrupted: a tensor entry in its header has no valid data_offsets"
        ) from None
    if end > body:
        raise ValueError(
            f"chainrule.load: {path!r} is truncated: its header describes {end} bytes of tensor data but "
            f"only {body} bytes are present"
        )
    return header


# safetensors dtype names -> little-endian NumPy dtypes. BF16 has no NumPy dtype: its 16 bits
# are the high half of a float32 and are widened by a shift (see _widen_bf16).
_SAFETENSORS_DTYPES = {
    "BOOL": np.dtype("?"),
    "U8": np.dtype("u1"),
    "I8": np.dtype("i1"),
    "U16": np.dtype("<u2"),
    "I16": np.dtype("<i2"),
    "F16": np.dtype("<f2"),
    "BF16": np.dtype("<u2"),
    "U32": np.dtype("<u4"),
    "I32": np.dtype("<i4"),
    "F32": np.dtype("<f4"),
    "U64": np.dtype("<u8"),
    "I64": np.dtype("<i8"),
    "F64": np.dtype("<f8"),
}


def _widen_bf16(bits: np.ndarray, dtype) -> np.ndarray:
    """bfloat16 is the top 16 bits of a float32: shifting them into the high half of a uint32
    gives that float32 exactly (signs, zeros, subnormals, inf and NaN payloads included), as
    torch's ``.float()`` does. ``dtype`` is the floating dtype of the result."""
    widened = (bits.astype(np.uint32) << np.uint32(16)).view(np.float32)
    if dtype == np.float32:
        return widened
    with np.errstate(over="ignore"):  # to float16, large values become inf, as in torch
        return widened.astype(dtype)


def _read_arrays(data: bytes, header: dict, path: str, bf16_dtype) -> dict:
    """Every tensor the header describes, as a writeable native-byte-order array."""
    start = 8 + int.from_bytes(data[:8], "little")
    body = len(data) - start
    arrays = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        try:
            kind, shape, (begin, end) = entry["dtype"], entry["shape"], entry["data_offsets"]
            valid = (
                isinstance(kind, str)
                and all(type(d) is int and d >= 0 for d in shape)
                and type(begin) is int
                and type(end) is int
                and 0 <= begin <= end <= body
            )
        except (TypeError, KeyError, ValueError):
            valid = False
        if not valid:
            raise ValueError(f"chainrule.load: {path!r} is corrupted: the header entry of tensor {name!r} is invalid")
        if kind not in _SAFETENSORS_DTYPES:
            raise ValueError(
                f"chainrule.load: {path!r}: tensor {name!r} has dtype {kind}, which chainrule cannot read "
                f"(it reads {', '.join(_SAFETENSORS_DTYPES)})"
            )
        stored = _SAFETENSORS_DTYPES[kind]
        count = math.prod(shape)
        if (end - begin) != count * stored.itemsize:
            raise ValueError(
                f"chainrule.load: {path!r} is corrupted: tensor {name!r} of dtype {kind} and shape "
                f"{list(shape)} needs {count * stored.itemsize} bytes, its data_offsets give {end - begin}"
            )
        array = np.frombuffer(data, dtype=stored, count=count, offset=start + begin).reshape(shape)
        if kind == "BF16":
            arrays[name] = _widen_bf16(array, bf16_dtype)
        else:
            arrays[name] = array.astype(stored.newbyteorder("="))  # a writeable copy
    return arrays


def load(path, dtype=np.float32):
    """Read a file written by :func:`save` and return the same nested object, arrays as NumPy.

    A safetensors file written by another tool (no chainrule metadata) loads as a plain
    ``{name: array}`` dict. F16 tensors load as float16; BF16 tensors (NumPy has no bfloat16)
    are widened exactly to ``dtype``.

    Args:
        path: a str or os.PathLike file name.
        dtype: the floating dtype BF16 tensors are returned as (float32, float64 or float16).

    Raises:
        ValueError: the file is truncated or corrupted (the message names the path), or its
            metadata is nested too deeply to be a real checkpoint.
    """
    path = _fspath(path, "chainrule.load")
    bf16_dtype = np.dtype(dtype)
    if bf16_dtype.kind != "f":
        raise TypeError(f"chainrule.load: dtype must be a floating dtype, got {bf16_dtype}")
    with open(path, "rb") as f:
        data = f.read()
    header = _read_header(data, path)
    arrays = _read_arrays(data, header, path, bf16_dtype)
    metadata = header.get("__metadata__") or {}
    if not isinstance(metadata, dict):
        raise ValueError(f"chainrule.load: {path!r} is corrupted: its __metadata__ is not a JSON object")
    if _STRUCTURE_KEY not in metadata:
        # Someone else's safetensors file: keep the order the arrays appear in the body.
        order = sorted(arrays, key=lambda name: header[name]["data_offsets"][0])
        return {name: arrays[name] for name in order}
    try:
        description = json.loads(metadata[_STRUCTURE_KEY])
        version = description["version"]
        root = description["root"]
    except RecursionError:
        raise _too_deep(path) from None
    except (TypeError, KeyError, json.JSONDecodeError) as exc:
        raise ValueError(
            f"chainrule.load: {path!r} is corrupted: its structure metadata is not valid ({exc!r})"
        ) from None
    if version != _FORMAT_VERSION:
        raise ValueError(
            f"chainrule.load: {path!r} was written in chainrule format version {version}; this version "
            f"of chainrule reads version {_FORMAT_VERSION}"
        )
    try:
        return _decode(root, arrays, repr(path))
    except RecursionError:
        raise _too_deep(path) from None
    except (KeyError, TypeError, IndexError, ValueError) as exc:
        raise ValueError(
            f"chainrule.load: {path!r} is corrupted: its structure metadata does not match its tensors "
            f"({type(exc).__name__}: {exc})"
        ) from None


def _too_deep(path: str) -> ValueError:
    return ValueError(
        f"chainrule.load: {path!r} is corrupted or malicious: its header nests deeper than Python can "
        f"parse (recursion limit {sys.getrecursionlimit()}); a real checkpoint is only a few levels deep"
    )
