"""MNIST / FashionMNIST: torchvision's interface over IDX files this test writes itself (plain and
gzip, torchvision's folder layout and a flat one), the Debian package's files when installed,
and clear errors when the files are missing or malformed."""

import gzip
import os

import numpy as np
import pytest

import chainrule as cr
from chainrule.data import MNIST, DataLoader, FashionMNIST, write_idx
from chainrule.data import images as images_module
from chainrule.data.transforms import Compose, Normalize, RandomCrop, RandomHorizontalFlip, ToTensor

FASHION_CLASSES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]


def _split(n, seed, size=(28, 28)):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, *size)).astype(np.uint8), rng.integers(0, 10, size=n).astype(np.uint8)


def _write_split(folder, prefix, images, labels, gz):
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if gz else ""
    write_idx(folder / f"{prefix}-images-idx3-ubyte{suffix}", images)
    write_idx(folder / f"{prefix}-labels-idx1-ubyte{suffix}", labels)


@pytest.fixture(params=["torchvision-layout", "flat"])
def layout(request):
    return request.param


def _make_root(tmp_path, name, layout, gz):
    """A root folder holding a 7-image training split and a 3-image test split."""
    folder = tmp_path / name / "raw" if layout == "torchvision-layout" else tmp_path
    train, test = _split(7, seed=1), _split(3, seed=2)
    _write_split(folder, "train", *train, gz=gz)
    _write_split(folder, "t10k", *test, gz=gz)
    return tmp_path, folder, train, test


@pytest.mark.parametrize("cls", [MNIST, FashionMNIST])
@pytest.mark.parametrize("gz", [False, True])
def test_reads_both_splits_in_both_layouts(tmp_path, cls, layout, gz):
    root, folder, (train_x, train_y), (test_x, test_y) = _make_root(tmp_path, cls.__name__, layout, gz)
    for train, x, y in ((True, train_x, train_y), (False, test_x, test_y)):
        ds = cls(root, train=train)
        assert len(ds) == len(y) and ds.train is train
        assert isinstance(ds.data, cr.Tensor) and ds.data.dtype == cr.uint8 and ds.data.shape == x.shape
        assert ds.targets.dtype == cr.int64
        np.testing.assert_array_equal(ds.data.numpy(), x)
        np.testing.assert_array_equal(ds.targets.numpy(), y)
        assert ds.raw_folder == str(folder)
        image, target = ds[1]
        # torchvision gives a PIL image here; chainrule gives np.asarray of it
        assert isinstance(image, np.ndarray) and image.dtype == np.uint8 and image.shape == (28, 28)
        np.testing.assert_array_equal(image, x[1])
        assert type(target) is int and target == y[1]
        np.testing.assert_array_equal(ds[-1][0], x[-1])


def test_root_accepts_pathlike_and_user_home(tmp_path, monkeypatch):
    root, *_ = _make_root(tmp_path, "FashionMNIST", "flat", gz=True)
    monkeypatch.setenv("HOME", str(root))
    assert len(FashionMNIST(str(root))) == 7
    assert len(FashionMNIST("~")) == 7
    assert FashionMNIST("~").root == str(root)


def test_plain_file_is_preferred_to_gz_and_gz_is_detected_by_content(tmp_path):
    # torchvision unpacks the .gz next to it; both present must not be ambiguous
    folder = tmp_path / "FashionMNIST" / "raw"
    _write_split(folder, "train", *_split(4, seed=3), gz=True)
    plain_x, plain_y = _split(5, seed=4)
    _write_split(folder, "train", plain_x, plain_y, gz=False)
    ds = FashionMNIST(tmp_path)
    np.testing.assert_array_equal(ds.data.numpy(), plain_x)
    # a gzip file without the suffix still reads (read_idx sniffs the magic bytes)
    blob = (folder / "train-images-idx3-ubyte").read_bytes()
    (folder / "train-images-idx3-ubyte").write_bytes(gzip.compress(blob))
    np.testing.assert_array_equal(FashionMNIST(tmp_path).data.numpy(), plain_x)


def test_classes_and_class_to_idx_as_torchvision():
    assert FashionMNIST.classes == FASHION_CLASSES
    assert MNIST.classes == [
        f"{i} - {w}" for i, w in enumerate("zero one two three four five six seven eight nine".split())
    ]


def test_class_to_idx(tmp_path):
    root, *_ = _make_root(tmp_path, "FashionMNIST", "flat", gz=False)
    ds = FashionMNIST(root)
    assert ds.class_to_idx == {name: i for i, name in enumerate(FASHION_CLASSES)}
    assert ds.class_to_idx["Ankle boot"] == 9


