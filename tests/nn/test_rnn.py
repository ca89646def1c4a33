"""nn.RNN / LSTM / GRU and the cells against torch.nn with the same weights: outputs, final states,
and the gradients of every parameter, of the input and of the initial states; padded and packed
input; state dicts both ways; dropout; errors."""

import itertools
import warnings

import numpy as np
import pytest
import torch
from optest import TOLERANCES

import chainrule as cr
from chainrule import nn
from chainrule.nn.utils import rnn as rnn_utils

T, B, IN, H = 5, 3, 4, 3
KINDS = ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"]


def make_pair(kind, dtype=np.float64, **kwargs):
    """A chainrule layer and its torch twin with torch's weights loaded into ours."""
    if kind.startswith("RNN"):
        kwargs["nonlinearity"] = kind[4:].lower()
        name = "RNN"
    else:
        name = kind
    torch.manual_seed(0)
    theirs = getattr(torch.nn, name)(IN, H, **kwargs).to(torch.float64 if dtype == np.float64 else torch.float32)
    ours = getattr(nn, name)(IN, H, dtype=dtype, **kwargs)
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _flat(out):
    """(output, h_n) or (output, (h_n, c_n)) -> [output, h_n(, c_n)]; a packed output gives its data."""
    output, state = out
    if isinstance(output, (rnn_utils.PackedSequence, torch.nn.utils.rnn.PackedSequence)):
        output = output.data
    return [output] + (list(state) if isinstance(state, tuple) else [state])


def assert_twins(ours, theirs, ours_out, theirs_out, ours_leaves, theirs_leaves, dtype=np.float64, seed=0):
    """Compare every output, then backpropagate the same random weighting of all outputs and
    compare the gradients of the given leaves and of every parameter."""
    tol = TOLERANCES[np.dtype(dtype)]
    ours_list, theirs_list = _flat(ours_out), _flat(theirs_out)
    assert len(ours_list) == len(theirs_list)
    rng = np.random.default_rng(seed)
    ours_loss, theirs_loss = 0, 0
    for i, (o, t) in enumerate(zip(ours_list, theirs_list)):
        t_np = t.detach().numpy()
        assert tuple(o.shape) == t_np.shape, (i, o.shape, t_np.shape)
        assert o.dtype == t_np.dtype
        np.testing.assert_allclose(o.detach().numpy(), t_np, **tol, err_msg=f"output {i} differs")
        w = rng.standard_normal(t_np.shape).astype(t_np.dtype)
        ours_loss = ours_loss + (o * cr.tensor(w)).sum()
        theirs_loss = theirs_loss + (t * torch.from_numpy(w)).sum()
    ours_loss.backward()
    theirs_loss.backward()
    for i, (o, t) in enumerate(zip(ours_leaves, theirs_leaves)):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), **tol, err_msg=f"grad of leaf {i} differs")
    theirs_params = dict(theirs.named_parameters())
    ours_params = dict(ours.named_parameters())
    assert list(ours_params) == list(theirs_params)
    for name, t in theirs_params.items():
        np.testing.assert_allclose(
            ours_params[name].grad.numpy(), t.grad.numpy(), **tol, err_msg=f"grad of {name} differs"
        )


