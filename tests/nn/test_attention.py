"""nn.MultiheadAttention (nn/attention.py) against torch.nn.MultiheadAttention: a torch
state_dict (with every parameter randomised, so that no zero bias hides) loads unchanged and
gives the same outputs, attention weights and gradients (inputs, float masks and every
parameter), in both layouts, unbatched, with every mask kind, bias_kv and zero attention;
ours loads into torch; torch's init, repr and exception types."""

import numpy as np
import pytest
import torch
from optest import TOLERANCES

import chainrule as cr
import chainrule.nn as nn

E, H = 8, 2


def _rand(*shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _pair(dtype=np.float64, seed=0, **kwargs):
    """A torch MHA with every parameter randomised and ours with its state_dict loaded."""
    torch.manual_seed(seed)
    theirs = torch.nn.MultiheadAttention(E, H, dtype=torch.float64 if dtype == np.float64 else torch.float32, **kwargs)
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.randn_like(p) * 0.5)
    ours = nn.MultiheadAttention(E, H, dtype=dtype, **kwargs)
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _twin(ours, theirs, inputs, same=(), seed=0, **forward):
    """Run both on the same inputs (float arrays require grad; ``same`` lists which input names
    alias query or key, as self-attention passes one tensor three times); compare the output,
    the weights and all gradients. ``inputs`` maps forward's argument names to arrays."""
    dtype = inputs["query"].dtype
    tol = TOLERANCES[np.dtype(dtype)]

    def wrap(lib_tensor, grad):
        made = {}
        for name, a in inputs.items():
            if a is None:
                made[name] = None
            else:
                made[name] = lib_tensor(a, grad and a.dtype.kind == "f")
        for alias, target in same:
            made[alias] = made[target]
        return made

    ours_in = wrap(lambda a, g: cr.tensor(a, requires_grad=g), True)
    theirs_in = wrap(lambda a, g: torch.tensor(a, requires_grad=g), True)
    out, weights = ours(**ours_in, **forward)
    t_out, t_weights = theirs(**theirs_in, **forward)
    np.testing.assert_allclose(out.detach().numpy(), t_out.detach().numpy(), **tol, err_msg="output")
    assert out.dtype == dtype
    if t_weights is None:
        assert weights is None
    else:
        assert weights.shape == tuple(t_weights.shape)
        np.testing.assert_allclose(weights.detach().numpy(), t_weights.detach().numpy(), **tol, err_msg="weights")
    rng = np.random.default_rng(seed)
    g_out = rng.standard_normal(tuple(t_out.shape)).astype(dtype)
    loss = (out * cr.tensor(g_out)).sum()
    t_loss = (t_out * torch.from_numpy(g_out)).sum()
    if t_weights is not None:
        g_w = rng.standard_normal(tuple(t_weights.shape)).astype(dtype)
        loss = loss + (weights * cr.tensor(g_w)).sum()
        t_loss = t_loss + (t_weights * torch.from_numpy(g_w)).sum()
    loss.backward()
    t_loss.backward()
    for name, t in theirs_in.items():
        if isinstance(t, torch.Tensor) and t.requires_grad and name not in dict(same):
            np.testing.assert_allclose(ours_in[name].grad.numpy(), t.grad.numpy(), **tol, err_msg=f"grad of {name}")
    ours_params = dict(ours.named_parameters())
    for name, t in theirs.named_parameters():
        np.testing.assert_allclose(ours_params[name].grad.numpy(), t.grad.numpy(), **tol, err_msg=f"grad of {name}")
    return out, weights


