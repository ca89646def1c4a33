"""chainrule.imbalance resamplers against imbalanced-learn, plus their defining properties."""

import warnings

import numpy as np
import pytest

imblearn_over = pytest.importorskip("imblearn.over_sampling")
imblearn_under = pytest.importorskip("imblearn.under_sampling")

from imbalanced_blobs import BINARY, THREE, THREE_STR, blobs, counts  # noqa: E402

import chainrule as cr  # noqa: E402
from chainrule import imbalance as ci  # noqa: E402

OVER = [
    (
        lambda s: ci.RandomOverSampler(sampling_strategy=s, random_state=0),
        lambda s: imblearn_over.RandomOverSampler(sampling_strategy=s, random_state=0),
    ),
    (
        lambda s: ci.SMOTE(sampling_strategy=s, random_state=0),
        lambda s: imblearn_over.SMOTE(sampling_strategy=s, random_state=0),
    ),
    (
        lambda s: ci.BorderlineSMOTE(sampling_strategy=s, random_state=0),
        lambda s: imblearn_over.BorderlineSMOTE(sampling_strategy=s, random_state=0),
    ),
    (
        lambda s: ci.BorderlineSMOTE(sampling_strategy=s, random_state=0, kind="borderline-2"),
        lambda s: imblearn_over.BorderlineSMOTE(sampling_strategy=s, random_state=0, kind="borderline-2"),
    ),
    (
        lambda s: ci.ADASYN(sampling_strategy=s, random_state=0),
        lambda s: imblearn_over.ADASYN(sampling_strategy=s, random_state=0),
    ),
    # Our own sampler draws the same counts as random over-sampling.
    (
        lambda s: ci.GaussianNoiseOverSampler(sampling_strategy=s, random_state=0),
        lambda s: imblearn_over.RandomOverSampler(sampling_strategy=s, random_state=0),
    ),
]
OVER_IDS = ["ros", "smote", "borderline1", "borderline2", "adasyn", "gaussian"]

UNDER = [
    (
        lambda s: ci.RandomUnderSampler(sampling_strategy=s, random_state=0),
        lambda s: imblearn_under.RandomUnderSampler(sampling_strategy=s, random_state=0),
    ),
    (
        lambda s: ci.RandomUnderSampler(sampling_strategy=s, random_state=0, replacement=True),
        lambda s: imblearn_under.RandomUnderSampler(sampling_strategy=s, random_state=0, replacement=True),
    ),
    (lambda s: ci.TomekLinks(sampling_strategy=s), lambda s: imblearn_under.TomekLinks(sampling_strategy=s)),
]
UNDER_IDS = ["rus", "rus-replacement", "tomek"]

STRATEGIES = {
    "binary": (
        BINARY,
        [
            "auto",
            "minority",
            "not majority",
            "not minority",
            "all",
            "majority",
            0.5,
            1.0,
            0.1,
            {0: 120, 1: 60},
            {0: 30, 1: 25},
            1.5,
        ],
    ),
    "three": (
        THREE,
        [
            "auto",
            "minority",
            "not majority",
            "not minority",
            "all",
            "majority",
            0.5,
            {1: 70, 2: 50},
            {0: 20},
            {2: 10},
            {5: 10},
            [0, 1],
            "bogus",
        ],
    ),
    "three-str": (THREE_STR, ["auto", "not minority", {"kiwi": 60, "lime": 30}, {"lime": 10}]),
}