def leaves(arrays):
    ours = [cr.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    return ours, theirs


def state_arrays(kind, rng, layers, bidirectional, batch=B, dtype=np.float64):
    shape = (layers * (2 if bidirectional else 1), batch, H)
    count = 2 if kind == "LSTM" else 1
    return [rng.standard_normal(shape).astype(dtype) for _ in range(count)]


def hx_of(kind, states):
    if not states:
        return None
    return tuple(states) if kind == "LSTM" else states[0]


CONFIGS = list(itertools.product(KINDS, [1, 2], [False, True], [False, True], [False, True]))


@pytest.mark.parametrize(
    "kind,layers,bidirectional,batch_first,with_state",
    CONFIGS,
    ids=[f"{k}-L{n}-{'bi' if b else 'uni'}-{'bf' if f else 'tf'}-{'h0' if s else 'noh0'}" for k, n, b, f, s in CONFIGS],
)
def test_padded_matches_torch(kind, layers, bidirectional, batch_first, with_state):
    rng = np.random.default_rng(1)
    ours, theirs = make_pair(kind, num_layers=layers, bidirectional=bidirectional, batch_first=batch_first)
    x = rng.standard_normal((B, T, IN) if batch_first else (T, B, IN))
    states = state_arrays(kind, rng, layers, bidirectional) if with_state else []
    ours_leaves, theirs_leaves = leaves([x] + states)
    ours_out = ours(ours_leaves[0], hx_of(kind, ours_leaves[1:]))
    theirs_out = theirs(theirs_leaves[0], hx_of(kind, theirs_leaves[1:]))
    assert_twins(ours, theirs, ours_out, theirs_out, ours_leaves, theirs_leaves)


PACKED = list(itertools.product(KINDS, [1, 2], [False, True], [True, False]))


@pytest.mark.parametrize(
    "kind,layers,bidirectional,enforce_sorted",
    PACKED,
    ids=[f"{k}-L{n}-{'bi' if b else 'uni'}-{'sorted' if s else 'unsorted'}" for k, n, b, s in PACKED],
)
def test_packed_matches_torch(kind, layers, bidirectional, enforce_sorted):
    """Outputs and final states at each sequence's true last step; h_0 given in the caller's order."""
    rng = np.random.default_rng(2)
    ours, theirs = make_pair(kind, num_layers=layers, bidirectional=bidirectional)
    lengths = [5, 4, 2] if enforce_sorted else [2, 5, 4]
    x = rng.standard_normal((T, B, IN))
    states = state_arrays(kind, rng, layers, bidirectional)
    ours_leaves, theirs_leaves = leaves([x] + states)
    ours_packed = rnn_utils.pack_padded_sequence(ours_leaves[0], lengths, enforce_sorted=enforce_sorted)
    theirs_packed = torch.nn.utils.rnn.pack_padded_sequence(theirs_leaves[0], lengths, enforce_sorted=enforce_sorted)
    ours_out = ours(ours_packed, hx_of(kind, ours_leaves[1:]))
    theirs_out = theirs(theirs_packed, hx_of(kind, theirs_leaves[1:]))
    assert isinstance(ours_out[0], rnn_utils.PackedSequence)
    np.testing.assert_array_equal(ours_out[0].batch_sizes.numpy(), theirs_out[0].batch_sizes.numpy())
    if not enforce_sorted:
        np.testing.assert_array_equal(ours_out[0].sorted_indices.numpy(), theirs_out[0].sorted_indices.numpy())
    assert_twins(ours, theirs, ours_out, theirs_out, ours_leaves, theirs_leaves)


def test_packed_without_initial_state_then_padded_back_matches_torch():
    rng = np.random.default_rng(3)
    ours, theirs = make_pair("LSTM", num_layers=2, bidirectional=True, batch_first=True)
    seqs = [rng.standard_normal((n, IN)) for n in (2, 5, 3)]
    ours_seqs, theirs_seqs = leaves(seqs)
    ours_out, (h, c) = ours(rnn_utils.pack_sequence(ours_seqs, enforce_sorted=False))
    theirs_out, (th, tc) = theirs(torch.nn.utils.rnn.pack_sequence(theirs_seqs, enforce_sorted=False))
    padded, lengths = rnn_utils.pad_packed_sequence(ours_out, batch_first=True)
    t_padded, t_lengths = torch.nn.utils.rnn.pad_packed_sequence(theirs_out, batch_first=True)
    np.testing.assert_array_equal(lengths.numpy(), t_lengths.numpy())
    assert_twins(ours, theirs, (padded, (h, c)), (t_padded, (th, tc)), ours_seqs, theirs_seqs)


@pytest.mark.parametrize("kind", KINDS)
def test_float32_matches_torch(kind):
    rng = np.random.default_rng(4)
    ours, theirs = make_pair(kind, dtype=np.float32, num_layers=2, bidirectional=True)
    x = rng.standard_normal((T, B, IN)).astype(np.float32)
    ours_leaves, theirs_leaves = leaves([x])
    ours_out = ours(ours_leaves[0])
    assert ours_out[0].dtype == np.float32
    assert_twins(ours, theirs, ours_out, theirs(theirs_leaves[0]), ours_leaves, theirs_leaves, dtype=np.float32)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("batch_first", [False, True])
def test_unbatched_input_matches_torch(kind, batch_first):
    rng = np.random.default_rng(5)
    ours, theirs = make_pair(kind, num_layers=2, batch_first=batch_first)
    x = rng.standard_normal((T, IN))
    states = [s[:, 0] for s in state_arrays(kind, rng, 2, False)]  # (L, H) for unbatched input
    ours_leaves, theirs_leaves = leaves([x] + states)
    ours_out = ours(ours_leaves[0], hx_of(kind, ours_leaves[1:]))
    theirs_out = theirs(theirs_leaves[0], hx_of(kind, theirs_leaves[1:]))
    assert tuple(ours_out[0].shape) == (T, H)
    assert_twins(ours, theirs, ours_out, theirs_out, ours_leaves, theirs_leaves)


@pytest.mark.parametrize("kind", KINDS)
def test_state_dict_loads_both_ways(kind):
    ours = getattr(nn, "RNN" if kind.startswith("RNN") else kind)(IN, H, num_layers=2, bidirectional=True, bias=True)
    theirs = getattr(torch.nn, "RNN" if kind.startswith("RNN") else kind)(IN, H, num_layers=2, bidirectional=True)
    ours_sd = ours.state_dict()
    assert list(ours_sd) == list(theirs.state_dict())
    assert [tuple(v.shape) for v in ours_sd.values()] == [tuple(v.shape) for v in theirs.state_dict().values()]
    theirs.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in ours_sd.items()})
    for k, v in theirs.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), np.asarray(ours_sd[k]))
    torch.nn.init.normal_(theirs.weight_hh_l1_reverse)
    ours.load_state_dict({k: v.numpy().copy() for k, v in theirs.state_dict().items()})
    np.testing.assert_array_equal(
        ours.weight_hh_l1_reverse.detach().numpy(), theirs.weight_hh_l1_reverse.detach().numpy()
    )


