#!/usr/bin/env python3
"""chainrule vs PyTorch, one framework per process: Conv2d(64, 64, 3, padding=1) forward + backward
on a 32x64x16x16 float32 batch (the issue's target: <= 2x PyTorch, which runs oneDNN here).

Each measurement runs in a fresh worker subprocess that imports only its own framework, with the
thread env set before numpy/torch are imported (two BLAS/OpenMP pools in one process fight over the
cores and distort both). The parent alternates chainrule, torch, chainrule, torch, ... for
--rounds rounds and reports the median of the per-round ratios, so load drifting on a shared
machine hits both halves of a round alike (the pattern of benchmarks/bench_core.py).

The chainrule worker also reports where its time goes: it times the pieces of the same step
(``ops.conv.im2col`` of x, the forward GEMM cols @ W, the weight-gradient GEMM g^T @ cols, and
dL/dx, which for a stride-1 convolution is the full correlation of g with the flipped kernel:
``im2col`` of g and one more GEMM) on the step's own shapes and prints each as a share of the
measured step; "other" is the rest (layout copies, bias, the autograd engine). It also times
``ops.conv.col2im``, the dL/dx path of strided convolutions, for comparison. --threads 1 is the
steadiest comparison on a loaded machine (one BLAS thread each, no pool contention).

    python benchmarks/bench_conv.py [--rounds 5] [--steps 20] [--warmup 3] [--threads 2]
                                    [--src OTHER_CHECKOUT/src]   # benchmark another chainrule
    python benchmarks/bench_conv.py --worker {chainrule,torch} ...   # one measurement
"""

import json
import statistics
import time

import _harness

BATCH, CHANNELS, SIZE, KERNEL = 32, 64, 16, 3


def problem():
    rs = np.random.RandomState(0)
    bound = 1.0 / np.sqrt(CHANNELS * KERNEL * KERNEL)
    weight = rs.uniform(-bound, bound, (CHANNELS, CHANNELS, KERNEL, KERNEL)).astype(np.float32)
    bias = rs.uniform(-bound, bound, CHANNELS).astype(np.float32)
    x = rs.randn(BATCH, CHANNELS, SIZE, SIZE).astype(np.float32)
    grad = rs.randn(BATCH, CHANNELS, SIZE, SIZE).astype(np.float32)
    return weight, bias, x, grad


def step_chainrule(weight, bias, x, grad):
    import chainrule as cr
    from chainrule import nn

    layer = nn.Conv2d(CHANNELS, CHANNELS, KERNEL, padding=1)
    with cr.no_grad():
        layer.weight.copy_(cr.tensor(weight))
        layer.bias.copy_(cr.tensor(bias))
    xt, gt = cr.tensor(x, requires_grad=True), cr.tensor(grad)

    def step():
        layer.zero_grad()
        xt.grad = None
        layer(xt).backward(gt)

    def grad_sums():
        return float(xt.grad.numpy().astype(np.float64).sum()), float(layer.weight.grad.numpy().sum())

    return step, grad_sums


def step_torch(weight, bias, x, grad):
    import torch

    layer = torch.nn.Conv2d(CHANNELS, CHANNELS, KERNEL, padding=1)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(weight))
        layer.bias.copy_(torch.from_numpy(bias))
    xt, gt = torch.from_numpy(x).requires_grad_(True), torch.from_numpy(grad)

    def step():
        layer.zero_grad(set_to_none=True)
        xt.grad = None
        layer(xt).backward(gt)

    def grad_sums():
        return float(xt.grad.numpy().astype(np.float64).sum()), float(layer.weight.grad.numpy().sum())

    return step, grad_sums


