"""The long-range sequence tasks: the structure each docstring promises, the stated baselines
(checked statistically, with tolerances derived from the sampling error), deterministic reads,
DataLoader batches, and argument errors."""

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
import chainrule.functional as F
from chainrule.data import AddingProblem, CopyTask, DataLoader, FirstTokenClassification, default_collate


def as_numpy(dataset):
    """All of a dataset as NumPy arrays, through the DataLoader's batched path."""
    columns = list(zip(*DataLoader(dataset, batch_size=1000)))
    return [np.concatenate([t.numpy() for t in column]) for column in columns]


# ---------------------------------------------------------------------------- adding problem
def test_adding_problem_structure_one_marker_per_half_and_target_is_their_sum():
    seq_len = 11  # odd: halves [0, 5) and [5, 11)
    x, y = as_numpy(AddingProblem(seq_len, num_samples=500, seed=3))
    assert x.shape == (500, seq_len, 2) and x.dtype == np.float32
    assert y.shape == (500, 1) and y.dtype == np.float32
    values, markers = x[..., 0], x[..., 1]
    assert values.min() >= 0.0 and values.max() < 1.0
    assert set(np.unique(markers)) == {0.0, 1.0}
    np.testing.assert_array_equal(markers[:, :5].sum(axis=1), 1)
    np.testing.assert_array_equal(markers[:, 5:].sum(axis=1), 1)
    np.testing.assert_array_equal(y[:, 0], (values * markers).sum(axis=1, dtype=np.float32))
    # Every position of each half gets marked at some point: the markers are not pinned.
    assert (markers.sum(axis=0) > 0).all()


def test_adding_problem_predicting_one_gives_mse_one_sixth():
    n = 10_000
    x, y = as_numpy(AddingProblem(50, num_samples=n, seed=0))
    squared = (y[:, 0].astype(np.float64) - 1.0) ** 2
    # y - 1 is the sum of two U(-1/2, 1/2): E[(y-1)^2] = 1/6 and E[(y-1)^4] = 1/15, so the
    # standard error of the mean squared error is sqrt((1/15 - 1/36) / n).
    standard_error = math.sqrt((1 / 15 - 1 / 36) / n)
    assert abs(squared.mean() - 1 / 6) < 5 * standard_error
    assert AddingProblem.baseline_mse == pytest.approx(1 / 6)
    assert abs(y.mean() - 1.0) < 5 * math.sqrt(1 / 6 / n)  # 1 is the best constant: the mean
    # The baseline through chainrule's own loss, as a training script would measure it.
    loss = F.mse_loss(cr.ones(n, 1), cr.tensor(y))
    assert loss.item() == pytest.approx(squared.mean(), rel=1e-5)


# ---------------------------------------------------------------------------- copy task
def test_copy_task_structure():
    task = CopyTask(copy_length=4, delay=6, num_symbols=5, num_samples=300, seed=1)
    assert task.seq_len == 14 and task.input_size == 7 and task.num_classes == 6
    x, y = as_numpy(task)
    assert x.shape == (300, 14, 7) and x.dtype == np.float32 and y.shape == (300, 14) and y.dtype == np.int64
    np.testing.assert_array_equal(x.sum(axis=2), 1)  # one-hot
    tokens = x.argmax(axis=2)
    symbols = tokens[:, :4]
    assert symbols.min() >= 1 and symbols.max() <= 5
    np.testing.assert_array_equal(tokens[:, 4:9], 0)  # delay - 1 blanks
    np.testing.assert_array_equal(tokens[:, 9], 6)  # the delimiter
    np.testing.assert_array_equal(tokens[:, 10:], 0)
    np.testing.assert_array_equal(y[:, :10], 0)
    np.testing.assert_array_equal(y[:, 10:], symbols)
    ids, targets = as_numpy(CopyTask(copy_length=4, delay=6, num_symbols=5, num_samples=300, one_hot=False, seed=1))
    assert ids.dtype == np.int64
    np.testing.assert_array_equal(ids, tokens)
    np.testing.assert_array_equal(targets, y)


def test_copy_task_memoryless_baseline_is_the_stated_cross_entropy():
    task = CopyTask(copy_length=10, delay=20, num_symbols=8, num_samples=4000, seed=0)
    assert task.baseline_cross_entropy == pytest.approx(10 * math.log(8) / 40)
    # The best memoryless predictor, fitted: the class frequencies of each step on one draw of
    # the data, scored on an independent draw. It can count steps but knows no symbol, so if
    # the symbols are uniform and independent it cannot beat the stated baseline.
    _, train_targets = as_numpy(task)
    _, test_targets = as_numpy(CopyTask(copy_length=10, delay=20, num_symbols=8, num_samples=4000, seed=1))
    counts = np.stack([np.bincount(train_targets[:, t], minlength=task.num_classes) for t in range(task.seq_len)])
    log_probs = np.log(np.maximum(counts / counts.sum(axis=1, keepdims=True), 1e-12))  # (seq_len, classes)
    fitted = -log_probs[np.arange(task.seq_len), test_targets].mean()
    assert fitted == pytest.approx(task.baseline_cross_entropy, abs=0.01)
    # The exact memoryless predictor through F.cross_entropy: certain blanks, then uniform.
    logits = np.full((1, task.num_classes, task.seq_len), -1e4, dtype=np.float32)
    logits[0, 0, :30] = 0.0
    logits[0, 1:, 30:] = 0.0
    logits = np.repeat(logits, 200, axis=0)
    loss = F.cross_entropy(cr.tensor(logits), cr.tensor(test_targets[:200]))
    assert loss.item() == pytest.approx(task.baseline_cross_entropy, rel=1e-5)