def test_parameter_names_all_weights_and_flatten_parameters():
    ours = nn.GRU(IN, H, num_layers=2, bidirectional=True, bias=False)
    theirs = torch.nn.GRU(IN, H, num_layers=2, bidirectional=True, bias=False)
    assert ours._flat_weights_names == theirs._flat_weights_names
    assert ours._all_weights == theirs._all_weights
    assert [[tuple(w.shape) for w in ws] for ws in ours.all_weights] == [
        [tuple(w.shape) for w in ws] for ws in theirs.all_weights
    ]
    assert ours.all_weights[1][0] is ours.weight_ih_l0_reverse
    assert ours.flatten_parameters() is None


def test_initialisation_is_uniform_within_one_over_sqrt_hidden_and_seeded():
    cr.manual_seed(7)
    first = nn.LSTM(8, 64, num_layers=2)
    cr.manual_seed(7)
    second = nn.LSTM(8, 64, num_layers=2)
    bound = 1 / np.sqrt(64)
    values = np.concatenate([p.detach().numpy().ravel() for p in first.parameters()])
    assert np.abs(values).max() <= bound
    assert abs(values.std() - bound / np.sqrt(3)) < 0.01 * bound  # U(-k, k) has std k / sqrt(3)
    for p, q in zip(first.parameters(), second.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    third = nn.GRUCell(8, 64, generator=np.random.default_rng(3))
    fourth = nn.GRUCell(8, 64, generator=np.random.default_rng(3))
    np.testing.assert_array_equal(third.weight_hh.detach().numpy(), fourth.weight_hh.detach().numpy())


@pytest.mark.parametrize(
    "ours,theirs",
    [
        (nn.LSTM(4, 3, 2), torch.nn.LSTM(4, 3, 2)),
        (
            nn.RNN(
                4, 3, num_layers=2, nonlinearity="relu", bias=False, batch_first=True, dropout=0.5, bidirectional=True
            ),
            torch.nn.RNN(
                4, 3, num_layers=2, nonlinearity="relu", bias=False, batch_first=True, dropout=0.5, bidirectional=True
            ),
        ),
        (nn.GRU(4, 3), torch.nn.GRU(4, 3)),
        (nn.RNNCell(4, 3, bias=False, nonlinearity="relu"), torch.nn.RNNCell(4, 3, bias=False, nonlinearity="relu")),
        (nn.LSTMCell(4, 3), torch.nn.LSTMCell(4, 3)),
        (nn.GRUCell(4, 3, bias=False), torch.nn.GRUCell(4, 3, bias=False)),
    ],
)
def test_repr_matches_torch(ours, theirs):
    assert repr(ours) == repr(theirs)


# ------------------------------------------------------------------ cells

CELLS = list(
    itertools.product(
        ["RNNCell-tanh", "RNNCell-relu", "LSTMCell", "GRUCell"], [True, False], [True, False], [True, False]
    )
)


@pytest.mark.parametrize(
    "cell,bias,batched,with_state",
    CELLS,
    ids=[
        f"{c}-{'bias' if b else 'nobias'}-{'batched' if u else 'unbatched'}-{'hx' if s else 'nohx'}"
        for c, b, u, s in CELLS
    ],
)
def test_cells_match_torch(cell, bias, batched, with_state):
    rng = np.random.default_rng(6)
    name, _, nonlinearity = cell.partition("-")
    kwargs = {"bias": bias} | ({"nonlinearity": nonlinearity} if nonlinearity else {})
    theirs = getattr(torch.nn, name)(IN, H, **kwargs).double()
    ours = getattr(nn, name)(IN, H, dtype=np.float64, **kwargs)
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    shape = (B,) if batched else ()
    arrays = [rng.standard_normal(shape + (IN,))]
    if with_state:
        arrays += [rng.standard_normal(shape + (H,)) for _ in range(2 if name == "LSTMCell" else 1)]
    ours_leaves, theirs_leaves = leaves(arrays)
    hx_ours = None if not with_state else (tuple(ours_leaves[1:]) if name == "LSTMCell" else ours_leaves[1])
    hx_theirs = None if not with_state else (tuple(theirs_leaves[1:]) if name == "LSTMCell" else theirs_leaves[1])
    out, t_out = ours(ours_leaves[0], hx_ours), theirs(theirs_leaves[0], hx_theirs)
    # as (output, state) pairs for assert_twins: an LSTMCell's h' is its output, c' the state
    pair = (out[0], out[1]) if name == "LSTMCell" else (out, out)
    t_pair = (t_out[0], t_out[1]) if name == "LSTMCell" else (t_out, t_out)
    assert_twins(ours, theirs, pair, t_pair, ours_leaves, theirs_leaves)


def test_cell_unrolled_equals_layer():
    """An LSTMCell stepped over the sequence gives the LSTM layer's outputs (same weights)."""
    rng = np.random.default_rng(8)
    layer = nn.LSTM(IN, H, dtype=np.float64)
    cell = nn.LSTMCell(IN, H, dtype=np.float64)
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
    x = cr.tensor(rng.standard_normal((T, B, IN)))
    output, (h_n, c_n) = layer(x)
    h = c = None
    for t in range(T):
        h, c = cell(x[t], None if h is None else (h, c))
        np.testing.assert_allclose(h.detach().numpy(), output[t].detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(c.detach().numpy(), c_n[0].detach().numpy(), rtol=1e-12, atol=1e-14)


# ------------------------------------------------------------------ dropout


def test_dropout_is_off_in_eval_mode_and_equals_torch():
    ours, theirs = make_pair("LSTM", num_layers=3, dropout=0.5)
    ours.eval()
    theirs.eval()
    x = np.random.default_rng(9).standard_normal((T, B, IN))
    ours_leaves, theirs_leaves = leaves([x])
    assert_twins(ours, theirs, ours(ours_leaves[0]), theirs(theirs_leaves[0]), ours_leaves, theirs_leaves)


def test_dropout_one_in_training_equals_torch():
    """p = 1 drops every inter-layer activation in both libraries: a deterministic training-mode twin."""
    ours, theirs = make_pair("GRU", num_layers=2, dropout=1.0)
    x = np.random.default_rng(10).standard_normal((T, B, IN))
    ours_leaves, theirs_leaves = leaves([x])
    assert_twins(ours, theirs, ours(ours_leaves[0]), theirs(theirs_leaves[0]), ours_leaves, theirs_leaves)


def test_dropout_between_layers_is_inverted_bernoulli():
    """Layer 2 of a relu RNN with W_ih = I, W_hh = 0 and no bias outputs exactly its (non-negative)
    input, so its output in training is mask * out_1 / (1 - p): check the rate and the scaling,
    that it differs from call to call and is reproducible from chainrule's seed."""
    p, hidden = 0.3, 64
    model = nn.RNN(IN, hidden, num_layers=2, nonlinearity="relu", bias=False, dropout=p, dtype=np.float64)
    with cr.no_grad():
        model.weight_ih_l1.copy_(cr.tensor(np.eye(hidden)))
        model.weight_hh_l1.zero_()
    x = cr.tensor(np.random.default_rng(11).standard_normal((50, 8, IN)))
    with cr.no_grad():
        model.eval()
        first_layer, _ = model(x)
        model.train()
        cr.manual_seed(0)
        dropped, _ = model(x)
        cr.manual_seed(0)
        again, _ = model(x)
        other, _ = model(x)
    base, out = first_layer.numpy(), dropped.numpy()
    positive = base > 0
    kept = out[positive] != 0
    assert abs(1 - kept.mean() - p) < 0.02, kept.mean()
    np.testing.assert_allclose(out[positive][kept], base[positive][kept] / (1 - p), rtol=1e-12)
    np.testing.assert_array_equal(out, again.numpy())
    assert not np.array_equal(out, other.numpy())


def test_dropout_arguments_as_torch():
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        nn.LSTM(4, 3, dropout=1.5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nn.GRU(4, 3, dropout=0.2)
    assert any("non-zero dropout expects num_layers greater than 1" in str(w.message) for w in caught)


# ------------------------------------------------------------------ BPTT


def test_truncated_bptt_by_detaching_matches_torch():
    """Chunks of 4 steps, the carried state detached between chunks: each chunk's gradient is the
    chunk-local one (equal to torch doing the same), and nothing flows into earlier chunks."""
    rng = np.random.default_rng(12)
    ours, theirs = make_pair("LSTM", num_layers=2)
    x = rng.standard_normal((12, B, IN))
    xo, xt = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    state_o = state_t = None
    for start in range(0, 12, 4):
        out_o, state_o = ours(xo[start : start + 4], state_o)
        out_t, state_t = theirs(xt[start : start + 4], state_t)
        out_o.sum().backward()
        out_t.sum().backward()
        state_o = tuple(s.detach() for s in state_o)
        state_t = tuple(s.detach() for s in state_t)
        for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=name)
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    # chunk 2 alone: gradients reach only its own inputs
    xo.grad = None
    out, _ = ours(xo[4:8], tuple(cr.tensor(s.numpy()) for s in state_o))
    out.sum().backward()
    assert not np.any(xo.grad.numpy()[:4]) and not np.any(xo.grad.numpy()[8:])
    assert np.all(np.any(xo.grad.numpy()[4:8] != 0, axis=(1, 2)))


def test_training_steps_match_torch():
    """Five SGD steps on the same LSTM give the same parameters."""
    rng = np.random.default_rng(13)
    ours, theirs = make_pair("LSTM", num_layers=1)
    x, target = rng.standard_normal((T, B, IN)), rng.standard_normal((B, H))
    opt_o = cr.optim.SGD(ours.parameters(), lr=0.5)
    opt_t = torch.optim.SGD(theirs.parameters(), lr=0.5)
    for _ in range(5):
        opt_o.zero_grad()
        opt_t.zero_grad()
        cr.nn.functional.mse_loss(ours(cr.tensor(x))[1][0][0], cr.tensor(target)).backward()
        torch.nn.functional.mse_loss(theirs(torch.tensor(x))[1][0][0], torch.tensor(target)).backward()
        opt_o.step()
        opt_t.step()
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------ errors (the type torch raises)


def _both_raise(ours_call, theirs_call, error, match):
    with pytest.raises(error):
        theirs_call()
    with pytest.raises(error, match=match):
        ours_call()


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN_TANH"])
def test_wrong_feature_size(kind):
    ours, theirs = make_pair(kind)
    x = np.zeros((T, B, IN + 2))
    _both_raise(
        lambda: ours(cr.tensor(x)),
        lambda: theirs(torch.tensor(x)),
        RuntimeError,
        rf"{'RNN' if kind.startswith('RNN') else kind}: input.size\(-1\) must be equal to input_size. Expected 4, got 6",
    )


def test_wrong_hx_shape():
    ours, theirs = make_pair("LSTM", num_layers=2)
    x, good, bad = np.zeros((T, B, IN)), np.zeros((2, B, H)), np.zeros((2, B + 1, H))
    _both_raise(
        lambda: ours(cr.tensor(x), (cr.tensor(good), cr.tensor(bad))),
        lambda: theirs(torch.tensor(x), (torch.tensor(good), torch.tensor(bad))),
        RuntimeError,
        r"LSTM: Expected hidden\[1\] size \(2, 3, 3\), got \[2, 4, 3\]",
    )
    ours, theirs = make_pair("GRU")
    _both_raise(
        lambda: ours(cr.tensor(x), cr.tensor(np.zeros((1, B, H + 1)))),
        lambda: theirs(torch.tensor(x), torch.tensor(np.zeros((1, B, H + 1)))),
        RuntimeError,
        r"GRU: Expected hidden size \(1, 3, 3\), got \[1, 3, 4\]",
    )
    _both_raise(
        lambda: ours(cr.tensor(np.zeros((T, IN))), cr.tensor(np.zeros((1, 1, H)))),
        lambda: theirs(torch.tensor(np.zeros((T, IN))), torch.tensor(np.zeros((1, 1, H)))),
        RuntimeError,
        r"GRU: For unbatched 2-D input, hx should also be 2-D",
    )


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_four_dimensional_input(kind):
    ours, theirs = make_pair(kind)
    x = np.zeros((T, B, IN, 1))
    _both_raise(
        lambda: ours(cr.tensor(x)),
        lambda: theirs(torch.tensor(x)),
        ValueError,
        f"{kind}: Expected input to be 2D or 3D, got 4D",
    )


def test_empty_sequence():
    ours, theirs = make_pair("LSTM")
    x = np.zeros((0, B, IN))
    _both_raise(
        lambda: ours(cr.tensor(x)),
        lambda: theirs(torch.tensor(x)),
        RuntimeError,
        "Expected sequence length to be larger than 0",
    )


def test_cell_errors():
    ours, theirs = nn.LSTMCell(IN, H, dtype=np.float64), torch.nn.LSTMCell(IN, H).double()
    _both_raise(
        lambda: ours(cr.tensor(np.zeros((B, IN + 1)))),
        lambda: theirs(torch.tensor(np.zeros((B, IN + 1)))),
        RuntimeError,
        "LSTMCell: input has inconsistent input_size: got 5 expected 4",
    )
    _both_raise(
        lambda: ours(cr.tensor(np.zeros((2, B, IN)))),
        lambda: theirs(torch.tensor(np.zeros((2, B, IN)))),
        ValueError,
        "LSTMCell: Expected input to be 1D or 2D, got 3D instead",
    )
    hx = (np.zeros((B + 1, H)), np.zeros((B + 1, H)))
    _both_raise(
        lambda: ours(cr.tensor(np.zeros((B, IN))), tuple(cr.tensor(h) for h in hx)),
        lambda: theirs(torch.tensor(np.zeros((B, IN))), tuple(torch.tensor(h) for h in hx)),
        RuntimeError,
        r"LSTMCell: Expected hidden of shape \(3, 3\)",
    )


# Constructor arguments that torch refuses (or warns about, or accepts although they look wrong):
# (layer, positional args, keyword args). Each runs side by side in torch and in chainrule.
BAD_ARGUMENTS = [
    ("RNN", (IN, H), {"proj_size": 2}),
    ("RNN", (IN, H), {"proj_size": 0}),  # torch refuses the keyword itself, even 0
    ("GRU", (IN, H), {"proj_size": 2}),
    ("GRU", (IN, H), {"proj_size": 0}),
    ("LSTM", (IN, H), {"proj_size": H}),
    ("LSTM", (IN, H), {"proj_size": H + 1}),
    ("LSTM", (IN, H), {"proj_size": -1}),
    ("LSTM", (IN, H), {"proj_size": 1.5}),
    ("LSTM", (IN, H), {"proj_size": True}),
    ("LSTM", (IN, H), {"proj_size": "1"}),
    ("LSTM", (IN, H), {"proj_size": None}),
    ("LSTM", (IN, H), {"proj_size": False}),  # == 0: no projection
    ("LSTM", (IN, H), {"proj_size": np.int64(2)}),
    ("LSTM", (IN, 0), {}),
    ("LSTM", (IN, -1), {}),
    ("RNN", (IN, 0), {}),
    ("GRU", (0, H), {}),
    ("LSTM", (-1, H), {}),
    ("LSTM", (IN, 3.0), {}),
    ("GRU", (4.0, H), {}),
    ("RNN", (IN, "3"), {}),
    ("LSTM", (None, H), {}),
    ("LSTM", (IN, np.int64(3)), {}),  # torch's isinstance(hidden_size, int) refuses NumPy integers
    ("LSTM", (IN, True), {}),  # ... and lets a bool through
    ("GRU", (True, H), {}),
    ("LSTM", (IN, H), {"num_layers": 0}),
    ("GRU", (IN, H), {"num_layers": -1}),
    ("LSTM", (IN, H), {"num_layers": -1.0}),
    ("LSTM", (IN, H), {"num_layers": 1.5}),
    ("RNN", (IN, H), {"num_layers": "2"}),
    ("LSTM", (IN, H), {"num_layers": True}),
    ("LSTM", (IN, H), {"num_layers": np.int64(2)}),
    ("LSTM", (IN, H), {"dropout": 1.5}),
    ("GRU", (IN, H), {"dropout": -0.1}),
    ("LSTM", (IN, H), {"dropout": "0.1"}),
    ("LSTM", (IN, H), {"dropout": "abc"}),
    ("LSTM", (IN, H), {"dropout": True}),
    ("RNN", (IN, H), {"dropout": None}),
    ("LSTM", (IN, H), {"dropout": 0.2}),  # one layer: nothing to drop between, torch warns
    ("GRU", (IN, H), {"dropout": 1}),
    ("RNN", (IN, H), {"dropout": 0.5, "nonlinearity": "relu"}),
    ("LSTM", (IN, H), {"dropout": 0.2, "num_layers": 2}),
    ("LSTM", (IN, H), {"dropout": np.float32(0.3), "num_layers": 2}),
    ("RNN", (IN, H), {"nonlinearity": "sigmoid"}),
    ("RNN", (IN, H), {"nonlinearity": "Tanh"}),
    ("RNN", (IN, H), {"nonlinearity": None}),
    ("RNN", (IN, H, 1, "gelu"), {}),
    ("LSTM", (IN, H), {"bias": 0}),
    ("GRU", (IN, H), {"batch_first": None}),
    ("LSTM", (IN, H), {"bidirectional": 2}),  # torch: TypeError at the first forward
    ("GRU", (IN, H), {"bidirectional": None}),
    ("LSTM", (IN, H), {"spam": 1}),
    ("RNN", (IN, H), {"spam": 1}),
    ("RNNCell", (IN, 0), {}),  # the cells check nothing: an empty cell works
    ("LSTMCell", (0, H), {}),
    ("GRUCell", (0, 0), {}),
    ("RNNCell", (IN, -1), {}),
    ("LSTMCell", (-1, H), {}),
    ("GRUCell", (IN, 3.0), {}),
    ("RNNCell", (4.0, H), {}),
    ("LSTMCell", (IN, "3"), {}),
    ("GRUCell", (None, H), {}),
    ("LSTMCell", (IN, True), {}),
    ("GRUCell", (True, H), {}),
    ("RNNCell", (IN, np.int64(3)), {}),
    ("RNNCell", (IN, H), {"nonlinearity": "sigmoid"}),  # torch raises at the first forward
    ("GRUCell", (IN, H), {"bias": 0}),
]


def _construct_and_run(library, name, args, kwargs):
    """Build the layer and run one well-formed forward (some mistakes only surface there):
    (the exception raised first or None, [warning categories])."""
    make = getattr(torch.nn if library == "torch" else nn, name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            layer = make(*args, **kwargs)
            features = int(layer.input_size)  # torch keeps a bool size as given
            x = np.zeros((2, features) if name.endswith("Cell") else (2, 2, features))
            layer.double()(torch.from_numpy(x) if library == "torch" else cr.tensor(x))
        except Exception as error:  # noqa: BLE001 - the type is what is compared
            return error, [w.category for w in caught]
    return None, [w.category for w in caught]


@pytest.mark.parametrize(("name", "args", "kwargs"), BAD_ARGUMENTS, ids=[f"{n}{a}{k}" for n, a, k in BAD_ARGUMENTS])
def test_constructor_arguments_raise_and_warn_as_torch(name, args, kwargs):
    theirs, theirs_warnings = _construct_and_run("torch", name, args, kwargs)
    ours, ours_warnings = _construct_and_run("chainrule", name, args, kwargs)
    assert type(ours) is type(theirs), (ours, theirs)
    assert ours_warnings == theirs_warnings
    if ours is not None and "unexpected keyword argument" not in str(ours):
        assert str(ours).startswith(f"{name}: "), ours  # names the layer
    if theirs is None:  # accepted: the sizes are the ones torch stores (a bool counts as an int)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the dropout warning, already compared
            theirs_layer, ours_layer = getattr(torch.nn, name)(*args, **kwargs), getattr(nn, name)(*args, **kwargs)
        for attribute in ("input_size", "hidden_size", "num_layers", "proj_size", "dropout", "bidirectional"):
            assert getattr(ours_layer, attribute, None) == getattr(theirs_layer, attribute, None), attribute


def test_constructor_error_messages_say_what_was_expected():
    with pytest.raises(ValueError, match="LSTM: hidden_size must be greater than zero, got 0"):
        nn.LSTM(4, 0)
    with pytest.raises(ValueError, match="GRU: num_layers must be greater than zero, got 0"):
        nn.GRU(4, 3, 0)
    with pytest.raises(TypeError, match="LSTM: input_size should be of type int, got: float"):
        nn.LSTM(4.0, 3)
    with pytest.raises(ValueError, match="RNN: proj_size argument is only supported for LSTM, not RNN or GRU"):
        nn.RNN(4, 3, proj_size=1)
    with pytest.raises(RuntimeError, match="RNNCell: Unknown nonlinearity 'sigmoid'. Select from 'tanh' or 'relu'"):
        nn.RNNCell(4, 3, nonlinearity="sigmoid")
    cell = nn.RNNCell(4, 3)
    cell.nonlinearity = "gelu"  # reassigned after construction: refused at the forward, as torch
    with pytest.raises(RuntimeError, match="RNNCell: Unknown nonlinearity 'gelu'"):
        cell(cr.zeros(2, 4))
    with pytest.raises(RuntimeError, match=r"LSTMCell: Trying to create tensor with negative dimension -1: \[12, -1\]"):
        nn.LSTMCell(-1, 3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nn.LSTM(4, 3, dropout=0.5)
    assert [w.filename for w in caught] == [__file__]  # the warning points at the caller's line


def test_empty_cells_run_as_torch():
    """torch's cells accept a size of 0; so do ours (an empty weight is filled without error)."""
    for name, sizes in (("LSTMCell", (IN, 0)), ("GRUCell", (0, H)), ("RNNCell", (0, 0))):
        ours, theirs = getattr(nn, name)(*sizes, dtype=np.float64), getattr(torch.nn, name)(*sizes).double()
        x = np.random.default_rng(0).standard_normal((B, sizes[0]))
        ours_out, theirs_out = ours(cr.tensor(x)), theirs(torch.from_numpy(x))
        ours_h = ours_out[0] if name == "LSTMCell" else ours_out
        theirs_h = theirs_out[0] if name == "LSTMCell" else theirs_out
        assert tuple(ours_h.shape) == tuple(theirs_h.shape) == (B, sizes[1])
        assert repr(ours) == repr(theirs)


# ------------------------------------------------------------------ LSTM with proj_size

PROJ = 2  # < H
PROJ_CONFIGS = list(itertools.product([1, 2], [False, True], [False, True], [False, True]))


def projected_states(rng, layers, bidirectional, batch=B):
    rows = layers * (2 if bidirectional else 1)
    return [rng.standard_normal((rows, batch, PROJ)), rng.standard_normal((rows, batch, H))]


@pytest.mark.parametrize(
    "layers,bidirectional,batch_first,with_state",
    PROJ_CONFIGS,
    ids=[f"L{n}-{'bi' if b else 'uni'}-{'bf' if f else 'tf'}-{'h0' if s else 'noh0'}" for n, b, f, s in PROJ_CONFIGS],
)
def test_projected_lstm_padded_matches_torch(layers, bidirectional, batch_first, with_state):
    rng = np.random.default_rng(11)
    ours, theirs = make_pair(
        "LSTM", num_layers=layers, bidirectional=bidirectional, batch_first=batch_first, proj_size=PROJ
    )
    x = rng.standard_normal((B, T, IN) if batch_first else (T, B, IN))
    states = projected_states(rng, layers, bidirectional) if with_state else []
    ours_leaves, theirs_leaves = leaves([x] + states)
    ours_out = ours(ours_leaves[0], hx_of("LSTM", ours_leaves[1:]))
    theirs_out = theirs(theirs_leaves[0], hx_of("LSTM", theirs_leaves[1:]))
    directions = 2 if bidirectional else 1
    assert tuple(ours_out[0].shape[2:]) == (directions * PROJ,)
    assert tuple(ours_out[1][0].shape) == (layers * directions, B, PROJ)
    assert tuple(ours_out[1][1].shape) == (layers * directions, B, H)
    assert_twins(ours, theirs, ours_out, theirs_out, ours_leaves, theirs_leaves)


@pytest.mark.parametrize("layers,bidirectional", [(1, False), (2, True)])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_projected_lstm_packed_matches_torch(layers, bidirectional, enforce_sorted):
    rng = np.random.default_rng(12)
    ours, theirs = make_pair("LSTM", num_layers=layers, bidirectional=bidirectional, proj_size=PROJ)
    lengths = [5, 4, 2] if enforce_sorted else [2, 5, 4]
    x = rng.standard_normal((T, B, IN))
    ours_leaves, theirs_leaves = leaves([x] + projected_states(rng, layers, bidirectional))
    ours_packed = rnn_utils.pack_padded_sequence(ours_leaves[0], lengths, enforce_sorted=enforce_sorted)
    theirs_packed = torch.nn.utils.rnn.pack_padded_sequence(theirs_leaves[0], lengths, enforce_sorted=enforce_sorted)
    ours_out = ours(ours_packed, hx_of("LSTM", ours_leaves[1:]))
    theirs_out = theirs(theirs_packed, hx_of("LSTM", theirs_leaves[1:]))
    assert_twins(ours, theirs, ours_out, theirs_out, ours_leaves, theirs_leaves)


def test_projected_lstm_unbatched_and_float32_match_torch():
    rng = np.random.default_rng(13)
    ours, theirs = make_pair("LSTM", num_layers=2, proj_size=1)
    ours_leaves, theirs_leaves = leaves([rng.standard_normal((T, IN))])
    ours_out = ours(ours_leaves[0])
    assert tuple(ours_out[0].shape) == (T, 1)
    assert_twins(ours, theirs, ours_out, theirs(theirs_leaves[0]), ours_leaves, theirs_leaves)
    ours, theirs = make_pair("LSTM", dtype=np.float32, bidirectional=True, proj_size=PROJ)
    ours_leaves, theirs_leaves = leaves([rng.standard_normal((T, B, IN)).astype(np.float32)])
    ours_out = ours(ours_leaves[0])
    assert ours_out[0].dtype == np.float32
    assert_twins(ours, theirs, ours_out, theirs(theirs_leaves[0]), ours_leaves, theirs_leaves, dtype=np.float32)


def test_projected_lstm_functional_matches_torch_lstm():
    """torch.lstm's params hold w_ih, w_hh, b_ih, b_hh, w_hr per layer-direction; the projection is
    inferred from h_0 being narrower than c_0."""
    rng = np.random.default_rng(14)
    ours, theirs = make_pair("LSTM", num_layers=2, bidirectional=True, proj_size=PROJ)
    x = rng.standard_normal((T, B, IN))
    ours_leaves, theirs_leaves = leaves([x] + projected_states(rng, 2, True))
    args = (True, 2, 0.0, False, True, False)
    ours_out = cr.lstm(ours_leaves[0], ours_leaves[1:], ours._flat_weights, *args)
    theirs_out = torch.lstm(theirs_leaves[0], theirs_leaves[1:], theirs._flat_weights, *args)
    assert_twins(ours, theirs, (ours_out[0], ours_out[1:]), (theirs_out[0], theirs_out[1:]), ours_leaves, theirs_leaves)
    with pytest.raises(RuntimeError, match="lstm: expected 20 weights .* and a projection, got 16"):
        cr.lstm(ours_leaves[0], ours_leaves[1:], [w for w in ours._flat_weights if w.ndim != 2 or w.shape[0] != PROJ],
                *args)  # fmt: skip


def test_projected_lstm_parameters_state_dict_and_repr_as_torch():
    ours = nn.LSTM(IN, 5, num_layers=2, bidirectional=True, bias=False, proj_size=PROJ)
    theirs = torch.nn.LSTM(IN, 5, num_layers=2, bidirectional=True, bias=False, proj_size=PROJ)
    assert ours._flat_weights_names == theirs._flat_weights_names
    assert ours._all_weights == theirs._all_weights
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert [(k, tuple(v.shape)) for k, v in ours_sd.items()] == [(k, tuple(v.shape)) for k, v in theirs_sd.items()]
    assert tuple(ours.weight_hr_l1_reverse.shape) == (PROJ, 5)
    assert tuple(ours.weight_hh_l0.shape) == (20, PROJ) and tuple(ours.weight_ih_l1.shape) == (20, 2 * PROJ)
    theirs.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in ours_sd.items()})
    torch.nn.init.normal_(theirs.weight_hr_l0)
    ours.load_state_dict({k: v.numpy().copy() for k, v in theirs.state_dict().items()})
    np.testing.assert_array_equal(ours.weight_hr_l0.detach().numpy(), theirs.weight_hr_l0.detach().numpy())
    assert repr(ours) == repr(theirs)
    assert ours.proj_size == theirs.proj_size == PROJ


def test_projected_lstm_initialisation_within_one_over_sqrt_hidden():
    cr.manual_seed(3)
    layer = nn.LSTM(8, 64, proj_size=16)
    values = layer.weight_hr_l0.detach().numpy()
    bound = 1 / np.sqrt(64)
    assert np.abs(values).max() <= bound
    assert abs(values.std() - bound / np.sqrt(3)) < 0.05 * bound  # U(-k, k) has std k / sqrt(3)


def test_projected_lstm_errors_as_torch():
    for proj_size, error in ((H, ValueError), (H + 1, ValueError), (-1, ValueError), (1.5, TypeError)):
        with pytest.raises(error):
            torch.nn.LSTM(IN, H, proj_size=proj_size)
        with pytest.raises(error, match="LSTM: proj_size"):
            nn.LSTM(IN, H, proj_size=proj_size)
    with pytest.raises(ValueError):
        torch.nn.GRU(IN, H, proj_size=1)
    with pytest.raises(ValueError, match="GRU: proj_size argument is only supported for LSTM"):
        nn.GRU(IN, H, proj_size=1)
    ours, theirs = make_pair("LSTM", proj_size=PROJ)
    x, h, c = np.zeros((T, B, IN)), np.zeros((1, B, H)), np.zeros((1, B, H))  # h as wide as c: wrong
    _both_raise(
        lambda: ours(cr.tensor(x), (cr.tensor(h), cr.tensor(c))),
        lambda: theirs(torch.tensor(x), (torch.tensor(h), torch.tensor(c))),
        RuntimeError,
        r"LSTM: Expected hidden\[0\] size \(1, 3, 2\), got \[1, 3, 3\]",
    )
