"""IDX (MNIST format) reader and writer: round trips and clear rejection of malformed files."""

import gzip
import struct

import numpy as np
import pytest

import chainrule as cr
from chainrule.data import load_idx_dataset, read_idx, write_idx

DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("shape", [(5,), (3, 4, 2), (2, 1, 3, 2)])
def test_round_trip(tmp_path, dtype, suffix, shape):
    rng = np.random.default_rng(0)
    if np.dtype(dtype).kind == "f":
        array = rng.standard_normal(shape).astype(dtype)
    else:
        info = np.iinfo(dtype)
        array = rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dtype)
    path = tmp_path / f"data.idx{suffix}"
    write_idx(path, array)
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype) and back.dtype.isnative
    np.testing.assert_array_equal(back, array)
    if suffix:
        assert path.read_bytes()[:2] == b"\x1f\x8b"


def test_header_layout_is_the_mnist_one(tmp_path):
    path = tmp_path / "labels"
    write_idx(path, np.array([7, 2, 1], dtype=np.uint8))
    assert path.read_bytes() == b"\x00\x00\x08\x01" + struct.pack(">I", 3) + bytes([7, 2, 1])
    write_idx(path, np.array([[1, 256]], dtype=np.int16))
    assert path.read_bytes() == b"\x00\x00\x0b\x02" + struct.pack(">II", 1, 2) + struct.pack(">hh", 1, 256)


def test_gzip_detected_by_content(tmp_path):
    array = np.arange(6, dtype=np.int32).reshape(2, 3)
    plain = tmp_path / "a.idx"
    write_idx(plain, array)
    disguised = tmp_path / "b.idx"
    disguised.write_bytes(gzip.compress(plain.read_bytes()))
    np.testing.assert_array_equal(read_idx(disguised), array)


def test_write_accepts_tensor_and_rejects_unsupported_dtypes(tmp_path):
    write_idx(tmp_path / "t.idx", cr.tensor(np.ones((2, 2), np.float32)))
    assert read_idx(tmp_path / "t.idx").shape == (2, 2)
    for bad in (np.int64, np.bool_, np.float16, np.uint16):
        with pytest.raises(ValueError, match=f"write_idx: cannot store dtype {np.dtype(bad)}.*uint8, int8"):
            write_idx(tmp_path / "x.idx", np.zeros(3, bad))


def _write_raw(path, blob, gz=False):
    path.write_bytes(gzip.compress(blob) if gz else blob)
    return path


@pytest.mark.parametrize("gz", [False, True])
def test_rejects_malformed_files(tmp_path, gz):
    good = b"\x00\x00\x08\x02" + struct.pack(">II", 2, 3) + bytes(6)
    cases = {
        "wrong magic": (b"\x01\x00" + good[2:], r"wrong magic number 0x01000802"),
        "unknown type": (b"\x00\x00\x0a\x02" + good[4:], r"unknown type code 0x0A; expected one of 0x08 \(ubyte\)"),
        "truncated": (good[:-1], r"truncated data: header dims \(2, 3\) of ubyte need 6 bytes, found only 5"),
        "trailing": (good + b"\x00\x00", r"2 trailing bytes after the data"),
        "short header": (b"\x00\x00\x08\x02" + struct.pack(">I", 2), r"truncated header"),
        "tiny": (b"\x00\x00", r"too short"),
    }
    for name, (blob, message) in cases.items():
        path = _write_raw(tmp_path / f"{name.replace(' ', '_')}.idx", blob, gz)
        with pytest.raises(ValueError, match=message) as info:
            read_idx(path)
        assert str(path) in str(info.value), name


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="read_idx: no such file"):
        read_idx(tmp_path / "nope.idx")


def test_load_idx_dataset(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, size=(5, 4, 3)).astype(np.uint8)
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    write_idx(tmp_path / "images-idx3-ubyte.gz", images)
    write_idx(tmp_path / "labels-idx1-ubyte.gz", labels)
    ds = load_idx_dataset(tmp_path / "images-idx3-ubyte.gz", tmp_path / "labels-idx1-ubyte.gz")
    assert len(ds) == 5
    x, y = ds.tensors
    assert x.dtype == np.float32 and y.dtype == np.int64 and x.shape == (5, 4, 3)
    np.testing.assert_allclose(x.detach().numpy(), images / 255.0, rtol=1e-6)
    assert 0.0 <= x.detach().numpy().min() and x.detach().numpy().max() <= 1.0
    np.testing.assert_array_equal(y.detach().numpy(), labels)


