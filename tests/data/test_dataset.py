"""Datasets and random_split, checked against torch.utils.data where a twin exists."""

import warnings

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import chainrule as cr
from chainrule.data import ConcatDataset, Dataset, Subset, TensorDataset, TransformDataset, random_split


def _xy(n=10):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int64) % 3
    return x, y


def test_tensor_dataset_matches_torch():
    x, y = _xy()
    ours = TensorDataset(cr.tensor(x), cr.tensor(y))
    theirs = tud.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    assert len(ours) == len(theirs) == 10
    for i in (0, 3, 9, -1, -10):
        xi, yi = ours[i]
        tx, ty = theirs[i]
        assert isinstance(xi, cr.Tensor) and isinstance(yi, cr.Tensor)
        np.testing.assert_array_equal(xi.detach().numpy(), tx.numpy())
        assert int(yi.detach().numpy()) == int(ty)
        assert xi.dtype == np.float32 and yi.dtype == np.int64


def test_tensor_dataset_accepts_numpy_and_keeps_dtype():
    x, y = _xy()
    ds = TensorDataset(x.astype(np.float64), y)
    assert ds.tensors[0].dtype == np.float64 and ds.tensors[1].dtype == np.int64


def test_tensor_dataset_errors():
    x, y = _xy()
    with pytest.raises(ValueError, match=r"TensorDataset: size mismatch.*\(10, 3\).*\(9,\)"):
        TensorDataset(x, y[:9])
    with pytest.raises(ValueError, match="0-d"):
        TensorDataset(np.float32(1.0))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    ds = TensorDataset(x, y)
    with pytest.raises(IndexError, match="index 10 is out of range for a dataset of length 10"):
        ds[10]
    with pytest.raises(TypeError, match="index must be an integer"):
        ds[1.5]
    # IndexError ends plain iteration, as for any Python sequence.
    assert len(list(iter(ds))) == 10


def test_subset_and_concat_match_torch():
    x, y = _xy(6)
    a = TensorDataset(x, y)
    b = TensorDataset(x + 100, y)
    ta = tud.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    tb = tud.TensorDataset(torch.from_numpy(x + 100), torch.from_numpy(y))
    cat, tcat = ConcatDataset([a, b]), tud.ConcatDataset([ta, tb])
    assert len(cat) == len(tcat) == 12
    assert cat.cumulative_sizes == tcat.cumulative_sizes
    for i in range(-12, 12):
        np.testing.assert_array_equal(cat[i][0].detach().numpy(), tcat[i][0].numpy())
    with pytest.raises(IndexError):
        cat[12]
    plus = a + b
    assert isinstance(plus, ConcatDataset) and len(plus) == 12

    sub, tsub = Subset(a, [4, 0, 2]), tud.Subset(ta, [4, 0, 2])
    assert len(sub) == len(tsub) == 3
    for i in range(3):
        np.testing.assert_array_equal(sub[i][0].detach().numpy(), tsub[i][0].numpy())
    np.testing.assert_array_equal(sub[-1][0].detach().numpy(), x[2])
    with pytest.raises(ValueError, match="empty"):
        ConcatDataset([])


class _Squares(Dataset):
    def __len__(self):
        return 5

    def __getitem__(self, i):
        if not 0 <= i < 5:
            raise IndexError(i)
        return i * i


def test_custom_dataset_and_base_class():
    ds = _Squares()
    assert [ds[i] for i in range(5)] == [0, 1, 4, 9, 16]
    with pytest.raises(NotImplementedError):
        Dataset()[0]


@pytest.mark.parametrize(
    "n, lengths",
    [
        (10, [3, 7]),
        (11, [0.8, 0.2]),
        (10, [0.33, 0.33, 0.34]),
        (7, [0.5, 0.5]),
        (5, [1]),
        (3, [0.1, 0.1, 0.8]),
        (100, [0.25, 0.25, 0.25, 0.25]),
        (13, [0.7, 0.2, 0.1]),
    ],
)
def test_random_split_sizes_match_torch(n, lengths):
    ds = TensorDataset(np.arange(n, dtype=np.int64))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = random_split(ds, lengths, generator=np.random.default_rng(0))
        theirs = tud.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    seen = sorted(i for s in ours for i in s.indices)
    assert seen == list(range(n))  # disjoint and covering


def test_random_split_is_seeded_and_random():
    ds = TensorDataset(np.arange(50, dtype=np.int64))
    a = random_split(ds, [0.5, 0.5], generator=np.random.default_rng(3))
    b = random_split(ds, [0.5, 0.5], generator=np.random.default_rng(3))
    c = random_split(ds, [0.5, 0.5], generator=np.random.default_rng(4))
    assert a[0].indices == b[0].indices
    assert a[0].indices != c[0].indices
    assert a[0].indices != list(range(25))
    cr.manual_seed(7)
    d = random_split(ds, [25, 25])
    cr.manual_seed(7)
    e = random_split(ds, [25, 25])
    assert d[1].indices == e[1].indices


def test_random_split_errors_and_warning():
    ds = TensorDataset(np.arange(10, dtype=np.int64))
    with pytest.raises(ValueError, match=r"random_split: sum of input lengths \(9\) does not equal.*\(10\)"):
        random_split(ds, [4, 5])
    with pytest.raises(ValueError, match="fraction at index 2 is not between 0 and 1"):
        random_split(ds, [0.6, 0.5, -0.1])
    with pytest.raises(ValueError, match="neither integers"):
        random_split(ds, [0.5, 0.2])
    with pytest.raises(TypeError, match="lengths must be numbers"):
        random_split(ds, ["a", 5])
    with pytest.warns(UserWarning, match="index 1 is 0"):
        random_split(TensorDataset(np.arange(2)), [0.99, 0.01])


def test_transform_dataset():
    x, y = _xy(4)
    ds = TransformDataset(
        TensorDataset(x, y),
        transform=lambda t: t.detach().numpy() * 2,
        target_transform=lambda t: int(t.detach().numpy()) + 10,
    )
    xi, yi = ds[1]
    np.testing.assert_array_equal(xi, x[1] * 2)
    assert yi == int(y[1]) + 10
    assert len(ds) == 4
    plain = TransformDataset(_Squares(), transform=lambda v: -v)
    assert plain[3] == -9
    with pytest.raises(TypeError, match="transform must be callable"):
        TransformDataset(_Squares(), transform=3)
