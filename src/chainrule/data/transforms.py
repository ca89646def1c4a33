"""Per-sample image transforms, mostly random augmentations.

Why augment: a network with enough parameters can memorise its training images pixel for pixel
and still fail on new ones (overfitting). A random shift, small rotation, flip or occluding
patch produces an image that is new to the network but obviously has the same label. Drawing a
fresh variant of every image each epoch (apply transforms through
:class:`~chainrule.data.TransformDataset`) multiplies the effective training set and teaches the
invariances we already know hold, so the network has to learn the digit, not the pixels. Apply
them to the training split only.

Every transform takes one image as a NumPy array or a Tensor, shaped ``H x W`` or
``C x H x W``, and returns the same kind of object with the same shape. Transforms that only
move or overwrite pixels (shift, flip, erase) keep the dtype; those that compute new values
(rotation, noise, normalisation) return the input's floating dtype, or float32 for integer
images. Randomness comes from ``generator=`` (a ``numpy.random.Generator``); None means
chainrule's default generator, read at call time, so ``chainrule.manual_seed`` reproduces a run.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

import chainrule as cr

from ..random import check_generator, get_generator

__all__ = [
    "Compose",
    "GaussianNoise",
    "Normalize",
    "RandomErasing",
    "RandomHorizontalFlip",
    "RandomRotation",
    "RandomShift",
    "RandomTranslate",
    "ToTensor",
]


def _unwrap(img, where: str):
    """(array, was_tensor). Validates that the image is H x W or C x H x W."""
    is_tensor = isinstance(img, cr.Tensor)
    array = img._data if is_tensor else img
    if not isinstance(array, np.ndarray):
        raise TypeError(f"{where}: expected a numpy array or Tensor image, got {type(img).__name__}")
    if array.ndim not in (2, 3):
        raise ValueError(f"{where}: expected an image of shape (H, W) or (C, H, W), got shape {array.shape}")
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
            channels = 1 if array.ndim == 2 else array.shape[0]
            if len(self.value) not in (1, channels):
                raise ValueError(
                    f"RandomErasing: value has {len(self.value)} entries but the image has {channels} channel(s)"
                )
            patch = np.asarray(self.value, dtype=np.float64)
            patch = patch.reshape((-1, 1, 1)) if array.ndim == 3 else patch.reshape(())
            patch = np.broadcast_to(patch, region.shape)
        else:
            patch = self.value
        out[..., top : top + h, left : left + w] = patch
        return _wrap(out, is_tensor)

    def __repr__(self) -> str:
        return f"RandomErasing(p={self.p}, scale={self.scale}, ratio={self.ratio}, value={self.value!r})"


class Normalize:
    """``(image - mean) / std``, per channel for ``C x H x W`` images.

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
        channels = 1 if array.ndim == 2 else array.shape[0]
        for name, v in (("mean", self.mean), ("std", self.std)):
            if v.size not in (1, channels):
                raise ValueError(
                    f"Normalize: {name} has {v.size} entries but the image has {channels} channel(s) (shape {array.shape})"
                )
        shape = (-1, 1, 1) if array.ndim == 3 else ()
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