def compare_counts(ours, theirs, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            _, y_exp = theirs.fit_resample(X, y)
        except (ValueError, TypeError) as exc:
            # imblearn's parameter validation raises InvalidParameterError (a
            # ValueError and a TypeError); ours must raise ValueError.
            with pytest.raises(ValueError):
                ours.fit_resample(X, y)
            return exc
    X_res, y_res = ours.fit_resample(X, y)
    assert counts(y_res) == counts(y_exp)
    assert X_res.shape == (len(y_exp), X.shape[1])
    return None


@pytest.mark.parametrize("data", list(STRATEGIES), ids=list(STRATEGIES))
@pytest.mark.parametrize("make", OVER, ids=OVER_IDS)
def test_over_sampler_counts_match_imblearn(make, data):
    (X, y), strategies = STRATEGIES[data]
    ours, theirs = make
    for strategy in strategies:
        compare_counts(ours(strategy), theirs(strategy), X, y)


@pytest.mark.parametrize("data", list(STRATEGIES), ids=list(STRATEGIES))
@pytest.mark.parametrize("make", UNDER, ids=UNDER_IDS)
def test_under_sampler_counts_match_imblearn(make, data):
    (X, y), strategies = STRATEGIES[data]
    ours, theirs = make
    for strategy in strategies:
        compare_counts(ours(strategy), theirs(strategy), X, y)


def test_callable_strategy():
    X, y = THREE
    strategy = lambda y: {1: 60, 2: 60}  # noqa: E731
    compare_counts(
        ci.SMOTE(sampling_strategy=strategy, random_state=0),
        imblearn_over.SMOTE(sampling_strategy=strategy, random_state=0),
        X,
        y,
    )


@pytest.mark.parametrize(
    "sampler,imb",
    [
        (ci.SMOTE(k_neighbors=30), imblearn_over.SMOTE(k_neighbors=30)),
        (ci.ADASYN(n_neighbors=30), imblearn_over.ADASYN(n_neighbors=30)),
        (ci.BorderlineSMOTE(k_neighbors=30), imblearn_over.BorderlineSMOTE(k_neighbors=30)),
        (ci.SMOTE(k_neighbors=0), imblearn_over.SMOTE(k_neighbors=0)),
        (ci.BorderlineSMOTE(kind="borderline-3"), imblearn_over.BorderlineSMOTE(kind="borderline-3")),
        (ci.RandomOverSampler(shrinkage=-1.0), imblearn_over.RandomOverSampler(shrinkage=-1.0)),
        (ci.RandomOverSampler(shrinkage={0: 1.0}), imblearn_over.RandomOverSampler(shrinkage={0: 1.0})),
    ],
    ids=["smote-k", "adasyn-k", "borderline-k", "smote-k0", "borderline-kind", "shrink-neg", "shrink-missing"],
)
def test_invalid_parameters_raise_like_imblearn(sampler, imb):
    X, y = BINARY
    y = y.copy()
    y[np.flatnonzero(y == 1)[20:]] = 0  # leaves 20 minority samples
    assert compare_counts(sampler, imb, X, y) is not None


def test_input_errors():
    X, y = BINARY
    smote = ci.SMOTE()
    with pytest.raises(ValueError, match="2D"):
        smote.fit_resample(X[:, 0], y)
    with pytest.raises(ValueError, match="inconsistent"):
        smote.fit_resample(X, y[:-1])
    with pytest.raises(ValueError, match="continuous"):
        smote.fit_resample(X, y + 0.5)
    with pytest.raises(ValueError, match="more than 1 class"):
        smote.fit_resample(X, np.zeros_like(y))
    with pytest.raises(ValueError, match="NaN"):
        smote.fit_resample(np.where(X > 2, np.nan, X), y)
    with pytest.raises(ValueError, match="random_state"):
        ci.SMOTE(random_state="seed").fit_resample(X, y)


# --------------------------------------------------------------------------
# Other sampler properties
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sampler",
    [ci.RandomUnderSampler(random_state=0), ci.RandomUnderSampler(random_state=0, replacement=True), ci.TomekLinks()],
)
def test_under_sampling_keeps_only_original_rows(sampler):
    X, y = THREE
    X_res, y_res = sampler.fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X[sampler.sample_indices_])
    np.testing.assert_array_equal(y_res, y[sampler.sample_indices_])
    original = {tuple(row) for row in X}
    assert all(tuple(row) in original for row in X_res)


def test_tomek_links_match_imblearn_exactly():
    X, y = blobs([80, 30], n_features=2, sep=0.8, seed=5)
    ours = ci.TomekLinks().fit_resample(X, y)
    theirs = imblearn_under.TomekLinks().fit_resample(X, y)
    np.testing.assert_array_equal(ours[0], theirs[0])
    np.testing.assert_array_equal(ours[1], theirs[1])


def test_random_over_sampler_without_shrinkage_duplicates_rows():
    X, y = THREE
    ros = ci.RandomOverSampler(random_state=0)
    X_res, y_res = ros.fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X[ros.sample_indices_])
    np.testing.assert_array_equal(y_res, y[ros.sample_indices_])


def test_random_over_sampler_accepts_non_numeric_features():
    X = np.array([["a", "x"], ["b", "y"], ["c", "z"], ["d", "w"]], dtype=object)
    y = np.array([0, 0, 0, 1])
    X_res, y_res = ci.RandomOverSampler(random_state=0).fit_resample(X, y)
    assert counts(y_res) == {0: 3, 1: 3}
    assert (X_res[y_res == 1] == X[3]).all()


def _noise(sampler, X, y):
    X_res, _ = sampler.fit_resample(X, y)
    n = len(X)
    return X_res[n:] - X[sampler.sample_indices_[n:]]


