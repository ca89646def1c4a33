"""MNIST and Fashion-MNIST with torchvision's interface, read from IDX files already on disk.

``FashionMNIST(root, train=True, transform=None, target_transform=None)`` behaves like
``torchvision.datasets.FashionMNIST``: ``len(ds)``, ``ds[i] -> (image, target)``, ``.data``
(uint8, N x 28 x 28), ``.targets`` (int64, N), ``.classes``, ``.class_to_idx`` and ``.train``.
Two differences, both deliberate:

* **No PIL.** Where torchvision hands the transform a PIL image (mode ``'L'``), chainrule hands
  it the same pixels as a ``(28, 28)`` uint8 NumPy array -- exactly what ``np.asarray`` of that
  PIL image gives. So the usual ``transform=ToTensor()`` yields what it yields in torchvision, a
  ``(1, 28, 28)`` float32 Tensor in [0, 1], and augmentations such as
  :class:`~chainrule.data.transforms.RandomCrop` can run before it, as they do on PIL images.
* **Nothing downloads at run time.** The files are read from ``root``, or, with ``root=None``,
  from Debian's ``dataset-fashion-mnist`` package (``/usr/share/datasets/fashion-mnist``). When
  they are missing, the RuntimeError (torchvision's type) lists every place looked in and how to
  get the files. ``download=True`` is accepted so torchvision code runs unchanged when the files
  are there (torchvision does not download then either); when they are not, it raises instead
  of fetching.

In ``root`` the IDX files (``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-...``,
plain or ``.gz``) may sit in torchvision's layout, ``root/FashionMNIST/raw/``, or directly in
``root``. They are parsed by :func:`~chainrule.data.read_idx`, which rejects truncated, padded or
otherwise malformed files with a message naming the file, before any pixel is used.
"""

from __future__ import annotations

import os

import numpy as np

import chainrule as cr

from .dataset import Dataset, _index_of
from .idx import read_idx

__all__ = ["MNIST", "FashionMNIST"]

DEBIAN_FASHION_MNIST = "/usr/share/datasets/fashion-mnist"