def test_transform_and_target_transform(tmp_path):
    root, _, (x, y), _ = _make_root(tmp_path, "FashionMNIST", "flat", gz=False)
    ds = FashionMNIST(root, transform=ToTensor(), target_transform=lambda t: t + 100)
    image, target = ds[2]
    assert isinstance(image, cr.Tensor) and image.shape == (1, 28, 28) and image.dtype == cr.float32
    np.testing.assert_allclose(image.numpy()[0], x[2] / 255.0, rtol=1e-6)
    assert target == int(y[2]) + 100
    # the transform works on a copy: writing into the image leaves the data set unchanged
    raw = FashionMNIST(root)
    raw[0][0][:] = 0
    np.testing.assert_array_equal(raw.data.numpy()[0], x[0])


def test_augmentation_pipeline_in_torchvision_order(tmp_path):
    root, _, (x, _), _ = _make_root(tmp_path, "FashionMNIST", "flat", gz=False)
    augment = Compose([RandomCrop(28, padding=4), RandomHorizontalFlip(), ToTensor(), Normalize((0.2860,), (0.3530,))])
    ds = FashionMNIST(root, transform=augment)
    cr.manual_seed(0)
    first = ds[0][0].numpy()
    cr.manual_seed(0)
    again = ds[0][0].numpy()
    np.testing.assert_array_equal(first, again)
    assert first.shape == (1, 28, 28) and first.dtype == np.float32
    # some draw moves the image: it is an augmentation, not the identity
    plain = Normalize((0.2860,), (0.3530,))(ToTensor()(x[0])).numpy()
    assert any(not np.array_equal(ds[0][0].numpy(), plain) for _ in range(10))


def test_data_loader_batches(tmp_path):
    root, _, (x, y), _ = _make_root(tmp_path, "FashionMNIST", "flat", gz=False)
    # with ToTensor, per-sample: (B, 1, 28, 28) float32 and int64 targets, as torchvision
    images, targets = next(iter(DataLoader(FashionMNIST(root, transform=ToTensor()), batch_size=4)))
    assert images.shape == (4, 1, 28, 28) and images.dtype == cr.float32 and targets.dtype == cr.int64
    np.testing.assert_allclose(images.numpy()[:, 0], x[:4] / 255.0, rtol=1e-6)
    # without transforms, the fast path gives what default_collate of the samples gives
    raw = FashionMNIST(root)
    fast = [b for b in DataLoader(raw, batch_size=3)]
    slow = [
        b for b in DataLoader(raw, batch_size=3, collate_fn=lambda s: [np.stack([a for a, _ in s]), [t for _, t in s]])
    ]
    assert [b[0].shape for b in fast] == [(3, 28, 28), (3, 28, 28), (1, 28, 28)]
    assert fast[0][0].dtype == cr.uint8 and fast[0][1].dtype == cr.int64
    for (fx, fy), (sx, sy) in zip(fast, slow):
        np.testing.assert_array_equal(fx.numpy(), sx)
        np.testing.assert_array_equal(fy.numpy(), sy)
    np.testing.assert_array_equal(np.concatenate([b[1].numpy() for b in fast]), y)


def test_repr_like_torchvision(tmp_path):
    root, *_ = _make_root(tmp_path, "FashionMNIST", "flat", gz=False)
    text = repr(FashionMNIST(root, train=False, transform=ToTensor()))
    assert text.splitlines() == [
        "Dataset FashionMNIST",
        "    Number of datapoints: 3",
        f"    Root location: {root}",
        "    Split: Test",
        "    Transform: ToTensor()",
    ]


def test_indexing_errors(tmp_path):
    root, *_ = _make_root(tmp_path, "MNIST", "flat", gz=False)
    ds = MNIST(root)
    with pytest.raises(IndexError, match="MNIST: index 7 is out of range for a dataset of length 7"):
        ds[7]
    with pytest.raises(TypeError, match="MNIST: index must be an integer, got str"):
        ds["0"]
    assert np.array_equal(ds[np.int64(2)][0], ds[2][0])


