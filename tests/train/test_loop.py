"""chainrule.train.fit / evaluate: the loop is the hand-written PyTorch loop (same losses and
weights, bit for bit), the logs are exact sample means, and an MLP learns the digits."""

import numpy as np
import pytest

import chainrule as cr
import chainrule.functional as F
import chainrule.nn as nn
import chainrule.optim as optim
from chainrule.data import DataLoader, TensorDataset, load_digits
from chainrule.train import Callback, History, accuracy, evaluate, fit


def toy_data(n=40, n_features=5, n_classes=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, n_features)).astype(np.float32)
    y = rng.integers(0, n_classes, n)
    return TensorDataset(cr.tensor(x), cr.tensor(y))


def small_model(n_in=5, n_out=3, hidden=8):
    return nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, n_out))


class Recorder(Callback):
    def __init__(self):
        self.calls = []

    def on_train_begin(self, logs=None):
        self.calls.append("train_begin")

    def on_train_end(self, logs=None):
        self.calls.append("train_end")

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(("epoch_begin", epoch))

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(("epoch_end", epoch, sorted(logs)))

    def on_batch_begin(self, batch, logs=None):
        self.calls.append(("batch_begin", batch))

    def on_batch_end(self, batch, logs=None):
        self.calls.append(("batch_end", batch, sorted(logs)))

    def on_after_backward(self, model):
        # Gradients exist here, before the optimizer step.
        self.calls.append(("after_backward", all(p.grad is not None for p in model.parameters())))


@pytest.mark.usefixtures("one_blas_thread")
def test_mlp_reaches_97_percent_on_digits():
    cr.manual_seed(0)
    train, test = load_digits(split="both")
    model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=20)
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        optimizer,
        DataLoader(train, batch_size=32, shuffle=True),
        epochs=20,
        metrics=["accuracy"],
        scheduler=scheduler,
        verbose=0,
    )
    result = evaluate(model, DataLoader(test, batch_size=512), nn.CrossEntropyLoss(), metrics=["accuracy"])
    assert result["accuracy"] >= 0.97
    assert history.history["loss"][-1] < history.history["loss"][0] / 10


def test_fit_is_the_hand_written_loop_bit_for_bit():
    data = toy_data()

    def run_fit():
        cr.manual_seed(7)
        model = small_model()
        optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        history = fit(
            model, nn.CrossEntropyLoss(), optimizer, DataLoader(data, batch_size=6, shuffle=True), epochs=3, verbose=0
        )
        return history.history["loss"], model.state_dict()

    def run_by_hand():
        cr.manual_seed(7)
        model = small_model()
        optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        loader = DataLoader(data, batch_size=6, shuffle=True)
        losses = []
        for _ in range(3):
            model.train()
            total, count = 0.0, 0
            for x, y in loader:
                optimizer.zero_grad()
                loss = F.cross_entropy(model(x), y)
                loss.backward()
                optimizer.step()
                total += loss.item() * len(y)
                count += len(y)
            losses.append(total / count)
        return losses, model.state_dict()

    fit_losses, fit_state = run_fit()
    hand_losses, hand_state = run_by_hand()
    assert np.array_equal(fit_losses, hand_losses)
    for key in hand_state:
        assert np.array_equal(fit_state[key], hand_state[key]), key


def test_history_has_one_entry_per_epoch_for_loss_metrics_validation_and_lr():
    data = toy_data()
    history = fit(
        small_model(),
        nn.CrossEntropyLoss(),
        optim.SGD(small_model().parameters(), lr=0.1),
        DataLoader(data, batch_size=8),
        val_loader=DataLoader(data, batch_size=8),
        epochs=2,
        metrics=["accuracy"],
        verbose=0,
    )
    assert isinstance(history, History)
    assert history.epoch == [0, 1]
    assert sorted(history.history) == ["accuracy", "loss", "lr", "val_accuracy", "val_loss"]
    assert all(len(values) == 2 for values in history.history.values())


def test_val_logs_equal_evaluate_after_the_epoch():
    cr.manual_seed(1)
    data = toy_data(n=30)
    model = small_model()
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        optim.Adam(model.parameters(), lr=1e-2),
        DataLoader(data, batch_size=4, shuffle=True),
        val_loader=DataLoader(data, batch_size=7),
        epochs=2,
        metrics={"acc": accuracy},
        verbose=0,
    )
    result = evaluate(model, DataLoader(data, batch_size=7), nn.CrossEntropyLoss(), {"acc": accuracy})
    assert history.history["val_loss"][-1] == result["loss"]
    assert history.history["val_acc"][-1] == result["acc"]


