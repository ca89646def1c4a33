"""Shared by tests/metrics: call a chainrule metric and its scikit-learn twin on the same input.

Hypothesis draws small label/score arrays: few classes so that classes go
missing from y_pred or y_true, scores from a tiny set of values so that ties
are common, optional sample weights.  Counts must match exactly and floats
to 1e-12; wherever scikit-learn raises ValueError, so must we.
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck
from hypothesis import strategies as st

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOL = 1e-12


# --------------------------------------------------------------------------
# comparison helpers
# --------------------------------------------------------------------------


def assert_same(got, expected, path="result"):
    """Exact for integer counts, 1e-12 for floats, NaN == NaN."""
    if isinstance(expected, dict):
        assert isinstance(got, dict), path
        assert list(got) == list(expected), f"{path}: keys {list(got)} != {list(expected)}"
        for key in expected:
            assert_same(got[key], expected[key], f"{path}[{key!r}]")
    elif isinstance(expected, (tuple, list)):
        assert len(got) == len(expected), path
        for i, (g, e) in enumerate(zip(got, expected)):
            assert_same(g, e, f"{path}[{i}]")
    elif isinstance(expected, str):
        assert got == expected, f"{path}:\n{got}\n!=\n{expected}"
    elif expected is None:
        assert got is None, path
    elif isinstance(expected, np.ndarray):
        got = np.asarray(got)
        assert got.shape == expected.shape, f"{path}: shape {got.shape} != {expected.shape}"
        if expected.dtype.kind in "iub":
            assert got.dtype.kind in "iub", f"{path}: dtype {got.dtype} vs {expected.dtype}"
            np.testing.assert_array_equal(got, expected, err_msg=path)
        else:
            np.testing.assert_allclose(got, expected, rtol=0, atol=TOL, equal_nan=True, err_msg=path)
    else:
        e = float(expected)
        g = float(got)
        if math.isnan(e):
            assert math.isnan(g), f"{path}: {g} != nan"
        elif math.isinf(e):
            assert g == e, f"{path}: {g!r} != {e!r}"
        else:
            assert abs(g - e) <= TOL, f"{path}: {g!r} != {e!r}"


def check_same(ours, theirs, *args, **kwargs):
    """Call both; they must agree, or both raise (ValueError where sklearn does)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            expected = theirs(*args, **kwargs)
        except ValueError:
            with pytest.raises(ValueError):
                ours(*args, **kwargs)
            return None
        except NotImplementedError:
            with pytest.raises(NotImplementedError):
                ours(*args, **kwargs)
            return None
        except ZeroDivisionError:
            # scikit-learn's own crash on a degenerate input (roc_auc_score, ovo, 'weighted', one
            # class present): we must refuse it with a clear ValueError instead.
            with pytest.raises(ValueError, match="only one class"):
                ours(*args, **kwargs)
            return None
        got = ours(*args, **kwargs)
    assert_same(got, expected)
    return got


# --------------------------------------------------------------------------
# strategies
# --------------------------------------------------------------------------

STRING_NAMES = np.array(["ant", "bird", "cat", "dog"])
ZERO_DIVISIONS = ["warn", 0, 1.0, np.nan]


@st.composite
def label_pairs(draw, max_classes=4, allow_strings=True):
    n = draw(st.integers(1, 30))
    n_classes = draw(st.integers(2, max_classes))
    y_true = np.array(draw(st.lists(st.integers(0, n_classes - 1), min_size=n, max_size=n)))
    y_pred = np.array(draw(st.lists(st.integers(0, n_classes - 1), min_size=n, max_size=n)))
    if allow_strings and draw(st.booleans()):
        y_true, y_pred = STRING_NAMES[y_true], STRING_NAMES[y_pred]
    weights = draw(
        st.one_of(
            st.none(),
            st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.25]), min_size=n, max_size=n).map(np.array),
            st.lists(st.integers(0, 3), min_size=n, max_size=n).map(np.array),
        )
    )
    return y_true, y_pred, weights


@st.composite
def binary_scores(draw):
    n = draw(st.integers(1, 40))
    y_true = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    # A tiny pool of score values makes ties the rule rather than the exception.
    pool = draw(st.sampled_from([[0.1, 0.5, 0.9], [0.0, 0.25, 0.5, 0.75, 1.0], list(np.linspace(0, 1, 11)), [0.3]]))
    y_score = np.array(draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n)))
    weights = draw(
        st.one_of(st.none(), st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0]), min_size=n, max_size=n).map(np.array))
    )
    labels = draw(st.sampled_from(["01", "pm1", "str"]))
    if labels == "pm1":
        y_true = 2 * y_true - 1
    elif labels == "str":
        y_true = np.array(["neg", "pos"])[y_true]
    return y_true, y_score, weights


@st.composite
def multiclass_probas(draw):
    n = draw(st.integers(3, 40))
    n_classes = draw(st.integers(3, 4))
    y_true = np.array(draw(st.lists(st.integers(0, n_classes - 1), min_size=n, max_size=n)))
    raw = np.array(
        draw(
            st.lists(
                st.lists(st.sampled_from([1, 2, 3, 4]), min_size=n_classes, max_size=n_classes), min_size=n, max_size=n
            )
        ),
        dtype=np.float64,
    )
    proba = raw / raw.sum(axis=1, keepdims=True)
    weights = draw(
        st.one_of(st.none(), st.lists(st.sampled_from([0.5, 1.0, 2.0]), min_size=n, max_size=n).map(np.array))
    )
    return y_true, proba, weights
