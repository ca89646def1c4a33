"""The fused recurrent ops (ops/recurrent.py) against a step-by-step torch reference built from
torch's own cells, forward, reverse and packed (float64, with gradcheck), plus long sequences."""

import tracemalloc

import numpy as np
import pytest
import torch
from optest import check_op

import chainrule as cr
from chainrule.ops.recurrent import FusedGRU, FusedLSTM, FusedRNN

T, B, IN, H = 5, 3, 4, 3
GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}


def _fused(kind, reverse, batch_sizes):
    if kind == "lstm":
        return lambda *a: FusedLSTM.apply(*a, reverse=reverse, batch_sizes=batch_sizes)
    if kind == "gru":
        return lambda *a: FusedGRU.apply(*a, reverse=reverse, batch_sizes=batch_sizes)
    return lambda *a: FusedRNN.apply(*a, nonlinearity=kind[4:], reverse=reverse, batch_sizes=batch_sizes)


def torch_reference(kind, reverse, batch_sizes):
    """The same layer-direction stepped with torch.lstm_cell & co: sequences beyond their length
    keep their state and output zeros; the result is laid out as the fused op's."""
    cell = getattr(torch, f"{kind}_cell")

    def run(x, *rest):
        states = list(rest[:2] if kind == "lstm" else rest[:1])
        weights = rest[len(states) :]
        steps, batch = x.shape[0], x.shape[1]
        outputs = [None] * steps
        for t in reversed(range(steps)) if reverse else range(steps):
            n = batch if batch_sizes is None else batch_sizes[t]
            args = (tuple(s[:n] for s in states),) if kind == "lstm" else (states[0][:n],)
            new = cell(x[t, :n], *args, *weights)
            new = list(new) if kind == "lstm" else [new]
            states = [torch.cat([a, s[n:]]) for a, s in zip(new, states)]
            outputs[t] = torch.cat([new[0], torch.zeros(batch - n, new[0].shape[1], dtype=x.dtype)])
        return torch.cat([torch.stack(outputs)] + [s[None] for s in states])

    return run


def _arrays(kind, rng, bias=True, steps=T, batch=B):
    gates = GATES[kind]
    arrays = [rng.standard_normal((steps, batch, IN))]
    arrays += [rng.standard_normal((batch, H)) for _ in range(2 if kind == "lstm" else 1)]
    arrays += [rng.standard_normal((gates * H, IN)) * 0.7, rng.standard_normal((gates * H, H)) * 0.7]
    if bias:
        arrays += [rng.standard_normal(gates * H), rng.standard_normal(gates * H)]
    return arrays


@pytest.mark.parametrize("kind", list(GATES))
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("batch_sizes", [None, [3, 3, 2, 1, 1]], ids=["padded", "packed"])
@pytest.mark.parametrize("bias", [True, False])
def test_fused_op_matches_torch_cells_and_gradchecks(kind, reverse, batch_sizes, bias):
    rng = np.random.default_rng(0)
    arrays = _arrays(kind, rng, bias=bias)
    if kind == "rnn_relu":
        arrays[0] = np.abs(arrays[0]) + 0.2  # keep pre-activations away from relu's kink for gradcheck
    fused = _fused(kind, reverse, batch_sizes)
    if not bias:
        fused_without = fused
        fused = lambda *a: fused_without(*a, None, None)  # noqa: E731
    check_op(fused, torch_reference(kind, reverse, batch_sizes), *arrays)


@pytest.mark.parametrize("kind", list(GATES))
def test_float32_matches_float64(kind):
    arrays = _arrays(kind, np.random.default_rng(1))
    exact = _fused(kind, False, None)(*[cr.tensor(a) for a in arrays]).numpy()
    single = _fused(kind, False, None)(*[cr.tensor(a.astype(np.float32)) for a in arrays])
    assert single.dtype == np.float32
    np.testing.assert_allclose(single.numpy(), exact, rtol=1e-4, atol=1e-5)


def test_only_final_state_used_gives_the_same_gradient_as_weighting_everything():
    """Backward skips the per-step output adds when no output gradient arrives (a classifier on
    h_n); the result must equal the full path with a zero output weighting."""
    arrays = _arrays("lstm", np.random.default_rng(2))
    first = [cr.tensor(a, requires_grad=True) for a in arrays]
    FusedLSTM.apply(*first)[T].sum().backward()
    second = [cr.tensor(a, requires_grad=True) for a in arrays]
    out = FusedLSTM.apply(*second)
    weights = np.zeros(out.shape)
    weights[T] = 1
    weights[0, 0, 0] = 1e-300  # forces the per-step path while changing nothing measurable
    (out * cr.tensor(weights)).sum().backward()
    for a, b in zip(first, second):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, atol=1e-300)


def test_errors_name_the_op_and_shapes():
    arrays = [cr.tensor(a) for a in _arrays("gru", np.random.default_rng(3))]
    x, h, w_ih, w_hh, b_ih, b_hh = arrays
    with pytest.raises(RuntimeError, match=r"gru: input has inconsistent input_size: got 4 expected 5"):
        FusedGRU.apply(x, h, cr.tensor(np.zeros((9, 5))), w_hh, b_ih, b_hh)
    with pytest.raises(RuntimeError, match=r"gru: h_0 must have shape \(3, 3\), got \(2, 3\)"):
        FusedGRU.apply(x, h[:2], w_ih, w_hh, b_ih, b_hh)
    with pytest.raises(RuntimeError, match=r"gru: expected an input of shape \(T, B, input_size\)"):
        FusedGRU.apply(x[0], h, w_ih, w_hh, b_ih, b_hh)
    with pytest.raises(TypeError, match="gru: weight_hh has dtype float32 but the input has dtype float64"):
        FusedGRU.apply(x, h, w_ih, w_hh.float(), b_ih, b_hh)
    with pytest.raises(RuntimeError, match="batch_sizes must be 5 non-increasing counts"):
        FusedGRU.apply(x, h, w_ih, w_hh, b_ih, b_hh, batch_sizes=[3, 2, 3, 1, 1])
    with pytest.raises(ValueError, match="Unknown nonlinearity 'sigmoid'"):
        FusedRNN.apply(x, h, w_ih[:3], w_hh[:3], nonlinearity="sigmoid")


