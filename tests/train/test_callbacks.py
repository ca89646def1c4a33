"""Callbacks: EarlyStopping follows Keras's rules and restores the best epoch; ModelCheckpoint +
resume continue a run bit-identically; the learning-rate, gradient and progress callbacks do
what they say, and the progress bar stays quiet where it should."""

import io
import math
import os
import re
import types

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
import chainrule.optim as optim
from chainrule.data import DataLoader, TensorDataset, load_digits
from chainrule.random import default_generator
from chainrule.train import (
    Callback,
    EarlyStopping,
    GradientMonitor,
    LearningRateScheduler,
    ModelCheckpoint,
    ProgressBar,
    evaluate,
    fit,
    resume,
)


def toy_loader(n=24, batch_size=8, shuffle=False, seed=0):
    rng = np.random.default_rng(seed)
    data = TensorDataset(cr.tensor(rng.standard_normal((n, 5)).astype(np.float32)), cr.tensor(rng.integers(0, 3, n)))
    return DataLoader(data, batch_size=batch_size, shuffle=shuffle)


def small_model():
    return nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3))


class StubModel:
    """A model whose only weight records the epoch at which it was last set."""

    def __init__(self):
        self.w = np.zeros(1)

    def state_dict(self):
        return {"w": self.w}  # a live reference on purpose: EarlyStopping must copy it

    def load_state_dict(self, state):
        self.w = np.array(state["w"])


def drive(callback, values, monitor="val_loss"):
    """Feed ``values`` as the monitored quantity of successive epochs, as fit would; return the
    epoch after which training stopped (None if it ran through) and the stub model."""
    model = StubModel()
    trainer = types.SimpleNamespace(model=model, stop_training=False)
    callback.set_trainer(trainer)
    callback.on_train_begin({})
    stopped = None
    for epoch, value in enumerate(values):
        model.w[0] = epoch  # in place, like an optimizer step
        callback.on_epoch_end(epoch, {monitor: value})
        if trainer.stop_training:
            stopped = epoch
            break
    callback.on_train_end({})
    return stopped, model


# ---------------------------------------------------------------------------- EarlyStopping rules
@pytest.mark.parametrize(
    "kwargs, values, stopped, best_epoch",
    [
        # patience=0: the first epoch without improvement stops (but never epoch 0).
        (dict(), [3.0, 2.0, 2.5, 1.0], 2, 1),
        (dict(patience=2), [3.0, 2.0, 2.0, 2.0, 1.0], 3, 1),  # equal is not better
        (dict(patience=2), [3.0, 2.0, 2.1, 1.5, 1.6, 1.7, 0.1], 5, 3),
        # min_delta: an improvement must exceed it.
        (dict(patience=1, min_delta=0.5), [3.0, 2.6, 2.4, 1.0], 1, 0),
        (dict(patience=1, min_delta=0.3), [3.0, 2.6, 2.4, 1.0], 2, 1),
        # mode='max', and 'auto' infers max for accuracies.
        (dict(monitor="val_accuracy", mode="max"), [0.5, 0.6, 0.55], 2, 1),
        (dict(monitor="val_accuracy"), [0.5, 0.6, 0.55], 2, 1),
        # baseline: improving epochs that do not beat the baseline do not reset the patience count.
        (dict(patience=2), [5.0, 4.0, 4.0, 4.0], 3, 1),
        (dict(patience=2, baseline=1.0), [5.0, 4.0, 4.0], 2, 1),
        (dict(patience=2, baseline=4.5), [5.0, 4.0, 4.0, 4.0], 3, 1),
        # start_from_epoch: the warm-up epochs are not monitored at all.
        (dict(patience=1), [1.0, 5.0, 6.0, 7.0], 1, 0),
        (dict(patience=1, start_from_epoch=2), [1.0, 5.0, 6.0, 7.0], 3, 2),
        # never stops while improving
        (dict(patience=0), [5.0, 4.0, 3.0, 2.0], None, 3),
    ],
)
def test_early_stopping_follows_keras_rules(kwargs, values, stopped, best_epoch):
    monitor = kwargs.get("monitor", "val_loss")
    callback = EarlyStopping(**kwargs)
    got, _ = drive(callback, values, monitor)
    assert got == stopped
    assert callback.stopped_epoch == (stopped or 0)
    assert callback.best_epoch == best_epoch


