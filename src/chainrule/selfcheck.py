"""The install self-test behind ``chainrule check``: gradcheck every registered op on this machine.

Each entry is (op name, function, list of cases); a case is a tuple of input specs, where a
tuple of ints is a float64 tensor of that shape that requires grad and anything else is passed
as is. Inputs are drawn from a fixed seed, away from kinks (|x| >= 0.1) and, for ops that need
it, positive.
"""
from __future__ import annotations

import time

import numpy as np

from . import functional as F
from .gradcheck import check_gradients
from .tensor import Tensor

__all__ = ["Indices", "OPS", "Positive", "run"]


class Positive(tuple):
    """Shape marker: draw this input from [0.5, 2.5)."""


class Indices(tuple):
    """(shape, high) marker: an int64 tensor of class indices, no gradient."""


def _ce(x, y):
    return F.cross_entropy(x, y)


def _ce_smooth(x, y):
    return F.cross_entropy(x, y, label_smoothing=0.1, weight=Tensor(np.array([1.0, 2.0, 0.5, 1.5])))


def _bce(x, t):
    return F.binary_cross_entropy_with_logits(x, t, pos_weight=Tensor(np.array([2.0, 0.5, 1.0])))


OPS = [
    ("add", lambda a, b: a + b, [((3, 4), (4,)), ((2, 1, 3), (4, 1))]),
    ("sub", lambda a, b: a - b, [((3, 4), (3, 1))]),
    ("mul", lambda a, b: a * b, [((3, 4), (4,)), ((), (2, 3))]),
    ("div", lambda a, b: a / b, [((3, 4), Positive((4,)))]),
    ("neg", lambda a: -a, [((3, 4),)]),
    ("pow", lambda a, b: a ** b, [(Positive((3, 4)), (3, 4))]),
    ("pow_scalar", lambda a: a ** 3, [((3, 4),)]),
    ("exp", F.exp, [((3, 4),)]),
    ("log", F.log, [(Positive((3, 4)),)]),
    ("sqrt", F.sqrt, [(Positive((3, 4)),)]),
    ("abs", F.abs, [((3, 4),)]),
    ("clamp", lambda a: F.clamp(a, -0.5, 0.5), [((3, 4),)]),
    ("maximum", F.maximum, [((3, 4), (4,))]),
    ("minimum", F.minimum, [((3, 4), (4,))]),
    ("where", lambda a, b: F.where(a.detach() > 0, a, b), [((3, 4), (3, 4))]),
    ("tanh", F.tanh, [((3, 4),)]),
    ("sigmoid", F.sigmoid, [((3, 4),)]),
    ("relu", F.relu, [((3, 4),)]),
    ("leaky_relu", lambda a: F.leaky_relu(a, 0.1), [((3, 4),)]),
    ("elu", F.elu, [((3, 4),)]),
    ("gelu", F.gelu, [((3, 4),)]),
    ("gelu_tanh", lambda a: F.gelu(a, approximate="tanh"), [((3, 4),)]),
    ("softplus", F.softplus, [((3, 4),)]),
    ("sum", lambda a: a.sum(dim=1), [((3, 4),)]),
    ("mean", lambda a: a.mean(dim=(0, 2), keepdim=True), [((2, 3, 4),)]),
    ("max", lambda a: a.max(dim=-1).values, [((3, 4),)]),
    ("min", lambda a: a.min(), [((3, 4),)]),
    ("var", lambda a: a.var(dim=1), [((3, 4),)]),
    ("std", lambda a: a.std(dim=0, correction=0), [((3, 4),)]),
    ("logsumexp", lambda a: F.logsumexp(a, dim=1), [((3, 4),)]),
    ("norm", lambda a: F.norm(a, dim=1), [((3, 4),)]),
    ("norm_p", lambda a: F.norm(a, 3, dim=(0, 2), keepdim=True), [((2, 3, 4),)]),
    ("matmul", F.matmul, [((3, 4), (4, 2)), ((2, 1, 3, 4), (5, 4, 2)), ((4,), (4, 3))]),
    ("reshape", lambda a: a.reshape(4, -1), [((3, 4),)]),
    ("transpose", lambda a: a.transpose(0, -1), [((2, 3, 4),)]),
    ("permute", lambda a: a.permute(2, 0, 1), [((2, 3, 4),)]),
    ("expand", lambda a: a.expand(2, 3, 4), [((3, 1),)]),
    ("squeeze", lambda a: a.squeeze(1), [((3, 1, 4),)]),
    ("unsqueeze", lambda a: a.unsqueeze(-1), [((3, 4),)]),
    ("flatten", lambda a: a.flatten(1), [((2, 3, 4),)]),
    ("getitem", lambda a: a[np.array([0, 0, 2]), 1:3], [((3, 4),)]),
    ("gather", lambda a: a.gather(1, np.array([[0, 0], [1, 3], [2, 2]])), [((3, 4),)]),
    ("cat", lambda a, b: F.cat([a, b], dim=1), [((3, 4), (3, 2))]),
    ("stack", lambda a, b: F.stack([a, b], dim=-1), [((3, 4), (3, 4))]),
    ("split", lambda a: F.split(a, [1, 3], dim=1)[1], [((3, 4),)]),
    ("chunk", lambda a: F.chunk(a, 2, dim=0)[0], [((3, 4),)]),
    ("pad", lambda a: F.pad(a, (1, 2, 0, 1)), [((3, 4),)]),
    ("softmax", lambda a: F.softmax(a, dim=1), [((3, 4),)]),
    ("log_softmax", lambda a: F.log_softmax(a, dim=0), [((3, 4),)]),
    ("cross_entropy", _ce, [((5, 4), Indices(((5,), 4)))]),
    ("cross_entropy_smoothed", _ce_smooth, [((5, 4), Indices(((5,), 4)))]),
    ("nll_loss", lambda x, y: F.nll_loss(F.log_softmax(x, 1), y), [((5, 4), Indices(((5,), 4)))]),
    ("bce_with_logits", _bce, [((4, 3), Positive((4, 3)))]),
    ("mse_loss", F.mse_loss, [((3, 4), (3, 4))]),
    ("l1_loss", F.l1_loss, [((3, 4), (3, 4))]),
    ("linear", F.linear, [((5, 3), (4, 3), (4,)), ((2, 5, 3), (4, 3), (4,))]),
    ("layer_norm", lambda x, w, b: F.layer_norm(x, (4,), w, b), [((3, 4), (4,), (4,))]),
    ("batch_norm", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [((6, 3), (3,), (3,)), ((4, 3, 2), (3,), (3,))]),
    ("sigmoid_focal_loss", lambda x, t: F.sigmoid_focal_loss(x, t, reduction="mean"), [((4, 3), Positive((4, 3)))]),
    ("focal_loss", lambda x, y: F.focal_loss(x, y, gamma=2.0), [((5, 4), Indices(((5,), 4)))]),
    ("embedding", lambda w: F.embedding(np.array([[0, 2], [2, 1]]), w), [((3, 4),)]),
    ("dropout", lambda a: F.dropout(a, 0.3, generator=np.random.default_rng(0)), [((3, 4),)]),
]


