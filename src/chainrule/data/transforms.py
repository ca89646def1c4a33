"""Per-sample image transforms, mostly random augmentations, with torchvision's names.

Why augment: a network with enough parameters can memorise its training images pixel for pixel
and still fail on new ones (overfitting). A random shift, small rotation, flip or occluding
patch produces an image that is new to the network but obviously has the same label. Drawing a
fresh variant of every image each epoch (apply transforms through
:class:`~chainrule.data.TransformDataset`, or the ``transform=`` of an image data set such as
:class:`~chainrule.data.FashionMNIST`) multiplies the effective training set and teaches the
invariances we already know hold, so the network has to learn the digit, not the pixels. Apply
them to the training split only.

Every transform takes one image as a NumPy array or a Tensor, shaped ``H x W`` or
``C x H x W``, or a batch ``N x C x H x W``, and returns the same kind of object. Transforms that
only move or overwrite pixels (shift, flip, crop, pad, erase) keep the dtype; those that compute
new values (rotation, noise, normalisation) return the input's floating dtype, or float32 for
integer images. A batch is treated as torchvision treats a batched tensor: the random parameters
(the crop offset, whether to flip, the angle, ...) are drawn once per call and apply to every
image in it, so for a different augmentation per image, transform the samples one by one (which
is what a data set's ``transform=`` does). Randomness comes from ``generator=`` (a
``numpy.random.Generator``); None means chainrule's default generator, read at call time, so
``chainrule.manual_seed`` reproduces a run.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

import chainrule as cr

from ..random import check_generator, get_generator

__all__ = [
    "Compose",
    "ConvertImageDtype",
    "GaussianNoise",
    "Normalize",
    "Pad",
    "RandomCrop",
    "RandomErasing",
    "RandomHorizontalFlip",
    "RandomRotation",
    "RandomShift",
    "RandomTranslate",
    "ToTensor",
]


def _unwrap(img, where: str):
    """(array, was_tensor). Validates that the image is H x W or C x H x W, or a batch N x C x H x W."""
    is_tensor = isinstance(img, cr.Tensor)
    array = img._data if is_tensor else img
    if not isinstance(array, np.ndarray):
        raise TypeError(f"{where}: expected a numpy array or Tensor image, got {type(img).__name__}")
    if array.ndim not in (2, 3, 4):
        raise ValueError(
            f"{where}: expected an image of shape (H, W) or (C, H, W), or a batch (N, C, H, W), got shape {array.shape}"
        )
    if array.dtype.kind not in "fiub":
        raise TypeError(f"{where}: expected a numeric image, got dtype {array.dtype}")
    return array, is_tensor


def _wrap(array: np.ndarray, is_tensor: bool):
    return cr.tensor(array, dtype=array.dtype) if is_tensor else array


def _float_dtype(dtype: np.dtype) -> np.dtype:
    return dtype if dtype.kind == "f" else np.dtype(np.float32)


def _is_number(x) -> bool:
    return isinstance(x, (numbers.Real, np.number)) and not isinstance(x, (bool, np.bool_))


def _check_probability(p, where: str) -> float:
    if not _is_number(p) or not 0 <= p <= 1:
        raise ValueError(f"{where}: p should be a probability between 0 and 1, got {p!r}")
    return float(p)


class Compose:
    """Apply ``transforms`` in order: ``Compose([RandomShift(2), GaussianNoise(0.05)])``."""

    def __init__(self, transforms) -> None:
        transforms = list(transforms)
        for i, t in enumerate(transforms):
            if not callable(t):
                raise TypeError(f"Compose: transform {i} is not callable: {t!r}")
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose([{inner}\n])"


class RandomShift:
    """Shift the image by a random whole number of pixels, filling the uncovered border with 0.

    ``max_shift`` bounds both directions (an int), or is ``(max_dy, max_dx)``; each shift is
    drawn uniformly from ``[-max, max]``. A digit written two pixels to the left is the same
    digit, and a fully-connected network does not know that unless it is shown.
    """

    def __init__(self, max_shift, generator=None) -> None:
        pair = max_shift if isinstance(max_shift, (tuple, list)) else (max_shift, max_shift)
        if len(pair) != 2 or not all(
            isinstance(m, (numbers.Integral, np.integer)) and not isinstance(m, bool) and m >= 0 for m in pair
        ):
            raise ValueError(
                f"{type(self).__name__}: max_shift should be a non-negative int or a pair of them, got {max_shift!r}"
            )
        self.max_shift = (int(pair[0]), int(pair[1]))
        self.generator = check_generator(generator, type(self).__name__)

    def __call__(self, img):
        where = type(self).__name__
        array, is_tensor = _unwrap(img, where)
        gen = get_generator(self.generator, owner=where)
        dy = int(gen.integers(-self.max_shift[0], self.max_shift[0] + 1))
        dx = int(gen.integers(-self.max_shift[1], self.max_shift[1] + 1))
        return _wrap(_shift(array, dy, dx), is_tensor)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(max_shift={self.max_shift})"


class RandomTranslate(RandomShift):
    """Alias of :class:`RandomShift`."""


def _shift(array: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Content moves down by ``dy`` and right by ``dx``; vacated pixels become 0."""
    h, w = array.shape[-2:]
    out = np.zeros_like(array)
    if abs(dy) >= h or abs(dx) >= w:
        return out
    src_y = slice(max(0, -dy), h - max(0, dy))
    dst_y = slice(max(0, dy), h - max(0, -dy))
    src_x = slice(max(0, -dx), w - max(0, dx))
    dst_x = slice(max(0, dx), w - max(0, -dx))
    out[..., dst_y, dst_x] = array[..., src_y, src_x]
    return out