def test_load_idx_dataset_validation(tmp_path):
    write_idx(tmp_path / "img", np.zeros((5, 4, 3), np.uint8))
    write_idx(tmp_path / "lbl4", np.zeros(4, np.uint8))
    write_idx(tmp_path / "lbl2d", np.zeros((5, 1), np.uint8))
    write_idx(tmp_path / "img2d", np.zeros((5, 12), np.uint8))
    write_idx(tmp_path / "lblf", np.zeros(5, np.float32))
    with pytest.raises(ValueError, match=r"image count 5 in .*img' does not match label count 4 in .*lbl4'"):
        load_idx_dataset(tmp_path / "img", tmp_path / "lbl4")
    with pytest.raises(ValueError, match=r"labels file .*lbl2d' must be 1-D \(N,\), got shape \(5, 1\)"):
        load_idx_dataset(tmp_path / "img", tmp_path / "lbl2d")
    with pytest.raises(ValueError, match=r"images file .*img2d' must be 3-D"):
        load_idx_dataset(tmp_path / "img2d", tmp_path / "lbl4")
    with pytest.raises(ValueError, match="expected integer class labels"):
        load_idx_dataset(tmp_path / "img", tmp_path / "lblf")


def _gzip_bomb(path, header, zeros):
    """A small gzip file that expands to ``header`` followed by ``zeros`` zero bytes."""
    with gzip.open(path, "wb", compresslevel=9) as f:
        f.write(header)
        chunk = bytes(1 << 20)
        for _ in range(zeros >> 20):
            f.write(chunk)
    return path


def _peak_bytes(fn):
    import tracemalloc

    tracemalloc.start()
    try:
        fn()
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


def test_gzip_bomb_is_rejected_without_expanding_it(tmp_path):
    # 256 MiB of zeros behind a header that declares 6 bytes: the file is ~250 KiB.
    path = _gzip_bomb(tmp_path / "bomb.idx.gz", b"\x00\x00\x08\x02" + struct.pack(">II", 2, 3), 256 << 20)
    assert path.stat().st_size < 1 << 20

    def read():
        with pytest.raises(ValueError, match=r"more than 65536 trailing bytes after the data.*need 6 bytes"):
            read_idx(path)

    assert _peak_bytes(read) < 4 << 20  # a couple of bounded chunks, not 256 MiB


def test_gzip_bomb_under_a_large_declared_size_reads_only_that_much(tmp_path):
    # the header declares 8 MiB; the stream expands to 64 MiB
    path = _gzip_bomb(tmp_path / "bomb.idx.gz", b"\x00\x00\x08\x01" + struct.pack(">I", 8 << 20), 64 << 20)

    def read():
        with pytest.raises(ValueError, match="trailing bytes after the data"):
            read_idx(path)

    assert _peak_bytes(read) < 24 << 20


def test_valid_gzip_file_reads_in_bounded_chunks(tmp_path):
    array = np.arange(3 << 20, dtype=np.uint8).reshape(3, 1 << 20)  # 3 MiB: several chunks
    write_idx(tmp_path / "big.idx.gz", array)
    np.testing.assert_array_equal(read_idx(tmp_path / "big.idx.gz"), array)


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize(
    "code, dims",
    [(0x08, (65536, 65536, 65536, 65536)), (0x0E, (2**32 - 1, 2**32 - 1)), (0x08, (2**32 - 1,) * 3)],
)
def test_dims_whose_product_overflows_are_refused(tmp_path, gz, code, dims):
    # (65536,) * 4 is 2**64 elements: int64 arithmetic would wrap it to 0 and accept an empty payload
    blob = bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims)
    path = _write_raw(tmp_path / "overflow.idx", blob, gz)
    with pytest.raises(ValueError, match=r"overflow.*more than any array can hold") as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_huge_declared_size_with_little_data_is_truncated_without_allocating_it(tmp_path):
    path = _write_raw(tmp_path / "liar.idx", b"\x00\x00\x0e\x01" + struct.pack(">I", 2**32 - 1) + bytes(80), gz=True)

    def read():
        with pytest.raises(ValueError, match=r"truncated data: header dims \(4294967295,\) of double need 34359738360"):
            read_idx(path)

    assert _peak_bytes(read) < 4 << 20


def test_corrupt_gzip_stream_is_a_value_error(tmp_path):
    blob = gzip.compress(b"\x00\x00\x08\x01" + struct.pack(">I", 1000) + bytes(1000))
    path = tmp_path / "bad.idx.gz"
    path.write_bytes(blob[:-12])  # cut into the deflate stream and its trailer
    with pytest.raises(ValueError, match="bad.idx.gz"):
        read_idx(path)
    path.write_bytes(blob[:20] + bytes(len(blob) - 20))
    with pytest.raises(ValueError, match="corrupt gzip data"):
        read_idx(path)