def _inputs(batch_first=False, n=3, length=4, source=5, kdim=E, vdim=E, dtype=np.float64, batched=True):
    def seq(steps, dim, seed):
        if not batched:
            return _rand(steps, dim, dtype=dtype, seed=seed)
        return (
            _rand(n, steps, dim, dtype=dtype, seed=seed)
            if batch_first
            else _rand(steps, n, dim, dtype=dtype, seed=seed)
        )

    return {"query": seq(length, E, 1), "key": seq(source, kdim, 2), "value": seq(source, vdim, 3)}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_self_attention_matches_torch(batch_first, need_weights, average, dtype):
    ours, theirs = _pair(dtype, batch_first=batch_first)
    inputs = _inputs(batch_first, source=4, dtype=dtype)
    _twin(
        ours,
        theirs,
        inputs,
        same=(("key", "query"), ("value", "query")),
        need_weights=need_weights,
        average_attn_weights=average,
    )


@pytest.mark.parametrize("need_weights", [True, False])
def test_cross_attention_and_shared_key_value(need_weights):
    ours, theirs = _pair()
    _twin(ours, theirs, _inputs(), need_weights=need_weights)
    _twin(ours, theirs, _inputs(), same=(("value", "key"),), need_weights=need_weights)


@pytest.mark.parametrize("need_weights", [True, False])
def test_separate_projection_weights_when_kdim_vdim_differ(need_weights):
    ours, theirs = _pair(kdim=5, vdim=3)
    assert set(ours.state_dict()) == set(theirs.state_dict())
    assert ours.in_proj_weight is None and ours.q_proj_weight.shape == (E, E) and ours.v_proj_weight.shape == (E, 3)
    _twin(ours, theirs, _inputs(kdim=5, vdim=3), need_weights=need_weights)


def test_without_bias():
    ours, theirs = _pair(bias=False)
    assert set(ours.state_dict()) == {"in_proj_weight", "out_proj.weight"}
    _twin(ours, theirs, _inputs(), need_weights=False)
    _twin(ours, theirs, _inputs())


def _masks(n=3, length=4, source=5, seed=0):
    rng = np.random.default_rng(seed)
    bool_attn = rng.random((length, source)) < 0.3
    bool_attn[:, 0] = False  # every query keeps one key: no fully masked row
    bool_attn_3d = rng.random((n * H, length, source)) < 0.3
    bool_attn_3d[:, :, 0] = False
    padding = np.zeros((n, source), dtype=bool)
    padding[0, -2:] = True
    padding[-1, -1] = True
    return {
        "bool_attn": bool_attn,
        "bool_attn_3d": bool_attn_3d,
        "float_attn": rng.standard_normal((length, source)),
        "float_attn_3d": rng.standard_normal((n * H, length, source)),
        "bool_padding": padding,
        "float_padding": np.where(padding, -1e9, 0.0) + rng.standard_normal((n, source)) * 0.1,
    }


MASK_CASES = [
    ("bool_attn", None),
    ("bool_attn_3d", None),
    ("float_attn", None),
    ("float_attn_3d", None),
    (None, "bool_padding"),
    (None, "float_padding"),
    ("bool_attn", "bool_padding"),
    ("float_attn", "float_padding"),
    ("float_attn_3d", "float_padding"),
]


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("attn,padding", MASK_CASES)
def test_masks_match_torch_and_float_masks_get_gradients(attn, padding, need_weights):
    masks = _masks()
    ours, theirs = _pair(batch_first=True)
    inputs = _inputs(batch_first=True)
    inputs["attn_mask"] = None if attn is None else masks[attn]
    inputs["key_padding_mask"] = None if padding is None else masks[padding]
    _twin(ours, theirs, inputs, need_weights=need_weights)


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("add_bias_kv,add_zero_attn", [(True, False), (False, True), (True, True)])
def test_bias_kv_and_zero_attention_with_masks(add_bias_kv, add_zero_attn, need_weights):
    ours, theirs = _pair(add_bias_kv=add_bias_kv, add_zero_attn=add_zero_attn)
    if add_bias_kv:
        assert ours.bias_k.shape == (1, 1, E)
    masks = _masks()
    _twin(ours, theirs, _inputs(), need_weights=need_weights)
    inputs = {**_inputs(), "attn_mask": masks["bool_attn"], "key_padding_mask": masks["bool_padding"]}
    _twin(ours, theirs, inputs, need_weights=need_weights)


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("average", [True, False])
def test_unbatched_input(need_weights, average):
    ours, theirs = _pair(batch_first=True)  # batch_first is ignored for unbatched input, as in torch
    masks = _masks(n=1)
    inputs = {**_inputs(batched=False), "key_padding_mask": masks["bool_padding"][0]}
    _twin(ours, theirs, inputs, need_weights=need_weights, average_attn_weights=average)
    inputs = {**_inputs(batched=False), "attn_mask": masks["float_attn_3d"][:H]}
    _twin(ours, theirs, inputs, need_weights=need_weights, average_attn_weights=average)


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("with_padding", [False, True])
def test_is_causal_hint(need_weights, with_padding):
    ours, theirs = _pair(batch_first=True)
    causal = np.triu(np.ones((4, 4), dtype=bool), 1)  # True above the diagonal: may not attend
    inputs = {**_inputs(batch_first=True, source=4), "attn_mask": causal}
    if with_padding:
        inputs["key_padding_mask"] = _masks(source=4)["bool_padding"]
    _twin(ours, theirs, inputs, is_causal=True, need_weights=need_weights)


