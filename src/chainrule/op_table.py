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


def _in_place_through_new_views(lib, a, b):
    y = a * 1
    y.diagonal().mul_(b[0, :3])  # diagonal, narrow, movedim and unfold are views: CopySlices replays them
    y.narrow(1, 2, 2).add_(b[:, :2])
    y.movedim(0, 1)[3].mul_(b[:, 3])
    y.unfold(1, 2, 2).mul_(b.unfold(1, 2, 2))
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
    OpRow("silu", lambda lib, a: lib.nn.functional.silu(a), [((3, 4),)]),
    OpRow("relu6", lambda lib, a: lib.nn.functional.relu6(a * 4), [((3, 4),)]),
    OpRow("selu", lambda lib, a: lib.selu(a), [((3, 4),)]),
    OpRow("celu", lambda lib, a: lib.celu(a, 0.7), [((3, 4),)]),
    OpRow("mish", lambda lib, a: lib.nn.functional.mish(a), [((3, 4),)]),
    OpRow("hardswish", lambda lib, a: lib.nn.functional.hardswish(a * 3), [((3, 4),)]),
    OpRow("hardsigmoid", lambda lib, a: lib.nn.functional.hardsigmoid(a * 3), [((3, 4),)]),
    OpRow("logsigmoid", lambda lib, a: lib.nn.functional.logsigmoid(a), [((3, 4),)]),
    OpRow("softsign", lambda lib, a: lib.nn.functional.softsign(a), [((3, 4),)]),
    OpRow("softmin", lambda lib, a: lib.nn.functional.softmin(a, dim=1), [((3, 4),)]),
    OpRow("tanhshrink", lambda lib, a: lib.nn.functional.tanhshrink(a), [((3, 4),)]),
    OpRow("softshrink", lambda lib, a: lib.nn.functional.softshrink(a, 0.05), [((3, 4),)]),
    OpRow("hardshrink", lambda lib, a: lib.hardshrink(a, 0.05), [((3, 4),)]),
    OpRow("threshold", lambda lib, a: lib.threshold(a, 0.05, -2.0), [((3, 4),)]),
    OpRow("glu", lambda lib, a: lib.nn.functional.glu(a, 0), [((4, 3),)]),
    OpRow("normalize", lambda lib, a: lib.nn.functional.normalize(a, dim=-1), [((3, 4),)]),
    OpRow("prelu", lambda lib, a, w: lib.prelu(a, w), [((3, 4), (1,)), ((2, 3, 4), (3,))]),
    OpRow("sum", lambda lib, a: a.sum(dim=1), [((3, 4),)]),
    OpRow("mean", lambda lib, a: a.mean(dim=(0, 2), keepdim=True), [((2, 3, 4),)]),
    OpRow("max", lambda lib, a: a.max(dim=-1).values, [((3, 4),)]),
    OpRow("min", lambda lib, a: a.min(), [((3, 4),)]),
    OpRow("var", lambda lib, a: a.var(dim=1), [((3, 4),)]),
    OpRow("std", lambda lib, a: a.std(dim=0, correction=0), [((3, 4),)]),
    OpRow("logsumexp", lambda lib, a: lib.logsumexp(a, dim=1), [((3, 4),)]),
    OpRow("norm", lambda lib, a: lib.norm(a, dim=1), [((3, 4),)]),
    OpRow("norm_p", lambda lib, a: lib.norm(a, 3, dim=(0, 2), keepdim=True), [((2, 3, 4),)]),
    OpRow("prod", lambda lib, a: lib.prod(a, 1), [((3, 4),)]),
    OpRow("prod_all", lambda lib, a: lib.prod(a), [((2, 3),)]),
    OpRow("amax", lambda lib, a: lib.amax(a, dim=(0, 2), keepdim=True), [((2, 3, 4),)]),
    OpRow("amin", lambda lib, a: lib.amin(a, -1), [((3, 4),)]),
    OpRow("aminmax", lambda lib, a: lib.aminmax(a, dim=0), [((3, 4),)]),
    OpRow("std_mean", lambda lib, a: lib.std_mean(a, dim=1), [((3, 4),)]),
    OpRow("var_mean", lambda lib, a: lib.var_mean(a, dim=(0, 1), correction=0), [((3, 4),)]),
    OpRow("cumsum", lambda lib, a: lib.cumsum(a, 1), [((3, 4),)]),
    OpRow("cumprod", lambda lib, a: lib.cumprod(a, 0), [((3, 4),)]),
    OpRow("logcumsumexp", lambda lib, a: lib.logcumsumexp(a, -1), [((3, 4),)]),
    OpRow("cummax", lambda lib, a: lib.cummax(a, 1).values, [((3, 4),)]),
    OpRow("cummin", lambda lib, a: lib.cummin(a, 0).values, [((3, 4),)]),
    OpRow("sort", lambda lib, a: lib.sort(a, 1, descending=True).values, [((3, 4),)]),
    OpRow("topk", lambda lib, a: lib.topk(a, 2, dim=0).values, [((3, 4),)]),
    OpRow("median", lambda lib, a: lib.median(a), [((3, 4),)]),
    OpRow("median_dim", lambda lib, a: lib.median(a, 1).values, [((3, 4),)]),
    OpRow("nanmedian", lambda lib, a: lib.nanmedian(a, 0, keepdim=True).values, [((3, 4),)]),
    OpRow("kthvalue", lambda lib, a: lib.kthvalue(a, 2, 1).values, [((3, 4),)]),
    OpRow("mode", lambda lib, a: lib.mode(a, 1).values, [((3, 4),)]),
    OpRow("quantile", lambda lib, a: lib.quantile(a, _f64(lib, [0.25, 0.5]), dim=1), [((3, 4),)]),
    OpRow("nanquantile", lambda lib, a: lib.nanquantile(a, 0.3, interpolation="midpoint"), [((3, 4),)]),
    OpRow("nansum", lambda lib, a: lib.nansum(a, 1), [((3, 4),)]),
    OpRow("nanmean", lambda lib, a: lib.nanmean(a, dim=0), [((3, 4),)]),
    OpRow("masked_select", lambda lib, a: lib.masked_select(a, lib.tensor([[True], [False], [True]])), [((3, 4),)]),
    OpRow("max_binary", lambda lib, a, b: lib.max(a, b), [((3, 4), (4,))]),
    OpRow("min_binary", lambda lib, a, b: a.min(b), [((3, 4), (3, 1))]),
    OpRow("norm_nuc", lambda lib, a: lib.norm(a, "nuc", dim=(0, 2)), [((3, 2, 4),)]),
    OpRow("matrix_norm_2", lambda lib, a: lib.linalg.matrix_norm(a, 2), [((2, 3, 4),)]),
    OpRow("matrix_norm_-2", lambda lib, a: lib.linalg.matrix_norm(a, -2, keepdim=True), [((4, 3),)]),
    OpRow("matrix_norm_inf", lambda lib, a: lib.linalg.matrix_norm(a, float("inf"), dim=(0, 2)), [((3, 2, 4),)]),
    OpRow("matrix_norm_1", lambda lib, a: lib.linalg.matrix_norm(a, 1), [((3, 4),)]),
    OpRow("linalg_norm", lambda lib, a: lib.linalg.norm(a), [((3, 4),)]),
    OpRow("vector_norm", lambda lib, a: lib.linalg.vector_norm(a, float("-inf"), dim=1), [((3, 4),)]),
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
    OpRow("repeat", lambda lib, a: a.repeat(2, 1, 3), [((3, 4),)]),
    OpRow("repeat_interleave", lambda lib, a: lib.repeat_interleave(a, lib.tensor([1, 0, 2]), dim=0), [((3, 4),)]),
    OpRow("tile", lambda lib, a: lib.tile(a, (2,)), [((3, 4),)]),
    OpRow("flip", lambda lib, a: lib.flip(a, (0, -1)), [((2, 3, 4),)]),
    OpRow("fliplr", lambda lib, a: lib.fliplr(a), [((3, 4),)]),
    OpRow("flipud", lambda lib, a: lib.flipud(a), [((3, 4),)]),
    OpRow("roll", lambda lib, a: lib.roll(a, (1, -2), (0, 2)), [((2, 3, 4),)]),
    OpRow("movedim", lambda lib, a: lib.movedim(a, 0, -1), [((2, 3, 4),)]),
    OpRow("narrow", lambda lib, a: lib.narrow(a, 1, 1, 2), [((3, 4),)]),
    OpRow("unbind", lambda lib, a: lib.unbind(a, 1), [((3, 4),)]),
    OpRow("unflatten", lambda lib, a: lib.unflatten(a, 1, (2, -1)), [((3, 4),)]),
    OpRow("diagonal", lambda lib, a: lib.diagonal(a, 1, 0, 2), [((3, 2, 4),)]),
    OpRow("diag", lambda lib, a: lib.diag(a, -1), [((4,),), ((3, 4),)]),
    OpRow("diag_embed", lambda lib, a: lib.diag_embed(a, 1, 0, 2), [((3, 4),)]),
    OpRow("tril", lambda lib, a: lib.tril(a, 1), [((2, 3, 4),)]),
    OpRow("triu", lambda lib, a: lib.triu(a, -1), [((3, 4),)]),
    OpRow("meshgrid", lambda lib, a, b: lib.meshgrid(a, b, indexing="xy"), [((3,), (4,))]),
    OpRow(
        "scatter", lambda lib, a, s: lib.scatter(a, 0, lib.tensor([[0, 1, 2, 0], [2, 0, 1, 1]]), s), [((3, 4), (2, 4))]
    ),
    OpRow(
        "scatter_add",
        lambda lib, a, s: lib.scatter_add(a, 1, lib.tensor([[0, 0], [3, 1], [2, 2]]), s),
        [((3, 4), (3, 2))],
    ),
    OpRow(
        "scatter_reduce_prod",
        lambda lib, a, s: lib.scatter_reduce(a, 0, lib.tensor([[0, 1, 2, 0], [0, 0, 2, 1]]), s, "prod"),
        [((3, 4), (2, 4))],
    ),
    OpRow(
        "scatter_reduce_amax",
        lambda lib, a, s: a.scatter_reduce(0, lib.tensor([[0, 1, 2, 0], [0, 0, 2, 1]]), s, "amax", include_self=False),
        [((3, 4), (2, 4))],
    ),
    OpRow(
        "scatter_reduce_mean",
        lambda lib, a, s: a.scatter_reduce(1, lib.tensor([[0, 0, 1], [3, 3, 3], [2, 1, 0]]), s, "mean"),
        [((3, 4), (3, 3))],
    ),
    OpRow("index_select", lambda lib, a: lib.index_select(a, 1, lib.tensor([3, 0, 3])), [((3, 4),)]),
    OpRow("index_add", lambda lib, a, s: lib.index_add(a, 0, lib.tensor([2, 0, 2]), s, alpha=2), [((3, 4), (3, 4))]),
    OpRow("index_copy", lambda lib, a, s: lib.index_copy(a, 1, lib.tensor([3, 0]), s), [((3, 4), (3, 2))]),
    OpRow("index_fill", lambda lib, a, v: lib.index_fill(a, 1, lib.tensor([3, 0, 3]), v), [((3, 4), ())]),
    OpRow("take", lambda lib, a: lib.take(a, lib.tensor([[0, -1], [5, 5]])), [((3, 4),)]),
    OpRow("take_along_dim", lambda lib, a: lib.take_along_dim(a, lib.tensor([[0, 3]]), dim=1), [((3, 4),)]),
    OpRow("rot90", lambda lib, a: lib.rot90(a, 1, (0, 2)), [((2, 3, 4),)]),
    OpRow("unfold", lambda lib, a: a.unfold(1, 2, 1), [((3, 4),)]),
    OpRow("pad_reflect", lambda lib, a: lib.nn.functional.pad(a, (2, 1, 1, -1), mode="reflect"), [((2, 3, 4),)]),
    OpRow("pad_replicate", lambda lib, a: lib.nn.functional.pad(a, (2, 1), mode="replicate"), [((2, 3, 4),)]),
    OpRow("pad_circular", lambda lib, a: lib.nn.functional.pad(a, (1, -1, 3, 1), mode="circular"), [((2, 3, 4),)]),
    OpRow("in_place_through_new_views", _in_place_through_new_views, [((3, 4), (3, 4))]),
    OpRow("bmm", lambda lib, a, b: lib.bmm(a, b), [((2, 3, 4), (2, 4, 5))]),
    OpRow("mm", lambda lib, a, b: lib.mm(a, b), [((3, 4), (4, 2))]),
    OpRow("mv", lambda lib, a, b: lib.mv(a, b), [((3, 4), (4,))]),
    OpRow("dot", lambda lib, a, b: lib.dot(a, b), [((4,), (4,))]),
    OpRow("outer", lambda lib, a, b: lib.outer(a, b), [((3,), (4,))]),
    OpRow("addmm", lambda lib, c, a, b: lib.addmm(c, a, b, beta=0.5, alpha=2), [((2,), (3, 4), (4, 2))]),
    OpRow("baddbmm", lambda lib, c, a, b: lib.baddbmm(c, a, b, alpha=-1), [((3, 1), (2, 3, 4), (2, 4, 5))]),
    OpRow(
        "einsum",
        lambda lib, a, b: lib.einsum("...ij,jk->...ki", a, b),
        [((2, 3, 4), (4, 5)), ((3, 4), (4, 2))],
    ),
    OpRow("einsum_diagonal", lambda lib, a: lib.einsum("iij->j", a), [((3, 3, 2),)]),
    OpRow("kron", lambda lib, a, b: lib.kron(a, b), [((2, 3), (3,))]),
    OpRow("cross", lambda lib, a, b: lib.cross(a, b, dim=-1), [((4, 3), (1, 3))]),
    OpRow("cdist", lambda lib, a, b: lib.cdist(a, b), [((3, 4), (5, 4)), ((2, 3, 4), (2, 2, 4))]),
    OpRow("cdist_p1", lambda lib, a, b: lib.cdist(a, b, p=1.0), [((3, 4), (5, 4))]),
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
    # PyTorch's functional spellings of the operators, aliases and the remaining Tensor methods
    OpRow("add_alpha", lambda lib, a, b: lib.add(a, b, alpha=2.0) + a.add(b), [((3, 4), (4,))]),
    OpRow("sub_alpha", lambda lib, a, b: lib.sub(a, b, alpha=0.5) + a.sub(b), [((3, 4), (4,))]),
    OpRow(
        "mul_div_functions",
        lambda lib, a, b: lib.mul(a, b) + lib.div(a, b) + a.mul(b) - a.div(b),
        [((3, 4), Positive((4,)))],
    ),
    OpRow(
        "neg_pow_functions",
        lambda lib, a, b: lib.neg(a) + lib.pow(b, a) + b.pow(2) - a.neg(),
        [((3, 4), Positive((3, 4)))],
    ),
    OpRow(
        "clip_concat",
        lambda lib, a, b: lib.concat([lib.clip(a, -0.5, 0.5), a.clip(max=0.2)], dim=0),
        [((3, 4), (3, 4))],
    ),
    OpRow("masked_fill", lambda lib, a: a.masked_fill(a.detach() > 0.5, 2.0), [((3, 4),)]),
    OpRow(
        "view_as_expand_as_t", lambda lib, a, b: a.view_as(b).t() + a.expand_as(a).view_as(b).t(), [((2, 6), (6, 2))]
    ),
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
    # --- attention ---
    OpRow(
        "attention",
        lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q, k, v),
        [((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7)), ((4, 5), (2, 1, 6, 5), (6, 3))],
    ),
    OpRow(
        "attention_float_mask",
        lambda lib, q, k, v, m: lib.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=m),
        [((2, 4, 3), (2, 5, 3), (2, 5, 3), (4, 5)), ((2, 2, 4, 3), (2, 2, 5, 3), (2, 2, 5, 2), (2, 1, 1, 5))],
    ),
    OpRow(
        "attention_bool_mask",
        lambda lib, q, k, v, m: lib.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=m),
        # the last query row attends to nothing: zeros out, zero gradient, as PyTorch
        [((2, 3, 3, 4), (2, 3, 4, 4), (2, 3, 4, 2), np.array([[1, 0, 1, 1], [0, 0, 1, 0], [0, 0, 0, 0]], bool))],
    ),
    OpRow(
        "attention_causal_scale",
        lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.7),
        [((2, 3, 4), (2, 5, 4), (2, 5, 3)), ((2, 5, 4), (2, 3, 4), (2, 3, 3))],
    ),
    OpRow(
        "attention_gqa",
        lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q, k, v, enable_gqa=True),
        [((2, 4, 3, 5), (2, 2, 6, 5), (2, 1, 6, 3))],
    ),
    # --- recurrent ---
    # torch's top-level recurrent functions: each layer-direction is one fused op (ops/recurrent.py),
    # checked padded and packed, one and two layers, uni- and bidirectional; outputs flattened into one.
    OpRow(
        "lstm",
        lambda lib, x, h, c, *w: lib.cat(
            [o.reshape(-1) for o in lib.lstm(x, [h, c], list(w), True, 1, 0.0, False, False, False)]
        ),
        [((4, 2, 3), (1, 2, 2), (1, 2, 2), (8, 3), (8, 2), (8,), (8,))],
    ),
    OpRow(
        "lstm_bidirectional_2_layers",
        lambda lib, x, h, c, *w: lib.cat(
            [o.reshape(-1) for o in lib.lstm(x, [h, c], list(w), False, 2, 0.0, False, True, True)]
        ),
        [((2, 3, 3), (4, 2, 2), (4, 2, 2)) + ((8, 3), (8, 2)) * 2 + ((8, 4), (8, 2)) * 2],
    ),
    OpRow(
        "lstm_packed",
        lambda lib, x, sizes, h, c, *w: lib.cat(
            [o.reshape(-1) for o in lib.lstm(x, sizes, [h, c], list(w), True, 1, 0.0, False, True)]
        ),
        [((6, 3), np.array([3, 2, 1]), (2, 3, 2), (2, 3, 2)) + ((8, 3), (8, 2), (8,), (8,)) * 2],
    ),
    OpRow(
        "gru",
        lambda lib, x, h, *w: lib.cat(
            [o.reshape(-1) for o in lib.gru(x, h, list(w), True, 1, 0.0, False, True, False)]
        ),
        [((4, 2, 3), (2, 2, 2)) + ((6, 3), (6, 2), (6,), (6,)) * 2],
    ),
    OpRow(
        "gru_packed_2_layers",
        lambda lib, x, sizes, h, *w: lib.cat(
            [o.reshape(-1) for o in lib.gru(x, sizes, h, list(w), True, 2, 0.0, False, False)]
        ),
        [((5, 3), np.array([2, 2, 1]), (2, 2, 2), (6, 3), (6, 2), (6,), (6,), (6, 2), (6, 2), (6,), (6,))],
    ),
    OpRow(
        "rnn_tanh",
        lambda lib, x, h, *w: lib.cat(
            [o.reshape(-1) for o in lib.rnn_tanh(x, h, list(w), True, 2, 0.0, False, False, True)]
        ),
        [((2, 4, 3), (2, 2, 2), (2, 3), (2, 2), (2,), (2,), (2, 2), (2, 2), (2,), (2,))],
    ),
    OpRow(
        "rnn_relu_packed",
        lambda lib, x, sizes, h, *w: lib.cat(
            [o.reshape(-1) for o in lib.rnn_relu(x, sizes, h, list(w), True, 1, 0.0, False, True)]
        ),
        [((6, 3), np.array([3, 2, 1]), (2, 3, 2)) + ((2, 3), (2, 2), (2,), (2,)) * 2],
    ),
    OpRow(
        "lstm_cell",
        lambda lib, x, h, c, *w: lib.cat([o.reshape(-1) for o in lib.lstm_cell(x, (h, c), *w)]),
        [((3, 4), (3, 2), (3, 2), (8, 4), (8, 2), (8,), (8,)), ((3, 4), (3, 2), (3, 2), (8, 4), (8, 2))],
    ),
    OpRow("gru_cell", lambda lib, x, h, *w: lib.gru_cell(x, h, *w), [((3, 4), (3, 2), (6, 4), (6, 2), (6,), (6,))]),
    OpRow(
        "rnn_tanh_cell",
        lambda lib, x, h, *w: lib.rnn_tanh_cell(x, h, *w),
        [((3, 4), (3, 2), (2, 4), (2, 2), (2,), (2,))],
    ),
    OpRow("rnn_relu_cell", lambda lib, x, h, *w: lib.rnn_relu_cell(x, h, *w), [((3, 4), (3, 2), (2, 4), (2, 2))]),
    # LSTM with a projection (nn.LSTM's proj_size): h_0 (P = 2) narrower than c_0 (H = 3), and
    # params w_ih, w_hh (4H, P), b_ih, b_hh, w_hr (P, H) per layer-direction, as torch.lstm takes them.
    OpRow(
        "lstm_proj_bidirectional",
        lambda lib, x, h, c, *w: lib.cat(
            [o.reshape(-1) for o in lib.lstm(x, [h, c], list(w), True, 1, 0.0, False, True, False)]
        ),
        [((4, 2, 3), (2, 2, 2), (2, 2, 3)) + ((12, 3), (12, 2), (12,), (12,), (2, 3)) * 2],
    ),
    # --- convolution ---
    OpRow(
        "conv2d",
        lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, padding=1),
        [((2, 3, 5, 4), (4, 3, 3, 3), (4,)), ((3, 4, 5), (2, 3, 2, 3), (2,))],  # batched and unbatched
    ),
    OpRow(
        "conv2d_strided_dilated",
        lambda lib, x, w: lib.conv2d(x, w, stride=(2, 1), padding=(1, 2), dilation=(2, 1)),
        [((2, 2, 7, 6), (3, 2, 3, 2))],
    ),
    OpRow(
        "conv2d_grouped_same",
        lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, padding="same", groups=2, dilation=2),
        [((1, 4, 5, 6), (6, 2, 2, 3), (6,))],  # an even kernel: 'same' pads one more at the end
    ),
    OpRow(
        "conv2d_depthwise",
        lambda lib, x, w: lib.nn.functional.conv2d(x, w, stride=2, padding="valid", groups=3),
        [((2, 3, 6, 5), (6, 1, 3, 3))],
    ),
    OpRow(
        "conv1d",
        lambda lib, x, w, b: lib.conv1d(x, w, b, stride=2, padding=2, dilation=2, groups=2),
        [((2, 4, 9), (6, 2, 3), (6,)), ((4, 7), (2, 2, 2), (2,))],
    ),
    OpRow(
        "max_pool2d",
        lambda lib, x: lib.nn.functional.max_pool2d(x, 3, stride=2, padding=1),
        [((2, 3, 5, 6),), ((2, 5, 5),)],
    ),
    OpRow(
        "max_pool2d_dilated_ceil",
        lambda lib, x: lib.max_pool2d(x, (2, 3), (2, 1), (1, 1), dilation=(2, 1), ceil_mode=True),
        [((1, 2, 6, 5),)],
    ),
    OpRow(
        "max_pool2d_indices",
        lambda lib, x: lib.nn.functional.max_pool2d(x, 2, return_indices=True)[0],
        [((1, 2, 5, 4),)],
    ),
    OpRow("max_pool1d", lambda lib, x: lib.max_pool1d(x, 3, 2, 1, ceil_mode=True), [((2, 3, 8),)]),
    OpRow(
        "avg_pool2d",
        lambda lib, x: lib.nn.functional.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
        [((2, 3, 6, 5),), ((2, 4, 4),)],
    ),
    OpRow(
        "avg_pool2d_include_pad",
        lambda lib, x: lib.nn.functional.avg_pool2d(x, (2, 3), 1, (1, 1), divisor_override=None),
        [((1, 2, 4, 5),)],
    ),
    OpRow(
        "avg_pool2d_divisor",
        lambda lib, x: lib.nn.functional.avg_pool2d(x, 2, padding=1, divisor_override=3),
        [((1, 2, 5, 5),)],
    ),
    OpRow("avg_pool1d", lambda lib, x: lib.avg_pool1d(x, 3, 2, 1, ceil_mode=True), [((2, 3, 8),)]),
    OpRow(
        "adaptive_avg_pool2d",
        lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, (3, None)),
        [((2, 3, 7, 5),), ((2, 5, 4),)],
    ),
    OpRow(
        "adaptive_max_pool2d",
        lambda lib, x: lib.nn.functional.adaptive_max_pool2d(x, (3, 4)),
        [((2, 2, 7, 5),)],
    ),
    OpRow(
        "adaptive_pool1d",
        lambda lib, x: lib.adaptive_avg_pool1d(x, 3) + lib.nn.functional.adaptive_max_pool1d(x, 3),
        [((2, 3, 8),), ((3, 7),)],
    ),
    # a channel mask from a NumPy generator is not torch's (tests/ops/test_conv.py compares the rule)
    OpRow(
        "dropout2d",
        lambda lib, a: lib.nn.functional.dropout2d(a, 0.4, generator=np.random.default_rng(0)),
        [((3, 4, 2, 2),)],
        torch=False,
    ),
    OpRow(
        "dropout1d",
        lambda lib, a: lib.nn.functional.dropout1d(a, 0.4, generator=np.random.default_rng(0)),
        [((3, 4, 5),)],
        torch=False,
    ),
    OpRow(
        "multi_head_attention",  # self-attention, (L, N, E): the output and the head-averaged weights
        lambda lib, q, w, b, ow, ob: lib.nn.functional.multi_head_attention_forward(
            q, q, q, 4, 2, w, b, None, None, False, 0.0, ow, ob
        ),
        [((3, 2, 4), (12, 4), (12,), (4, 4), (4,))],
    ),
    OpRow(
        "multi_head_attention_kv",  # cross-attention through the fused op: bias_k/v, zero key, float mask
        lambda lib, q, k, w, b, bk, bv, ow, ob, m: lib.nn.functional.multi_head_attention_forward(
            q, k, k, 4, 2, w, b, bk, bv, True, 0.0, ow, ob, attn_mask=m, need_weights=False
        )[0],
        [((3, 2, 4), (5, 2, 4), (12, 4), (12,), (1, 1, 4), (1, 1, 4), (4, 4), (4,), (3, 5))],
    ),
]