def _make_inputs(case, rng):
    inputs = []
    for spec in case:
        if isinstance(spec, Indices):
            shape, high = spec
            inputs.append(Tensor(rng.integers(0, high, shape)))
        elif isinstance(spec, Positive):
            inputs.append(Tensor(rng.uniform(0.5, 2.5, tuple(spec)), requires_grad=True))
        elif isinstance(spec, tuple):
            values = rng.standard_normal(spec)
            values = np.where(np.abs(values) < 0.1, 0.1 + np.abs(values), values)  # stay off kinks
            inputs.append(Tensor(values, requires_grad=True))
        else:
            inputs.append(spec)
    if len(inputs) == 2 and isinstance(case[1], Positive) and case[1] == case[0]:
        inputs[1] = Tensor._wrap(inputs[1]._data / 3.0, requires_grad=True)  # bce targets must lie in [0, 1]
    return inputs


def run(verbose=True, out=print):
    """Gradcheck every op; print a table; return True when all pass."""
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    rows, all_ok = [], True
    for name, fn, cases in OPS:
        worst, ok = 0.0, True
        for case in cases:
            result = check_gradients(fn, _make_inputs(case, rng))
            worst = max(worst, result.max_rel_error)
            if not result.passed:
                ok = False
                if verbose:
                    out(f"  {name}: {result.message}")
        all_ok &= ok
        rows.append((name, len(cases), worst, ok))
    if verbose:
        out(f"{'op':<24}{'cases':>6}{'max rel err':>14}  result")
        for name, n, worst, ok in rows:
            out(f"{name:<24}{n:>6}{worst:>14.2e}  {'pass' if ok else 'FAIL'}")
        passed = sum(r[3] for r in rows)
        out(f"{passed}/{len(rows)} ops pass float64 gradcheck in {time.perf_counter() - start:.1f} s")
    return all_ok
