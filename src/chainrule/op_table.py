"""The op table: one row per differentiable op, the single list every op check reads.

``chainrule check`` (``selfcheck.run``) gradchecks each row in float64 on the user's machine, and
``tests/test_op_table.py`` runs the same rows against PyTorch (forward values and every input's
gradient) and checks that the table, the ``Function`` classes in ``chainrule.ops`` and the names
in ``chainrule.functional`` have not drifted apart. Adding an op therefore means one row here
(see docs/architecture.md, "Add an op").

A row's function takes the library first, ``fn(lib, *inputs)``, and is written once: ``lib`` is
the ``chainrule`` package for the self-check and ``torch`` for the parity test. chainrule's
names and arguments are PyTorch's, so the same line runs on both; ``torch=False`` marks the few
rows with no PyTorch twin of that spelling (chainrule's own focal loss, a seeded dropout mask).

A case is a tuple of input specs: a tuple of ints is a float64 input of that shape that requires
grad (drawn away from kinks, |x| >= 0.1), ``Positive(shape)`` one drawn from [0.5, 2.5),
``Indices((shape, high))`` an int64 input of class indices, and anything else is passed as is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["OPS", "Indices", "OpRow", "Positive", "make_arrays"]


class Positive(tuple):
    """Shape marker: draw this input from [0.5, 2.5)."""


class Indices(tuple):
    """(shape, high) marker: an int64 input of class indices in [0, high), no gradient."""


@dataclass(frozen=True)
class OpRow:
    """One op (or one configuration of it) and the input shapes to check it on.

    Args:
        name: the row's name, as printed by ``chainrule check``.
        fn: ``fn(lib, *inputs)``, written once for chainrule and PyTorch.
        cases: tuples of input specs (see the module docstring).
        torch: whether ``fn(torch, ...)`` is the PyTorch twin to compare with.
    """

    name: str
    fn: object
    cases: tuple
    torch: bool = True


def make_arrays(case, rng):
    """NumPy inputs for one case: float64 arrays for shapes, int64 for ``Indices``, the rest as is."""
    arrays = []
    for spec in case:
        if isinstance(spec, Indices):
            shape, high = spec
            arrays.append(rng.integers(0, high, shape))
        elif isinstance(spec, Positive):
            arrays.append(rng.uniform(0.5, 2.5, tuple(spec)))
        elif isinstance(spec, tuple):
            values = rng.standard_normal(spec)
            arrays.append(np.where(np.abs(values) < 0.1, 0.1 + np.abs(values), values))  # off kinks
        else:
            arrays.append(spec)
    if len(arrays) == 2 and isinstance(case[1], Positive) and case[1] == case[0]:
        arrays[1] = arrays[1] / 3.0  # a second positive input of the same shape is a BCE target in [0, 1]
    return arrays


def _f64(lib, values):
    return lib.tensor(values, dtype=lib.float64)


def _in_place_on_a_view(lib, a, b):
    y = a * 1
    y[1:3] *= b[1:3]  # a view written in place: CopySlices
    y[0] = b[0]  # a slice assigned: the overwritten row gets no gradient
    y[lib.tensor([True, False, True])] += 1  # a masked write (index_put)
    return y


OPS = [
    OpRow("add", lambda lib, a, b: a + b, [((3, 4), (4,)), ((2, 1, 3), (4, 1))]),
    OpRow("sub", lambda lib, a, b: a - b, [((3, 4), (3, 1))]),
    OpRow("mul", lambda lib, a, b: a * b, [((3, 4), (4,)), ((), (2, 3))]),
    OpRow("div", lambda lib, a, b: a / b, [((3, 4), Positive((4,)))]),
    OpRow("neg", lambda lib, a: -a, [((3, 4),)]),
    OpRow("pow", lambda lib, a, b: a**b, [(Positive((3, 4)), (3, 4))]),
    OpRow("pow_scalar", lambda lib, a: a**3, [((3, 4),)]),
    OpRow("exp", lambda lib, a: lib.exp(a), [((3, 4),)]),
    OpRow("log", lambda lib, a: lib.log(a), [(Positive((3, 4)),)]),
    OpRow("sqrt", lambda lib, a: lib.sqrt(a), [(Positive((3, 4)),)]),
    OpRow("abs", lambda lib, a: lib.abs(a), [((3, 4),)]),
    OpRow("sin", lambda lib, a: lib.sin(a), [((3, 4),)]),
    OpRow("cos", lambda lib, a: lib.cos(a), [((3, 4),)]),
    OpRow("tan", lambda lib, a: lib.tan(a / 2), [((3, 4),)]),
    OpRow("asin", lambda lib, a: lib.asin(a / 5), [((3, 4),)]),
    OpRow("acos", lambda lib, a: lib.acos(a / 5), [((3, 4),)]),
    OpRow("atan", lambda lib, a: lib.atan(a), [((3, 4),)]),
    OpRow("sinh", lambda lib, a: lib.sinh(a), [((3, 4),)]),
    OpRow("cosh", lambda lib, a: lib.cosh(a), [((3, 4),)]),
    OpRow("asinh", lambda lib, a: lib.asinh(a), [((3, 4),)]),
    OpRow("acosh", lambda lib, a: lib.acosh(a + 1), [(Positive((3, 4)),)]),
    OpRow("atanh", lambda lib, a: lib.atanh(a / 5), [((3, 4),)]),
    OpRow("log2", lambda lib, a: lib.log2(a), [(Positive((3, 4)),)]),
    OpRow("log10", lambda lib, a: lib.log10(a), [(Positive((3, 4)),)]),
    OpRow("log1p", lambda lib, a: lib.log1p(a), [(Positive((3, 4)),)]),
    OpRow("exp2", lambda lib, a: lib.exp2(a), [((3, 4),)]),
    OpRow("expm1", lambda lib, a: lib.expm1(a), [((3, 4),)]),
    OpRow("rsqrt", lambda lib, a: lib.rsqrt(a), [(Positive((3, 4)),)]),
    OpRow("reciprocal", lambda lib, a: lib.reciprocal(a), [(Positive((3, 4)),)]),
    OpRow("square", lambda lib, a: lib.square(a), [((3, 4),)]),
    OpRow("erf", lambda lib, a: lib.erf(a), [((3, 4),)]),
    OpRow("erfc", lambda lib, a: lib.erfc(a), [((3, 4),)]),
    OpRow("erfinv", lambda lib, a: lib.erfinv(a / 5), [((3, 4),)]),
    # piecewise constant: a recorded node whose gradient is 0 (+ a, so the sum's gradient is 1)
    OpRow("floor", lambda lib, a: lib.floor(a) + a, [((3, 4),)]),
    OpRow("ceil", lambda lib, a: lib.ceil(a), [((3, 4),)]),
    OpRow("round", lambda lib, a: lib.round(a), [((3, 4),)]),
    OpRow("round_decimals", lambda lib, a: lib.round(a, decimals=1), [((3, 4),)]),
    OpRow("trunc", lambda lib, a: lib.trunc(a), [((3, 4),)]),
    OpRow("frac", lambda lib, a: lib.frac(a), [((3, 4),)]),
    OpRow("sign", lambda lib, a: lib.sign(a), [((3, 4),)]),
    OpRow("sgn", lambda lib, a: lib.sgn(a) * 2 + a, [((3, 4),)]),  # torch: a ZeroTensor gradient alone
    OpRow("atan2", lambda lib, a, b: lib.atan2(a, b), [((3, 4), (4,))]),
    OpRow("copysign", lambda lib, a, b: lib.copysign(a, b) + b, [((3, 4), (3, 4))]),
    OpRow("logaddexp", lambda lib, a, b: lib.logaddexp(a, b), [((3, 4), (3, 1))]),
    OpRow("logaddexp2", lambda lib, a, b: lib.logaddexp2(a, b), [((3, 4), (4,))]),
    OpRow("fmod", lambda lib, a, b: lib.fmod(a * 3, b), [((3, 4), Positive((4,)))]),
    OpRow("fmod_scalar", lambda lib, a: lib.fmod(a * 3, -1.3), [((3, 4),)]),
    OpRow("remainder", lambda lib, a, b: (a * 3) % b, [((3, 4), Positive((3, 1)))]),
    OpRow("remainder_scalar", lambda lib, a: lib.remainder(a * 3, 1.3), [((3, 4),)]),
    OpRow("lerp", lambda lib, a, b, w: lib.lerp(a, b, w), [((3, 4), (3, 4), (4,))]),
    OpRow("lerp_scalar", lambda lib, a, b: lib.lerp(a, b, 0.7), [((3, 4), (4,))]),
    OpRow("hypot", lambda lib, a, b: lib.hypot(a, b), [((3, 4), (3, 1))]),
    OpRow("xlogy", lambda lib, a, b: lib.xlogy(a, b), [((3, 4), Positive((4,)))]),
    OpRow("clamp", lambda lib, a: lib.clamp(a, -0.5, 0.5), [((3, 4),)]),
    OpRow("maximum", lambda lib, a, b: lib.maximum(a, b), [((3, 4), (4,))]),
    OpRow("minimum", lambda lib, a, b: lib.minimum(a, b), [((3, 4), (4,))]),
    OpRow("where", lambda lib, a, b: lib.where(a.detach() > 0, a, b), [((3, 4), (3, 4))]),
    OpRow("tanh", lambda lib, a: lib.tanh(a), [((3, 4),)]),
    OpRow("hardtanh", lambda lib, a: lib.nn.functional.hardtanh(a, -0.5, 0.8), [((3, 4),)]),
    OpRow("sigmoid", lambda lib, a: lib.sigmoid(a), [((3, 4),)]),
    OpRow("relu", lambda lib, a: lib.relu(a), [((3, 4),)]),
    OpRow("leaky_relu", lambda lib, a: lib.nn.functional.leaky_relu(a, 0.1), [((3, 4),)]),
    OpRow("elu", lambda lib, a: lib.nn.functional.elu(a), [((3, 4),)]),
    OpRow("gelu", lambda lib, a: lib.nn.functional.gelu(a), [((3, 4),)]),
    OpRow("gelu_tanh", lambda lib, a: lib.nn.functional.gelu(a, approximate="tanh"), [((3, 4),)]),
    OpRow("softplus", lambda lib, a: lib.nn.functional.softplus(a), [((3, 4),)]),
    OpRow("sum", lambda lib, a: a.sum(dim=1), [((3, 4),)]),
    OpRow("mean", lambda lib, a: a.mean(dim=(0, 2), keepdim=True), [((2, 3, 4),)]),
    OpRow("max", lambda lib, a: a.max(dim=-1).values, [((3, 4),)]),
    OpRow("min", lambda lib, a: a.min(), [((3, 4),)]),
    OpRow("var", lambda lib, a: a.var(dim=1), [((3, 4),)]),
    OpRow("std", lambda lib, a: a.std(dim=0, correction=0), [((3, 4),)]),
    OpRow("logsumexp", lambda lib, a: lib.logsumexp(a, dim=1), [((3, 4),)]),
    OpRow("norm", lambda lib, a: lib.norm(a, dim=1), [((3, 4),)]),
    OpRow("norm_p", lambda lib, a: lib.norm(a, 3, dim=(0, 2), keepdim=True), [((2, 3, 4),)]),
    OpRow("matmul", lambda lib, a, b: lib.matmul(a, b), [((3, 4), (4, 2)), ((2, 1, 3, 4), (5, 4, 2)), ((4,), (4, 3))]),
    OpRow("reshape", lambda lib, a: a.reshape(4, -1), [((3, 4),)]),
    OpRow("view", lambda lib, a: a.view(2, 6), [((3, 4),)]),
    OpRow("transpose", lambda lib, a: a.transpose(0, -1), [((2, 3, 4),)]),
    OpRow("permute", lambda lib, a: a.permute(2, 0, 1), [((2, 3, 4),)]),
    OpRow("expand", lambda lib, a: a.expand(2, 3, 4), [((3, 1),)]),
    OpRow("squeeze", lambda lib, a: a.squeeze(1), [((3, 1, 4),)]),
    OpRow("unsqueeze", lambda lib, a: a.unsqueeze(-1), [((3, 4),)]),
    OpRow("flatten", lambda lib, a: lib.flatten(a, 1), [((2, 3, 4),)]),
    OpRow("getitem", lambda lib, a: a[lib.tensor([0, 0, 2]), 1:3], [((3, 4),)]),
    OpRow("gather", lambda lib, a: lib.gather(a, 1, lib.tensor([[0, 0], [1, 3], [2, 2]])), [((3, 4),)]),
    OpRow("cat", lambda lib, a, b: lib.cat([a, b], dim=1), [((3, 4), (3, 2))]),
    OpRow("stack", lambda lib, a, b: lib.stack([a, b], dim=-1), [((3, 4), (3, 4))]),
    OpRow("split", lambda lib, a: lib.split(a, [1, 3], dim=1)[1], [((3, 4),)]),
    OpRow("chunk", lambda lib, a: lib.chunk(a, 2, dim=0)[0], [((3, 4),)]),
    OpRow("pad", lambda lib, a: lib.nn.functional.pad(a, (1, 2, 0, 1)), [((3, 4),)]),
    OpRow("clone", lambda lib, a: a.clone() * a, [((3, 4),)]),
    OpRow("in_place_on_a_view", _in_place_on_a_view, [((3, 4), (3, 4))]),
    OpRow("softmax", lambda lib, a: lib.softmax(a, dim=1), [((3, 4),)]),
    OpRow("log_softmax", lambda lib, a: lib.log_softmax(a, dim=0), [((3, 4),)]),
    OpRow("cross_entropy", lambda lib, x, y: lib.nn.functional.cross_entropy(x, y), [((5, 4), Indices(((5,), 4)))]),
    OpRow(
        "cross_entropy_smoothed",
        lambda lib, x, y: lib.nn.functional.cross_entropy(
            x, y, label_smoothing=0.1, weight=_f64(lib, [1.0, 2.0, 0.5, 1.5])
        ),
        [((5, 4), Indices(((5,), 4)))],
    ),
    OpRow(
        "nll_loss",
        lambda lib, x, y: lib.nn.functional.nll_loss(lib.log_softmax(x, 1), y),
        [((5, 4), Indices(((5,), 4)))],
    ),
    OpRow(
        "bce_with_logits",
        lambda lib, x, t: lib.nn.functional.binary_cross_entropy_with_logits(
            x, t, pos_weight=_f64(lib, [2.0, 0.5, 1.0])
        ),
        [((4, 3), Positive((4, 3)))],
    ),
    OpRow(
        "binary_cross_entropy",
        lambda lib, p, t: lib.nn.functional.binary_cross_entropy(lib.sigmoid(p), t),
        [((4, 3), Positive((4, 3)))],
    ),
    OpRow("mse_loss", lambda lib, a, b: lib.nn.functional.mse_loss(a, b), [((3, 4), (3, 4))]),
    OpRow("l1_loss", lambda lib, a, b: lib.nn.functional.l1_loss(a, b), [((3, 4), (3, 4))]),
    OpRow(
        "linear",
        lambda lib, x, w, b: lib.nn.functional.linear(x, w, b),
        [((5, 3), (4, 3), (4,)), ((2, 5, 3), (4, 3), (4,))],
    ),
    OpRow("layer_norm", lambda lib, x, w, b: lib.nn.functional.layer_norm(x, (4,), w, b), [((3, 4), (4,), (4,))]),
    OpRow(
        "batch_norm",
        lambda lib, x, w, b: lib.nn.functional.batch_norm(x, None, None, w, b, training=True),
        [((6, 3), (3,), (3,)), ((4, 3, 2), (3,), (3,))],
    ),
    OpRow("embedding", lambda lib, w: lib.nn.functional.embedding(lib.tensor([[0, 2], [2, 1]]), w), [((3, 4),)]),
    # No PyTorch twin of this spelling: torchvision owns sigmoid_focal_loss, focal_loss is ours,
    # and a dropout mask from a NumPy generator is not torch's.
    OpRow(
        "sigmoid_focal_loss",
        lambda lib, x, t: lib.nn.functional.sigmoid_focal_loss(x, t, reduction="mean"),
        [((4, 3), Positive((4, 3)))],
        torch=False,
    ),
    OpRow(
        "focal_loss",
        lambda lib, x, y: lib.nn.functional.focal_loss(x, y, gamma=2.0),
        [((5, 4), Indices(((5,), 4)))],
        torch=False,
    ),
    OpRow(
        "dropout",
        lambda lib, a: lib.nn.functional.dropout(a, 0.3, generator=np.random.default_rng(0)),
        [((3, 4),)],
        torch=False,
    ),
]
