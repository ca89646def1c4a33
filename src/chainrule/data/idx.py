"""Read and write IDX files, the format MNIST and Fashion-MNIST are distributed in.

An IDX file is a 4-byte magic number -- two zero bytes, a type code, the number of dimensions --
then one big-endian unsigned 32-bit size per dimension, then the values in C order, big-endian.
The format is tiny, so it is parsed here with NumPy rather than through a dependency; and since
downloads get truncated or mixed up, every mismatch between header and payload is reported with
the file name and what was expected, instead of surfacing later as a baffling reshape error.
"""

from __future__ import annotations

import gzip
import math
import os
import zlib

import numpy as np

import chainrule as cr

__all__ = ["load_idx_dataset", "read_idx", "write_idx"]

# type code -> big-endian dtype as stored on disk
_CODE_TO_DTYPE = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_NAME_OF_CODE = {0x08: "ubyte", 0x09: "byte", 0x0B: "short", 0x0C: "int", 0x0D: "float", 0x0E: "double"}
_KIND_SIZE_TO_CODE = {(np.dtype(d).kind, np.dtype(d).itemsize): c for c, d in _CODE_TO_DTYPE.items()}

_GZIP_MAGIC = b"\x1f\x8b"


# Decompressed bytes are read this many at a time, so that memory follows the data actually
# present (at most the header's declared size plus one chunk), never what a gzip bomb expands to.
_CHUNK = 1 << 20
# Past the declared payload, at most this many more bytes are read, only to say how many trail.
_TRAILING_PROBE = 1 << 16


def _open(path):
    """The file as a binary stream, gunzipping when it is gzip-compressed (detected from its first
    bytes, so a ``.gz`` that was already unpacked, or a compressed file without the suffix, still
    reads)."""
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        raise FileNotFoundError(f"read_idx: no such file: {os.fspath(path)!r}") from None
    if f.read(2) == _GZIP_MAGIC:
        f.seek(0)
        return gzip.GzipFile(fileobj=f, mode="rb"), f
    f.seek(0)
    return f, f


