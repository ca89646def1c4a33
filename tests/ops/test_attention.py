"""F.scaled_dot_product_attention (ops/attention.py) against torch: values and every gradient
(the mask's too) under broadcasting, masks, causal masking, GQA, empty and size-1 dims,
non-contiguous inputs and both float dtypes; dropout statistics; errors of torch's types."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from optest import check_op

import chainrule as cr
import chainrule.functional as F

DTYPES = [np.float64, np.float32]


def _randn(*shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _check(shapes, mask=None, dtype=np.float64, **kwargs):
    """check_op on (query, key, value[, mask]) of these shapes; a float mask requires grad."""
    arrays = [_randn(*s, dtype=dtype, seed=i) for i, s in enumerate(shapes)]
    if mask is not None:
        arrays.append(mask)

    def call(lib_f):
        return lambda q, k, v, *m: lib_f(q, k, v, attn_mask=m[0] if m else None, **kwargs)

    return check_op(call(F.scaled_dot_product_attention), call(TF.scaled_dot_product_attention), *arrays)


SHAPES = {
    "batch-heads": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7)),
    "2d": ((4, 5), (6, 5), (6, 3)),
    "query-broadcast": ((4, 5), (2, 3, 6, 5), (6, 7)),
    "size-1-batch": ((1, 4, 5), (2, 6, 5), (2, 6, 7)),
    "value-adds-batch": ((4, 5), (6, 5), (2, 6, 7)),
    "heads-broadcast": ((3, 4, 5), (2, 1, 6, 5), (2, 3, 6, 7)),
    "L=1": ((2, 1, 5), (2, 6, 5), (2, 6, 3)),
    "S=1": ((2, 4, 5), (2, 1, 5), (2, 1, 3)),
    "E=1": ((2, 4, 1), (2, 6, 1), (2, 6, 3)),
    "empty-L": ((2, 0, 5), (2, 6, 5), (2, 6, 7)),
    "empty-S": ((2, 4, 5), (2, 0, 5), (2, 0, 7)),
    "empty-E": ((2, 4, 0), (2, 6, 0), (2, 6, 7)),
    "empty-Ev": ((2, 4, 5), (2, 6, 5), (2, 6, 0)),
    "empty-batch": ((0, 4, 5), (0, 6, 5), (0, 6, 7)),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", SHAPES)
def test_matches_torch_under_broadcasting_and_edge_sizes(name, dtype):
    out = _check(SHAPES[name], dtype=dtype)[0]
    assert out.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mask_shape", [(4, 6), (1, 6), (4, 1), (3, 1, 6), (2, 1, 4, 6), (2, 3, 4, 6)])
def test_float_mask_is_added_and_gets_its_gradient(mask_shape, dtype):
    _check(SHAPES["batch-heads"], mask=_randn(*mask_shape, dtype=dtype, seed=7), dtype=dtype)


@pytest.mark.parametrize("mask_shape", [(4, 6), (1, 6), (3, 1, 6), (2, 1, 4, 6)])
def test_bool_mask_true_takes_part(mask_shape):
    mask = np.random.default_rng(3).random(mask_shape) > 0.3
    _check(SHAPES["batch-heads"], mask=mask)


@pytest.mark.parametrize("dtype", DTYPES)
def test_fully_masked_rows_give_zeros_and_zero_gradient(dtype):
    mask = np.random.default_rng(4).random((2, 1, 4, 6)) > 0.4
    mask[0, 0, 1] = False  # query row 1 of batch 0 attends to nothing
    mask[1, 0, 3] = False
    out = _check(SHAPES["batch-heads"], mask=mask, dtype=dtype)[0].detach().numpy()
    np.testing.assert_array_equal(out[0, :, 1], 0)
    additive = np.where(mask, 0.0, -np.inf).astype(dtype)
    floats = _check(SHAPES["batch-heads"], mask=additive, dtype=dtype)[0].detach().numpy()
    np.testing.assert_allclose(floats, out, rtol=1e-6, atol=1e-7)
    assert np.isfinite(floats).all()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("length,source", [(4, 4), (3, 6), (6, 3), (1, 5)])
def test_causal_is_top_left_aligned_when_lengths_differ(length, source, dtype):
    shapes = ((2, 2, length, 5), (2, 2, source, 5), (2, 2, source, 3))
    causal = _check(shapes, is_causal=True, dtype=dtype)[0].detach().numpy()
    tril = np.tri(length, source, dtype=bool)
    explicit = _check(shapes, mask=tril, dtype=dtype)[0].detach().numpy()
    np.testing.assert_allclose(causal, explicit, rtol=1e-6)


@pytest.mark.parametrize("scale", [0.3, 0.0, -1.5, 2.0])
def test_explicit_scale(scale):
    _check(SHAPES["batch-heads"], scale=scale)


def test_one_dimensional_and_float32_masks_as_torchs_math_path():
    # torch takes a (S,) mask for 2-d and 3-d inputs (its 4-d fused path alone refuses one), and
    # a float32 mask on float64 inputs; the mask's gradient keeps the mask's dtype
    _check(((2, 4, 5), (2, 6, 5), (2, 6, 7)), mask=_randn(6, seed=3))
    _check(((2, 4, 5), (2, 6, 5), (2, 6, 7)), mask=np.random.default_rng(1).random(6) > 0.5)
    mask = cr.tensor(_randn(4, 6, dtype=np.float32), requires_grad=True)
    q, k, v = (cr.tensor(_randn(2, n, 5, seed=i), requires_grad=True) for i, n in enumerate((4, 6, 6)))
    F.scaled_dot_product_attention(q, k, v, attn_mask=mask).sum().backward()
    assert mask.grad.dtype == np.float32 and q.grad.dtype == np.float64


def test_scale_and_causal_and_float_mask_together():
    _check(SHAPES["batch-heads"], mask=_randn(4, 6, seed=9), scale=0.5)
    _check(SHAPES["batch-heads"], is_causal=True, scale=0.25)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "shapes",
    [
        ((2, 6, 4, 5), (2, 2, 6, 5), (2, 2, 6, 7)),
        ((2, 6, 4, 5), (2, 3, 6, 5), (2, 1, 6, 7)),
        ((6, 4, 5), (2, 6, 5), (2, 6, 3)),
    ],
)
def test_grouped_query_attention_shares_key_value_heads(shapes, dtype):
    _check(shapes, enable_gqa=True, dtype=dtype)


def test_gqa_with_mask_and_equal_heads():
    _check(((2, 4, 3, 5), (2, 2, 6, 5), (2, 2, 6, 7)), mask=_randn(4, 3, 6, seed=2), enable_gqa=True)
    _check(SHAPES["batch-heads"], enable_gqa=True)


def test_non_contiguous_inputs():
    # (B, L, H, E) memory read as (B, H, L, E), as a model's head split gives, and a transposed key
    query = _randn(2, 4, 3, 5, seed=1).transpose(0, 2, 1, 3)
    key = _randn(2, 3, 5, 6, seed=2).transpose(0, 1, 3, 2)
    value = _randn(2, 3, 6, 14, seed=3)[..., ::2]  # a strided last axis
    mask = _randn(6, 4, seed=4).T
    assert not any(a.flags.c_contiguous for a in (query, key, value, mask))
    check_op(
        lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
        lambda q, k, v, m: TF.scaled_dot_product_attention(q, k, v, attn_mask=m),
        query,
        key,
        value,
        mask,
    )


def test_tensor_inputs_need_no_grad_and_self_attention_on_one_tensor():
    x = cr.tensor(_randn(2, 4, 5, seed=11), requires_grad=True)
    out = F.scaled_dot_product_attention(x, x, x)
    xt = torch.tensor(x.detach().numpy(), requires_grad=True)
    ref = TF.scaled_dot_product_attention(xt, xt, xt)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-7)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-7, atol=1e-10)
    frozen = F.scaled_dot_product_attention(cr.tensor(_randn(4, 5)), cr.tensor(_randn(6, 5)), cr.tensor(_randn(6, 2)))
    assert not frozen.requires_grad


# ----------------------------------------------------------------------------- dropout
def _dropout_setup(dropout_p, seed):
    """Value = identity, so the output *is* the dropped attention weights, and their ratio to the
    undropped weights is the mask D / (1 - p)."""
    rng = np.random.default_rng(seed)
    query, key = rng.standard_normal((8, 4, 32, 16)), rng.standard_normal((8, 4, 32, 16))
    value = np.broadcast_to(np.eye(32), (8, 4, 32, 32)).copy()
    cr.manual_seed(seed)
    dropped = F.scaled_dot_product_attention(cr.tensor(query), cr.tensor(key), cr.tensor(value), dropout_p=dropout_p)
    plain = F.scaled_dot_product_attention(cr.tensor(query), cr.tensor(key), cr.tensor(value))
    return query, key, value, dropped.detach().numpy(), plain.detach().numpy()


@pytest.mark.parametrize("dropout_p", [0.1, 0.5, 0.8])
def test_dropout_keeps_one_minus_p_and_rescales(dropout_p):
    *_, dropped, plain = _dropout_setup(dropout_p, seed=1)
    ratio = dropped / plain
    kept = ratio != 0
    n = ratio.size
    assert abs(kept.sum() - n * (1 - dropout_p)) < 5 * np.sqrt(n * dropout_p * (1 - dropout_p))
    np.testing.assert_allclose(ratio[kept], 1 / (1 - dropout_p), rtol=1e-9)


def test_dropout_gradient_uses_the_same_mask():
    dropout_p = 0.4
    query, key, value, dropped, plain = _dropout_setup(dropout_p, seed=2)
    scaled_mask = torch.from_numpy(dropped / plain)
    cr.manual_seed(2)
    ours = [cr.tensor(a, requires_grad=True) for a in (query, key, value)]
    out = F.scaled_dot_product_attention(*ours, dropout_p=dropout_p)
    theirs = [torch.tensor(a, requires_grad=True) for a in (query, key, value)]
    weights = torch.softmax(theirs[0] @ theirs[1].transpose(-1, -2) / 4.0, dim=-1)
    ref = (weights * scaled_mask) @ theirs[2]
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-9, atol=1e-12)
    upstream = _randn(*ref.shape, seed=5)
    out.backward(cr.tensor(upstream))
    ref.backward(torch.from_numpy(upstream))
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-8, atol=1e-11)


def test_dropout_is_seeded_and_edge_probabilities_match_torch():
    q, k, v = (cr.tensor(_randn(2, 4, 6, seed=i)) for i in range(3))
    cr.manual_seed(3)
    first = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5).numpy()
    cr.manual_seed(3)
    np.testing.assert_array_equal(F.scaled_dot_product_attention(q, k, v, dropout_p=0.5).numpy(), first)
    assert not np.array_equal(F.scaled_dot_product_attention(q, k, v, dropout_p=0.5).numpy(), first)
    qt, kt, vt = (torch.from_numpy(_randn(2, 4, 6, seed=i)) for i in range(3))
    for p in (1.0, -0.1, 0.0):  # torch: p = 1 gives zeros; p <= 0 applies no dropout
        np.testing.assert_allclose(
            F.scaled_dot_product_attention(q, k, v, dropout_p=p).numpy(),
            TF.scaled_dot_product_attention(qt, kt, vt, dropout_p=p).numpy(),
            rtol=1e-7,
            atol=1e-12,
        )


# ------------------------------------------------------------------------------ errors
def _bool(*shape):
    return np.ones(shape, dtype=bool)


ERRORS = {
    "causal-with-mask": (((2, 4, 5), (2, 6, 5), (2, 6, 7)), dict(attn_mask=_bool(4, 6), is_causal=True)),
    "mask-wrong-L": (((2, 4, 5), (2, 6, 5), (2, 6, 7)), dict(attn_mask=_bool(5, 6))),
    "mask-wrong-S": (((2, 4, 5), (2, 6, 5), (2, 6, 7)), dict(attn_mask=np.zeros((4, 5)))),
    "mask-enlarges-batch": (((2, 4, 5), (2, 6, 5), (2, 6, 7)), dict(attn_mask=_bool(3, 2, 4, 6))),
    "mask-int": (((2, 4, 5), (2, 6, 5), (2, 6, 7)), dict(attn_mask=np.ones((4, 6), dtype=np.int64))),
    "mask-float64-on-float32": (((2, 4, 5), (2, 6, 5), (2, 6, 7)), dict(attn_mask=np.zeros((4, 6)), dtype=np.float32)),
    "E-mismatch": (((2, 4, 5), (2, 6, 4), (2, 6, 7)), {}),
    "S-mismatch": (((2, 4, 5), (2, 6, 5), (2, 5, 7)), {}),
    "batch-mismatch": (((2, 4, 5), (3, 6, 5), (3, 6, 7)), {}),
    "value-batch-mismatch": (((2, 4, 5), (2, 6, 5), (3, 6, 7)), {}),
    "1d": (((5,), (5,), (5,)), {}),
    "heads-without-gqa": (((2, 6, 4, 5), (2, 2, 6, 5), (2, 2, 6, 7)), {}),
    "gqa-heads-not-dividing": (((2, 6, 4, 5), (2, 4, 6, 5), (2, 4, 6, 7)), dict(enable_gqa=True)),
    "dropout-above-one": (((2, 4, 5), (2, 6, 5), (2, 6, 7)), dict(dropout_p=1.5)),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_have_torchs_type_and_name_the_op(name):
    shapes, kwargs = ERRORS[name]
    kwargs = dict(kwargs)
    dtype = kwargs.pop("dtype", np.float64)
    arrays = [_randn(*s, dtype=dtype, seed=i) for i, s in enumerate(shapes)]
    mask = kwargs.get("attn_mask")
    with pytest.raises(Exception) as theirs:
        TF.scaled_dot_product_attention(
            *map(torch.from_numpy, arrays), **{**kwargs, "attn_mask": None if mask is None else torch.from_numpy(mask)}
        )
    with pytest.raises(theirs.type, match="scaled_dot_product_attention"):
        F.scaled_dot_product_attention(*map(cr.tensor, arrays), **kwargs)


def test_dtype_errors():
    q, k, v = _randn(2, 4, 5), _randn(2, 6, 5), _randn(2, 6, 7)
    with pytest.raises(RuntimeError, match="same dtype"):
        F.scaled_dot_product_attention(cr.tensor(q), cr.tensor(k.astype(np.float32)), cr.tensor(v))
    with pytest.raises(RuntimeError, match="floating point"):
        F.scaled_dot_product_attention(*(cr.tensor(np.ones((2, 4, 5), np.int64)) for _ in range(3)))
    with pytest.raises(TypeError, match="query"):
        F.scaled_dot_product_attention(1.0, cr.tensor(k), cr.tensor(v))


# --------------------------------------------------------------- docs/backprop.md §9 claims
def test_one_node_that_saves_only_p_besides_inputs_and_output():
    q, k, v = (cr.tensor(_randn(2, 3, n, 5, seed=i), requires_grad=True) for i, n in enumerate((4, 6, 6)))
    out = F.scaled_dot_product_attention(q, k, v)
    node = out.grad_fn
    assert type(node).__name__ == "ScaledDotProductAttention"
    assert all(edge is t for edge, t in zip(node.next_functions, (q, k, v)))  # straight to the leaves
    saved = [a for a in node.saved_tensors if a is not None]
    operands = [q.detach().numpy(), k.detach().numpy(), v.detach().numpy(), out.detach().numpy()]
    extra = [a for a in saved if not any(a is b for b in operands)]
    assert [a.shape for a in extra] == [(2, 3, 4, 6)]  # P, the one (L x S) array
    np.testing.assert_allclose(extra[0].sum(axis=-1), 1.0)


def test_rowsum_trick_identity():
    rng = np.random.default_rng(0)
    scores = rng.standard_normal((3, 4, 6))
    weights = np.exp(scores) / np.exp(scores).sum(-1, keepdims=True)
    value, grad_out = rng.standard_normal((3, 6, 5)), rng.standard_normal((3, 4, 5))
    grad_weights = grad_out @ value.swapaxes(-1, -2)
    np.testing.assert_allclose(
        (grad_weights * weights).sum(-1), (grad_out * (weights @ value)).sum(-1), rtol=1e-12, atol=1e-12
    )


def test_scale_keeps_score_variance_near_one():
    rng = np.random.default_rng(0)
    for embed in (16, 256):
        q, k = rng.standard_normal((256, embed)), rng.standard_normal((256, embed))
        scores = q @ k.T
        assert 0.8 * embed < scores.var() < 1.2 * embed
        assert 0.8 < (scores / np.sqrt(embed)).var() < 1.2


@pytest.mark.parametrize("which", ["query", "key", "value", "attn_mask", "none"])
def test_only_the_inputs_that_require_grad_get_one(which):
    arrays = {"query": _randn(2, 4, 5, seed=1), "key": _randn(2, 6, 5, seed=2), "value": _randn(2, 6, 3, seed=3)}
    arrays["attn_mask"] = _randn(4, 6, seed=4)
    ours = {n: cr.tensor(a, requires_grad=n == which) for n, a in arrays.items()}
    theirs = {n: torch.tensor(a, requires_grad=n == which) for n, a in arrays.items()}
    out = F.scaled_dot_product_attention(**ours)
    ref = TF.scaled_dot_product_attention(**theirs)
    assert out.requires_grad == (which != "none")
    if which == "none":
        return
    upstream = _randn(2, 4, 3, seed=5)
    out.backward(cr.tensor(upstream))
    ref.backward(torch.from_numpy(upstream))
    for name in arrays:
        assert (ours[name].grad is None) == (name != which)
    np.testing.assert_allclose(ours[which].grad.numpy(), theirs[which].grad.numpy(), rtol=1e-7, atol=1e-10)