def test_restore_best_weights_restores_a_copy_even_without_an_early_stop():
    callback = EarlyStopping(patience=5, restore_best_weights=True)
    stopped, model = drive(callback, [3.0, 1.0, 2.0, 2.5])
    assert stopped is None
    assert model.w[0] == 1.0  # weights of epoch 1, although they were overwritten in place later


def test_restore_best_weights_with_start_from_epoch_uses_the_first_monitored_epoch():
    callback = EarlyStopping(patience=1, restore_best_weights=True, start_from_epoch=2)
    stopped, model = drive(callback, [0.1, 0.1, 5.0, 6.0, 7.0])
    assert stopped == 3 and model.w[0] == 2.0


def test_early_stopping_reused_across_runs_starts_afresh():
    callback = EarlyStopping(patience=0)
    drive(callback, [1.0, 2.0])
    stopped, _ = drive(callback, [5.0, 4.0, 4.5])  # 5.0 is worse than the first run's best
    assert stopped == 2


def test_early_stopping_monitor_problems():
    with pytest.raises(ValueError, match="cannot tell whether monitor='val_widgets'"):
        EarlyStopping(monitor="val_widgets")
    with pytest.raises(ValueError, match="mode must be 'auto', 'min' or 'max'"):
        EarlyStopping(mode="up")
    callback = EarlyStopping(patience=0)
    with pytest.warns(RuntimeWarning, match="'val_loss', which is not available; available metrics are: loss"):
        stopped, _ = drive(callback, [3.0, 4.0], monitor="loss")
    assert stopped is None


@pytest.mark.usefixtures("one_blas_thread")
def test_early_stopping_stops_an_overfitting_run_and_restores_its_best_epoch():
    cr.manual_seed(0)
    train, test = load_digits(split="both")
    x, y = train.tensors
    tiny = TensorDataset(x[:40], y[:40])  # 40 samples for a 64-256-256-10 network: it overfits
    val_loader = DataLoader(test, batch_size=len(test))
    model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    snapshots = []

    class Snapshot(Callback):
        def on_epoch_end(self, epoch, logs=None):
            snapshots.append(model.state_dict())

    early = EarlyStopping(patience=5, restore_best_weights=True)
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        optim.Adam(model.parameters(), lr=1e-3),
        DataLoader(tiny, batch_size=10, shuffle=True),
        val_loader,
        epochs=200,
        callbacks=[Snapshot(), early],
        verbose=0,
    )
    val_losses = history.history["val_loss"]
    best = int(np.argmin(val_losses))
    assert len(val_losses) < 200 and early.stopped_epoch == len(val_losses) - 1
    assert early.best_epoch == best and early.stopped_epoch - best == 5
    for key, value in model.state_dict().items():
        assert np.array_equal(value, snapshots[best][key]), key
    assert evaluate(model, val_loader, nn.CrossEntropyLoss())["loss"] == val_losses[best]
    assert val_losses[-1] > val_losses[best]


# ---------------------------------------------------------------------------- checkpoints and resume
def resumable_setup(seed):
    cr.manual_seed(seed)
    model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    # Shuffled batches and dropout masks both draw from chainrule's default generator.
    return model, optimizer, scheduler, toy_loader(n=40, shuffle=True), toy_loader(n=24, seed=1)


@pytest.mark.parametrize("disturb_generator", [False, True])
def test_resume_from_checkpoint_continues_the_run_bit_identically(tmp_path, disturb_generator):
    model, optimizer, scheduler, train_loader, val_loader = resumable_setup(seed=0)
    checkpoint = ModelCheckpoint(tmp_path / "ckpt-{epoch}.safetensors")
    full = fit(
        model,
        nn.CrossEntropyLoss(),
        optimizer,
        train_loader,
        val_loader,
        epochs=5,
        callbacks=[checkpoint],
        scheduler=scheduler,
        verbose=0,
    ).history
    assert sorted(os.listdir(tmp_path)) == [f"ckpt-{i}.safetensors" for i in range(1, 6)]

    # A fresh process would rebuild everything from another seed; resume must undo all of it.
    model2, optimizer2, scheduler2, train_loader2, val_loader2 = resumable_setup(seed=123)
    start = resume(tmp_path / "ckpt-2.safetensors", model2, optimizer2, scheduler2)
    assert start == 2
    if disturb_generator:
        # The control: one extra draw changes the next shuffles and dropout masks, so the test
        # above can tell whether the generator state was restored.
        default_generator().random()
    resumed = fit(
        model2,
        nn.CrossEntropyLoss(),
        optimizer2,
        train_loader2,
        val_loader2,
        epochs=5,
        initial_epoch=start,
        scheduler=scheduler2,
        verbose=0,
    ).history
    assert np.array_equal(resumed["lr"], full["lr"][2:])
    if disturb_generator:
        assert not np.array_equal(resumed["loss"], full["loss"][2:])
        return
    for key in ("loss", "val_loss"):
        assert np.array_equal(resumed[key], full[key][2:]), key
    for key, value in model.state_dict().items():
        assert np.array_equal(model2.state_dict()[key], value), key