def test_fully_masked_rows_as_torch_on_each_path():
    ours, theirs = _pair(batch_first=True)
    padding = np.zeros((3, 5), dtype=bool)
    padding[1] = True  # batch 1 attends to nothing
    inputs = {**_inputs(batch_first=True), "key_padding_mask": padding}
    for need_weights in (False, True):  # the fused op gives zeros; torch's explicit softmax nan
        q, k, v = (cr.tensor(inputs[n]) for n in ("query", "key", "value"))
        tq, tk, tv = (torch.tensor(inputs[n]) for n in ("query", "key", "value"))
        out, _ = ours(q, k, v, key_padding_mask=cr.tensor(padding), need_weights=need_weights)
        ref, _ = theirs(tq, tk, tv, key_padding_mask=torch.tensor(padding), need_weights=need_weights)
        np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-7, atol=1e-9)
        assert np.isnan(out.detach().numpy()[1]).all() == need_weights


def test_state_dict_loads_into_torch_and_back():
    ours = nn.MultiheadAttention(E, H, add_bias_kv=True, kdim=6, vdim=4, dtype=np.float64, generator=cr.Generator(1))
    theirs = torch.nn.MultiheadAttention(E, H, add_bias_kv=True, kdim=6, vdim=4, dtype=torch.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in ours.state_dict().items()})
    _twin(ours, theirs, _inputs(kdim=6, vdim=4))


def test_init_follows_torch():
    ours = nn.MultiheadAttention(64, 4, add_bias_kv=True, generator=cr.Generator(0))
    assert ours.in_proj_weight.dtype == np.float32
    bound = np.sqrt(6.0 / (64 + 3 * 64))  # xavier_uniform_ on the packed (3E, E) weight
    w = ours.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    np.testing.assert_array_equal(ours.in_proj_bias.detach().numpy(), 0)
    np.testing.assert_array_equal(ours.out_proj.bias.detach().numpy(), 0)
    out_w = ours.out_proj.weight.detach().numpy()
    assert np.abs(out_w).max() <= 1 / 8 and np.abs(out_w).max() > 0.9 / 8  # Linear's kaiming_uniform_(a=sqrt(5))
    std = np.sqrt(2.0 / (64 + 64))  # xavier_normal_ on (1, 1, E): fan_in = fan_out = 1 * E (torch's fans)
    assert 0.7 * std < ours.bias_k.detach().numpy().std() < 1.3 * std
    separate = nn.MultiheadAttention(64, 4, kdim=32, generator=cr.Generator(0))
    bound = np.sqrt(6.0 / (32 + 64))
    assert np.abs(separate.k_proj_weight.detach().numpy()).max() <= bound
    first = nn.MultiheadAttention(8, 2, generator=cr.Generator(5)).in_proj_weight.detach().numpy()
    np.testing.assert_array_equal(
        nn.MultiheadAttention(8, 2, generator=cr.Generator(5)).in_proj_weight.detach().numpy(), first
    )