def _rotate(array: np.ndarray, degrees: float, fill: float) -> np.ndarray:
    """Rotate counter-clockwise (as torchvision) by ``degrees`` about the image centre, with
    bilinear interpolation; source points outside the image read as ``fill``.

    Each output pixel looks up where it came from (the inverse rotation) and blends the four
    neighbouring source pixels by distance; a corner that falls outside the image contributes
    ``fill`` with its weight, which gives smooth edges instead of jagged ones.
    """
    out_dtype = _float_dtype(array.dtype)
    src = array.astype(out_dtype, copy=False)
    h, w = array.shape[-2:]
    theta = math.radians(degrees)
    cos, sin = math.cos(theta), math.sin(theta)
    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
    rows, cols = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64), indexing="ij")
    u = cols - cx  # rightwards
    v = cy - rows  # upwards
    src_u = u * cos + v * sin
    src_v = -u * sin + v * cos
    src_x = src_u + cx
    src_y = cy - src_v
    # Snap coordinates within rounding error of a pixel centre, so exact angles (0, 90, ...) are exact.
    for coords in (src_x, src_y):
        nearest = np.round(coords)
        close = np.abs(coords - nearest) < 1e-9
        coords[close] = nearest[close]
    x0 = np.floor(src_x).astype(np.int64)
    y0 = np.floor(src_y).astype(np.int64)
    fx = src_x - x0
    fy = src_y - y0
    out = np.zeros(array.shape, dtype=np.float64)
    for oy, wy in ((0, 1.0 - fy), (1, fy)):
        for ox, wx in ((0, 1.0 - fx), (1, fx)):
            yy, xx = y0 + oy, x0 + ox
            weight = wy * wx
            inside = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
            values = src[..., np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)]
            out += weight * np.where(inside, values, fill)
    return out.astype(out_dtype)


class RandomRotation:
    """Rotate by an angle drawn uniformly from ``[-degrees, degrees]`` (or from ``(min, max)``),
    counter-clockwise for positive angles as in torchvision, with bilinear interpolation and
    ``fill`` (default 0) where the rotated image does not reach.

    Handwriting is rarely perfectly upright; small rotations (10-15 degrees) teach that. Large
    ones can change the label (a 6 is a rotated 9).
    """

    def __init__(self, degrees, fill: float = 0.0, generator=None) -> None:
        if _is_number(degrees):
            if degrees < 0:
                raise ValueError(
                    f"RandomRotation: if degrees is a single number it must be non-negative, got {degrees!r}"
                )
            rng = (-float(degrees), float(degrees))
        elif isinstance(degrees, (tuple, list)) and len(degrees) == 2 and all(_is_number(d) for d in degrees):
            if degrees[0] > degrees[1]:
                raise ValueError(f"RandomRotation: degrees range must be (min, max) with min <= max, got {degrees!r}")
            rng = (float(degrees[0]), float(degrees[1]))
        else:
            raise ValueError(f"RandomRotation: degrees should be a number or a (min, max) pair, got {degrees!r}")
        if not _is_number(fill):
            raise ValueError(f"RandomRotation: fill should be a number, got {fill!r}")
        self.degrees = rng
        self.fill = float(fill)
        self.generator = check_generator(generator, "RandomRotation")

    def __call__(self, img):
        array, is_tensor = _unwrap(img, "RandomRotation")
        gen = get_generator(self.generator, owner="RandomRotation")
        angle = float(gen.uniform(self.degrees[0], self.degrees[1]))
        return _wrap(_rotate(array, angle, self.fill), is_tensor)

    def __repr__(self) -> str:
        return f"RandomRotation(degrees={self.degrees}, fill={self.fill})"


