#!/usr/bin/env python3
"""chainrule vs PyTorch, same process, 2 threads: (a) MLP training step, (b) per-op overhead.

Workloads match ../shared/bench/peers/mlp.py and smallops.py exactly (same RandomState(0)
initialisation and data, same losses), so the printed losses can be compared with the peers'.

    python benchmarks/bench_core.py [--steps 30] [--reps 20]
"""
import os

for _k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_k, "2")

import argparse
import statistics
import time

import numpy as np

LR = 0.01


def mlp_problem(dims=(784, 512, 512, 10), batch=256):
    rs = np.random.RandomState(0)
    params = []
    for fan_in, fan_out in zip(dims[:-1], dims[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        params.append(rs.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32))
        params.append(rs.uniform(-bound, bound, (fan_out,)).astype(np.float32))
    x = rs.randn(batch, dims[0]).astype(np.float32)
    y = rs.randint(0, dims[-1], size=batch).astype(np.int64)
    return params, x, y


def mlp_chainrule(params, x, y):
    import chainrule as cr
    import chainrule.functional as F
    from chainrule.optim import SGD

    ws = [cr.tensor(p.T.copy(), requires_grad=True) if p.ndim == 2 else cr.tensor(p, requires_grad=True) for p in params]
    opt = SGD(ws, lr=LR)
    xt, yt = cr.tensor(x), cr.tensor(y)
    n = len(ws) // 2

    def step():
        opt.zero_grad()
        h = xt
        for i in range(n):
            h = F.linear(h, ws[2 * i], ws[2 * i + 1])
            if i < n - 1:
                h = F.relu(h)
        loss = F.cross_entropy(h, yt)
        loss.backward()
        opt.step()
        return loss.item()
    return step


def mlp_torch(params, x, y):
    import torch
    import torch.nn as nn

    layers = []
    dims = [params[i].shape for i in range(0, len(params), 2)]
    for i, (fan_in, fan_out) in enumerate(dims):
        lin = nn.Linear(fan_in, fan_out)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(params[2 * i].T.copy()))
            lin.bias.copy_(torch.from_numpy(params[2 * i + 1]))
        layers.append(lin)
        if i < len(dims) - 1:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xt), yt)
        loss.backward()
        opt.step()
        return loss.item()
    return step


def _bn_dropout_layers(nn, params):
    dims = [params[i].shape for i in range(0, len(params), 2)]
    layers = []
    for i, (fan_in, fan_out) in enumerate(dims):
        layers.append(nn.Linear(fan_in, fan_out))
        if i < len(dims) - 1:
            layers += [nn.BatchNorm1d(fan_out), nn.ReLU(), nn.Dropout(0.2)]
    return layers


def mlp_bn_chainrule(params, x, y):
    """784-512-512-10 with BatchNorm1d + ReLU + Dropout(0.2) after each hidden Linear."""
    import chainrule as cr
    from chainrule import nn
    from chainrule.optim import SGD

    model = nn.Sequential(*_bn_dropout_layers(nn, params))
    linears = [m for m in model if isinstance(m, nn.Linear)]
    for i, lin in enumerate(linears):
        lin.weight.data = params[2 * i].T.copy()
        lin.bias.data = params[2 * i + 1].copy()
    opt = SGD(model.parameters(), lr=LR)
    xt, yt = cr.tensor(x), cr.tensor(y)
    loss_fn = nn.CrossEntropyLoss()
    model.train()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(xt), yt)
        loss.backward()
        opt.step()
        return loss.item()
    return step


def mlp_bn_torch(params, x, y):
    import torch
    import torch.nn as nn

    model = nn.Sequential(*_bn_dropout_layers(nn, params))
    linears = [m for m in model if isinstance(m, nn.Linear)]
    with torch.no_grad():
        for i, lin in enumerate(linears):
            lin.weight.copy_(torch.from_numpy(params[2 * i].T.copy()))
            lin.bias.copy_(torch.from_numpy(params[2 * i + 1]))
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    loss_fn = nn.CrossEntropyLoss()
    model.train()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xt), yt)
        loss.backward()
        opt.step()
        return loss.item()
    return step


def time_steps(step, warmup, steps):
    losses, times = [], []
    for i in range(warmup + steps):
        t = time.perf_counter()
        losses.append(step())
        if i >= warmup:
            times.append(time.perf_counter() - t)
    return statistics.median(times), losses