def test_missing_files_explain_where_and_how(tmp_path):
    with pytest.raises(RuntimeError) as info:
        FashionMNIST(tmp_path / "nowhere")
    message = str(info.value)
    assert "FashionMNIST: training set not found" in message
    assert repr(str(tmp_path / "nowhere" / "FashionMNIST" / "raw")) in message
    assert repr(str(tmp_path / "nowhere")) in message
    assert "train-images-idx3-ubyte[.gz]" in message
    assert "apt install dataset-fashion-mnist" in message and "pass their folder as root" in message
    assert "never downloads" in message
    # only one of the pair present still counts as missing, and the test split is named
    folder = tmp_path / "half"
    folder.mkdir()
    write_idx(folder / "t10k-images-idx3-ubyte", np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(RuntimeError, match="FashionMNIST: test set not found: looked for t10k-images"):
        FashionMNIST(folder, train=False)


def test_mnist_has_no_default_location():
    with pytest.raises(RuntimeError, match="MNIST: no root given.*no Debian package.*pass their folder as root"):
        MNIST()


def test_download_true_never_downloads(tmp_path):
    with pytest.raises(RuntimeError, match="download=True cannot fetch them: chainrule never downloads at run time"):
        FashionMNIST(tmp_path, download=True)
    # when the files are there, torchvision code with download=True runs unchanged
    root, *_ = _make_root(tmp_path, "FashionMNIST", "torchvision-layout", gz=True)
    assert len(FashionMNIST(root, download=True)) == 7


def test_root_none_reads_the_system_folder(tmp_path, monkeypatch):
    _, folder, (x, y), _ = _make_root(tmp_path, "FashionMNIST", "flat", gz=True)
    monkeypatch.setattr(FashionMNIST, "_system_folder", str(folder))
    ds = FashionMNIST()
    np.testing.assert_array_equal(ds.data.numpy(), x)
    assert ds.root is None and ds.raw_folder == str(folder)
    assert f"Files: {folder}" in repr(ds)
    monkeypatch.setattr(FashionMNIST, "_system_folder", str(tmp_path / "absent"))
    with pytest.raises(RuntimeError, match=r"looked for .* in '.*absent'.*apt install dataset-fashion-mnist"):
        FashionMNIST()


def test_explicit_root_points_at_the_system_copy_when_present(tmp_path, monkeypatch):
    monkeypatch.setattr(FashionMNIST, "_system_folder", str(tmp_path))
    with pytest.raises(RuntimeError, match="system copy in .* is present: pass root=None"):
        FashionMNIST(tmp_path / "elsewhere")


def test_argument_types():
    with pytest.raises(TypeError, match="FashionMNIST: transform must be callable or None, got int"):
        FashionMNIST(transform=3)
    with pytest.raises(TypeError, match="MNIST: root must be a path"):
        MNIST(root=5)


@pytest.mark.parametrize(
    "images, labels, message",
    [
        (np.zeros((3, 28, 28), np.float32), np.zeros(3, np.uint8), r"should hold uint8 pixels.*got float32"),
        (np.zeros((3, 784), np.uint8), np.zeros(3, np.uint8), r"of shape \(N, rows, cols\).*\(3, 784\)"),
        (np.zeros((3, 28, 28), np.uint8), np.zeros((3, 1), np.uint8), r"integer class labels of shape \(N,\)"),
        (np.zeros((3, 28, 28), np.uint8), np.zeros(3, np.float32), r"integer class labels.*got float32"),
        (np.zeros((3, 28, 28), np.uint8), np.zeros(4, np.uint8), r"3 images in .* but 4 labels in"),
        (np.zeros((3, 28, 28), np.uint8), np.array([1, 10, 2], np.uint8), r"holds label 10; expected .*\[0, 10\)"),
    ],
)
def test_inconsistent_files_are_refused(tmp_path, images, labels, message):
    write_idx(tmp_path / "train-images-idx3-ubyte", images)
    write_idx(tmp_path / "train-labels-idx1-ubyte", labels)
    with pytest.raises(ValueError, match=message) as info:
        FashionMNIST(tmp_path)
    assert str(tmp_path) in str(info.value)


def test_hostile_file_is_refused_by_the_idx_reader(tmp_path):
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(3, np.uint8))
    header = b"\x00\x00\x08\x03" + np.array([3, 28, 28], ">u4").tobytes()
    (tmp_path / "train-images-idx3-ubyte").write_bytes(header + bytes(3 * 28 * 28 - 1))
    with pytest.raises(ValueError, match=r"read_idx: .*train-images-idx3-ubyte.*truncated data"):
        FashionMNIST(tmp_path)


def test_other_image_sizes_read_as_they_are(tmp_path):
    # the IDX header, not a hard-coded 28, gives the image size (EMNIST-like or cropped sets)
    x, y = _split(2, seed=5, size=(6, 9))
    _write_split(tmp_path, "train", x, y, gz=False)
    ds = MNIST(tmp_path, transform=ToTensor())
    assert ds.data.shape == (2, 6, 9) and ds[0][0].shape == (1, 6, 9)


debian = pytest.mark.skipif(
    not os.path.isdir(images_module.DEBIAN_FASHION_MNIST),
    reason=f"Debian's dataset-fashion-mnist is not installed ({images_module.DEBIAN_FASHION_MNIST} is absent)",
)


@debian
@pytest.mark.parametrize("train, n", [(True, 60_000), (False, 10_000)])
def test_debian_fashion_mnist(train, n):
    ds = FashionMNIST(train=train)
    assert len(ds) == n and ds.data.shape == (n, 28, 28) and ds.data.dtype == cr.uint8
    # Fashion-MNIST is balanced: every class has a tenth of each split
    np.testing.assert_array_equal(np.bincount(ds.targets.numpy(), minlength=10), [n // 10] * 10)
    image, target = ds[0]
    image = ToTensor()(image)
    assert image.shape == (1, 28, 28) and 0.0 <= image.numpy().min() and image.numpy().max() <= 1.0
    assert 0 <= target < 10