class RandomHorizontalFlip:
    """Mirror the image left-right with probability ``p``.

    Right for natural images (a cat facing left is still a cat), wrong for digits and text,
    where a mirrored 2 is not a 2: choose augmentations that preserve *your* labels.
    """

    def __init__(self, p: float = 0.5, generator=None) -> None:
        self.p = _check_probability(p, "RandomHorizontalFlip")
        self.generator = check_generator(generator, "RandomHorizontalFlip")

    def __call__(self, img):
        array, is_tensor = _unwrap(img, "RandomHorizontalFlip")
        gen = get_generator(self.generator, owner="RandomHorizontalFlip")
        if gen.random() < self.p:
            array = np.ascontiguousarray(array[..., ::-1])
        return _wrap(array, is_tensor)

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"


class GaussianNoise:
    """Add independent N(mean, std^2) noise to every pixel.

    Noise on the inputs acts like a smoothness penalty: the network must give nearly the same
    answer for nearly the same image, so it cannot hinge on single-pixel details.
    """

    def __init__(self, std: float, mean: float = 0.0, generator=None) -> None:
        if not _is_number(std) or std < 0 or not math.isfinite(std):
            raise ValueError(f"GaussianNoise: std should be a finite non-negative number, got {std!r}")
        if not _is_number(mean) or not math.isfinite(mean):
            raise ValueError(f"GaussianNoise: mean should be a finite number, got {mean!r}")
        self.std = float(std)
        self.mean = float(mean)
        self.generator = check_generator(generator, "GaussianNoise")

    def __call__(self, img):
        array, is_tensor = _unwrap(img, "GaussianNoise")
        gen = get_generator(self.generator, owner="GaussianNoise")
        dtype = _float_dtype(array.dtype)
        noise = gen.normal(self.mean, self.std, size=array.shape)
        return _wrap((array.astype(np.float64) + noise).astype(dtype), is_tensor)

    def __repr__(self) -> str:
        return f"GaussianNoise(std={self.std}, mean={self.mean})"