def _read_up_to(stream, n: int, name: str) -> bytes:
    """Up to ``n`` bytes (fewer at end of data), read in bounded chunks."""
    chunks, got = [], 0
    try:
        while got < n:
            chunk = stream.read(min(_CHUNK, n - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"read_idx: {name!r}: corrupt gzip data ({exc})") from None
    return b"".join(chunks)


def read_idx(path) -> np.ndarray:
    """Read an IDX file (plain or gzip-compressed) into an ndarray in native byte order.

    Raises ValueError, naming the file, when the magic number is wrong, the type code is
    unknown, the dimensions' product overflows, or the payload is shorter (truncated) or longer
    (trailing bytes) than the header's dimensions say. Data is read in bounded chunks and reading
    stops one byte past the size the header declares, so a gzip bomb is rejected without being
    expanded into memory.
    """
    name = os.fspath(path)
    stream, raw = _open(path)
    with raw, stream:
        data = _read_up_to(stream, 4, name)
        if len(data) < 4:
            raise ValueError(
                f"read_idx: {name!r}: file is {len(data)} bytes, too short for the 4-byte IDX magic number"
            )
        if data[0] != 0 or data[1] != 0:
            raise ValueError(
                f"read_idx: {name!r}: wrong magic number 0x{data[:4].hex()}; an IDX file starts with two "
                "zero bytes, a type code and a dimension count (is this really an IDX file?)"
            )
        code, ndim = data[2], data[3]
        if code not in _CODE_TO_DTYPE:
            known = ", ".join(f"0x{c:02X} ({n})" for c, n in _NAME_OF_CODE.items())
            raise ValueError(f"read_idx: {name!r}: unknown type code 0x{code:02X}; expected one of {known}")
        header = 4 + 4 * ndim
        data += _read_up_to(stream, 4 * ndim, name)
        if len(data) < header:
            raise ValueError(
                f"read_idx: {name!r}: truncated header: {ndim} dimensions need {header} header bytes, "
                f"file has {len(data)}"
            )
        dims = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
        dtype = _CODE_TO_DTYPE[code]
        expected = math.prod(dims) * dtype.itemsize  # Python ints: exact, cannot wrap
        if expected > np.iinfo(np.intp).max:
            raise ValueError(
                f"read_idx: {name!r}: header dims {dims} of {_NAME_OF_CODE[code]} overflow: they describe "
                f"{expected} bytes, more than any array can hold (corrupt header?)"
            )
        payload = _read_up_to(stream, expected + 1, name)
        actual = len(payload)
        if actual < expected:
            raise ValueError(
                f"read_idx: {name!r}: truncated data: header dims {dims} of {_NAME_OF_CODE[code]} need "
                f"{expected} bytes, found only {actual}"
            )
        if actual > expected:
            trailing = 1 + len(_read_up_to(stream, _TRAILING_PROBE, name))
            count = f"{trailing}" if trailing <= _TRAILING_PROBE else f"more than {_TRAILING_PROBE}"
            raise ValueError(
                f"read_idx: {name!r}: {count} trailing bytes after the data: header dims {dims} "
                f"of {_NAME_OF_CODE[code]} need {expected} bytes"
            )
    array = np.frombuffer(payload, dtype=dtype).reshape(dims)
    return array.astype(dtype.newbyteorder("="))


def write_idx(path, array) -> None:
    """Write ``array`` (ndarray or Tensor) as an IDX file, gzip-compressed when ``path`` ends in
    ``.gz``.

    IDX has exactly six element types -- uint8, int8, int16, int32, float32, float64 -- so other
    dtypes (int64, bool, float16, ...) raise instead of being silently converted: cast first.
    """
    name = os.fspath(path)
    if isinstance(array, cr.Tensor):
        array = array._data
    array = np.asarray(array)
    code = _KIND_SIZE_TO_CODE.get((array.dtype.kind, array.dtype.itemsize))
    if code is None or array.dtype.kind not in "uif":
        raise ValueError(
            f"write_idx: cannot store dtype {array.dtype} in {name!r}; IDX supports uint8, int8, "
            "int16, int32, float32 and float64 (cast with .astype first)"
        )
    if array.ndim > 255:
        raise ValueError(f"write_idx: {name!r}: IDX stores at most 255 dimensions, got {array.ndim}")
    if any(d >= 2**32 for d in array.shape):
        raise ValueError(f"write_idx: {name!r}: every dimension must be < 2**32, got shape {array.shape}")
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    payload = np.ascontiguousarray(array, dtype=_CODE_TO_DTYPE[code]).tobytes()
    blob = header + payload
    if name.endswith(".gz"):
        blob = gzip.compress(blob)
    with open(path, "wb") as f:
        f.write(blob)


def load_idx_dataset(images_path, labels_path):
    """A :class:`~chainrule.data.TensorDataset` of ``(image, label)`` pairs from an IDX image
    file (N x rows x cols) and an IDX label file (N,).

    uint8 images are scaled to float32 in [0, 1] (dividing by 255: inputs of order one keep
    early activations and gradients in a well-conditioned range); floating images are taken as
    already scaled and only cast to float32. Labels become int64, the dtype cross-entropy
    expects for class indices.
    """
    from .dataset import TensorDataset

    images = read_idx(images_path)
    labels = read_idx(labels_path)
    img_name, lbl_name = os.fspath(images_path), os.fspath(labels_path)
    if images.ndim != 3:
        raise ValueError(
            f"load_idx_dataset: images file {img_name!r} must be 3-D (N x rows x cols), got shape {images.shape}"
        )
    if labels.ndim != 1:
        raise ValueError(f"load_idx_dataset: labels file {lbl_name!r} must be 1-D (N,), got shape {labels.shape}")
    if images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"load_idx_dataset: image count {images.shape[0]} in {img_name!r} does not match label "
            f"count {labels.shape[0]} in {lbl_name!r}"
        )
    if images.dtype == np.uint8:
        x = images.astype(np.float32) / np.float32(255.0)
    elif images.dtype.kind == "f":
        x = images.astype(np.float32)
    else:
        raise ValueError(
            f"load_idx_dataset: images file {img_name!r} has dtype {images.dtype}; expected ubyte "
            "(0x08) pixels, or floating pixels already scaled"
        )
    if labels.dtype.kind not in "iu":
        raise ValueError(
            f"load_idx_dataset: labels file {lbl_name!r} has dtype {labels.dtype}; expected integer class labels"
        )
    return TensorDataset(cr.tensor(x, dtype=np.float32), cr.tensor(labels.astype(np.int64), dtype=np.int64))
