"""Image transforms: shapes, dtypes, seeded determinism and exact geometric identities."""

import math
import re

import numpy as np
import pytest

import chainrule as cr
from chainrule.data import DataLoader, TensorDataset, TransformDataset
from chainrule.data.transforms import (
    Compose,
    ConvertImageDtype,
    GaussianNoise,
    Normalize,
    Pad,
    RandomCrop,
    RandomErasing,
    RandomHorizontalFlip,
    RandomRotation,
    RandomShift,
    RandomTranslate,
    ToTensor,
)


def _image(shape=(3, 9, 11), seed=0):
    return np.random.default_rng(seed).random(shape).astype(np.float32)


def _all(gen=None):
    return [
        RandomShift(2, generator=gen),
        RandomTranslate((1, 3), generator=gen),
        RandomRotation(15, generator=gen),
        RandomHorizontalFlip(generator=gen),
        GaussianNoise(0.1, generator=gen),
        RandomErasing(p=1.0, generator=gen),
        Normalize(0.5, 0.25),
        ConvertImageDtype(np.float32),
    ]


@pytest.mark.parametrize("shape", [(8, 8), (1, 8, 8), (3, 9, 11), (4, 1, 8, 8), (2, 3, 9, 11)])
@pytest.mark.parametrize("as_tensor", [False, True])
def test_shape_dtype_and_kind_preserved(shape, as_tensor):
    img = _image(shape)
    inp = cr.tensor(img) if as_tensor else img
    for t in _all(np.random.default_rng(0)):
        out = t(inp)
        assert isinstance(out, cr.Tensor) == as_tensor, t
        arr = out.detach().numpy() if as_tensor else out
        assert arr.shape == shape and arr.dtype == np.float32, t
    np.testing.assert_array_equal(img, inp.detach().numpy() if as_tensor else inp)  # input untouched


def test_seeded_determinism():
    img = _image()
    a = Compose(_all(np.random.default_rng(42)))
    b = Compose(_all(np.random.default_rng(42)))
    for _ in range(3):
        np.testing.assert_array_equal(a(img), b(img))
    cr.manual_seed(9)
    first = Compose(_all())(img)
    cr.manual_seed(9)
    second = Compose(_all())(img)
    np.testing.assert_array_equal(first, second)
    # consecutive calls draw fresh randomness
    c = RandomRotation(20, generator=np.random.default_rng(1))
    assert not np.array_equal(c(img), c(img))


def test_rotation_zero_is_identity_and_90_is_rot90():
    for shape in [(7, 7), (2, 6, 6), (5, 8)]:
        img = _image(shape)
        np.testing.assert_allclose(RandomRotation(0)(img), img, atol=1e-6)
        np.testing.assert_allclose(RandomRotation((0, 0))(img), img, atol=1e-6)
    for shape in [(7, 7), (2, 6, 6)]:
        img = _image(shape)
        ccw = RandomRotation((90, 90))(img)
        np.testing.assert_allclose(ccw, np.rot90(img, k=1, axes=(-2, -1)), atol=1e-5)
        cw = RandomRotation((-90, -90))(img)
        np.testing.assert_allclose(cw, np.rot90(img, k=-1, axes=(-2, -1)), atol=1e-5)


def test_rotation_interpolates_and_fills():
    img = np.ones((9, 9), np.float32)
    out = RandomRotation((45, 45))(img)
    assert out[4, 4] == pytest.approx(1.0)
    assert out[0, 0] == 0.0  # corner comes from outside the image
    assert np.all((out >= 0) & (out <= 1 + 1e-6))
    # the mass is about the area of the octagon where the square overlaps its rotation
    octagon = 2 * (math.sqrt(2) - 1) * 81
    assert abs(out.sum() - octagon) < 6, out.sum()
    filled = RandomRotation((45, 45), fill=0.5)(np.zeros((9, 9), np.float32))
    assert filled[0, 0] == pytest.approx(0.5) and filled[4, 4] == pytest.approx(0.0)
    assert RandomRotation(10)(np.zeros((4, 4), np.uint8)).dtype == np.float32


def test_flip_twice_is_identity_and_p_bounds():
    img = _image()
    flip = RandomHorizontalFlip(p=1.0)
    once = flip(img)
    np.testing.assert_array_equal(once, img[..., ::-1])
    np.testing.assert_array_equal(flip(once), img)
    np.testing.assert_array_equal(RandomHorizontalFlip(p=0.0)(img), img)
    gen = np.random.default_rng(0)
    flips = sum(not np.array_equal(RandomHorizontalFlip(0.3, generator=gen)(img), img) for _ in range(2000))
    assert 500 < flips < 700