class RandomErasing:
    """With probability ``p``, overwrite a random rectangle with ``value`` (torchvision's
    RandomErasing / "cutout").

    The rectangle covers a fraction of the image drawn from ``scale`` with an aspect ratio
    (height / width) drawn log-uniformly from ``ratio``. Hiding part of the object forces the
    network to use all of its evidence instead of one decisive patch, which also makes it more
    robust to occlusion. ``value`` is a number, one number per channel, or ``"random"`` for
    standard-normal noise. If no rectangle fits after 10 tries the image is returned unchanged.
    """

    def __init__(self, p: float = 0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, generator=None) -> None:
        self.p = _check_probability(p, "RandomErasing")
        for name, pair in (("scale", scale), ("ratio", ratio)):
            if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and all(_is_number(s) for s in pair)):
                raise ValueError(f"RandomErasing: {name} should be a (min, max) pair of numbers, got {pair!r}")
            if pair[0] > pair[1]:
                raise ValueError(f"RandomErasing: {name} should be (min, max) with min <= max, got {pair!r}")
        if not 0 <= scale[0] <= scale[1] <= 1:
            raise ValueError(f"RandomErasing: scale should lie within [0, 1], got {scale!r}")
        if ratio[0] <= 0:
            raise ValueError(f"RandomErasing: ratio should be positive, got {ratio!r}")
        if isinstance(value, str):
            if value != "random":
                raise ValueError(f"RandomErasing: value should be a number, a sequence or 'random', got {value!r}")
        elif isinstance(value, (tuple, list)):
            if not all(_is_number(v) for v in value):
                raise ValueError(f"RandomErasing: value sequence should hold numbers, got {value!r}")
        elif not _is_number(value):
            raise ValueError(f"RandomErasing: value should be a number, a sequence or 'random', got {value!r}")
        self.scale = (float(scale[0]), float(scale[1]))
        self.ratio = (float(ratio[0]), float(ratio[1]))
        self.value = value
        self.generator = check_generator(generator, "RandomErasing")

    def get_params(self, height: int, width: int, gen: np.random.Generator):
        """Top, left, height, width of the rectangle to erase; a zero-size box when none fits."""
        area = height * width
        log_lo, log_hi = math.log(self.ratio[0]), math.log(self.ratio[1])
        for _ in range(10):
            erase_area = area * gen.uniform(self.scale[0], self.scale[1])
            aspect = math.exp(gen.uniform(log_lo, log_hi))
            h = int(round(math.sqrt(erase_area * aspect)))
            w = int(round(math.sqrt(erase_area / aspect)))
            if not (0 < h < height and 0 < w < width):
                continue
            top = int(gen.integers(0, height - h + 1))
            left = int(gen.integers(0, width - w + 1))
            return top, left, h, w
        return 0, 0, 0, 0

    def __call__(self, img):
        array, is_tensor = _unwrap(img, "RandomErasing")
        gen = get_generator(self.generator, owner="RandomErasing")
        if gen.random() >= self.p:
            return _wrap(array, is_tensor)
        top, left, h, w = self.get_params(*array.shape[-2:], gen)
        if h == 0:
            return _wrap(array, is_tensor)
        out = array.copy()
        region = out[..., top : top + h, left : left + w]
        if isinstance(self.value, str):
            patch = gen.standard_normal(region.shape)
        elif isinstance(self.value, (tuple, list)):
            channels = 1 if array.ndim == 2 else array.shape[-3]
            if len(self.value) not in (1, channels):
                raise ValueError(
                    f"RandomErasing: value has {len(self.value)} entries but the image has {channels} channel(s)"
                )
            patch = np.asarray(self.value, dtype=np.float64)
            patch = patch.reshape((-1, 1, 1)) if array.ndim >= 3 else patch.reshape(())
            patch = np.broadcast_to(patch, region.shape)
        else:
            patch = self.value
        out[..., top : top + h, left : left + w] = patch
        return _wrap(out, is_tensor)

    def __repr__(self) -> str:
        return f"RandomErasing(p={self.p}, scale={self.scale}, ratio={self.ratio}, value={self.value!r})"


class Normalize:
    """``(image - mean) / std``, per channel for ``C x H x W`` images and ``N x C x H x W`` batches.

    Centring inputs around zero with unit spread keeps a network's first-layer pre-activations
    in the range where gradients are healthy; use the *training set's* mean and std for every
    split. ``mean`` and ``std`` are numbers, or sequences with one entry per channel.
    """

    def __init__(self, mean, std) -> None:
        self.mean = np.atleast_1d(np.asarray(mean, dtype=np.float64))
        self.std = np.atleast_1d(np.asarray(std, dtype=np.float64))
        for name, v in (("mean", self.mean), ("std", self.std)):
            if v.ndim != 1 or v.size == 0 or not np.all(np.isfinite(v)):
                raise ValueError(f"Normalize: {name} should be a finite number or 1-D sequence, got {v.tolist()!r}")
        if np.any(self.std == 0):
            raise ValueError(f"Normalize: std evaluated to zero, got {self.std.tolist()}; division by zero")

    def __call__(self, img):
        array, is_tensor = _unwrap(img, "Normalize")
        channels = 1 if array.ndim == 2 else array.shape[-3]
        for name, v in (("mean", self.mean), ("std", self.std)):
            if v.size not in (1, channels):
                raise ValueError(
                    f"Normalize: {name} has {v.size} entries but the image has {channels} channel(s) (shape {array.shape})"
                )
        shape = (-1, 1, 1) if array.ndim >= 3 else ()  # broadcasts over (C, H, W) and (N, C, H, W)
        mean = self.mean.reshape(shape) if self.mean.size > 1 else self.mean[0]
        std = self.std.reshape(shape) if self.std.size > 1 else self.std[0]
        dtype = _float_dtype(array.dtype)
        return _wrap(((array.astype(np.float64) - mean) / std).astype(dtype), is_tensor)

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