def test_repr_and_attributes_match_torch():
    ours, theirs = nn.MultiheadAttention(E, H, dropout=0.1), torch.nn.MultiheadAttention(E, H, dropout=0.1)
    assert repr(ours) == repr(theirs)
    for name in ("embed_dim", "num_heads", "head_dim", "kdim", "vdim", "dropout", "batch_first", "add_zero_attn"):
        assert getattr(ours, name) == getattr(theirs, name), name


def test_dropout_on_the_weights_in_training_only():
    ours, theirs = _pair(dropout=0.5, batch_first=True)
    x = cr.tensor(_inputs(batch_first=True, n=8, length=16, source=16)["query"])
    ours.eval()
    _, plain = ours(x, x, x, average_attn_weights=False)
    ours.train()
    cr.manual_seed(0)
    out, dropped = ours(x, x, x, average_attn_weights=False)
    ratio = dropped.detach().numpy() / plain.detach().numpy()
    kept = ratio != 0
    assert 0.45 < kept.mean() < 0.55
    np.testing.assert_allclose(ratio[kept], 2.0, rtol=1e-9)
    cr.manual_seed(0)
    fused, _ = ours(x, x, x, need_weights=False)
    assert not np.allclose(fused.detach().numpy(), ours.eval()(x, x, x)[0].detach().numpy())


def _errors(theirs_fn, ours_fn, match="MultiheadAttention"):
    with pytest.raises(Exception) as theirs:
        theirs_fn()
    with pytest.raises(theirs.type, match=match):
        ours_fn()


@pytest.mark.parametrize(
    "kwargs",
    [dict(embed_dim=0, num_heads=2), dict(embed_dim=8, num_heads=0), dict(embed_dim=10, num_heads=4)],
)
def test_constructor_errors(kwargs):
    _errors(lambda: torch.nn.MultiheadAttention(**kwargs), lambda: nn.MultiheadAttention(**kwargs))


FORWARD_ERRORS = {
    "query-4d": (dict(query=(2, 3, 4, E)), {}),
    "key-2d-for-batched": (dict(key=(5, E), value=(5, E)), {}),
    "wrong-embed": (dict(query=(4, 3, 6), key=(5, 3, 6), value=(5, 3, 6)), {}),
    "key-value-shapes": (dict(value=(6, 3, E)), {}),
    "attn-mask-2d-shape": ({}, dict(attn_mask=np.zeros((4, 4)))),
    "attn-mask-3d-shape": ({}, dict(attn_mask=np.zeros((3, 4, 5)))),
    "attn-mask-4d": ({}, dict(attn_mask=np.zeros((1, 1, 4, 5)))),
    "attn-mask-int": ({}, dict(attn_mask=np.zeros((4, 5), dtype=np.int64))),
    "padding-shape": ({}, dict(key_padding_mask=np.zeros((3, 4), dtype=bool))),
    "padding-3d": ({}, dict(key_padding_mask=np.zeros((3, 1, 5), dtype=bool))),
    "causal-without-mask": ({}, dict(is_causal=True)),
}


@pytest.mark.parametrize("name", FORWARD_ERRORS)
def test_forward_errors_have_torchs_types(name):
    shapes, extra = FORWARD_ERRORS[name]
    shapes = {"query": (4, 3, E), "key": (5, 3, E), "value": (5, 3, E), **shapes}
    arrays = {k: _rand(*s, seed=i) for i, (k, s) in enumerate(shapes.items())}
    ours, theirs = _pair()

    def call(module, lib_tensor):
        kwargs = {k: lib_tensor(v) if isinstance(v, np.ndarray) else v for k, v in {**arrays, **extra}.items()}
        return lambda: module(**kwargs)

    _errors(call(theirs, torch.tensor), call(ours, cr.tensor), match="multi_head_attention_forward")


