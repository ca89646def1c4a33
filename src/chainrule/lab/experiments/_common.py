"""Shared pieces of the experiments: seeded data, small networks, a plain training loop.

Everything random draws from a generator derived from the trial's seed (``rng(seed, stream)``:
one independent stream per purpose, so changing how much data one part draws does not shift
another part's numbers), or from chainrule's default generator, which the runner seeds with the
trial's seed before the trial starts.
"""

from __future__ import annotations

import contextlib
import time
import warnings

import numpy as np

from ... import functional as F
from ... import nn, optim
from ...autograd import no_grad
from ...random import Generator
from ...tensor import Tensor

ACTIVATIONS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "elu": nn.ELU}


def rng(seed: int, stream: int = 0) -> np.random.Generator:
    """An independent generator for one purpose (``stream``) of one trial (``seed``)."""
    return Generator(int(seed) * 1009 + int(stream))


def T(array, dtype=np.float32) -> Tensor:
    return Tensor(np.ascontiguousarray(np.asarray(array, dtype=dtype)))


def labels(array) -> Tensor:
    return Tensor(np.asarray(array, dtype=np.int64))


@contextlib.contextmanager
def quiet():
    """Diverging runs are part of some experiments: overflow is a measurement, not a warning."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def teacher_task(seed, n_train, n_test, d=20, classes=4, hidden=32, label_noise=0.1, stream=1):
    """A classification task a small MLP can learn but a small sample lets it over-fit.

    Inputs are standard normal in ``d`` dimensions; the label is the argmax of a random
    one-hidden-layer tanh "teacher" network, and a fraction ``label_noise`` of the labels is
    replaced by a random class (the noise a large network memorises).
    """
    g = rng(seed, stream)
    w1 = g.standard_normal((d, hidden)) / np.sqrt(d)
    w2 = g.standard_normal((hidden, classes)) * 2.0
    n = n_train + n_test
    x = g.standard_normal((n, d))
    y = np.argmax(np.tanh(x @ w1 * 2.0) @ w2, axis=1)
    flip = g.random(n) < label_noise
    y = np.where(flip, g.integers(0, classes, n), y)
    x = x.astype(np.float32)
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])


def mlp(sizes, activation="relu", batchnorm=False, dropout=0.0, init=None, generator=None) -> nn.Sequential:
    """Linear layers of ``sizes`` with an activation (and optionally BatchNorm/Dropout) between them.

    ``init``: None keeps PyTorch's default Linear initialisation; ``"he"`` / ``"xavier"`` draw
    weights from N(0, 2/fan_in) / N(0, 1/fan_in) (each activation's recommended scale); a number
    ``g`` draws N(0, g^2 * 2 / fan_in) (``g = 1`` is He's scale).
    """
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = nn.Linear(fan_in, fan_out)
        if init is not None:
            if init == "he":
                std = np.sqrt(2.0 / fan_in)
            elif init == "xavier":
                std = np.sqrt(1.0 / fan_in)
            else:
                std = float(init) * np.sqrt(2.0 / fan_in)
            nn.init.normal_(linear.weight, 0.0, float(std), generator=generator)
            nn.init.zeros_(linear.bias)
        layers.append(linear)
        if i < len(sizes) - 2:
            if batchnorm:
                layers.append(nn.BatchNorm1d(fan_out))
            layers.append(ACTIVATIONS[activation]())
            if dropout:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def linears(model) -> list:
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def train(
    model,
    x,
    y,
    epochs,
    lr,
    seed,
    batch_size=None,
    optimizer="sgd",
    momentum=0.9,
    weight_decay=0.0,
    loss="ce",
    penalty=None,
    clip=None,
    on_epoch=None,
):
    """Mini-batch training; returns the per-epoch mean training loss.

    Args:
        penalty: optional function ``model -> Tensor`` added to the loss (L1, explicit L2).
        clip: max gradient norm for ``clip_grad_norm_`` (None: no clipping).
        on_epoch: called as ``on_epoch(epoch, model)`` after every epoch; returning True stops.
    """
    n = len(y)
    batch_size = n if batch_size is None else batch_size
    params = list(model.parameters())
    if optimizer == "sgd":
        opt = optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    else:
        opt = optim.Adam(params, lr=lr, weight_decay=weight_decay)
    loss_fn = {"ce": F.cross_entropy, "mse": F.mse_loss, "bce": F.binary_cross_entropy_with_logits}[loss]
    order_rng = rng(seed, 99)
    xt = T(x)
    yt = labels(y) if loss == "ce" else T(y)
    history = []
    for epoch in range(epochs):
        model.train()
        order = order_rng.permutation(n) if batch_size < n else np.arange(n)
        total = 0.0
        for start in range(0, n, batch_size):
            index = order[start : start + batch_size]
            xb, yb = (xt, yt) if batch_size >= n else (xt[index], yt[index])
            opt.zero_grad()
            value = loss_fn(model(xb), yb)
            if penalty is not None:
                value = value + penalty(model)
            value.backward()
            if clip is not None:
                nn.utils.clip_grad_norm_(params, clip)
            opt.step()
            total += float(value.item()) * len(index)
        history.append(total / n)
        if on_epoch is not None and on_epoch(epoch, model):
            break
    return history


def predict(model, x) -> np.ndarray:
    model.eval()
    with no_grad():
        return model(T(x)).numpy()


def accuracy(model, x, y) -> float:
    return float(np.mean(predict(model, x).argmax(axis=1) == np.asarray(y)))


def ce_loss(model, x, y) -> float:
    model.eval()
    with no_grad():
        return float(F.cross_entropy(model(T(x)), labels(y)).item())


def timed(fn, repeats=5) -> float:
    """Median wall time of ``fn()`` over ``repeats`` calls (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def weight_norm(model) -> float:
    return float(np.sqrt(sum(float(np.sum(m.weight.detach().numpy().astype(np.float64) ** 2)) for m in linears(model))))


def grad_norms(model) -> list:
    """L2 norm of each Linear layer's weight gradient, first layer first."""
    return [float(np.linalg.norm(m.weight.grad.numpy().astype(np.float64))) for m in linears(model)]


def images(seed, n, size=12, classes=4, noise=0.25, stream=3):
    """An embedded image task (no download): noisy, randomly shifted strokes of ``classes`` kinds.

    Class 0 a horizontal bar, 1 a vertical bar, 2 a diagonal, 3 a square outline (and, for
    more classes, the other diagonal and a cross), each drawn at a random position and
    thickness and buried in Gaussian noise. Returns ``(x (n, 1, size, size) float32, y int64)``.
    """
    g = rng(seed, stream)
    x = np.zeros((n, 1, size, size), dtype=np.float32)
    y = g.integers(0, classes, n)
    yy, xx = np.mgrid[0:size, 0:size]
    for i in range(n):
        c = y[i]
        r0, c0 = g.integers(2, size - 2, 2)
        length = int(g.integers(size // 3, size // 2 + 1))
        img = np.zeros((size, size), dtype=np.float32)
        if c == 0:
            img[r0, max(0, c0 - length // 2) : c0 + length // 2 + 1] = 1
        elif c == 1:
            img[max(0, r0 - length // 2) : r0 + length // 2 + 1, c0] = 1
        elif c == 2:
            mask = (np.abs((yy - r0) - (xx - c0)) < 1) & (np.abs(yy - r0) <= length // 2)
            img[mask] = 1
        elif c == 3:
            h = max(2, length // 2)
            box = (np.abs(yy - r0) <= h) & (np.abs(xx - c0) <= h)
            inner = (np.abs(yy - r0) < h) & (np.abs(xx - c0) < h)
            img[box & ~inner] = 1
        elif c == 4:
            mask = (np.abs((yy - r0) + (xx - c0)) < 1) & (np.abs(yy - r0) <= length // 2)
            img[mask] = 1
        else:
            img[r0, max(0, c0 - length // 2) : c0 + length // 2 + 1] = 1
            img[max(0, r0 - length // 2) : r0 + length // 2 + 1, c0] = 1
        x[i, 0] = img + noise * g.standard_normal((size, size)).astype(np.float32)
    return x, y.astype(np.int64)