class ToTensor:
    """Convert an ``H x W`` or ``H x W x C`` NumPy image to a ``C x H x W`` Tensor, as
    torchvision's ToTensor: uint8 pixels become float32 divided by 255, so they land in [0, 1];
    any other dtype is kept as it is. A 2-D image gains a leading channel axis of size 1.
    """

    def __call__(self, pic):
        if isinstance(pic, cr.Tensor):
            return pic
        if not isinstance(pic, np.ndarray):
            raise TypeError(f"ToTensor: expected a numpy array image, got {type(pic).__name__}")
        if pic.ndim == 2:
            pic = pic[None, :, :]
        elif pic.ndim == 3:
            pic = np.transpose(pic, (2, 0, 1))
        else:
            raise ValueError(f"ToTensor: expected an image of shape (H, W) or (H, W, C), got shape {pic.shape}")
        if pic.dtype == np.uint8:
            out = pic.astype(np.float32) / np.float32(255.0)
        elif pic.dtype.kind in "fiub":
            out = pic
        else:
            raise TypeError(f"ToTensor: expected a numeric image, got dtype {pic.dtype}")
        out = np.ascontiguousarray(out)
        return cr.tensor(out, dtype=out.dtype)

    def __repr__(self) -> str:
        return "ToTensor()"


_PADDING_MODES = ("constant", "edge", "reflect", "symmetric")


def _check_padding(padding, where: str) -> tuple[int, int, int, int]:
    """torchvision's padding argument as (left, top, right, bottom): an int pads every side, a
    pair is (left/right, top/bottom), four values are (left, top, right, bottom)."""
    is_int = isinstance(padding, (numbers.Integral, np.integer)) and not isinstance(padding, (bool, np.bool_))
    if is_int:
        p = int(padding)
        return p, p, p, p
    if not isinstance(padding, (tuple, list)):
        raise TypeError(f"{where}: got inappropriate padding arg {padding!r}; expected an int or a sequence of ints")
    if not all(isinstance(p, (numbers.Integral, np.integer)) and not isinstance(p, bool) for p in padding):
        raise TypeError(f"{where}: padding values must be ints, got {padding!r}")
    values = [int(p) for p in padding]
    if len(values) == 1:
        return values[0], values[0], values[0], values[0]
    if len(values) == 2:
        return values[0], values[1], values[0], values[1]
    if len(values) == 4:
        return values[0], values[1], values[2], values[3]
    raise ValueError(
        f"{where}: padding must be an int or a 1, 2, or 4 element tuple, not a {len(values)} element tuple"
    )


def _check_fill_and_mode(fill, padding_mode, where: str) -> None:
    if not _is_number(fill):
        raise TypeError(f"{where}: got inappropriate fill arg {fill!r}; expected a number")
    if padding_mode not in _PADDING_MODES:
        raise ValueError(
            f"{where}: padding mode should be either constant, edge, reflect or symmetric, got {padding_mode!r}"
        )


def _pad(array: np.ndarray, sides, fill, padding_mode: str, where: str) -> np.ndarray:
    """Pad the last two axes by ``sides`` = (left, top, right, bottom); a negative side crops
    that many pixels instead, as torch's ``F.pad`` (and so torchvision's ``Pad``) does.

    ``reflect`` mirrors about the edge pixel (it is not repeated), so it can add at most size-1
    pixels; ``symmetric`` repeats it, at most size pixels. Asking for more raises, as in torch,
    instead of silently reflecting the reflection.
    """
    left, top, right, bottom = sides
    h, w = array.shape[-2:]
    # crop first: negative padding removes pixels from that side
    y0, y1 = max(0, -top), h - max(0, -bottom)
    x0, x1 = max(0, -left), w - max(0, -right)
    if y1 <= y0 or x1 <= x0:
        raise ValueError(f"{where}: padding {sides} (left, top, right, bottom) crops away the whole {h}x{w} image")
    array = array[..., y0:y1, x0:x1]
    top, bottom, left, right = max(0, top), max(0, bottom), max(0, left), max(0, right)
    h, w = array.shape[-2:]
    if padding_mode in ("reflect", "symmetric"):
        limit_h, limit_w = (h - 1, w - 1) if padding_mode == "reflect" else (h, w)
        if max(top, bottom) > limit_h or max(left, right) > limit_w:
            raise RuntimeError(
                f"{where}: {padding_mode} padding of (left, top, right, bottom) = {(left, top, right, bottom)} "
                f"needs an image larger than {h}x{w}: each side may add at most "
                f"{'size - 1' if padding_mode == 'reflect' else 'size'} pixels"
            )
    widths = [(0, 0)] * (array.ndim - 2) + [(top, bottom), (left, right)]
    if padding_mode == "constant":
        return np.pad(array, widths, mode="constant", constant_values=np.asarray(fill).astype(array.dtype))
    return np.pad(array, widths, mode=padding_mode)