def test_checkpoint_contents(tmp_path):
    model = small_model()
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    fit(
        model,
        nn.CrossEntropyLoss(),
        optimizer,
        toy_loader(),
        epochs=2,
        callbacks=[ModelCheckpoint(tmp_path / "last.safetensors")],
        metrics=["accuracy"],
        verbose=0,
    )
    saved = cr.load(tmp_path / "last.safetensors")
    assert saved["epoch"] == 1 and saved["scheduler"] is None
    assert sorted(saved["logs"]) == ["accuracy", "loss", "lr"]
    assert saved["rng"] == default_generator().bit_generator.state
    for key, value in model.state_dict().items():
        assert np.array_equal(saved["model"][key], value)
    expected = optimizer.state_dict()
    assert saved["optimizer"]["param_groups"] == expected["param_groups"]
    for index, state in expected["state"].items():
        assert np.array_equal(saved["optimizer"]["state"][index]["momentum_buffer"], state["momentum_buffer"])


def test_save_best_only_writes_only_improving_epochs(tmp_path):
    model = small_model()
    checkpoint = ModelCheckpoint(tmp_path / "best-{epoch:02d}-{val_loss:.1f}.safetensors", save_best_only=True)
    checkpoint.set_trainer(
        types.SimpleNamespace(model=model, optimizer=optim.SGD(model.parameters(), lr=0.1), scheduler=None)
    )
    for epoch, value in enumerate([3.0, 2.0, 2.5, 1.0]):
        checkpoint.on_epoch_end(epoch, {"val_loss": value})
    assert sorted(os.listdir(tmp_path)) == [
        "best-01-3.0.safetensors",
        "best-02-2.0.safetensors",
        "best-04-1.0.safetensors",
    ]
    assert cr.load(checkpoint.last_saved)["epoch"] == 3

    threshold = ModelCheckpoint(tmp_path / "t.safetensors", save_best_only=True, initial_value_threshold=0.5)
    threshold.set_trainer(checkpoint.trainer)
    threshold.on_epoch_end(0, {"val_loss": 0.7})
    assert not (tmp_path / "t.safetensors").exists()


def test_resume_rejects_files_that_are_not_checkpoints(tmp_path):
    model = small_model()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    cr.save(model.state_dict(), tmp_path / "weights.safetensors")
    with pytest.raises(ValueError, match="resume: .*weights.safetensors' is not a ModelCheckpoint file"):
        resume(tmp_path / "weights.safetensors", model, optimizer)
    fit(
        model,
        nn.CrossEntropyLoss(),
        optimizer,
        toy_loader(),
        epochs=1,
        callbacks=[ModelCheckpoint(tmp_path / "c.safetensors")],
        verbose=0,
    )
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=1)
    with pytest.raises(ValueError, match="holds no scheduler state"):
        resume(tmp_path / "c.safetensors", model, optimizer, scheduler)


# ---------------------------------------------------------------------------- learning rate
def test_learning_rate_scheduler_sets_every_group_each_epoch():
    model = small_model()
    optimizer = optim.SGD([{"params": model[0].parameters()}, {"params": model[2].parameters(), "lr": 0.3}], lr=0.1)
    seen = []

    def halve_after_first(epoch, lr):
        seen.append((epoch, lr))
        return lr if epoch == 0 else lr / 2

    history = fit(
        model,
        nn.CrossEntropyLoss(),
        optimizer,
        toy_loader(),
        epochs=3,
        callbacks=[LearningRateScheduler(halve_after_first)],
        verbose=0,
    )
    assert seen == [(0, 0.1), (1, 0.1), (2, 0.05)]
    assert history.history["lr"] == [0.1, 0.05, 0.025]
    assert [group["lr"] for group in optimizer.param_groups] == [0.025, 0.025]