def _peak_backward_bytes(steps):
    rng = np.random.default_rng(4)
    batch, features, hidden = 4, 8, 32
    x = cr.tensor(rng.standard_normal((steps, batch, features)).astype(np.float32), requires_grad=True)
    layer = cr.nn.LSTM(features, hidden)
    tracemalloc.start()
    try:
        output, (h_n, _) = layer(x)
        (output.sum() + h_n.sum()).backward()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert x.grad.shape == (steps, batch, features) and np.isfinite(x.grad.numpy()).all()
    return peak


def test_a_thousand_step_sequence_backpropagates_in_linear_memory():
    """No recursion (one node per layer-direction, an iterative loop inside); the peak memory of
    forward + backward grows linearly in T: the saved gates, cells and states, O(T B H). Doubling
    T from 500 to 1000 adds twice what doubling it from 250 to 500 added."""
    peaks = {steps: _peak_backward_bytes(steps) for steps in (250, 500, 1000)}
    growth = (peaks[1000] - peaks[500]) / (peaks[500] - peaks[250])
    assert 1.6 < growth < 2.4, peaks
    per_step = 4 * 32 * 4  # one step's (B, H) float32 array
    assert peaks[1000] < 30 * 1000 * per_step, peaks  # a couple of dozen (B, H) arrays per step, no more


# ------------------------------------------------------------------ LSTM with a projection (proj_size)

P = 2  # proj_size < H


def torch_projected_reference(reverse, batch_sizes):
    """The LSTM step in torch ops (torch.lstm_cell wants h as wide as c) with h_t = m_t W_hr^T,
    laid out as FusedLSTM's flat output: the (T + 1, B, P) rows of h, then c_n (B, H)."""

    def run(x, h, c, w_ih, w_hh, b_ih, b_hh, w_hr):
        steps, batch = x.shape[0], x.shape[1]
        outputs = [None] * steps
        for t in reversed(range(steps)) if reverse else range(steps):
            n = batch if batch_sizes is None else batch_sizes[t]
            i, f, g, o = (x[t, :n] @ w_ih.T + b_ih + h[:n] @ w_hh.T + b_hh).chunk(4, dim=1)
            c_new = torch.sigmoid(f) * c[:n] + torch.sigmoid(i) * torch.tanh(g)
            h_new = (torch.sigmoid(o) * torch.tanh(c_new)) @ w_hr.T
            h, c = torch.cat([h_new, h[n:]]), torch.cat([c_new, c[n:]])
            outputs[t] = torch.cat([h_new, torch.zeros(batch - n, P, dtype=x.dtype)])
        return torch.cat([torch.stack(outputs).reshape(-1), h.reshape(-1), c.reshape(-1)])

    return run


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("batch_sizes", [None, [3, 3, 2, 1, 1]], ids=["padded", "packed"])
def test_projected_lstm_matches_torch_cells_and_gradchecks(reverse, batch_sizes):
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal((T, B, IN)), rng.standard_normal((B, P)), rng.standard_normal((B, H))]
    arrays += [rng.standard_normal((4 * H, IN)) * 0.7, rng.standard_normal((4 * H, P)) * 0.7]
    arrays += [rng.standard_normal(4 * H), rng.standard_normal(4 * H), rng.standard_normal((P, H)) * 0.7]
    out = check_op(_fused("lstm", reverse, batch_sizes), torch_projected_reference(reverse, batch_sizes), *arrays)
    assert out[0].shape == ((T + 1) * B * P + B * H,)


def test_projected_lstm_errors_name_the_op_and_shapes():
    rng = np.random.default_rng(6)
    x, h, c = (cr.tensor(rng.standard_normal(s)) for s in ((T, B, IN), (B, P), (B, H)))
    w_ih, w_hh, w_hr = (cr.tensor(rng.standard_normal(s)) for s in ((4 * H, IN), (4 * H, P), (P, H)))
    with pytest.raises(RuntimeError, match=r"lstm: weight_hh must have shape \(4 \* hidden_size, proj_size\)"):
        FusedLSTM.apply(x, h, c, w_ih, cr.tensor(np.zeros((4 * H, H))), None, None, w_hr)
    with pytest.raises(RuntimeError, match=r"lstm: weight_hr must have shape \(proj_size, hidden_size\)"):
        FusedLSTM.apply(x, h, c, w_ih, w_hh, None, None, cr.tensor(np.zeros((H, H))))
    with pytest.raises(RuntimeError, match=r"lstm: h_0 must have shape \(3, 2\), got \(3, 3\)"):
        FusedLSTM.apply(x, c, c, w_ih, w_hh, None, None, w_hr)
    with pytest.raises(RuntimeError, match=r"lstm: c_0 must have shape \(3, 3\), got \(3, 2\)"):
        FusedLSTM.apply(x, h, h, w_ih, w_hh, None, None, w_hr)
