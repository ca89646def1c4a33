"""chainrule.imbalance samplers against imbalanced-learn, plus their defining properties."""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

imblearn_over = pytest.importorskip("imblearn.over_sampling")
imblearn_under = pytest.importorskip("imblearn.under_sampling")

from chainrule import imbalance as ci  # noqa: E402
from chainrule.imbalance import kneighbors  # noqa: E402


def blobs(counts, n_features=3, sep=1.0, seed=0):
    """Overlapping Gaussian blobs: boundary samples exist, so Borderline-SMOTE and ADASYN have work."""
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(sep * i, 1.0, size=(n, n_features)) for i, n in enumerate(counts)])
    y = np.concatenate([np.full(n, i) for i, n in enumerate(counts)])
    order = rng.permutation(len(y))
    return X[order], y[order]


BINARY = blobs([120, 25])
THREE = blobs([100, 40, 15])
THREE_STR = (THREE[0], np.array(["apple", "kiwi", "lime"])[THREE[1]])

OVER = [
    (lambda s: ci.RandomOverSampler(sampling_strategy=s, random_state=0), lambda s: imblearn_over.RandomOverSampler(sampling_strategy=s, random_state=0)),
    (lambda s: ci.SMOTE(sampling_strategy=s, random_state=0), lambda s: imblearn_over.SMOTE(sampling_strategy=s, random_state=0)),
    (lambda s: ci.BorderlineSMOTE(sampling_strategy=s, random_state=0), lambda s: imblearn_over.BorderlineSMOTE(sampling_strategy=s, random_state=0)),
    (
        lambda s: ci.BorderlineSMOTE(sampling_strategy=s, random_state=0, kind="borderline-2"),
        lambda s: imblearn_over.BorderlineSMOTE(sampling_strategy=s, random_state=0, kind="borderline-2"),
    ),
    (lambda s: ci.ADASYN(sampling_strategy=s, random_state=0), lambda s: imblearn_over.ADASYN(sampling_strategy=s, random_state=0)),
    # Our own sampler draws the same counts as random over-sampling.
    (lambda s: ci.GaussianNoiseOverSampler(sampling_strategy=s, random_state=0), lambda s: imblearn_over.RandomOverSampler(sampling_strategy=s, random_state=0)),
]
OVER_IDS = ["ros", "smote", "borderline1", "borderline2", "adasyn", "gaussian"]

UNDER = [
    (lambda s: ci.RandomUnderSampler(sampling_strategy=s, random_state=0), lambda s: imblearn_under.RandomUnderSampler(sampling_strategy=s, random_state=0)),
    (
        lambda s: ci.RandomUnderSampler(sampling_strategy=s, random_state=0, replacement=True),
        lambda s: imblearn_under.RandomUnderSampler(sampling_strategy=s, random_state=0, replacement=True),
    ),
    (lambda s: ci.TomekLinks(sampling_strategy=s), lambda s: imblearn_under.TomekLinks(sampling_strategy=s)),
]
UNDER_IDS = ["rus", "rus-replacement", "tomek"]

STRATEGIES = {
    "binary": (BINARY, ["auto", "minority", "not majority", "not minority", "all", "majority", 0.5, 1.0, 0.1, {0: 120, 1: 60}, {0: 30, 1: 25}, 1.5]),
    "three": (THREE, ["auto", "minority", "not majority", "not minority", "all", "majority", 0.5, {1: 70, 2: 50}, {0: 20}, {2: 10}, {5: 10}, [0, 1], "bogus"]),
    "three-str": (THREE_STR, ["auto", "not minority", {"kiwi": 60, "lime": 30}, {"lime": 10}]),
}


def counts(y):
    labels, n = np.unique(y, return_counts=True)
    return dict(zip(labels.tolist(), n.tolist()))


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
    compare_counts(ci.SMOTE(sampling_strategy=strategy, random_state=0), imblearn_over.SMOTE(sampling_strategy=strategy, random_state=0), X, y)


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
# SMOTE geometry
# --------------------------------------------------------------------------


def brute_force_neighbour_sets(X, k):
    """Neighbours of each row, with every point tied with the k-th included."""
    d = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(d, np.inf)
    kth = np.sort(d, axis=1)[:, k - 1 : k]
    return [np.flatnonzero(row <= kth_i + 1e-12) for row, kth_i in zip(d, kth[:, 0])]