def _median_ms(fn, reps):
    fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def breakdown_chainrule(weight, x, grad, reps):
    """Median ms of each piece of chainrule's conv step, on the step's own shapes and layouts.

    For a stride-1 convolution, ops/conv.py computes dL/dx as the full correlation of g with the
    flipped kernel (im2col of g, then one GEMM), which is the same sum as col2im(g W^T); col2im is
    timed as well, as the path strided convolutions take.
    """
    from chainrule.ops import conv

    kernel, out_hw, stride, padding, dilation = (KERNEL, KERNEL), (SIZE, SIZE), (1, 1), (1, 1, 1, 1), (1, 1)
    cols = conv.im2col(x, kernel, out_hw, stride, padding, dilation, 1)  # (1, M, K)
    w_mat = np.ascontiguousarray(weight.transpose(2, 3, 1, 0)).reshape(1, -1, CHANNELS)  # (1, K, O)
    grad_cols = conv.im2col(grad, kernel, out_hw, stride, padding, dilation, 1)  # (1, M, K), 'same' padding
    flipped = np.ascontiguousarray(weight[:, :, ::-1, ::-1].transpose(2, 3, 0, 1)).reshape(1, -1, CHANNELS)
    grad_t = np.ascontiguousarray(grad.transpose(1, 0, 2, 3)).reshape(1, CHANNELS, -1)  # (1, O, M)
    grad_cols_t = np.matmul(w_mat, grad_t)  # (1, K, M), col2im's layout
    pieces = {
        "im2col of x": lambda: conv.im2col(x, kernel, out_hw, stride, padding, dilation, 1),
        "GEMM cols@W": lambda: np.matmul(cols, w_mat),
        "GEMM g^T@cols (dW)": lambda: np.matmul(grad_t, cols),
        "im2col of g (dX)": lambda: conv.im2col(grad, kernel, out_hw, stride, padding, dilation, 1),
        "GEMM gcols@W_flip": lambda: np.matmul(grad_cols, flipped),
    }
    times = {name: _median_ms(piece, reps) for name, piece in pieces.items()}
    times["col2im (strided only)"] = _median_ms(
        lambda: conv.col2im(grad_cols_t, x.shape, kernel, out_hw, stride, padding, dilation, 1), reps
    )
    return times


def worker(a):
    """Measure one framework in this process; print one JSON line."""
    global np
    _harness.start_worker(a)
    import numpy as np  # only now, with the thread env in place

    mod = _harness.import_framework(a)
    weight, bias, x, grad = problem()
    step, grad_sums = (step_torch if a.worker == "torch" else step_chainrule)(weight, bias, x, grad)
    for _ in range(a.warmup):
        step()
    times = []
    for _ in range(a.steps):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    rec = {"fw": a.worker, "median_s": statistics.median(times), "grad_sums": grad_sums()}
    if a.worker == "chainrule":
        rec["breakdown_ms"] = breakdown_chainrule(weight, x, grad, a.steps)
    _harness.check_isolation(a)
    rec.update(version=mod.__version__, file=mod.__file__)
    print(json.dumps(rec), flush=True)


def parent(a):
    print(
        f"Conv2d({CHANNELS}, {CHANNELS}, {KERNEL}, padding=1) forward+backward on {BATCH}x{CHANNELS}x{SIZE}x{SIZE} "
        f"float32; rounds {a.rounds}, steps {a.steps}+{a.warmup} warm-up, threads {a.threads}"
    )

    def show(r, rec):
        if r == 1:
            _harness.print_versions(rec)
        c, t = rec["chainrule"]["median_s"] * 1e3, rec["torch"]["median_s"] * 1e3
        print(
            f"  round {r:2d}  chainrule {c:7.2f} ms  torch {t:7.2f} ms  ratio {c / t:5.2f}x"
            f"   load {_harness.load():.2f}",
            flush=True,
        )

    args = _harness.step_args(a)
    rounds = _harness.alternate(__file__, args, a.rounds, a.src, show)  # chainrule, then torch
    ratios = _harness.ratios(rounds)
    print(f"ratio chainrule/torch  {_harness.summarise(ratios)}   ({len(rounds)} rounds)")
    ours, theirs = rounds[0]["chainrule"]["grad_sums"], rounds[0]["torch"]["grad_sums"]
    print(f"grad sums (x, weight), chainrule/torch: {ours[0]:.4f}/{theirs[0]:.4f}, {ours[1]:.4f}/{theirs[1]:.4f}")
    step_ms = statistics.median(r["chainrule"]["median_s"] for r in rounds) * 1e3
    pieces = {
        name: statistics.median(r["chainrule"]["breakdown_ms"][name] for r in rounds)
        for name in rounds[0]["chainrule"]["breakdown_ms"]
    }
    col2im = pieces.pop("col2im (strided only)")
    print(f"where chainrule's {step_ms:.2f} ms go (each piece timed alone, median over rounds):")
    for name, ms in pieces.items():
        print(f"  {name:20s} {ms:7.2f} ms  {100 * ms / step_ms:5.1f}%")
    rest = step_ms - sum(pieces.values())
    print(f"  {'other':20s} {rest:7.2f} ms  {100 * rest / step_ms:5.1f}%  (layout copies, bias, engine)")
    print(f"  (col2im of g W^T, the dX path of strided convolutions, would take {col2im:.2f} ms here)")
    return statistics.median(ratios)


def main():
    ap = _harness.parser(__doc__)
    _harness.common_arguments(ap, rounds=5, steps=20, warmup=3)
    _harness.run(ap, worker, parent)


if __name__ == "__main__":
    main()