def test_shift_moves_content_and_zero_fills():
    img = np.arange(1, 26, dtype=np.float32).reshape(5, 5)
    gen = np.random.default_rng(0)
    t = RandomShift(2, generator=gen)
    for _ in range(30):
        out = t(img)
        # locate the shift from where pixel value 13 (originally at 2,2) ended up
        y, x = np.argwhere(out == 13)[0]
        dy, dx = y - 2, x - 2
        assert abs(dy) <= 2 and abs(dx) <= 2
        expected = np.zeros_like(img)
        expected[max(dy, 0) : 5 + min(dy, 0), max(dx, 0) : 5 + min(dx, 0)] = img[
            max(-dy, 0) : 5 - max(dy, 0), max(-dx, 0) : 5 - max(dx, 0)
        ]
        np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(RandomShift(0)(img), img)
    assert RandomShift(1)(np.ones((4, 4), np.uint8)).dtype == np.uint8


def test_erasing_area_within_bounds():
    gen = np.random.default_rng(0)
    h, w = 32, 24
    scale, ratio = (0.05, 0.2), (0.5, 2.0)
    t = RandomErasing(p=1.0, scale=scale, ratio=ratio, value=0, generator=gen)
    img = np.ones((2, h, w), np.float32)
    area = h * w
    # rounding of the sides to whole pixels lets the area stray a little past the scale range
    hi = (math.sqrt(area * scale[1] * ratio[1]) + 0.5) * (math.sqrt(area * scale[1] / ratio[0]) + 0.5)
    lo = max(0.0, math.sqrt(area * scale[0] * ratio[0]) - 0.5) * max(0.0, math.sqrt(area * scale[0] / ratio[1]) - 0.5)
    for _ in range(200):
        out = t(img)
        erased = out[0] == 0
        assert np.array_equal(erased, out[1] == 0)  # same box in every channel
        rows, cols = np.nonzero(erased)
        n = erased.sum()
        assert lo <= n <= hi
        # a single axis-aligned rectangle
        assert n == (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)
    assert np.array_equal(RandomErasing(p=0.0)(img), img)
    per_channel = RandomErasing(p=1.0, value=(7, 9), generator=gen)(img)
    assert set(np.unique(per_channel[0])) <= {1.0, 7.0} and set(np.unique(per_channel[1])) <= {1.0, 9.0}
    noisy = RandomErasing(p=1.0, value="random", generator=gen)(img)
    assert noisy.shape == img.shape and not np.array_equal(noisy, img)


def test_noise_statistics_and_normalize():
    img = np.zeros((64, 64), np.float32)
    out = GaussianNoise(0.2, generator=np.random.default_rng(0))(img)
    assert abs(out.mean()) < 0.02 and abs(out.std() - 0.2) < 0.02
    np.testing.assert_array_equal(GaussianNoise(0.0)(img), img)
    chw = np.stack([np.full((2, 2), 1.0), np.full((2, 2), 3.0)]).astype(np.float32)
    norm = Normalize([1.0, 2.0], [0.5, 0.5])(chw)
    np.testing.assert_allclose(norm[0], 0.0)
    np.testing.assert_allclose(norm[1], 2.0)
    with pytest.raises(ValueError, match="Normalize: mean has 2 entries but the image has 3 channel"):
        Normalize([0, 0], 1)(np.zeros((3, 2, 2)))
    with pytest.raises(ValueError, match="std evaluated to zero"):
        Normalize(0, 0)


def test_to_tensor_like_torchvision():
    pic = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)  # H x W x C
    out = ToTensor()(pic)
    assert isinstance(out, cr.Tensor) and out.shape == (3, 2, 4) and out.dtype == np.float32
    np.testing.assert_allclose(out.detach().numpy(), np.transpose(pic, (2, 0, 1)) / 255.0, rtol=1e-6)
    assert ToTensor()(np.zeros((5, 6))).shape == (1, 5, 6)


def test_argument_validation():
    with pytest.raises(ValueError, match="RandomShift: max_shift should be a non-negative int"):
        RandomShift(-1)
    with pytest.raises(ValueError, match="RandomRotation: degrees range must be"):
        RandomRotation((10, -10))
    with pytest.raises(ValueError, match="RandomHorizontalFlip: p should be a probability"):
        RandomHorizontalFlip(1.5)
    with pytest.raises(ValueError, match="GaussianNoise: std should be"):
        GaussianNoise(-0.1)
    with pytest.raises(ValueError, match="RandomErasing: scale should be"):
        RandomErasing(scale=(0.5, 0.1))
    for bad in (np.zeros(4), np.zeros((1, 1, 1, 2, 2))):
        with pytest.raises(
            ValueError,
            match=rf"expected an image of shape \(H, W\) or \(C, H, W\), or a batch \(N, C, H, W\), got shape {re.escape(str(bad.shape))}",
        ):
            RandomRotation(5)(bad)
    with pytest.raises(TypeError, match="generator="):
        GaussianNoise(0.1, generator=3)
    with pytest.raises(TypeError, match="Compose: transform 1 is not callable"):
        Compose([GaussianNoise(0.1), 5])