# ---------------------------------------------------------------------------- first token
def test_first_token_classification_label_is_the_first_token_and_the_rest_is_noise():
    n = 4000
    task = FirstTokenClassification(seq_len=12, num_samples=n, num_classes=3, vocab_size=5, seed=2)
    assert task.input_size == 5 and task.chance_accuracy == pytest.approx(1 / 3)
    assert task.baseline_cross_entropy == pytest.approx(math.log(3))
    x, y = as_numpy(task)
    assert x.shape == (n, 12, 5) and x.dtype == np.float32 and y.shape == (n,) and y.dtype == np.int64
    tokens = x.argmax(axis=2)
    np.testing.assert_array_equal(tokens[:, 0], y)
    # Labels uniform over the classes; noise tokens uniform over the whole vocabulary.
    np.testing.assert_allclose(np.bincount(y, minlength=3) / n, 1 / 3, atol=5 * math.sqrt(2 / 9 / n))
    noise = tokens[:, 1:]
    np.testing.assert_allclose(np.bincount(noise.ravel(), minlength=5) / noise.size, 0.2, atol=0.01)
    # Independent of the label: a later token equals the label at the rate chance gives.
    agreement = (noise == y[:, None]).mean()
    assert abs(agreement - 0.2) < 5 * math.sqrt(0.2 * 0.8 / noise.size)
    ids, labels = as_numpy(
        FirstTokenClassification(seq_len=12, num_samples=n, num_classes=3, vocab_size=5, one_hot=False, seed=2)
    )
    np.testing.assert_array_equal(ids, tokens)
    np.testing.assert_array_equal(labels, y)


# ---------------------------------------------------------------------------- shared behaviour
TASKS = [
    lambda **kw: AddingProblem(seq_len=9, num_samples=40, **kw),
    lambda **kw: CopyTask(copy_length=3, delay=4, num_samples=40, **kw),
    lambda **kw: FirstTokenClassification(seq_len=7, num_samples=40, **kw),
]


@pytest.mark.parametrize("make", TASKS)
def test_reads_are_deterministic_order_independent_and_seeded(make):
    a, b = make(seed=5), make(seed=5)
    backwards = [b[i] for i in reversed(range(40))][::-1]
    for i in range(40):
        for left, right, again in zip(a[i], backwards[i], a[i]):
            np.testing.assert_array_equal(left.numpy(), right.numpy())
            np.testing.assert_array_equal(left.numpy(), again.numpy())
    np.testing.assert_array_equal(a[-1][0].numpy(), a[39][0].numpy())
    other = make(seed=6)
    assert not np.array_equal(
        np.stack([a[i][0].numpy() for i in range(40)]), np.stack([other[i][0].numpy() for i in range(40)])
    )


@pytest.mark.parametrize("make", TASKS)
def test_unseeded_datasets_follow_manual_seed_and_generators(make):
    cr.manual_seed(11)
    first = make()
    cr.manual_seed(11)
    second = make()
    assert first.seed == second.seed
    third = make(generator=cr.random.Generator(4))
    assert third.seed == make(generator=cr.random.Generator(4)).seed != first.seed
    with pytest.raises(ValueError, match="pass seed or generator, not both"):
        make(seed=1, generator=cr.random.Generator(4))
    with pytest.raises(ValueError, match="generator"):
        make(generator=3)
    with pytest.raises(ValueError, match="seed should be an integer >= 0, got -1"):
        make(seed=-1)