def test_shrinkage_noise_has_documented_scale():
    rng = np.random.default_rng(0)
    n_maj, n_min, n_features = 20_000, 500, 3
    scales = np.array([0.5, 2.0, 10.0])
    X = np.concatenate([rng.normal(0, 1, (n_maj, n_features)), rng.normal(5, scales, (n_min, n_features))])
    y = np.r_[np.zeros(n_maj, int), np.ones(n_min, int)]
    shrinkage = 1.7
    noise = _noise(ci.RandomOverSampler(random_state=0, shrinkage=shrinkage), X, y)
    h = (4 / ((n_features + 2) * len(X))) ** (1 / (n_features + 4))
    expected = shrinkage * h * X[y == 1].std(axis=0)
    np.testing.assert_allclose(noise.std(axis=0), expected, rtol=0.03)
    np.testing.assert_allclose(noise.mean(axis=0), 0, atol=4 * expected.max() / np.sqrt(len(noise)))
    # Per-class dict form, and 0 shrinkage gives exact duplicates.
    assert np.abs(_noise(ci.RandomOverSampler(random_state=0, shrinkage={1: 0.0}), X, y)).max() == 0


def test_gaussian_noise_over_sampler_scale():
    rng = np.random.default_rng(1)
    X = np.concatenate([rng.normal(0, 1, (20_000, 2)), rng.normal(0, [1.0, 4.0], (300, 2))])
    y = np.r_[np.zeros(20_000, int), np.ones(300, int)]
    noise = _noise(ci.GaussianNoiseOverSampler(random_state=0, noise_std=0.2), X, y)
    np.testing.assert_allclose(noise.std(axis=0), 0.2 * X[y == 1].std(axis=0), rtol=0.03)
    with pytest.raises(ValueError, match="noise_std"):
        ci.GaussianNoiseOverSampler(noise_std=-1).fit_resample(X, y)


ALL_SAMPLERS = {
    "ros": lambda rs: ci.RandomOverSampler(random_state=rs),
    "ros-shrink": lambda rs: ci.RandomOverSampler(random_state=rs, shrinkage=1.0),
    "gaussian": lambda rs: ci.GaussianNoiseOverSampler(random_state=rs),
    "rus": lambda rs: ci.RandomUnderSampler(random_state=rs),
    "smote": lambda rs: ci.SMOTE(random_state=rs),
    "borderline1": lambda rs: ci.BorderlineSMOTE(random_state=rs),
    "borderline2": lambda rs: ci.BorderlineSMOTE(random_state=rs, kind="borderline-2"),
    "adasyn": lambda rs: ci.ADASYN(random_state=rs),
}


@pytest.mark.parametrize("name", list(ALL_SAMPLERS))
def test_same_random_state_same_output(name):
    X, y = THREE
    make = ALL_SAMPLERS[name]
    a = make(42).fit_resample(X, y)
    b = make(42).fit_resample(X, y)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    c = make(43).fit_resample(X, y)
    assert not np.array_equal(a[0], c[0])
    # Generators and legacy RandomState objects are accepted and reproducible too.
    g1 = make(np.random.default_rng(7)).fit_resample(X, y)
    g2 = make(np.random.default_rng(7)).fit_resample(X, y)
    np.testing.assert_array_equal(g1[0], g2[0])
    r1 = make(np.random.RandomState(7)).fit_resample(X, y)
    r2 = make(np.random.RandomState(7)).fit_resample(X, y)
    np.testing.assert_array_equal(r1[0], r2[0])


def test_output_dtypes():
    X, y = BINARY
    X32 = X.astype(np.float32)
    assert ci.SMOTE(random_state=0).fit_resample(X32, y)[0].dtype == np.float32
    X_int = np.round(X * 10).astype(np.int64)
    X_res, y_res = ci.SMOTE(random_state=0).fit_resample(X_int, y)
    assert X_res.dtype == np.float64  # interpolations are not truncated back to integers
    assert y_res.dtype == y.dtype


@pytest.mark.parametrize("name", list(ALL_SAMPLERS))
def test_random_state_none_is_the_default_generator(name):
    # None means chainrule's default generator here as everywhere, so manual_seed reproduces it.
    X, y = THREE
    make = ALL_SAMPLERS[name]
    cr.manual_seed(11)
    a = make(None).fit_resample(X, y)
    b = make(None).fit_resample(X, y)
    cr.manual_seed(11)
    again = make(None).fit_resample(X, y)
    np.testing.assert_array_equal(a[0], again[0])
    assert not np.array_equal(a[0], b[0])  # each call draws on from the stream
    with pytest.raises(ValueError, match="non-negative"):
        make(-1).fit_resample(X, y)