def test_augmentation_through_the_loader_differs_per_epoch():
    x = np.random.default_rng(0).random((8, 1, 6, 6)).astype(np.float32)
    y = np.arange(8, dtype=np.int64)
    aug = TransformDataset(TensorDataset(x, y), Compose([RandomShift(1), GaussianNoise(0.05)]))
    cr.manual_seed(0)
    loader = DataLoader(aug, batch_size=4)
    e1 = np.concatenate([b[0].detach().numpy() for b in loader])
    e2 = np.concatenate([b[0].detach().numpy() for b in loader])
    assert e1.shape == (8, 1, 6, 6) and not np.array_equal(e1, e2)
    np.testing.assert_array_equal(np.concatenate([b[1].detach().numpy() for b in loader]), y)


def _batch(shape=(4, 3, 7, 9), seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=shape).astype(np.uint8)


@pytest.mark.parametrize(
    "make",
    [
        lambda g: RandomShift(2, generator=g),
        lambda g: RandomRotation(30, generator=g),
        lambda g: RandomHorizontalFlip(generator=g),
        lambda g: RandomErasing(p=1.0, generator=g),
        lambda g: RandomCrop(5, padding=1, generator=g),
    ],
)
def test_a_batch_shares_one_draw_as_in_torchvision(make):
    # torchvision applies one set of random parameters to a whole (N, C, H, W) tensor: the batch
    # result equals each image transformed with the same generator state
    batch = _batch().astype(np.float32)
    seen = set()
    for seed in range(6):
        out = make(np.random.default_rng(seed))(batch)
        for i in range(len(batch)):
            np.testing.assert_array_equal(out[i], make(np.random.default_rng(seed))(batch[i]))
        seen.add(out.tobytes())
    assert len(seen) > 1  # the draws differ from seed to seed


def test_normalize_on_a_batch_is_per_channel():
    batch = _batch().astype(np.float32)
    mean, std = [10.0, 20.0, 30.0], [2.0, 4.0, 8.0]
    out = Normalize(mean, std)(batch)
    expected = (batch - np.reshape(mean, (1, 3, 1, 1))) / np.reshape(std, (1, 3, 1, 1))
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    for i in range(len(batch)):
        np.testing.assert_allclose(Normalize(mean, std)(batch[i]), expected[i], rtol=1e-6)
    with pytest.raises(
        ValueError, match=r"mean has 2 entries but the image has 3 channel\(s\) \(shape \(4, 3, 7, 9\)\)"
    ):
        Normalize([0, 0], 1)(batch)


def test_erasing_value_per_channel_on_a_batch():
    batch = np.ones((2, 2, 8, 8), np.float32)
    out = RandomErasing(p=1.0, value=(7, 9), generator=np.random.default_rng(0))(batch)
    assert set(np.unique(out[:, 0])) == {1.0, 7.0} and set(np.unique(out[:, 1])) == {1.0, 9.0}
    np.testing.assert_array_equal(out[0], out[1])


@pytest.mark.parametrize("padding", [1, (1, 2), (2, 0, 1, 3), [2]])
@pytest.mark.parametrize("mode, torch_mode", [("constant", "constant"), ("edge", "replicate"), ("reflect", "reflect")])
def test_pad_matches_torch(padding, mode, torch_mode):
    torch = pytest.importorskip("torch")
    batch = _batch().astype(np.float32)
    if isinstance(padding, int):
        sides = (padding,) * 4
    elif len(padding) == 1:
        sides = tuple(padding) * 4
    elif len(padding) == 2:
        sides = (padding[0], padding[1], padding[0], padding[1])
    else:
        sides = tuple(padding)
    left, top, right, bottom = sides
    kwargs = {"value": 5.0} if mode == "constant" else {}
    expected = torch.nn.functional.pad(torch.from_numpy(batch), (left, right, top, bottom), mode=torch_mode, **kwargs)
    for img in (batch, batch[0], batch[0, 0]):
        out = Pad(padding, fill=5, padding_mode=mode)(img)
        np.testing.assert_array_equal(out, expected.numpy()[(0,) * (4 - img.ndim)])
        assert out.dtype == img.dtype