class Pad:
    """Pad the image on every side (torchvision's ``Pad``).

    Args:
        padding: an int for every side, ``(left/right, top/bottom)``, or ``(left, top, right,
            bottom)``; negative values crop.
        fill: the value of new pixels in ``'constant'`` mode.
        padding_mode: ``'constant'``, ``'edge'`` (repeat the border pixel), ``'reflect'``
            (mirror without repeating the border: ``[1, 2, 3]`` padded by 2 gives
            ``[3, 2, 1, 2, 3, 2, 1]``) or ``'symmetric'`` (mirror repeating it: ``[2, 1, 1, 2, 3,
            3, 2]``).
    """

    def __init__(self, padding, fill=0, padding_mode: str = "constant") -> None:
        self.sides = _check_padding(padding, "Pad")
        _check_fill_and_mode(fill, padding_mode, "Pad")
        self.padding = padding
        self.fill = fill
        self.padding_mode = padding_mode

    def __call__(self, img):
        array, is_tensor = _unwrap(img, "Pad")
        return _wrap(_pad(array, self.sides, self.fill, self.padding_mode, "Pad"), is_tensor)

    def __repr__(self) -> str:
        return f"Pad(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode})"


def _check_size(size, where: str) -> tuple[int, int]:
    if isinstance(size, (numbers.Integral, np.integer)) and not isinstance(size, bool):
        pair = (int(size), int(size))
    elif isinstance(size, (tuple, list)) and len(size) in (1, 2):
        pair = (
            (int(size[0]), int(size[-1])) if all(isinstance(s, (numbers.Integral, np.integer)) for s in size) else None
        )
    else:
        pair = None
    if pair is None or min(pair) <= 0:
        raise ValueError(f"{where}: size should be a positive int or a (h, w) pair of them, got {size!r}")
    return pair


class RandomCrop:
    """Crop a random ``size`` window, optionally after padding (torchvision's ``RandomCrop``).

    ``RandomCrop(28, padding=4)`` is the classic translation augmentation for 28 x 28 images:
    pad to 36 x 36, then cut a 28 x 28 window at a random offset, so the object moves by up to
    4 pixels in each direction and the uncovered border is ``fill``.

    Args:
        size: output ``(h, w)``, or an int for a square.
        padding: as for :class:`Pad`, applied before cropping; None for none.
        pad_if_needed: pad an image smaller than ``size`` (by the shortfall, on both sides of
            that axis, as torchvision does) instead of raising.
        fill, padding_mode: as for :class:`Pad`.
        generator: a ``numpy.random.Generator``; None uses chainrule's default generator.
    """

    def __init__(
        self, size, padding=None, pad_if_needed: bool = False, fill=0, padding_mode: str = "constant", generator=None
    ) -> None:
        self.size = _check_size(size, "RandomCrop")
        self.sides = None if padding is None else _check_padding(padding, "RandomCrop")
        _check_fill_and_mode(fill, padding_mode, "RandomCrop")
        self.padding = padding
        self.pad_if_needed = bool(pad_if_needed)
        self.fill = fill
        self.padding_mode = padding_mode
        self.generator = check_generator(generator, "RandomCrop")

    def get_params(self, height: int, width: int, gen: np.random.Generator) -> tuple[int, int, int, int]:
        """Top, left, height, width of the window, drawn uniformly over every position that fits."""
        th, tw = self.size
        if height < th or width < tw:
            raise ValueError(
                f"RandomCrop: required crop size {(th, tw)} is larger than input image size {(height, width)} "
                "(after padding); pass pad_if_needed=True or a larger padding"
            )
        if (height, width) == (th, tw):
            return 0, 0, th, tw
        top = int(gen.integers(0, height - th + 1))
        left = int(gen.integers(0, width - tw + 1))
        return top, left, th, tw

    def __call__(self, img):
        array, is_tensor = _unwrap(img, "RandomCrop")
        if self.sides is not None:
            array = _pad(array, self.sides, self.fill, self.padding_mode, "RandomCrop")
        th, tw = self.size
        if self.pad_if_needed and array.shape[-1] < tw:
            extra = tw - array.shape[-1]
            array = _pad(array, (extra, 0, extra, 0), self.fill, self.padding_mode, "RandomCrop")
        if self.pad_if_needed and array.shape[-2] < th:
            extra = th - array.shape[-2]
            array = _pad(array, (0, extra, 0, extra), self.fill, self.padding_mode, "RandomCrop")
        gen = get_generator(self.generator, owner="RandomCrop")
        top, left, h, w = self.get_params(*array.shape[-2:], gen)
        return _wrap(np.ascontiguousarray(array[..., top : top + h, left : left + w]), is_tensor)

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"


