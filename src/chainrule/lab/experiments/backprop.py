"""Backpropagation: the chain rule gives the exact gradient, at a small multiple of the forward cost."""

from __future__ import annotations

import numpy as np

from ... import functional as F
from ..registry import experiment, pick
from ..result import Trial
from ._common import T, labels, mlp, rng


@experiment(
    id="backprop-vs-numeric",
    topic="backprop",
    title_en="Backpropagation equals finite differences, at a small multiple of the forward cost",
    title_zh="反向传播与数值梯度一致,且代价只是前向的常数倍",
    claim_en="Backpropagation computes the exact gradient of the loss with respect to every weight by applying the chain rule layer by layer from the output back, and one backward pass costs only a small constant multiple of one forward pass.",
    claim_zh="反向传播从输出层往前逐层应用链式法则,精确求出损失对每个权重的梯度;一次反向传播的代价只是一次前向传播的常数倍。",
    method="A float64 tanh MLP (5-8-8-3) with cross-entropy: every parameter's backprop gradient is compared with a central finite difference (h = 1e-6) and the largest error relative to that tensor's largest gradient is reported. The cost ratio is the median wall time of backward over forward for a wider MLP (512 units, batch 256).",
    seeds=(1, 3, 5),
    figures=[],
)
def backprop_vs_numeric(budget, seed):
    g = rng(seed)
    model = mlp([5, 8, 8, 3], activation="tanh", init="xavier", generator=g).double()
    x = T(g.standard_normal((16, 5)), np.float64)
    y = labels(g.integers(0, 3, 16))
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    h = 1e-6
    errors, n_params = [], 0
    for p in model.parameters():
        analytic = p.grad.numpy().ravel()
        flat = p.data.numpy().reshape(-1)  # a view: writing it perturbs the parameter in place
        numeric = np.empty_like(analytic)
        for i in range(flat.size):
            saved = flat[i]
            flat[i] = saved + h
            p.data.copy_(T(flat.reshape(p.shape), np.float64))
            up = F.cross_entropy(model(x), y).item()
            flat[i] = saved - h
            p.data.copy_(T(flat.reshape(p.shape), np.float64))
            down = F.cross_entropy(model(x), y).item()
            flat[i] = saved
            p.data.copy_(T(flat.reshape(p.shape), np.float64))
            numeric[i] = (up - down) / (2 * h)
        # Relative to the tensor's largest gradient: entries near 0 have no meaningful relative error.
        errors.append(float(np.max(np.abs(analytic - numeric)) / max(np.max(np.abs(analytic)), 1e-12)))
        n_params += flat.size
    max_error = max(errors)

    # Cost: forward alone vs backward alone, median of repeats, one BLAS thread.
    import time

    width = pick(budget, 128, 512, 512)
    wide = mlp([256, width, width, 10], activation="tanh")
    xb = T(g.standard_normal((256, 256)))
    yb = labels(g.integers(0, 10, 256))
    forward_times, backward_times = [], []
    for _ in range(pick(budget, 3, 15, 30)):
        start = time.perf_counter()
        out = F.cross_entropy(wide(xb), yb)
        middle = time.perf_counter()
        out.backward()
        end = time.perf_counter()
        forward_times.append(middle - start)
        backward_times.append(end - middle)
        wide.zero_grad()
    ratio = float(np.median(backward_times) / np.median(forward_times))

    trial = Trial(seed, measurements={"n_parameters": n_params, "max_relative_error": max_error})
    trial.timings.update({"forward_s": float(np.median(forward_times)), "backward_s": float(np.median(backward_times))})
    trial.check("max_relative_error", max_error, "<", 1e-6, "largest relative error backprop vs finite differences")
    trial.check("backward_over_forward", ratio, "<", 5.0, "backward time / forward time", timed=True)
    return trial