def test_evaluate_weights_batches_by_size_and_restores_mode():
    cr.manual_seed(2)
    data = toy_data(n=23)  # batches of 5: the last has 3 samples
    model = small_model()
    model.train()
    result = evaluate(model, DataLoader(data, batch_size=5), nn.CrossEntropyLoss(), ["accuracy"])
    x, y = data.tensors
    logits = model(x).detach().numpy()
    # Whole-set values computed independently with NumPy.
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    assert result["loss"] == pytest.approx(-log_probs[np.arange(23), y.detach().numpy()].mean(), rel=1e-6)
    assert result["accuracy"] == np.mean(logits.argmax(1) == y.detach().numpy())
    assert model.training
    assert all(p.grad is None for p in model.parameters())


def test_evaluate_runs_without_building_a_graph_and_in_eval_mode():
    seen = {}

    class Probe(nn.Module):
        def forward(self, input):
            seen["training"] = self.training
            seen["grad_enabled"] = cr.is_grad_enabled()
            return input

    model = nn.Sequential(small_model(), Probe())
    evaluate(model, DataLoader(toy_data(n=4), batch_size=4), nn.CrossEntropyLoss())
    assert seen == {"training": False, "grad_enabled": False}


def test_accuracy_metric():
    scores = cr.tensor([[0.1, 0.9], [2.0, -1.0], [0.0, 3.0], [1.0, 0.0]])
    assert accuracy(scores, cr.tensor([1, 0, 0, 0])) == 0.75
    assert accuracy(cr.tensor([0.3, -2.0, 1.0]), cr.tensor([1.0, 0.0, 0.0])) == 2 / 3  # binary logits
    sequence_scores = np.zeros((2, 3, 4))  # (N, C, T), classes on axis 1 as for cross_entropy
    sequence_scores[:, 2, :] = 1.0
    assert accuracy(sequence_scores, np.array([[2, 2, 2, 0], [2, 2, 2, 2]])) == 7 / 8
    message = r"accuracy: outputs of shape \(4, 2\) give predictions of shape \(4,\), which do not match targets"
    with pytest.raises(ValueError, match=message + r" of shape \(3,\)"):
        accuracy(scores, cr.tensor([1, 0, 0]))


def test_callback_hooks_run_in_order():
    recorder = Recorder()
    data = toy_data(n=4)
    model = small_model()
    fit(
        model,
        nn.CrossEntropyLoss(),
        optim.SGD(model.parameters(), lr=0.1),
        DataLoader(data, batch_size=2),
        epochs=2,
        callbacks=[recorder],
        metrics=["accuracy"],
        verbose=0,
    )
    batch = [
        ("batch_begin", 0),
        ("after_backward", True),
        ("batch_end", 0, ["accuracy", "loss", "size"]),
        ("batch_begin", 1),
        ("after_backward", True),
        ("batch_end", 1, ["accuracy", "loss", "size"]),
    ]
    epoch_logs = ["accuracy", "loss", "lr"]
    assert recorder.calls == (
        ["train_begin", ("epoch_begin", 0)]
        + batch
        + [("epoch_end", 0, epoch_logs), ("epoch_begin", 1)]
        + batch
        + [("epoch_end", 1, epoch_logs), "train_end"]
    )


def test_stop_training_ends_after_the_current_batch():
    class StopAtBatch(Callback):
        def __init__(self):
            self.batches = 0

        def on_batch_end(self, batch, logs=None):
            self.batches += 1
            if self.batches == 3:
                self.trainer.stop_training = True

    stopper = StopAtBatch()
    model = small_model()
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        optim.SGD(model.parameters(), lr=0.1),
        DataLoader(toy_data(n=20), batch_size=4),
        epochs=5,
        callbacks=[stopper],
        verbose=0,
    )
    assert stopper.batches == 3 and history.epoch == [0]


def test_scheduler_is_stepped_after_each_epoch_and_lr_is_logged():
    model = small_model()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        optimizer,
        DataLoader(toy_data(), batch_size=8),
        epochs=3,
        scheduler=scheduler,
        verbose=0,
    )
    assert history.history["lr"] == pytest.approx([0.1, 0.05, 0.025])
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.0125)