def assert_on_segments(synthetic, X_min, neighbour_sets, tol=1e-9):
    starts = np.concatenate([np.full(len(ns), i) for i, ns in enumerate(neighbour_sets)])
    ends = np.concatenate(neighbour_sets)
    a, b = X_min[starts], X_min[ends]  # (pairs, f)
    ab = b - a
    for s in synthetic:
        # Project s onto every segment; accept if one has t in [0, 1] and no residual.
        denom = np.einsum("ij,ij->i", ab, ab)
        t = np.einsum("ij,ij->i", s - a, ab) / np.where(denom > 0, denom, 1.0)
        residual = np.linalg.norm(a + t[:, None] * ab - s, axis=1)
        scale = 1.0 + np.abs(s).max()
        ok = (t >= -tol) & (t <= 1 + tol) & (residual <= tol * scale)
        assert ok.any(), f"synthetic row {s} is on no (sample, neighbour) segment"


@st.composite
def minority_problems(draw):
    n_features = draw(st.integers(1, 4))
    n_min = draw(st.integers(3, 12))
    n_maj = draw(st.integers(n_min + 1, 30))
    coords = st.floats(-50, 50, allow_nan=False, allow_infinity=False, width=64)
    X_min = np.array(draw(st.lists(st.lists(coords, min_size=n_features, max_size=n_features), min_size=n_min, max_size=n_min, unique_by=tuple)))
    X_maj = np.array(draw(st.lists(st.lists(coords, min_size=n_features, max_size=n_features), min_size=n_maj, max_size=n_maj)))
    k = draw(st.integers(1, n_min - 1))
    seed = draw(st.integers(0, 2**32 - 1))
    return X_min, X_maj, k, seed


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=minority_problems())
def test_every_smote_sample_lies_on_a_minority_segment(problem):
    X_min, X_maj, k, seed = problem
    X = np.concatenate([X_maj, X_min])
    y = np.r_[np.zeros(len(X_maj), int), np.ones(len(X_min), int)]
    X_res, y_res = ci.SMOTE(k_neighbors=k, random_state=seed).fit_resample(X, y)
    np.testing.assert_array_equal(X_res[: len(X)], X)  # originals first, untouched
    synthetic = X_res[len(X) :]
    assert (y_res[len(X) :] == 1).all()
    assert_on_segments(synthetic, X_min, brute_force_neighbour_sets(X_min, k))


def test_adasyn_and_borderline1_samples_lie_on_minority_segments():
    X, y = blobs([150, 30], n_features=2, seed=3)
    X_min = X[y == 1]
    for sampler in (ci.ADASYN(n_neighbors=4, random_state=1), ci.BorderlineSMOTE(k_neighbors=4, random_state=1)):
        X_res, y_res = sampler.fit_resample(X, y)
        assert_on_segments(X_res[len(X) :], X_min, brute_force_neighbour_sets(X_min, 4))


# --------------------------------------------------------------------------
# Other sampler properties
# --------------------------------------------------------------------------


@pytest.mark.parametrize("sampler", [ci.RandomUnderSampler(random_state=0), ci.RandomUnderSampler(random_state=0, replacement=True), ci.TomekLinks()])
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


# --------------------------------------------------------------------------
# Nearest neighbours
# --------------------------------------------------------------------------


def test_kneighbors_matches_brute_force_with_blocking():
    rng = np.random.default_rng(0)
    ref = rng.normal(size=(300, 5))
    query = rng.normal(size=(77, 5))
    d = ((query[:, None] - ref[None]) ** 2).sum(-1)
    for k in (1, 6, 12, 300):  # small-k argmin path, argpartition path, all points
        idx, dist = kneighbors(ref, k, query=query, return_distance=True, block_rows=16)
        np.testing.assert_array_equal(idx, np.argsort(d, axis=1, kind="stable")[:, :k])
        np.testing.assert_allclose(dist, np.sqrt(np.sort(d, axis=1)[:, :k]), rtol=1e-12)