def _max_value(dtype: np.dtype) -> int:
    return int(np.iinfo(dtype).max)


class ConvertImageDtype:
    """Convert an image or batch to ``dtype``, rescaling the values as torchvision's
    ``ConvertImageDtype`` does: integer images span ``[0, max]`` of their type, floating images
    ``[0, 1]``.

    This is :class:`ToTensor`'s scaling for data that is already ``C x H x W`` or a whole
    ``N x C x H x W`` batch: ``ConvertImageDtype(chainrule.float32)`` turns a uint8 batch from
    the loader into float32 in [0, 1] in one call instead of one per image.

    * integer to floating: divide by the input type's maximum (255 for uint8);
    * floating to floating: a plain cast;
    * floating to integer: multiply by ``max + 1 - 0.001`` (so [0, 1] maps evenly onto all
      ``max + 1`` levels) and truncate; values outside [0, 1], where torch's cast is undefined,
      are clipped and NaN becomes 0. float32 to int32/int64 and float64 to int64 raise
      RuntimeError as in torchvision: those types hold more levels than the float has digits;
    * integer to integer: a power-of-two rescale (``uint8 -> int16`` multiplies by 128).
    """

    def __init__(self, dtype) -> None:
        try:
            resolved = np.dtype(dtype)
        except TypeError:
            resolved = None
        if resolved is None or resolved.kind not in "fiu":
            raise TypeError(f"ConvertImageDtype: dtype should be a floating or integer dtype, got {dtype!r}")
        self.dtype = resolved

    def __call__(self, img):
        array, is_tensor = _unwrap(img, "ConvertImageDtype")
        return _wrap(self._convert(array), is_tensor)

    def _convert(self, array: np.ndarray) -> np.ndarray:
        src, dst = array.dtype, self.dtype
        if src == dst:
            return array
        if src.kind == "b":
            raise TypeError("ConvertImageDtype: expected an integer or floating image, got dtype bool")
        if src.kind == "f":
            if dst.kind == "f":
                return array.astype(dst)
            if (src == np.float32 and dst in (np.int32, np.int64)) or (src == np.float64 and dst == np.int64):
                raise RuntimeError(f"ConvertImageDtype: the cast from {src} to {dst} cannot be performed safely")
            scaled = np.nan_to_num(array.astype(np.float64), nan=0.0) * (_max_value(dst) + 1.0 - 1e-3)
            return np.clip(scaled, 0, _max_value(dst)).astype(dst)
        input_max = _max_value(src)
        if dst.kind == "f":
            return (array.astype(dst) / dst.type(input_max)).astype(dst)
        output_max = _max_value(dst)
        if input_max > output_max:
            return (array // ((input_max + 1) // (output_max + 1))).astype(dst)
        return array.astype(dst) * dst.type((output_max + 1) // (input_max + 1))

    def __repr__(self) -> str:
        return f"ConvertImageDtype(dtype={self.dtype})"