@pytest.mark.parametrize("make", TASKS)
def test_dataloader_batches_equal_collated_samples(make):
    dataset = make(seed=0)
    fast = list(DataLoader(dataset, batch_size=16))
    slow = list(DataLoader(dataset, batch_size=16, collate_fn=default_collate))
    assert [len(b[0]) for b in fast] == [16, 16, 8]
    for fast_batch, slow_batch in zip(fast, slow):
        for f, s in zip(fast_batch, slow_batch):
            assert f.dtype == s.dtype and f.shape == s.shape
            np.testing.assert_array_equal(f.numpy(), s.numpy())
    shuffled = next(iter(DataLoader(dataset, batch_size=4, shuffle=True, generator=cr.random.Generator(0))))
    assert shuffled[0].shape[0] == 4
    with pytest.raises(IndexError, match="out of range for a dataset of length 40"):
        dataset[40]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: AddingProblem(seq_len=1), "AddingProblem: seq_len should be an integer >= 2, got 1"),
        (lambda: AddingProblem(seq_len=10.0), "seq_len should be an integer"),
        (lambda: AddingProblem(num_samples=0), "AddingProblem: num_samples should be an integer >= 1, got 0"),
        (lambda: CopyTask(copy_length=0), "CopyTask: copy_length should be an integer >= 1, got 0"),
        (lambda: CopyTask(delay=0), "CopyTask: delay should be an integer >= 1, got 0"),
        (lambda: CopyTask(num_symbols=1), "CopyTask: num_symbols should be an integer >= 2, got 1"),
        (lambda: CopyTask(one_hot=1), "CopyTask: one_hot should be True or False, got 1"),
        (lambda: FirstTokenClassification(seq_len=0), "FirstTokenClassification: seq_len should be an integer >= 1"),
        (lambda: FirstTokenClassification(num_classes=1), "num_classes should be an integer >= 2, got 1"),
        (
            lambda: FirstTokenClassification(num_classes=4, vocab_size=3),
            r"vocab_size should be an integer >= num_classes \(4\)",
        ),
        (lambda: FirstTokenClassification(seed="a"), "seed should be an integer >= 0, got 'a'"),
    ],
)
def test_bad_arguments_raise_value_error_naming_the_argument(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_repr_names_the_task_and_its_seed():
    assert repr(CopyTask(seed=3)) == "CopyTask(copy_length=10, delay=60, num_symbols=8, num_samples=1000, seed=3)"


# ---------------------------------------------------------------------------- the adding benchmark
def load_adding_benchmark():
    """benchmarks/adding_problem.py, imported by path (benchmarks/ is scripts, not a package)."""
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "adding_problem.py"
    spec = importlib.util.spec_from_file_location("adding_problem_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_result(result, T, steps):
    json.dumps(result)  # the CLI prints it: everything must be plain JSON
    assert result["T"] == T and result["steps"] == steps and result["baseline_mse"] == pytest.approx(1 / 6)
    assert [point[0] for point in result["curve"]][-1] == steps
    assert all(math.isfinite(value) for point in result["curve"] for value in point)
    assert result["seconds"] > 0
    for when in ("initial", "final"):
        profile = result["grad_norms_per_step"][when]
        assert len(profile["input"]) == T and len(profile["hidden"]) == T
        assert all(value >= 0 and math.isfinite(value) for values in profile.values() for value in values)
        for kind in ("input", "hidden"):
            ratio = result["first_to_last"][when][kind]
            assert ratio == pytest.approx(profile[kind][0] / profile[kind][-1])


def test_adding_benchmark_lstm_beats_the_baseline_at_a_short_length():
    bench = load_adding_benchmark()
    # T = 10 and 200 steps take a few seconds; every seed tried (0-5) ends below 0.007.
    result = bench.train_adding(
        "lstm", T=10, steps=200, hidden=16, lr=2e-2, seed=0, eval_every=100, test_size=500, profile_size=64
    )
    check_result(result, T=10, steps=200)
    assert result["test_mse"] < result["baseline_mse"] / 4
    assert result["solved"] == (result["test_mse"] < 0.01)


def test_adding_benchmark_runs_a_tanh_rnn_and_the_loop_implementation():
    bench = load_adding_benchmark()
    for cell in ("rnn", "lstm"):
        result = bench.train_adding(
            cell, T=6, steps=10, hidden=4, seed=1, eval_every=5, test_size=50, implementation="loop"
        )
        check_result(result, T=6, steps=10)
        assert result["implementation"] == "loop"
    with pytest.raises(ValueError, match="cell should be 'lstm' or 'rnn', got 'gru'"):
        bench.train_adding("gru")
    with pytest.raises(ValueError, match="implementation should be 'auto', 'fused' or 'loop'"):
        bench.train_adding("rnn", implementation="cuda")


def test_adding_benchmark_is_reproducible_and_its_cli_prints_json(capsys):
    bench = load_adding_benchmark()
    runs = [bench.train_adding("rnn", T=5, steps=6, hidden=3, seed=2, eval_every=3, test_size=20) for _ in range(2)]
    assert runs[0]["curve"] == runs[1]["curve"]
    assert runs[0]["grad_norms_per_step"] == runs[1]["grad_norms_per_step"]
    bench.main(["--cell", "both", "--T", "5", "--steps", "4", "--hidden", "3"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line.get("cell") for line in lines[:2]] == ["lstm", "rnn"]
    assert set(lines[2]["summary"]) == {"lstm", "rnn"}
    assert lines[0]["grad_norms_per_step"]["steps_shown"] == [0, 2, 4]