def test_reduce_lr_on_plateau_receives_the_validation_loss():
    received = []

    class Spy(optim.lr_scheduler.ReduceLROnPlateau):
        def step(self, metrics, epoch=None):
            received.append(metrics)
            super().step(metrics)

    model = small_model()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    data = DataLoader(toy_data(), batch_size=8)
    history = fit(
        model, nn.CrossEntropyLoss(), optimizer, data, val_loader=data, epochs=2, scheduler=Spy(optimizer), verbose=0
    )
    assert received == history.history["val_loss"]


def test_grad_clip_limits_the_step_of_plain_sgd():
    cr.manual_seed(3)
    model = small_model()
    model[0].weight.data *= 50  # large gradients
    before = {name: p.detach().numpy().copy() for name, p in model.named_parameters()}
    grads = {}

    class Grab(Callback):
        def on_after_backward(self, model):
            grads.update({name: p.grad.detach().numpy().copy() for name, p in model.named_parameters()})

    fit(
        model,
        nn.CrossEntropyLoss(),
        optim.SGD(model.parameters(), lr=1.0),
        DataLoader(toy_data(), batch_size=40),
        epochs=1,
        grad_clip=0.5,
        callbacks=[Grab()],
        verbose=0,
    )
    raw_norm = np.sqrt(sum(np.sum(g.astype(np.float64) ** 2) for g in grads.values()))
    assert raw_norm > 0.5
    steps = {name: before[name].astype(np.float64) - p.detach().numpy() for name, p in model.named_parameters()}
    step_norm = np.sqrt(sum(np.sum(s**2) for s in steps.values()))
    assert step_norm == pytest.approx(0.5, rel=1e-3)
    for name, p in model.named_parameters():  # the step is the raw gradient scaled by 0.5 / ||g||
        expected = before[name] - (grads[name] * np.float32(0.5 / (raw_norm + 1e-6)))
        np.testing.assert_allclose(p.detach().numpy(), expected, rtol=1e-6, atol=1e-6)


def test_initial_epoch_runs_only_the_remaining_epochs():
    model = small_model()
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        optim.SGD(model.parameters(), lr=0.1),
        DataLoader(toy_data(), batch_size=8),
        epochs=3,
        initial_epoch=2,
        verbose=0,
    )
    assert history.epoch == [2]


def test_metric_specifications():
    model = small_model()
    loader = DataLoader(toy_data(), batch_size=8)
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        optim.SGD(model.parameters(), lr=0.1),
        loader,
        epochs=1,
        metrics={"acc": "accuracy", "zero": lambda out, y: 0.0},
        verbose=0,
    )
    assert history.history["zero"] == [0.0] and 0 <= history.history["acc"][0] <= 1
    with pytest.raises(ValueError, match="unknown metric 'f2'"):
        fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), loader, metrics=["f2"], verbose=0)
    with pytest.raises(ValueError, match="reserved"):
        fit(
            model,
            nn.CrossEntropyLoss(),
            optim.SGD(model.parameters(), lr=0.1),
            loader,
            metrics={"val_x": accuracy},
            verbose=0,
        )


def test_bad_arguments_and_batches_raise_clear_errors():
    model = small_model()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    loader = DataLoader(toy_data(), batch_size=8)
    with pytest.raises(ValueError, match="fit: epochs must be a non-negative integer"):
        fit(model, nn.CrossEntropyLoss(), optimizer, loader, epochs=-1, verbose=0)
    with pytest.raises(ValueError, match="grad_clip"):
        fit(model, nn.CrossEntropyLoss(), optimizer, loader, grad_clip=0, verbose=0)
    with pytest.raises(ValueError, match=r"fit: each batch must be an \(inputs, targets\) pair, got list of length 3"):
        fit(model, nn.CrossEntropyLoss(), optimizer, [[1, 2, 3]], verbose=0)
    with pytest.raises(ValueError, match="fit: the data loader produced no batches"):
        fit(model, nn.CrossEntropyLoss(), optimizer, [], verbose=0)
    with pytest.raises(TypeError, match="callbacks must be chainrule.train.Callback"):
        fit(model, nn.CrossEntropyLoss(), optimizer, loader, callbacks=[print], verbose=0)