def time_pair(step_a, step_b, warmup, steps, block=10):
    """Alternate the two frameworks in blocks of ``block`` steps (each block starts with one
    untimed step to re-warm caches), so slow drifts in machine load hit both alike while each is
    timed in its steady state. Returns (median_a, losses_a, median_b, losses_b)."""
    losses_a, losses_b, times_a, times_b = [], [], [], []
    for _ in range(warmup):
        losses_a.append(step_a())
        losses_b.append(step_b())
    done = 0
    while done < steps:
        n = min(block, steps - done)
        for step, losses, times in ((step_a, losses_a, times_a), (step_b, losses_b, times_b)):
            losses.append(step())  # re-warm after the other framework ran
            for _ in range(n):
                t = time.perf_counter()
                losses.append(step())
                times.append(time.perf_counter() - t)
        done += n
    return statistics.median(times_a), losses_a, statistics.median(times_b), losses_b


def smallops_problem():
    rs = np.random.RandomState(0)
    x = rs.uniform(-1, 1, 16).astype(np.float32)
    c = rs.uniform(-0.1, 0.1, 16).astype(np.float32)
    d = rs.uniform(0.95, 1.05, 16).astype(np.float32)
    return x, c, d


def chain_chainrule(n):
    import chainrule as cr

    x, c, d = smallops_problem()
    ct, dt = cr.tensor(c), cr.tensor(d)

    def run():
        xt = cr.tensor(x, requires_grad=True)
        y = xt
        for i in range(n):
            k = i % 3
            y = y + ct if k == 0 else (y * dt if k == 1 else y.tanh())
        y.sum().backward()
        return xt.grad.data
    return run


def chain_torch(n):
    import torch

    x, c, d = smallops_problem()
    ct, dt = torch.from_numpy(c), torch.from_numpy(d)

    def run():
        xt = torch.from_numpy(x).requires_grad_(True)
        y = xt
        for i in range(n):
            k = i % 3
            y = y + ct if k == 0 else (y * dt if k == 1 else torch.tanh(y))
        y.sum().backward()
        return xt.grad.numpy()
    return run


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--n", type=int, default=1000)
    a = ap.parse_args()
    import torch
    torch.set_num_threads(2)
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(2)
    except ImportError:
        pass

    params, x, y = mlp_problem()
    rows = []
    t_ours, l_ours, t_torch, l_torch = time_pair(mlp_chainrule(params, x, y), mlp_torch(params, x, y),
                                                 a.warmup, a.steps)
    print(f"MLP step  chainrule {t_ours * 1e3:7.2f} ms  torch {t_torch * 1e3:7.2f} ms  ratio {t_ours / t_torch:5.2f}x"
          f"   loss0 {l_ours[0]:.6f}/{l_torch[0]:.6f}  last {l_ours[-1]:.6f}/{l_torch[-1]:.6f}")
    rows.append(("mlp", t_ours / t_torch))

    t_ours, l_ours, t_torch, l_torch = time_pair(mlp_bn_chainrule(params, x, y), mlp_bn_torch(params, x, y),
                                                 a.warmup, a.steps)
    # Dropout masks come from different generators, so only the first losses agree closely.
    print(f"BN+Drop   chainrule {t_ours * 1e3:7.2f} ms  torch {t_torch * 1e3:7.2f} ms  ratio {t_ours / t_torch:5.2f}x"
          f"   loss0 {l_ours[0]:.4f}/{l_torch[0]:.4f}  last {l_ours[-1]:.4f}/{l_torch[-1]:.4f}")
    rows.append(("mlp-bn-dropout", t_ours / t_torch))

    ours, theirs = chain_chainrule(a.n), chain_torch(a.n)
    g1, g2 = ours(), theirs()
    t_ours, _, t_torch, _ = time_pair(ours, theirs, 3, a.reps)
    print(f"per op    chainrule {t_ours / a.n * 1e6:7.2f} us  torch {t_torch / a.n * 1e6:7.2f} us  ratio {t_ours / t_torch:5.2f}x"
          f"   max |grad diff| {np.abs(g1 - g2).max():.2e}")
    rows.append(("per-op", t_ours / t_torch))
    return rows


if __name__ == "__main__":
    main()
