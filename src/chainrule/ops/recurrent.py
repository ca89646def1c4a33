"""Recurrent layers as fused ops: one Function runs one layer in one direction over the whole
sequence (Elman RNN, LSTM, GRU), plus the two gathers that move between packed and padded data.

Why fused: composed out of matmul, add, sigmoid, tanh and mul, one LSTM step records about twenty
nodes, so a 1,000-step sequence becomes a 20,000-node graph whose Python overhead dwarfs the
arithmetic. Here the forward loop writes into preallocated (T, B, .) buffers and the backward is
the hand-derived BPTT recursion below, one loop over time, no recursion, memory linear in T.

Shared structure (x_t (B, I) the input at step t, h_{t-1} (B, H) the state fed into step t):

* the input projection of the *whole sequence* is one GEMM, X W_ih^T + b, over all T * B rows;
* each step adds one GEMM for the recurrent part, h_{t-1} W_hh^T, and then elementwise gates;
* the backward runs the steps in reverse. If dz_t (B, G*H) is dL/d(pre-activations of step t), then
  dL/dh_{t-1} = dz_t W_hh (plus the direct paths a cell has), and the weight gradients are sums of
  outer products over all steps, so they are ONE GEMM each after the loop (FusedLSTM: one per
  half of the batch rows when a helper process runs half of them, see its docstring):
      dW_ih = sum_t dz_t^T x_t = DZ^T X,    dW_hh = sum_t dz_t^T h_{t-1} = DZ^T H_prev,
      db_ih = db_hh = sum_t sum_b dz_t       (GRU: separate, see FusedGRU),
      dX = DZ W_ih                           (one GEMM for the input gradient of every step).

sigma(z) = (1 + tanh(z / 2)) / 2 exactly, so the gates are computed with the weight rows of the
sigmoid gates pre-scaled by 1/2 (exact in floating point): one ``tanh`` over all the gates of a
step, then ``0.5 * t + 0.5`` in place on the sigmoid block. The derivatives keep the usual
sigma' = s (1 - s) and tanh' = 1 - t^2 in terms of the activations.

Variable lengths (packed sequences): ``batch_sizes[t]`` is the number of sequences still running
at step t; the batch is sorted by decreasing length, so they are the first ``batch_sizes[t]`` rows.
The other rows keep their state unchanged (h_t = h_{t-1}, c_t = c_{t-1}) and output 0; in the
backward their state gradient passes through unchanged and their pre-activation gradient is 0.
So the final state of each sequence is its state at its own last step, in both directions (the
reverse direction starts each sequence at its own last step, because until then the initial
state is carried).

Output layout: one array of shape (T + 1, B, H) (RNN, GRU) or (T + 2, B, H) (LSTM): the outputs
of steps 0..T-1 in time order, then h_n, then (LSTM) c_n. The caller slices it (one engine node
per op keeps the engine single-output). An LSTM with a projection has h narrower than c, so it
returns the same rows flattened into one vector (see FusedLSTM).
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from . import row_workers

__all__ = ["FusedGRU", "FusedLSTM", "FusedRNN", "PackedToPadded", "PaddedToPacked"]


def _check_inputs(op, x, states, w_ih, w_hh, b_ih, b_hh, gates, batch_sizes, w_hr=None):
    """Shapes and dtypes of one layer-direction, with messages naming the op.

    ``states`` holds (name, array, width) with width "h" (the output size: proj_size with a
    projection ``w_hr`` (P, H), else H) or "c" (always H)."""
    if x.ndim != 3:
        raise RuntimeError(f"{op}: expected an input of shape (T, B, input_size), got shape {x.shape}")
    steps, batch, features = x.shape
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input, got dtype {x.dtype}")
    if w_hr is None:
        if w_hh.ndim != 2 or w_hh.shape[0] != gates * w_hh.shape[1]:
            raise RuntimeError(
                f"{op}: weight_hh must have shape ({gates} * hidden_size, hidden_size), got {w_hh.shape}"
            )
        hidden = out_size = w_hh.shape[1]
    else:
        if w_hr.ndim != 2 or not 0 < w_hr.shape[0] < w_hr.shape[1]:
            raise RuntimeError(
                f"{op}: weight_hr must have shape (proj_size, hidden_size) with 0 < proj_size < hidden_size, "
                f"got {w_hr.shape}"
            )
        out_size, hidden = w_hr.shape
        if w_hh.shape != (gates * hidden, out_size):
            raise RuntimeError(
                f"{op}: weight_hh must have shape ({gates} * hidden_size, proj_size) = ({gates * hidden}, {out_size}) "
                f"with weight_hr of shape {w_hr.shape}, got {w_hh.shape}"
            )
    if w_ih.shape != (gates * hidden, features):
        raise RuntimeError(
            f"{op}: input has inconsistent input_size: got {features} expected {w_ih.shape[-1]} "
            f"(weight_ih has shape {w_ih.shape}; expected ({gates * hidden}, {features}))"
        )
    for name, bias in (("bias_ih", b_ih), ("bias_hh", b_hh)):
        if bias is not None and bias.shape != (gates * hidden,):
            raise RuntimeError(f"{op}: {name} must have shape ({gates * hidden},), got {bias.shape}")
    for name, state, width in states:
        size = out_size if width == "h" else hidden
        if state.shape != (batch, size):
            raise RuntimeError(f"{op}: {name} must have shape ({batch}, {size}), got {state.shape}")
    arrays = (("weight_ih", w_ih), ("weight_hh", w_hh), ("bias_ih", b_ih), ("bias_hh", b_hh), ("weight_hr", w_hr))
    for name, array in arrays + tuple(state[:2] for state in states):
        if array is not None and array.dtype != x.dtype:
            raise TypeError(
                f"{op}: {name} has dtype {array.dtype} but the input has dtype {x.dtype}; cast one so they match"
            )
    if batch_sizes is None:
        return steps, batch, features, hidden, None
    sizes = [int(n) for n in batch_sizes]
    if len(sizes) != steps or (sizes and (sizes[0] != batch or any(a < b for a, b in zip(sizes, sizes[1:])))):
        raise RuntimeError(
            f"{op}: batch_sizes must be {steps} non-increasing counts starting at the batch size {batch}, got {sizes}"
        )
    if sizes and sizes[-1] < 1:
        raise RuntimeError(f"{op}: every step must have at least one sequence, got batch_sizes {sizes}")
    return steps, batch, features, hidden, sizes


def _time_order(steps, reverse):
    """The steps in processing order, and the offset of a step's input state in the state buffer.

    The buffer S has T + 1 rows. Forward: S[0] = h_0 and S[t + 1] = the state after step t, so
    step t reads S[t] and writes S[t + 1]. Reverse: S[T] = h_0 and S[t] = the state after step t,
    so step t reads S[t + 1] and writes S[t]. Either way the states fed into the steps, in time
    order, are one contiguous block (S[:T] or S[1:]) for the single dW_hh GEMM.
    """
    if reverse:
        return range(steps - 1, -1, -1), 1, 0
    return range(steps), 0, 1


def _combined_bias(b_ih, b_hh):
    if b_ih is None:
        return b_hh
    return b_ih if b_hh is None else b_ih + b_hh


def _outputs(states, steps, sizes, reverse, extra=0):
    """Outputs in time order from the state buffer (zero where a sequence has ended), then h_n,
    then ``extra`` rows left for the caller (c_n)."""
    hidden = states[:steps] if reverse else states[1:]
    out = np.empty((steps + 1 + extra,) + states.shape[1:], states.dtype)
    out[:steps] = hidden
    if sizes is not None:
        for t, n in enumerate(sizes):
            out[t, n:] = 0
    out[steps] = states[steps if not reverse else 0]
    return out


# Steps of the backward's factor precomputation per block: a few (B, H) arrays of this many
# elements stay in cache between the block's vectorised pass and its per-step loop.
_BLOCK_ELEMENTS = 65536


def _blocks(steps, block, reverse):
    """[first, last) ranges of ``block`` steps, in the order the backward visits them."""
    starts = range(0, steps, block)
    ranges = [(a, min(a + block, steps)) for a in starts]
    return ranges if reverse else ranges[::-1]


def _lstm_order(hidden):
    """Row permutation from torch's gate order (i, f, g, o) to the internal (o, i, f, g): the three
    sigmoid gates are then one block [0, 3H) and the three gates that the cell-state gradient
    multiplies are one block [H, 4H), so each is one NumPy call per step."""
    return np.concatenate([np.arange(3 * hidden, 4 * hidden), np.arange(0, 3 * hidden)])


class FusedLSTM(Function):
    """One LSTM layer-direction over a sequence (torch's gate order i, f, g, o; two biases), with
    torch's optional output projection (``proj_size``).

    Inputs: x (T, B, I), h_0 (B, P), c_0 (B, H), W_ih (4H, I), W_hh (4H, P), b_ih, b_hh (4H,) or
    None, W_hr (P, H) or None (then P = H); ``reverse`` runs t = T-1 .. 0; ``batch_sizes`` (T,)
    for packed input. Output without a projection (T + 2, B, H): h_t for every step, then h_n,
    then c_n. With one, h and c differ in width, so the output is those same rows flattened into
    one vector: (T + 1) * B * P values of h (steps, then h_n), then B * H of c_n (P = H gives the
    unprojected array's memory exactly).

    Forward, with z_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh split into (z_i, z_f, z_g, z_o):
        i = sigma(z_i), f = sigma(z_f), g = tanh(z_g), o = sigma(z_o),
        c_t = f * c_{t-1} + i * g,    m_t = o * tanh(c_t),    h_t = m_t W_hr^T  (or h_t = m_t).

    Backward, step t, with dh = dL/dh_t (from the output of step t plus from step t+1) and
    dc = dL/dc_t arriving from step t+1, tc = tanh(c_t):
        dm = dh W_hr      (or dm = dh)                   (h_t = m_t W_hr^T)
        dc += dm * o * (1 - tc^2)                        (m_t = o tanh c_t)
        dz_o = dm * tc * o (1 - o)
        dz_i = dc * g * i (1 - i),   dz_f = dc * c_{t-1} * f (1 - f),   dz_g = dc * i * (1 - g^2)
        dL/dc_{t-1} = dc * f,        dL/dh_{t-1} = dz_t W_hh.
    dW_hr = sum_t dh_t^T m_t is one GEMM after the loop, over the dh of every step (kept in a
    (T, B, P) buffer) and the m of every step (kept by the forward).
    The factors that multiply dm and dc (tc o (1 - o), g i (1 - i), ..., o (1 - tc^2)) depend only
    on the forward activations, so they are computed a block of steps at a time (vectorised, and
    small enough to stay in cache), leaving five NumPy calls and one GEMM per step (plus the dm
    GEMM with a projection). Activations are stored gate-major, (T, 4, B, H), so those elementwise
    passes run on contiguous (B, H) blocks. The bias enters the input GEMM as one more input column
    of ones, so after the loop one GEMM gives all three weight gradients:
        [dW_hh | dW_ih | db] = DZ^T [H_prev | X | 1]      (rows: every step and batch row).

    Batch rows never interact in either loop, so both run per row range (``_lstm_forward_rows``,
    ``_lstm_backward_rows``); with a batch of 16 or more, half of the rows run in a helper process
    (ops/row_workers.py), each half with its own input GEMM and its own partial sum of that
    weight-gradient GEMM, and the two partial sums are added here.
    """

    # W_ih (for dx), W_hh (for dh_{t-1}), W_hr (for dm); x is kept as [x, 1], a copy, for dW_ih and db
    saves = {3, 4, 7}

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None, w_hr=None, reverse=False, batch_sizes=None):
        steps, batch, features, hidden, sizes = _check_inputs(
            "lstm", x, (("h_0", h0, "h"), ("c_0", c0, "c")), w_ih, w_hh, b_ih, b_hh, 4, batch_sizes, w_hr
        )
        dtype, H = x.dtype, hidden
        P = w_hh.shape[1]  # the width of h: proj_size, or H without a projection
        order = _lstm_order(H)
        # The arrays the time loop reads and writes: in shared memory when a helper process runs
        # half of the batch rows (row_workers), else ordinary arrays.
        shapes = [((steps, batch, features + 1), dtype), ((features + 1, 4 * H), dtype), ((P, 4 * H), dtype)]
        shapes += [((steps, 4, batch, H), dtype), ((steps + 1, batch, P), dtype), ((steps + 1, batch, H), dtype)]
        shapes += [((steps, batch, H), dtype)] * (2 if w_hr is not None else 1) + [((H, P), dtype)]
        shared = None
        if sizes is None and row_workers.worth_splitting(batch, steps * batch * 4 * H * (P + features)):
            shared = row_workers.shared_arrays(row_workers.nbytes_for(*shapes))
        empty = np.empty if shared is None else shared.empty
        alloc = empty if sizes is None else np.zeros  # rows of ended sequences must stay finite
        # [W_ih | b]^T and W_hh^T in the internal gate order, sigmoid columns halved (tanh of the
        # halved pre-activation gives the sigmoid, module docstring); the input gets a column of
        # ones, so the input GEMM adds the bias and its gradient GEMM sums it.
        w_aug_t = empty((features + 1, 4 * H), dtype)
        w_aug_t[:features] = w_ih[order].T
        bias = _combined_bias(b_ih, b_hh)
        w_aug_t[features] = 0 if bias is None else bias[order]
        w_aug_t[:, : 3 * H] *= 0.5
        w_hh_t = empty((P, 4 * H), dtype)  # contiguous: a faster per-step GEMM than a .T view
        w_hh_t[...] = w_hh[order].T
        w_hh_t[:, : 3 * H] *= 0.5
        x_aug = empty((steps, batch, features + 1), dtype)
        x_aug[..., :features] = x
        x_aug[..., features] = 1
        # Activations are stored gate-major, (T, 4, B, H): every elementwise op below and in the
        # backward then runs on contiguous (B, H) blocks, several times faster in NumPy than on the
        # column slices of a (B, 4H) array.
        arrays = {
            "x_aug": x_aug,
            "w_aug_t": w_aug_t,
            "w_hh_t": w_hh_t,
            "gates": alloc((steps, 4, batch, H), dtype),  # (o, i, f, g)
            "states": empty((steps + 1, batch, P), dtype),
            "cells": empty((steps + 1, batch, H), dtype),
            "tanh_cells": alloc((steps, batch, H), dtype),
        }
        if w_hr is not None:
            arrays["cell_outputs"] = alloc((steps, batch, H), dtype)  # m_t, for dW_hr
            arrays["w_hr_t"] = empty((H, P), dtype)
            arrays["w_hr_t"][...] = w_hr.T
        states, cells = arrays["states"], arrays["cells"]
        start = steps if reverse else 0
        states[start] = h0
        cells[start] = c0
        row_workers.run(_lstm_forward_rows, arrays, batch, shared, reverse=reverse, sizes=sizes)
        out = _outputs(states, steps, sizes, reverse, extra=0 if w_hr is not None else 1)
        c_n = cells[0 if reverse else steps]
        if w_hr is None:
            out[steps + 1] = c_n
        else:
            out = np.concatenate([out.reshape(-1), c_n.reshape(-1)])  # ((T + 1) * B * P + B * H,)
        for name in ("w_aug_t", "w_hh_t", "w_hr_t"):  # forward-only
            arrays.pop(name, None)
        ctx.save_for_backward(w_ih, w_hh, w_hr)
        ctx.buffers = (arrays, shared)  # shared: the block the arrays live in, freed with them
        ctx.meta = (reverse, sizes, b_ih is not None, b_hh is not None)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        w_ih, w_hh, w_hr = ctx.saved_tensors
        forward_arrays, forward_shared = ctx.buffers
        reverse, sizes, has_b_ih, has_b_hh = ctx.meta
        steps, batch, H = forward_arrays["tanh_cells"].shape
        P = forward_arrays["states"].shape[2]
        features = forward_arrays["x_aug"].shape[2] - 1
        dtype = w_ih.dtype
        order = _lstm_order(H)
        need = tuple(ctx.needs_input_grad) + (False,) * (8 - len(ctx.needs_input_grad))
        need_aug = need[3] or (has_b_ih and need[5]) or (has_b_hh and need[6])
        if w_hr is None:
            grad_h, grad_c = grad_output[: steps + 1], grad_output[steps + 1]
        else:
            split = (steps + 1) * batch * P
            grad_h = grad_output[:split].reshape(steps + 1, batch, P)  # (T + 1, B, P): steps, then h_n
            grad_c = grad_output[split:].reshape(batch, H)
        grad_seq = grad_h[:steps]
        has_seq_grad = _any_nonzero(grad_seq)  # only h_n used (a classifier on the last state): skip the adds
        parts = 1 if forward_shared is None else 2  # weight gradients: one partial sum per process
        shapes = [((batch, P), dtype), ((batch, H), dtype), ((4 * H, P), dtype), ((4 * H, features), dtype)]
        shapes += [((parts, 4 * H, P + features + 1), dtype), ((steps, batch, features), dtype)]
        shapes += [((steps, batch, P), dtype), ((P, H), dtype), ((parts, P, H), dtype)]
        shared = None if forward_shared is None else row_workers.shared_arrays(row_workers.nbytes_for(*shapes))
        empty = np.empty if shared is None else shared.empty
        zeros = np.zeros if shared is None else shared.zeros  # partial sums: a part no process ran adds 0
        arrays = dict(forward_arrays)
        arrays["dh"] = empty((batch, P), dtype)
        arrays["dh"][...] = grad_h[steps]
        arrays["dc"] = empty((batch, H), dtype)
        arrays["dc"][...] = grad_c
        arrays["w_hh_p"] = empty((4 * H, P), dtype)
        arrays["w_hh_p"][...] = w_hh[order]
        if has_seq_grad:
            arrays["grad_seq"] = empty((steps, batch, P), dtype)
            arrays["grad_seq"][...] = grad_seq
        if w_hr is not None:
            arrays["w_hr"] = empty((P, H), dtype)
            arrays["w_hr"][...] = w_hr
            if need[7]:
                arrays["grad_w_hr"] = zeros((parts, P, H), dtype)
        weight_columns = ("h" if need[4] else "") + ("x" if need_aug else "")
        if weight_columns:  # [dW_hh | dW_ih | db], the parts asked for, a partial sum per process
            width = (P if need[4] else 0) + (features + 1 if need_aug else 0)
            arrays["grad_weights"] = zeros((parts, 4 * H, width), dtype)
        if need[0]:
            arrays["w_ih_p"] = empty((4 * H, features), dtype)
            arrays["w_ih_p"][...] = w_ih[order]
            arrays["grad_x"] = empty((steps, batch, features), dtype)
        blocks = None if shared is None else [forward_shared, shared]
        row_workers.run(
            _lstm_backward_rows, arrays, batch, blocks, reverse=reverse, sizes=sizes, weight_columns=weight_columns
        )
        grad_x = grad_w_ih = grad_w_hh = grad_b_ih = grad_b_hh = grad_w_hr = None
        if need[0]:
            grad_x = arrays["grad_x"].copy()  # private copies: the shared block goes back to its pool
        if weight_columns:
            grad_weights = np.empty(arrays["grad_weights"].shape[1:], dtype)
            grad_weights[order] = arrays["grad_weights"].sum(axis=0)  # back to torch's gate order
            h_columns = P if need[4] else 0
            grad_w_hh = grad_weights[:, :P] if need[4] else None
            grad_w_ih = grad_weights[:, h_columns : h_columns + features] if need[3] else None
            grad_b_ih = grad_weights[:, -1].copy() if has_b_ih and need[5] else None
            grad_b_hh = grad_weights[:, -1].copy() if has_b_hh and need[6] else None
        if w_hr is not None and need[7]:
            grad_w_hr = arrays["grad_w_hr"].sum(axis=0)
        dh, dc = arrays["dh"].copy(), arrays["dc"].copy()
        if shared is not None:
            del arrays
            shared.release()
        grads = (grad_x, dh, dc, grad_w_ih, grad_w_hh, grad_b_ih, grad_b_hh, grad_w_hr)
        return grads[: len(ctx.needs_input_grad)]


def _any_nonzero(array) -> bool:
    """np.any(array) for a float array, as the max of its bits (4x faster; -0.0 counts as nonzero)."""
    if array.dtype.itemsize in (4, 8) and array.flags.c_contiguous and array.size:
        return bool(array.reshape(-1).view(f"u{array.dtype.itemsize}").max())
    return bool(np.any(array))


def _rows_of(array, rows, axis=1):
    """Rows ``rows`` (on ``axis``) of an array, or None for None."""
    return None if array is None else array[(slice(None),) * axis + (rows,)]


def _running(sizes, rows):
    """Per step, how many of the rows ``rows`` still run (None: all of them, every step)."""
    if sizes is None:
        return None
    return [min(max(n - rows.start, 0), rows.stop - rows.start) for n in sizes]


def _flat_rows(array, rows):
    """(T, B, k) array -> its rows ``rows`` as one (T * b, k) matrix (a copy unless all rows)."""
    part = array[:, rows]
    return np.ascontiguousarray(part).reshape(-1, part.shape[-1])


@row_workers.row_function
def _lstm_forward_rows(arrays, rows, *, reverse, sizes):
    """FusedLSTM's forward over batch rows ``rows``: their input GEMM, then the time loop."""
    gates = _rows_of(arrays["gates"], rows, axis=2)
    states, cells = _rows_of(arrays["states"], rows), _rows_of(arrays["cells"], rows)
    tanh_cells, cell_outputs = _rows_of(arrays["tanh_cells"], rows), _rows_of(arrays.get("cell_outputs"), rows)
    w_hh_t, w_hr_t = arrays["w_hh_t"], arrays.get("w_hr_t")
    steps, batch, H = tanh_cells.shape
    dtype = tanh_cells.dtype
    local = _running(sizes, rows)
    # the hoisted input GEMM of these rows, every step at once, bias included
    projected = (_flat_rows(arrays["x_aug"], rows) @ arrays["w_aug_t"]).reshape(steps, batch, 4 * H)
    recurrent = np.empty((batch, 4 * H), dtype)
    input_gate = np.empty((batch, H), dtype)
    time_steps, read, write = _time_order(steps, reverse)
    for t in time_steps:
        n = batch if local is None else local[t]
        h_prev, h_next = states[t + read], states[t + write]
        c_prev, c_next = cells[t + read], cells[t + write]
        if n < batch:  # ended sequences keep their state; their zero gates give zero gradients
            h_next[n:] = h_prev[n:]
            c_next[n:] = c_prev[n:]
            if n == 0:
                continue
            h_prev, h_next, c_prev, c_next = h_prev[:n], h_next[:n], c_prev[:n], c_next[:n]
        z = recurrent[:n]
        np.matmul(h_prev, w_hh_t, out=z)
        z += projected[t, :n]
        a = gates[t, :, :n]  # (4, n, H)
        np.tanh(z.reshape(n, 4, H).transpose(1, 0, 2), out=a)
        sig = a[:3]
        sig *= 0.5
        sig += 0.5
        ig = input_gate[:n]
        np.multiply(a[2], c_prev, out=c_next)  # f * c_{t-1}
        np.multiply(a[1], a[3], out=ig)  # i * g
        c_next += ig
        tc = tanh_cells[t, :n]
        np.tanh(c_next, out=tc)
        if w_hr_t is None:
            np.multiply(a[0], tc, out=h_next)  # o * tanh(c_t)
        else:
            m = cell_outputs[t, :n]
            np.multiply(a[0], tc, out=m)  # m_t = o * tanh(c_t)
            np.matmul(m, w_hr_t, out=h_next)  # h_t = m_t W_hr^T


@row_workers.row_function
def _lstm_backward_rows(arrays, rows, *, reverse, sizes, weight_columns):
    """FusedLSTM's backward over batch rows ``rows``: the time loop (leaving dL/dh_0, dL/dc_0 in
    dh, dc), then these rows' share of the weight gradients (partial sums, in slot 0 for the rows
    from 0 and slot 1 for the helper's) and their input gradient."""
    get = arrays.get
    acts = _rows_of(arrays["gates"], rows, axis=2)  # (T, 4, b, H): (o, i, f, g)
    cells, tanh_cells = _rows_of(arrays["cells"], rows), _rows_of(arrays["tanh_cells"], rows)
    grad_seq = _rows_of(get("grad_seq"), rows)
    dh, dc = arrays["dh"][rows], arrays["dc"][rows]
    w_hh_p, w_hr = arrays["w_hh_p"], get("w_hr")
    c_prev = cells[1:] if reverse else cells[:-1]
    steps, batch, H = tanh_cells.shape
    P = dh.shape[1]
    dtype = tanh_cells.dtype
    local = _running(sizes, rows)
    part = 0 if rows.start == 0 else 1
    alloc = np.empty if sizes is None else np.zeros  # ended sequences: zero gradients
    dz = alloc((steps, batch, 4 * H), dtype)
    # with a projection: dh of every step, for the dW_hr GEMM, and dm = dh W_hr per step
    grad_h_steps = None if w_hr is None else alloc((steps, batch, P), dtype)
    dm = None if w_hr is None else np.empty((batch, H), dtype)
    block = max(1, _BLOCK_ELEMENTS // max(1, batch * H))
    factors = np.empty((block, 4, batch, H), dtype)
    cell_factor = np.empty((block, batch, H), dtype)
    tmp = np.empty((batch, H), dtype)
    for first, last in _blocks(steps, block, reverse):
        a, fa, cf = acts[first:last], factors[: last - first], cell_factor[: last - first]
        # the factors of the docstring for steps [first, last), contiguous blocks
        np.subtract(1, a[:, :3], out=fa[:, :3])  # s (1 - s) for o, i, f
        fa[:, :3] *= a[:, :3]
        fa[:, 0] *= tanh_cells[first:last]
        fa[:, 1] *= a[:, 3]
        fa[:, 2] *= c_prev[first:last]
        np.multiply(a[:, 3], a[:, 3], out=fa[:, 3])
        np.subtract(1, fa[:, 3], out=fa[:, 3])
        fa[:, 3] *= a[:, 1]
        np.multiply(tanh_cells[first:last], tanh_cells[first:last], out=cf)
        np.subtract(1, cf, out=cf)
        cf *= a[:, 0]
        for t in range(first, last)[::-1] if not reverse else range(first, last):
            n = batch if local is None else local[t]
            if n == 0:
                continue
            k = t - first
            dh_n, dc_n = (dh, dc) if n == batch else (dh[:n], dc[:n])
            if grad_seq is not None:
                dh_n += grad_seq[t, :n]
            if w_hr is None:
                dm_n = dh_n
            else:
                grad_h_steps[t, :n] = dh_n
                dm_n = dm[:n]
                np.matmul(dh_n, w_hr, out=dm_n)  # dm = dh W_hr
            tm = tmp[:n]
            np.multiply(dm_n, cf[k, :n], out=tm)
            dc_n += tm
            dz_t = dz[t, :n]
            dz_gates = dz_t.reshape(n, 4, H).transpose(1, 0, 2)  # (4, n, H) view
            np.multiply(fa[k, 0, :n], dm_n, out=dz_gates[0])
            np.multiply(fa[k, 1:, :n], dc_n, out=dz_gates[1:])
            dc_n *= a[k, 2, :n]  # f
            np.matmul(dz_t, w_hh_p, out=dh_n)
    dz_flat = dz.reshape(steps * batch, 4 * H)  # (T, b, 4H) -> (T * b, 4H)
    # The weight gradients are sums over steps and rows: [dW_hh | dW_ih | db] = DZ^T [H_prev | X | 1]
    # for these rows, one GEMM (with the columns asked for).
    if "grad_weights" in arrays:
        out = arrays["grad_weights"][part]
        h_columns = out.shape[1] - (arrays["x_aug"].shape[2] if "x" in weight_columns else 0)
        operand = np.empty((steps, batch, out.shape[1]), dtype)  # (T, b, P + I + 1) or a part of it
        if "h" in weight_columns:
            operand[:, :, :h_columns] = arrays["states"][1:, rows] if reverse else arrays["states"][:-1, rows]
        if "x" in weight_columns:
            operand[:, :, h_columns:] = arrays["x_aug"][:, rows]
        np.matmul(dz_flat.T, operand.reshape(steps * batch, -1), out=out)
    if "grad_w_hr" in arrays:  # dW_hr = sum_t dh_t^T m_t, (P, H)
        m = _flat_rows(arrays["cell_outputs"], rows)
        np.matmul(grad_h_steps.reshape(steps * batch, P).T, m, out=arrays["grad_w_hr"][part])
    if "grad_x" in arrays:  # dX = DZ W_ih
        arrays["grad_x"][:, rows] = (dz_flat @ arrays["w_ih_p"]).reshape(steps, batch, -1)


def _gru_order(hidden):
    """Row permutation from torch's gate order (r, z, n) to (n, r, z), the order of the recurrent
    part of FusedGRU's gradient buffer (see its docstring)."""
    return np.concatenate([np.arange(2 * hidden, 3 * hidden), np.arange(0, 2 * hidden)])


class FusedGRU(Function):
    """One GRU layer-direction over a sequence (torch's gate order r, z, n; b_hn inside the reset
    product, as PyTorch and cuDNN place it).

    Inputs: x (T, B, I), h_0 (B, H), W_ih (3H, I), W_hh (3H, H), b_ih, b_hh (3H,) or None;
    ``reverse`` and ``batch_sizes`` as FusedLSTM. Output (T + 1, B, H): h_t per step, then h_n.

    Forward, with a = x_t W_ih^T + b_ih and q = h_{t-1} W_hh^T + b_hh split into (r, z, n) parts:
        r = sigma(a_r + q_r),  z = sigma(a_z + q_z),  n = tanh(a_n + r * q_n),
        h_t = (1 - z) * n + z * h_{t-1}.

    Backward, step t, with dh = dL/dh_t:
        dn = dh * (1 - z),  u_n = dn * (1 - n^2)             (dL/d(a_n + r q_n))
        u_z = dh * (h_{t-1} - n) * z (1 - z)                  (dL/d(a_z + q_z))
        u_r = u_n * q_n * r (1 - r)                           (dL/d(a_r + q_r))
        dL/da = (u_r, u_z, u_n),   dL/dq = (u_r, u_z, u_n * r),
        dL/dh_{t-1} = dh * z + (dL/dq) W_hh.
    The two biases get different gradients (b_hn sits inside the product with r): db_ih = sum dL/da
    and db_hh = sum dL/dq; dW_ih = sum (dL/da)^T x_t, dW_hh = sum (dL/dq)^T h_{t-1}, one GEMM each.

    As in FusedLSTM, the activations are stored gate-major, (T, 4, B, H) = (r, z, q_n, n), and the
    factors that multiply dh and u_n ((h_{t-1} - n) z (1 - z), (1 - z)(1 - n^2), r, q_n r (1 - r))
    are computed a block of steps at a time on contiguous (B, H) blocks. The gradient buffer holds
    per row (u_n r, u_r, u_z, u_n): dL/dq (in the order n, r, z) is its first 3H columns and dL/da
    (in torch's order r, z, n) its last 3H, so each step is two NumPy calls for the four gate
    gradients (dh times two adjacent factors, u_n times the next two), one for dh * z and one GEMM.
    """

    saves = {0, 2, 3}  # x, W_ih, W_hh

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih=None, b_hh=None, reverse=False, batch_sizes=None):
        steps, batch, features, hidden, sizes = _check_inputs(
            "gru", x, (("h_0", h0, "h"),), w_ih, w_hh, b_ih, b_hh, 3, batch_sizes
        )
        dtype, H = x.dtype, hidden
        w_ih_s, w_hh_s = w_ih.copy(), w_hh.copy()
        w_ih_s[: 2 * H] *= 0.5  # r and z rows: sigma via tanh of the halved pre-activation
        w_hh_s[: 2 * H] *= 0.5
        projected = np.empty((steps, batch, 3 * H), dtype)  # a = x W_ih^T + b_ih, r/z halved
        np.matmul(x.reshape(steps * batch, features), w_ih_s.T, out=projected.reshape(steps * batch, 3 * H))
        if b_ih is not None:
            b = b_ih.copy()
            b[: 2 * H] *= 0.5
            projected += b
        b_hh_s = None
        if b_hh is not None:
            b_hh_s = b_hh.copy()
            b_hh_s[: 2 * H] *= 0.5
        alloc = np.empty if sizes is None else np.zeros  # rows of ended sequences must stay finite
        acts = alloc((steps, 4, batch, H), dtype)  # (r, z, q_n, n), q_n unscaled
        states = np.empty((steps + 1, batch, H), dtype)
        recurrent = np.empty((batch, 3 * H), dtype)
        time_steps, read, write = _time_order(steps, reverse)
        states[steps if reverse else 0] = h0
        w_hh_t = np.ascontiguousarray(w_hh_s.T)  # contiguous: a faster per-step GEMM than the .T view
        for t in time_steps:
            n = batch if sizes is None else sizes[t]
            h_prev, h_next = states[t + read], states[t + write]
            if n < batch:
                h_next[n:] = h_prev[n:]
                h_prev, h_next = h_prev[:n], h_next[:n]
            q = recurrent[:n]
            np.matmul(h_prev, w_hh_t, out=q)
            if b_hh_s is not None:
                q += b_hh_s
            a = projected[t, :n]
            gates = acts[t, :, :n]  # (4, n, H)
            rz = gates[:2]
            np.add(
                a[:, : 2 * H].reshape(n, 2, H).transpose(1, 0, 2),
                q[:, : 2 * H].reshape(n, 2, H).transpose(1, 0, 2),
                out=rz,
            )  # (2, n, H) views of the r and z columns
            np.tanh(rz, out=rz)
            rz *= 0.5
            rz += 0.5
            gates[2] = q[:, 2 * H :]
            cand = gates[3]
            np.multiply(gates[0], gates[2], out=cand)  # r * q_n
            cand += a[:, 2 * H :]
            np.tanh(cand, out=cand)
            np.subtract(h_prev, cand, out=h_next)  # h_t = n + z (h_{t-1} - n)
            h_next *= gates[1]
            h_next += cand
        out = _outputs(states, steps, sizes, reverse)
        ctx.save_for_backward(x, w_ih, w_hh)
        ctx.buffers = (acts, states)
        ctx.meta = (reverse, sizes, b_ih is not None, b_hh is not None)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, w_ih, w_hh = ctx.saved_tensors
        acts, states = ctx.buffers
        reverse, sizes, has_b_ih, has_b_hh = ctx.meta
        steps, _, batch, H = acts.shape
        features, dtype = x.shape[2], x.dtype
        h_prev = states[1:] if reverse else states[:-1]
        grad_seq = grad_output[:steps]
        has_seq_grad = bool(np.any(grad_seq))
        dh = np.array(grad_output[steps], dtype=dtype)
        grad = (np.empty if sizes is None else np.zeros)((steps, batch, 4 * H), dtype)  # (u_n r, u_r, u_z, u_n)
        block = max(1, _BLOCK_ELEMENTS // max(1, batch * H))
        factors = np.empty((block, 4, batch, H), dtype)  # (to_z, to_n, r, to_r)
        direct = np.empty((batch, H), dtype)
        w_hh_p = w_hh[_gru_order(H)]  # rows (n, r, z), as dL/dq's columns
        for first, last in _blocks(steps, block, reverse):
            a, fa = acts[first:last], factors[: last - first]
            r, z, q_n, cand = a[:, 0], a[:, 1], a[:, 2], a[:, 3]
            # the factors of the docstring for steps [first, last), contiguous blocks
            np.subtract(h_prev[first:last], cand, out=fa[:, 0])
            fa[:, 0] *= z
            np.subtract(1, z, out=fa[:, 1])
            fa[:, 0] *= fa[:, 1]  # (h_{t-1} - n) z (1 - z)
            np.multiply(cand, cand, out=fa[:, 3])
            np.subtract(1, fa[:, 3], out=fa[:, 3])
            fa[:, 1] *= fa[:, 3]  # (1 - z)(1 - n^2)
            fa[:, 2] = r
            np.subtract(1, r, out=fa[:, 3])
            fa[:, 3] *= r
            fa[:, 3] *= q_n  # q_n r (1 - r)
            for t in range(first, last)[::-1] if not reverse else range(first, last):
                n = batch if sizes is None else sizes[t]
                k = t - first
                dh_n = dh if n == batch else dh[:n]
                if has_seq_grad:
                    dh_n += grad_seq[t, :n]
                g = grad[t, :n]
                g_gates = g.reshape(n, 4, H).transpose(1, 0, 2)  # (4, n, H) view
                np.multiply(fa[k, :2, :n], dh_n, out=g_gates[2:])  # u_z, u_n
                np.multiply(fa[k, 2:, :n], g_gates[3], out=g_gates[:2])  # u_n r, u_r
                d = direct[:n]
                np.multiply(dh_n, a[k, 1, :n], out=d)  # dh * z
                np.matmul(g[:, : 3 * H], w_hh_p, out=dh_n)
                dh_n += d
        need = ctx.needs_input_grad
        flat = grad.reshape(steps * batch, 4 * H)
        grad_a, grad_q = flat[:, H:], flat[:, : 3 * H]  # (T*B, 3H) views: torch's (r, z, n); (n, r, z)
        order = _gru_order(H)
        grad_x = grad_w_ih = grad_w_hh = grad_b_ih = grad_b_hh = None
        if need[0]:
            grad_x = (grad_a @ w_ih).reshape(steps, batch, features)
        if need[2]:
            grad_w_ih = grad_a.T @ x.reshape(steps * batch, features)
        if need[3]:
            grad_w_hh = np.empty_like(w_hh)
            grad_w_hh[order] = grad_q.T @ h_prev.reshape(steps * batch, H)
        if has_b_ih and need[4]:
            grad_b_ih = grad_a.sum(axis=0)
        if has_b_hh and need[5]:
            grad_b_hh = np.empty_like(grad_a[0])
            grad_b_hh[order] = grad_q.sum(axis=0)
        return grad_x, dh, grad_w_ih, grad_w_hh, grad_b_ih, grad_b_hh


class FusedRNN(Function):
    """One Elman RNN layer-direction over a sequence: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)
    with act tanh or relu (torch's ``nonlinearity``).

    Inputs and options as FusedGRU (weights (H, I) and (H, H)); output (T + 1, B, H).

    Backward, step t, with dh = dL/dh_t: dz_t = dh * act'(z_t), where act' = 1 - h_t^2 (tanh) or
    [h_t > 0] (relu), both functions of the output; dL/dh_{t-1} = dz_t W_hh. The product of T such
    Jacobians is what vanishes (tanh, |act'| <= 1) or explodes (relu, ||W_hh|| > 1) with T.
    """

    saves = {0, 2, 3}

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity="tanh", reverse=False, batch_sizes=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"rnn: Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        steps, batch, features, hidden, sizes = _check_inputs(
            f"rnn_{nonlinearity}", x, (("h_0", h0, "h"),), w_ih, w_hh, b_ih, b_hh, 1, batch_sizes
        )
        dtype = x.dtype
        projected = np.empty((steps, batch, hidden), dtype)
        np.matmul(x.reshape(steps * batch, features), w_ih.T, out=projected.reshape(steps * batch, hidden))
        bias = _combined_bias(b_ih, b_hh)
        if bias is not None:
            projected += bias
        states = np.empty((steps + 1, batch, hidden), dtype)
        time_steps, read, write = _time_order(steps, reverse)
        states[steps if reverse else 0] = h0
        w_hh_t = w_hh.T
        tanh = nonlinearity == "tanh"
        for t in time_steps:
            n = batch if sizes is None else sizes[t]
            h_prev, h_next = states[t + read], states[t + write]
            if n < batch:
                h_next[n:] = h_prev[n:]
                h_prev, h_next = h_prev[:n], h_next[:n]
            np.matmul(h_prev, w_hh_t, out=h_next)
            h_next += projected[t, :n]
            if tanh:
                np.tanh(h_next, out=h_next)
            else:
                np.maximum(h_next, 0, out=h_next)
        out = _outputs(states, steps, sizes, reverse)
        ctx.save_for_backward(x, w_ih, w_hh)
        ctx.buffers = (states,)
        ctx.meta = (tanh, reverse, sizes, b_ih is not None, b_hh is not None)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, w_ih, w_hh = ctx.saved_tensors
        (states,) = ctx.buffers
        tanh, reverse, sizes, has_b_ih, has_b_hh = ctx.meta
        steps = states.shape[0] - 1
        batch, hidden = states.shape[1:]
        features, dtype = x.shape[2], x.dtype
        outputs = states[:-1] if reverse else states[1:]
        if tanh:
            slope = np.multiply(outputs, outputs)
            np.subtract(1, slope, out=slope)
        else:
            slope = (outputs > 0).astype(dtype)
        grad_seq = grad_output[:steps]
        has_seq_grad = bool(np.any(grad_seq))
        dh = np.array(grad_output[steps], dtype=dtype)
        dz = (np.empty if sizes is None else np.zeros)((steps, batch, hidden), dtype)
        time_steps, _, _ = _time_order(steps, reverse)
        for t in reversed(time_steps):
            n = batch if sizes is None else sizes[t]
            dh_n = dh if n == batch else dh[:n]
            if has_seq_grad:
                dh_n += grad_seq[t, :n]
            dz_t = dz[t, :n]
            np.multiply(dh_n, slope[t, :n], out=dz_t)
            np.matmul(dz_t, w_hh, out=dh_n)
        need = ctx.needs_input_grad
        dz_flat = dz.reshape(steps * batch, hidden)
        grad_x = grad_w_ih = grad_w_hh = grad_b_ih = grad_b_hh = None
        if need[0]:
            grad_x = (dz_flat @ w_ih).reshape(steps, batch, features)
        if need[2]:
            grad_w_ih = dz_flat.T @ x.reshape(steps * batch, features)
        if need[3]:
            h_prev = states[1:] if reverse else states[:-1]
            grad_w_hh = dz_flat.T @ h_prev.reshape(steps * batch, hidden)
        if (has_b_ih and need[4]) or (has_b_hh and need[5]):
            grad_b = dz_flat.sum(axis=0)
            grad_b_ih = grad_b if has_b_ih and need[4] else None
            grad_b_hh = grad_b.copy() if has_b_hh and need[5] else None
        return grad_x, dh, grad_w_ih, grad_w_hh, grad_b_ih, grad_b_hh


def packed_positions(batch_sizes, batch):
    """Flat indices into a (T * batch) grid of the rows of packed data, in packed order.

    Packed data is time-major: the batch_sizes[0] sequences' step 0, then the batch_sizes[1]
    still running at step 1, ... Sequence b (in sorted order) runs at step t iff b < batch_sizes[t].
    """
    sizes = np.asarray(batch_sizes, dtype=np.int64)
    running = np.arange(batch)[None, :] < sizes[:, None]  # (T, batch)
    return np.flatnonzero(running)


class PaddedToPacked(Function):
    """Gather the rows of packed data out of a padded (T, B, *) array: y = X_flat[positions].

    Each padded position is taken at most once, so the backward scatters g back into zeros
    (no accumulation needed): dL/dX_flat[positions] = g, 0 elsewhere (the padding).
    """

    saves = {1}  # the positions (an index array, not a tensor)

    @staticmethod
    def forward(ctx, padded, positions):
        ctx.shape = padded.shape
        ctx.save_for_backward(positions)
        return padded.reshape((-1,) + padded.shape[2:])[positions]

    @staticmethod
    def backward(ctx, grad_output):
        (positions,) = ctx.saved_tensors
        grad = np.zeros((ctx.shape[0] * ctx.shape[1],) + ctx.shape[2:], grad_output.dtype)
        grad[positions] = grad_output
        return grad.reshape(ctx.shape), None


class PackedToPadded(Function):
    """Scatter packed rows into a (T, B, *) array filled with ``padding_value``: the inverse of
    PaddedToPacked, so its backward is that gather, dL/d(data) = g_flat[positions]; the padding is
    a constant and gets no gradient."""

    saves = {1}

    @staticmethod
    def forward(ctx, data, positions, steps=1, batch=1, padding_value=0.0):
        out = np.full((steps * batch,) + data.shape[1:], padding_value, data.dtype)
        out[positions] = data
        ctx.save_for_backward(positions)
        return out.reshape((steps, batch) + data.shape[1:])

    @staticmethod
    def backward(ctx, grad_output):
        (positions,) = ctx.saved_tensors
        return grad_output.reshape((-1,) + grad_output.shape[2:])[positions], None