def test_pad_symmetric_negative_and_limits():
    row = np.array([[1, 2, 3]], np.uint8)
    np.testing.assert_array_equal(Pad((2, 0), padding_mode="symmetric")(row), [[2, 1, 1, 2, 3, 3, 2]])
    np.testing.assert_array_equal(Pad((2, 0), padding_mode="reflect")(row), [[3, 2, 1, 2, 3, 2, 1]])
    np.testing.assert_array_equal(Pad((-1, 0, 1, 0))(row), [[2, 3, 0]])  # negative crops, as torch's F.pad
    assert Pad(2)(cr.tensor(row)).shape == (5, 7)
    with pytest.raises(RuntimeError, match=r"Pad: reflect padding .* needs an image larger than 1x3"):
        Pad((3, 0), padding_mode="reflect")(row)
    with pytest.raises(RuntimeError, match=r"Pad: symmetric padding"):
        Pad((4, 0), padding_mode="symmetric")(row)
    with pytest.raises(ValueError, match="crops away the whole 1x3 image"):
        Pad((-2, 0, -1, 0))(row)


def test_random_crop_with_padding_is_a_window_of_the_padded_image():
    img = _batch((1, 6, 6))
    padded = np.pad(img, ((0, 0), (2, 2), (2, 2)))
    crop = RandomCrop(6, padding=2, generator=np.random.default_rng(0))
    offsets = set()
    for _ in range(200):
        out = crop(img)
        assert out.shape == (1, 6, 6) and out.dtype == np.uint8
        matches = [
            (t, left)
            for t in range(5)
            for left in range(5)
            if np.array_equal(out, padded[:, t : t + 6, left : left + 6])
        ]
        assert matches
        offsets.update(matches)
    assert len(offsets) == 25  # every offset of the 10x10 padded image is drawn


def test_random_crop_sizes_and_pad_if_needed():
    img = _batch((1, 3, 3))
    out = RandomCrop(5, pad_if_needed=True, generator=np.random.default_rng(0))(img)
    # torchvision pads by the shortfall on both sides of the axis, then crops
    padded = np.pad(img, ((0, 0), (2, 2), (2, 2)))
    assert any(np.array_equal(out, padded[:, t : t + 5, left : left + 5]) for t in range(3) for left in range(3))
    assert RandomCrop((3, 2))(img).shape == (1, 3, 2)
    np.testing.assert_array_equal(RandomCrop(3)(img), img)  # full size: the image itself
    with pytest.raises(
        ValueError, match=r"RandomCrop: required crop size \(5, 5\) is larger than input image size \(3, 3\)"
    ):
        RandomCrop(5)(img)
    with pytest.raises(ValueError, match="RandomCrop: size should be a positive int or a"):
        RandomCrop((3, 2, 1))
    with pytest.raises(ValueError, match="RandomCrop: padding must be an int or a 1, 2, or 4 element tuple, not a 3"):
        RandomCrop(3, padding=(1, 2, 3))
    with pytest.raises(ValueError, match="padding mode should be either constant, edge, reflect or symmetric"):
        RandomCrop(3, padding=1, padding_mode="wrap")
    with pytest.raises(TypeError, match="Pad: got inappropriate fill arg"):
        Pad(1, fill="a")
    with pytest.raises(TypeError, match="RandomCrop: expected generator="):
        RandomCrop(3, generator=5)


def test_convert_image_dtype_scales_as_torchvision():
    pixels = np.array([[[0, 128, 255]]], np.uint8)
    np.testing.assert_allclose(ConvertImageDtype(cr.float32)(pixels), pixels / 255.0, rtol=1e-6)
    out = ConvertImageDtype(cr.float32)(cr.tensor(_batch()))
    assert isinstance(out, cr.Tensor) and out.dtype == cr.float32 and out.shape == (4, 3, 7, 9)
    assert 0.0 <= out.numpy().min() and out.numpy().max() <= 1.0
    # [0, 1] onto all 256 levels evenly: 1.0 is 255, 0.5 is 127
    levels = np.array([[0.0, 0.5, 1.0, 1.7, -0.3, np.nan]], np.float32)
    np.testing.assert_array_equal(ConvertImageDtype(cr.uint8)(levels), [[0, 127, 255, 255, 0, 0]])
    np.testing.assert_array_equal(ConvertImageDtype(cr.int16)(pixels), pixels.astype(np.int16) * 128)
    np.testing.assert_array_equal(ConvertImageDtype(cr.uint8)(np.array([[0, 32767]], np.int16)), [[0, 255]])
    assert ConvertImageDtype(cr.float64)(levels).dtype == np.float64
    with pytest.raises(RuntimeError, match="cast from float32 to int32 cannot be performed safely"):
        ConvertImageDtype(cr.int32)(levels)
    with pytest.raises(TypeError, match="ConvertImageDtype: dtype should be a floating or integer dtype"):
        ConvertImageDtype(bool)