@pytest.mark.parametrize("batch_first", [False, True])
def test_self_attention_projects_with_one_gemm(batch_first):
    from chainrule.autograd import _collect_nodes

    ours, _ = _pair(batch_first=batch_first)
    x = cr.tensor(_inputs(batch_first, source=4)["query"])
    y = cr.tensor(_inputs(batch_first, source=4)["key"])

    def linears(*args):
        out, _ = ours(*args, need_weights=False)
        return sum(type(n).__name__ == "Linear" for n in _collect_nodes([out.grad_fn]))

    assert linears(x, x, x) == 2  # packed in-projection + out_proj
    assert linears(x, y, y) == 3  # query alone, key and value together
    assert linears(x, y, x) == 4


# ------------------------------------------------------------ F.multi_head_attention_forward
def _functional_args(lib, seed=0, **extra):
    rng = np.random.default_rng(seed)

    def t(*shape):
        return lib.tensor(rng.standard_normal(shape), requires_grad=True)

    return dict(
        embed_dim_to_check=E,
        num_heads=H,
        in_proj_weight=t(3 * E, E),
        in_proj_bias=t(3 * E),
        bias_k=None,
        bias_v=None,
        add_zero_attn=False,
        dropout_p=0.0,
        out_proj_weight=t(E, E),
        out_proj_bias=t(E),
        **extra,
    )


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("add_zero_attn", [False, True])
def test_functional_form_with_static_key_and_value(need_weights, add_zero_attn):
    results = []
    for lib in (cr, torch):
        rng = np.random.default_rng(1)
        query = lib.tensor(rng.standard_normal((4, 3, E)), requires_grad=True)
        key = lib.tensor(rng.standard_normal((5, 3, E)))
        static_k = lib.tensor(rng.standard_normal((3 * H, 7, E // H)), requires_grad=True)
        static_v = lib.tensor(rng.standard_normal((3 * H, 7, E // H)), requires_grad=True)
        padding = lib.tensor(np.arange(7)[None, :] >= np.array([7, 5, 3])[:, None])
        args = _functional_args(lib)
        args["add_zero_attn"] = add_zero_attn
        out, weights = lib.nn.functional.multi_head_attention_forward(
            query,
            key,
            key,
            **args,
            key_padding_mask=padding,
            need_weights=need_weights,
            static_k=static_k,
            static_v=static_v,
        )
        loss = (out * out).sum() + (0 if weights is None else (weights * weights).sum())
        loss.backward()
        grads = [x.grad.numpy() for x in (query, static_k, static_v, args["in_proj_weight"], args["out_proj_bias"])]
        results.append((out.detach().numpy(), grads))
    (ours, ours_grads), (theirs, theirs_grads) = results
    np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-9)
    for mine, reference in zip(ours_grads, theirs_grads):
        np.testing.assert_allclose(mine, reference, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize(
    "extra",
    [
        dict(static_k=np.zeros((5, 7, E // H))),
        dict(static_k=np.zeros((3 * H, 7, 3))),
        dict(bias_k=np.zeros((1, 1, E))),
        dict(key_padding_mask=np.zeros((3, 4), dtype=bool)),
        dict(embed_dim_to_check=E + 2),
        dict(num_heads=3, embed_dim_to_check=E),
    ],
)
def test_functional_form_errors_have_torchs_types(extra):
    def call(lib):
        args = _functional_args(lib)
        args.update({k: lib.tensor(v) if isinstance(v, np.ndarray) else v for k, v in extra.items()})
        rng = np.random.default_rng(2)
        query, key = lib.tensor(rng.standard_normal((4, 3, E))), lib.tensor(rng.standard_normal((5, 3, E)))
        return lambda: lib.nn.functional.multi_head_attention_forward(query, key, key, **args)

    _errors(call(torch), call(cr), match="multi_head_attention_forward")