class MNIST(Dataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images of 28 x 28 pixels.

    Args:
        root: the folder holding the IDX files, in torchvision's layout (``root/MNIST/raw/``) or
            flat (``root/``), plain or gzip-compressed. MNIST has no Debian package, so
            ``root=None`` raises a RuntimeError saying how to get the files.
        train: read the training split (``train-*``) if True, else the test split (``t10k-*``).
        transform: called on each image, a ``(28, 28)`` uint8 NumPy array (see the module
            docstring: the PIL image torchvision would pass, as an array); e.g.
            ``transforms.ToTensor()`` for a ``(1, 28, 28)`` float32 Tensor in [0, 1].
        target_transform: called on each target, a Python int.
        download: accepted for torchvision compatibility; nothing is ever downloaded, and when
            the files are missing it raises explaining why (see the module docstring).

    Attributes:
        data: uint8 Tensor ``(N, 28, 28)``, the raw pixels.
        targets: int64 Tensor ``(N,)``, the class indices.
        classes: the class names, ``classes[target]``.
        raw_folder: the folder the files were read from.
    """

    classes = [
        "0 - zero",
        "1 - one",
        "2 - two",
        "3 - three",
        "4 - four",
        "5 - five",
        "6 - six",
        "7 - seven",
        "8 - eight",
        "9 - nine",
    ]
    # Where root=None looks, and the Debian package that puts files there (None: no package).
    _system_folder: str | None = None
    _debian_package: str | None = None
    _where_to_download = "the MNIST page (yann.lecun.com/exdb/mnist) or one of its mirrors"

    def __init__(self, root=None, train: bool = True, transform=None, target_transform=None, download: bool = False):
        name = type(self).__name__
        for arg, fn in (("transform", transform), ("target_transform", target_transform)):
            if fn is not None and not callable(fn):
                raise TypeError(f"{name}: {arg} must be callable or None, got {type(fn).__name__}")
        if root is not None:
            if not isinstance(root, (str, os.PathLike)):
                raise TypeError(f"{name}: root must be a path (str or os.PathLike) or None, got {type(root).__name__}")
            root = os.path.expanduser(root) if isinstance(root, str) else root
        self.root = root
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        images_path, labels_path = self._find_files(download)
        self.raw_folder = os.path.dirname(images_path)
        self.data, self.targets = self._load(images_path, labels_path)

    # ------------------------------------------------------------------ finding the files

    def _file_names(self) -> tuple[str, str]:
        split = "train" if self.train else "t10k"
        return f"{split}-images-idx3-ubyte", f"{split}-labels-idx1-ubyte"

    def _candidate_folders(self) -> list[str]:
        if self.root is None:
            return [self._system_folder] if self._system_folder else []
        root = os.fspath(self.root)
        return [os.path.join(root, type(self).__name__, "raw"), root]

    @staticmethod
    def _existing(folder: str, file_name: str) -> str | None:
        """The file in ``folder`` as torchvision leaves it (unpacked) or as published (``.gz``)."""
        for candidate in (file_name, file_name + ".gz"):
            path = os.path.join(folder, candidate)
            if os.path.isfile(path):
                return path
        return None

    def _find_files(self, download: bool) -> tuple[str, str]:
        images_name, labels_name = self._file_names()
        folders = self._candidate_folders()
        for folder in folders:
            images, labels = self._existing(folder, images_name), self._existing(folder, labels_name)
            if images and labels:
                return images, labels
        raise RuntimeError(self._not_found_message(folders, images_name, labels_name, download))

    def _not_found_message(self, folders, images_name: str, labels_name: str, download: bool) -> str:
        name = type(self).__name__
        split = "training" if self.train else "test"
        files = f"{images_name}[.gz] and {labels_name}[.gz]"
        if folders:
            places = ", ".join(repr(f) for f in folders)
            found = f"{name}: {split} set not found: looked for {files} in {places}."
        else:
            found = f"{name}: no root given, and {name} has no system-wide copy to fall back on (no Debian package)."
        why = (
            " download=True cannot fetch them: chainrule never downloads at run time (no hidden network access; "
            "you choose where the data comes from)."
            if download
            else " chainrule never downloads at run time."
        )
        how = " To get the files:"
        if self._debian_package:
            how += f" `apt install {self._debian_package}` (then {name}() with no root reads {self._system_folder}); or"
        how += (
            " download the IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
            f"t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) from {self._where_to_download} and pass "
            f"their folder as root (flat, or torchvision's layout root/{name}/raw/)."
        )
        hint = ""
        if self.root is not None and self._system_folder and os.path.isdir(self._system_folder):
            hint = f" (The system copy in {self._system_folder} is present: pass root=None to use it.)"
        return found + why + how + hint

    # ------------------------------------------------------------------ reading them

    def _load(self, images_path: str, labels_path: str):
        name = type(self).__name__
        images, labels = read_idx(images_path), read_idx(labels_path)
        if images.dtype != np.uint8 or images.ndim != 3:
            raise ValueError(
                f"{name}: images file {images_path!r} should hold uint8 pixels of shape (N, rows, cols), "
                f"got {images.dtype} of shape {images.shape}"
            )
        if labels.ndim != 1 or labels.dtype.kind not in "iu":
            raise ValueError(
                f"{name}: labels file {labels_path!r} should hold integer class labels of shape (N,), "
                f"got {labels.dtype} of shape {labels.shape}"
            )
        if images.shape[0] != labels.shape[0]:
            raise ValueError(
                f"{name}: {images.shape[0]} images in {images_path!r} but {labels.shape[0]} labels in "
                f"{labels_path!r}; the two files should describe the same samples"
            )
        if labels.size and (labels.min() < 0 or labels.max() >= len(self.classes)):
            bad = labels[(labels < 0) | (labels >= len(self.classes))][0]
            raise ValueError(
                f"{name}: labels file {labels_path!r} holds label {int(bad)}; expected class indices in "
                f"[0, {len(self.classes)})"
            )
        data = cr.tensor(np.ascontiguousarray(images), dtype=np.uint8)
        targets = cr.tensor(labels.astype(np.int64), dtype=np.int64)
        return data, targets

    # ------------------------------------------------------------------ the Dataset interface

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.classes)}

    def __len__(self) -> int:
        return int(self.data.shape[0])

    def __getitem__(self, index):
        """``(image, target)``: the transformed image (by default a ``(28, 28)`` uint8 array, a
        copy, so a transform that writes into it cannot change the data set) and the target, a
        Python int as in torchvision, after ``target_transform``."""
        index = _index_of(index, len(self), type(self).__name__)
        image = self.data._data[index].copy()
        target = int(self.targets._data[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def _fetch_batch(self, indices):
        """DataLoader fast path without transforms: what ``default_collate`` makes of the
        samples (a uint8 ``(B, 28, 28)`` Tensor and an int64 ``(B,)`` Tensor), by one fancy
        index instead of one Python call per sample. With a transform, None: per-sample calls
        are the only way to give each image its own random augmentation."""
        if self.transform is not None or self.target_transform is not None:
            return None
        idx = np.asarray(indices, dtype=np.int64)
        n = len(self)
        if idx.size and (idx.min() < -n or idx.max() >= n):
            bad = idx[(idx < -n) | (idx >= n)][0]
            raise IndexError(f"{type(self).__name__}: index {int(bad)} is out of range for a dataset of length {n}")
        return [cr.tensor(self.data._data[idx], dtype=np.uint8), cr.tensor(self.targets._data[idx], dtype=np.int64)]

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"

    def __repr__(self) -> str:
        body = [f"Number of datapoints: {len(self)}"]
        if self.root is not None:
            body.append(f"Root location: {self.root}")
        else:
            body.append(f"Files: {self.raw_folder}")
        body += self.extra_repr().splitlines()
        if self.transform is not None:
            body.append(f"Transform: {self.transform!r}")
        if self.target_transform is not None:
            body.append(f"Target transform: {self.target_transform!r}")
        return "\n".join([f"Dataset {type(self).__name__}"] + ["    " + line for line in body])


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 60,000 training and 10,000 test greyscale 28 x 28 images of ten
    kinds of clothing, a drop-in replacement for MNIST that is harder to get right (a linear
    model reaches about 84%, a small CNN about 91%), so it still tells models apart.

    Args:
        root: the folder holding the IDX files, in torchvision's layout
            (``root/FashionMNIST/raw/``) or flat, plain or gzip-compressed; None reads the files
            of Debian's ``dataset-fashion-mnist`` package in ``/usr/share/datasets/fashion-mnist``.
        train, transform, target_transform, download: as for :class:`MNIST`.
    """

    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    _system_folder = DEBIAN_FASHION_MNIST
    _debian_package = "dataset-fashion-mnist"
    _where_to_download = "the Fashion-MNIST project (github.com/zalandoresearch/fashion-mnist)"