def test_kneighbors_excludes_self_matches():
    rng = np.random.default_rng(1)
    ref = rng.normal(size=(200, 3))
    d = ((ref[:, None] - ref[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    expected = np.argsort(d, axis=1, kind="stable")[:, :10]
    np.testing.assert_array_equal(kneighbors(ref, 10, block_rows=7), expected)
    subset = np.array([5, 17, 199])
    np.testing.assert_array_equal(kneighbors(ref, 10, query_indices=subset), expected[subset])
    with pytest.raises(ValueError, match="n_neighbors"):
        kneighbors(ref, 200)


def test_kneighbors_duplicate_points_are_neighbours_but_not_self():
    ref = np.array([[0.0, 0.0], [0.0, 0.0], [5.0, 5.0]])
    np.testing.assert_array_equal(kneighbors(ref, 1)[:, 0], [1, 0, 0])


def test_kneighbors_default_block_bounds_memory():
    from chainrule.imbalance import neighbors

    ref = np.zeros((100_000, 1))
    # 100,000 references: each block's float64 distance matrix fits the budget.
    rows = max(1, min(neighbors.MAX_BLOCK_ROWS, neighbors.DEFAULT_WORKING_MEMORY // (8 * len(ref))))
    assert rows * len(ref) * 8 <= neighbors.DEFAULT_WORKING_MEMORY
    assert rows >= 100


# --------------------------------------------------------------------------
# Leak-safe evaluation
# --------------------------------------------------------------------------


class OneNearestNeighbour:
    def __init__(self, X, y):
        self.X, self.y = np.asarray(X, dtype=np.float64), np.asarray(y)

    def predict(self, X):
        return self.y[kneighbors(self.X, 1, query=np.asarray(X))[:, 0]]


def test_resampled_split_refuses_to_resample_the_test_part():
    X, y = THREE
    split = ci.resampled_train_test_split(X, y, ci.SMOTE(random_state=0), test_size=0.25, random_state=0)
    X_tr, y_tr, X_te, y_te = split
    assert len(set(split.train_indices) & set(split.test_indices)) == 0
    assert len(split.train_indices) + len(split.test_indices) == len(y)
    np.testing.assert_array_equal(np.asarray(X_te), X[split.test_indices])
    assert len(set(counts(y_tr).values())) == 1  # training part balanced
    assert counts(y_te) == counts(y[split.test_indices])  # test part untouched
    for sampler in (ci.SMOTE(), ci.RandomOverSampler(), ci.RandomUnderSampler(), ci.TomekLinks()):
        with pytest.raises(ValueError, match="evaluation split"):
            sampler.fit_resample(X_te, y_te)
        with pytest.raises(ValueError, match="evaluation split"):
            sampler.fit_resample(X_te[:20], y_te[:20])  # slices keep the marker
    with pytest.raises(ValueError, match="evaluation split"):
        ci.resample_train_only(ci.SMOTE(), X_te, y_te)
    with pytest.raises(ValueError):
        X_te[0, 0] = 1.0  # read-only
    # Arithmetic on evaluation data gives plain arrays.
    assert type(X_te * 2) is np.ndarray


def test_imb_pipeline_resamples_only_in_fit():
    X, y = blobs([200, 20], n_features=2, sep=1.5, seed=2)

    calls = []

    class CountingSMOTE(ci.SMOTE):
        def fit_resample(self, X, y):
            calls.append(len(y))
            return super().fit_resample(X, y)

    pipe = ci.ImbPipeline(CountingSMOTE(random_state=0), OneNearestNeighbour)
    with pytest.raises(ValueError, match="not fitted"):
        pipe.predict(X)
    pipe.fit(X[:150], y[:150])
    assert calls == [150]
    assert len(set(pipe.train_class_counts_.values())) == 1
    pred = pipe.predict(X[150:])
    assert calls == [150] and pred.shape == (70,)
    assert 0 <= pipe.score(X[150:], y[150:]) <= 1
    scores = ci.cross_val_score_resampled(pipe, X, y, n_splits=4, random_state=0)
    assert scores.shape == (4,) and calls[1:] == [165, 165, 165, 165]


def test_resampling_before_split_inflates_scores():
    # The documented failure: over-sample, then split -> duplicates of test
    # points sit in the training set and a 1-NN looks perfect on them.
    from chainrule.metrics import recall_score

    X, y = blobs([400, 40], n_features=2, sep=0.5, seed=4)
    X_leak, y_leak = ci.RandomOverSampler(random_state=0).fit_resample(X, y)
    tr, te = ci.stratified_train_test_indices(y_leak, test_size=0.3, random_state=0)
    leaky = recall_score(y_leak[te], OneNearestNeighbour(X_leak[tr], y_leak[tr]).predict(X_leak[te]))
    honest = ci.cross_val_score_resampled(
        ci.ImbPipeline(ci.RandomOverSampler(random_state=0), OneNearestNeighbour), X, y, metric=recall_score, n_splits=3, random_state=0
    ).mean()
    assert leaky > 0.9 > honest + 0.3


def test_stratified_splits():
    y = np.r_[np.zeros(90, int), np.ones(10, int)]
    tr, te = ci.stratified_train_test_indices(y, test_size=0.2, random_state=0)
    assert counts(y[te]) == {0: 18, 1: 2}
    folds = list(ci.stratified_kfold(y, 5, random_state=0))
    assert all(counts(y[test]) == {0: 18, 1: 2} for _, test in folds)
    assert np.array_equal(np.sort(np.concatenate([test for _, test in folds])), np.arange(100))
    with pytest.warns(UserWarning, match="least populated"):
        list(ci.stratified_kfold(np.r_[np.zeros(20, int), np.ones(2, int)], 3))