def test_learning_rate_scheduler_rejects_non_numbers():
    model = small_model()
    with pytest.raises(ValueError, match=r"schedule\(0, lr\) must return a finite number, got None"):
        fit(
            model,
            nn.CrossEntropyLoss(),
            optim.SGD(model.parameters(), lr=0.1),
            toy_loader(),
            callbacks=[LearningRateScheduler(lambda epoch, lr: None)],
            verbose=0,
        )
    with pytest.raises(TypeError, match="schedule must be callable"):
        LearningRateScheduler(0.1)


# ---------------------------------------------------------------------------- gradients
def test_gradient_monitor_records_one_norm_per_step_per_parameter():
    model = small_model()
    model[0].bias.requires_grad_(False)  # no gradient: recorded as NaN, keeping lists aligned
    captured = []

    class Capture(Callback):
        def on_after_backward(self, model):
            captured.append(
                {
                    name: None if p.grad is None else np.linalg.norm(p.grad.detach().numpy().astype(np.float64))
                    for name, p in model.named_parameters()
                }
            )

    monitor = GradientMonitor(model)
    fit(
        model,
        nn.CrossEntropyLoss(),
        optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1),
        toy_loader(n=24, batch_size=8),
        epochs=2,
        callbacks=[monitor, Capture()],
        verbose=0,
    )
    names = [name for name, _ in model.named_parameters()]
    assert list(monitor.history) == names
    assert monitor.steps == list(range(6))
    for name in names:
        assert len(monitor.history[name]) == 6
        for step, value in enumerate(monitor.history[name]):
            expected = captured[step][name]
            if expected is None:
                assert math.isnan(value)
            else:
                assert value == pytest.approx(expected, rel=1e-12)


def test_gradient_monitor_every_n_steps():
    model = small_model()
    monitor = GradientMonitor(model, every=4)
    fit(
        model,
        nn.CrossEntropyLoss(),
        optim.SGD(model.parameters(), lr=0.1),
        toy_loader(n=40, batch_size=4),
        epochs=1,
        callbacks=[monitor],
        verbose=0,
    )
    assert monitor.steps == [0, 4, 8]
    assert all(len(values) == 3 for values in monitor.history.values())
    with pytest.raises(ValueError, match="every must be a positive integer"):
        GradientMonitor(model, every=0)


# ---------------------------------------------------------------------------- progress bar
class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def quick_fit(**kwargs):
    model = small_model()
    return fit(
        model,
        nn.CrossEntropyLoss(),
        optim.SGD(model.parameters(), lr=0.1),
        toy_loader(n=24, batch_size=4),
        val_loader=toy_loader(n=8),
        epochs=3,
        metrics=["accuracy"],
        **kwargs,
    )


def test_progress_is_one_line_per_epoch_when_stderr_is_not_a_tty(capsys):
    quick_fit(verbose=1)
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert "\r" not in captured.err and len(lines) == 3
    for epoch, line in enumerate(lines, start=1):
        assert line.startswith(f"Epoch {epoch}/3  6/6 [")
        assert re.search(
            r"loss \d\.\d{4}  accuracy \d\.\d{4}  val_loss \d\.\d{4}  val_accuracy \d\.\d{4}  "
            r"(\d+ms|\d+\.\ds)$",
            line,
        ), line


def test_progress_is_silent_with_verbose_0(capsys):
    quick_fit(verbose=0)
    quick_fit(verbose=1, callbacks=[ProgressBar(verbose=0)])  # an explicit bar replaces the default
    assert capsys.readouterr() == ("", "")


def test_progress_bar_rewrites_one_line_on_a_tty():
    stream = FakeTTY()
    quick_fit(verbose=1, callbacks=[ProgressBar(stream=stream, refresh_interval=0.0)])
    text = stream.getvalue()
    assert text.count("\n") == 3  # one finished line per epoch
    frames = text.split("\r")[1:]
    assert len(frames) == 3 * (6 + 1)  # every batch (refresh_interval=0) plus the epoch summary
    assert frames[0].startswith("Epoch 1/3  1/6 [=====>") and "loss" in frames[0]
    assert "val_loss" in frames[6] and frames[6].endswith("\n")


def test_progress_bar_verbose_2_prints_plain_lines_even_on_a_tty():
    stream = FakeTTY()
    quick_fit(verbose=2, callbacks=[ProgressBar(verbose=2, stream=stream)])
    assert "\r" not in stream.getvalue() and stream.getvalue().count("\n") == 3


def test_progress_bar_rejects_bad_verbose():
    with pytest.raises(ValueError, match="verbose must be 0, 1 or 2"):
        ProgressBar(verbose=3)
