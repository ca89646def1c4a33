#!/usr/bin/env python3
"""chainrule vs PyTorch, one framework per process: (a) MLP training step, (b) the same MLP with
BatchNorm1d + Dropout, (c) per-op overhead of a 1,000-op elementwise chain.

Why separate processes: with both frameworks in one process, NumPy's OpenBLAS pool and PyTorch's
OpenMP pool both spin on this 2-core machine and fight each other (PyTorch's MLP step took 10-14 ms
in a shared process vs 5.3-5.5 ms alone), which flatters chainrule. So each measurement runs in a
fresh worker subprocess that imports only its own framework (the chainrule worker never imports
torch, and vice versa), sets the thread env before importing numpy/torch, warms up, times its
steps and prints its median step time as one JSON line.

Why alternation: machine load drifts (other jobs share these 2 cores), so the parent runs the
workers chainrule, torch, chainrule, torch, ... for --rounds rounds and reports the ratio
chainrule/torch of each round, then the median (and min/max) of those per-round ratios: a drift
hits both halves of a round alike, and one noisy round cannot move the median much.

Workloads match ../shared/bench/peers/mlp.py and smallops.py exactly (same RandomState(0)
initialisation and data, same losses), so the printed losses can be compared with the peers'.

    python benchmarks/bench_core.py [--rounds 5] [--steps 50] [--reps 20]
                                    [--workload all|mlp,mlp-bn-dropout,per-op]
                                    [--src OTHER_CHECKOUT/src]   # benchmark another chainrule
    python benchmarks/bench_core.py --worker {chainrule,torch} --workload NAME ...   # one measurement
"""

import json
import statistics
import sys
import time

import _harness

LR = 0.01
WORKLOADS = ("mlp", "mlp-bn-dropout", "per-op")


# ----------------------------------------------------------------------------- workloads
# These run only inside a worker, after numpy has been imported there (see worker()).


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

    ws = [
        cr.tensor(p.T.copy(), requires_grad=True) if p.ndim == 2 else cr.tensor(p, requires_grad=True) for p in params
    ]
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
        with cr.no_grad():
            lin.weight.copy_(cr.tensor(params[2 * i].T.copy()))
            lin.bias.copy_(cr.tensor(params[2 * i + 1].copy()))
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
        return xt.grad.detach().numpy()

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


BUILDERS = {
    ("mlp", "chainrule"): mlp_chainrule,
    ("mlp", "torch"): mlp_torch,
    ("mlp-bn-dropout", "chainrule"): mlp_bn_chainrule,
    ("mlp-bn-dropout", "torch"): mlp_bn_torch,
    ("per-op", "chainrule"): chain_chainrule,
    ("per-op", "torch"): chain_torch,
}


# ----------------------------------------------------------------------------- worker


def worker(a):
    """Measure one (framework, workload) in this process; print one JSON line."""
    global np
    _harness.start_worker(a)
    import numpy as np  # only now, with the thread env in place

    mod = _harness.import_framework(a)

    build = BUILDERS[(a.workload, a.worker)]
    rec = {"fw": a.worker, "workload": a.workload}
    if a.workload == "per-op":
        run = build(a.n)
        grad = run()
        for _ in range(a.warmup_reps):
            run()
        times = []
        for _ in range(a.reps):
            t = time.perf_counter()
            run()
            times.append(time.perf_counter() - t)
        rec.update(
            median_s=statistics.median(times), per_op_s=statistics.median(times) / a.n, grad=[float(g) for g in grad]
        )
    else:
        step = build(*mlp_problem())
        losses, times = _harness.time_steps(step, a.warmup, a.steps)
        rec.update(median_s=statistics.median(times), loss0=losses[0], loss_last=losses[-1])

    _harness.check_isolation(a)
    rec.update(version=mod.__version__, file=mod.__file__, threads=_harness.thread_env())
    print(json.dumps(rec), flush=True)


# ----------------------------------------------------------------------------- parent


def worker_args(workload, a):
    """The worker's command line (after --worker FRAMEWORK)."""
    per_op = ["--reps", str(a.reps), "--warmup-reps", str(a.warmup_reps), "--n", str(a.n)]
    return ["--workload", workload] + _harness.step_args(a) + per_op


def report(workload, rounds, scale, unit):
    ratios = _harness.ratios(rounds)
    ours = [r["chainrule"]["median_s"] * scale for r in rounds]
    theirs = [r["torch"]["median_s"] * scale for r in rounds]
    print(f"{workload:15s} ratio chainrule/torch  {_harness.summarise(ratios)}   ({len(rounds)} rounds)")
    print(
        f"{'':15s} chainrule median {statistics.median(ours):7.2f} {unit} [{min(ours):.2f}-{max(ours):.2f}]"
        f"   torch median {statistics.median(theirs):7.2f} {unit} [{min(theirs):.2f}-{max(theirs):.2f}]"
    )
    first = rounds[0]
    c, t = first["chainrule"], first["torch"]
    if workload == "per-op":
        diff = max(abs(g1 - g2) for g1, g2 in zip(c["grad"], t["grad"]))
        print(f"{'':15s} max |grad diff| {diff:.2e}")
    else:
        # BN+Dropout: the masks come from different generators, so only the first losses agree closely.
        print(
            f"{'':15s} loss0 {c['loss0']:.6f}/{t['loss0']:.6f}  last {c['loss_last']:.6f}/{t['loss_last']:.6f}"
            "  (chainrule/torch, round 1)"
        )
    return statistics.median(ratios)


def parent(a):
    names = _harness.workload_names(a.workload, WORKLOADS)
    threads = _harness.thread_text(a.threads)
    print(
        f"python {sys.version.split()[0]}  rounds {a.rounds}  steps {a.steps}+{a.warmup} warm-up  "
        f"reps {a.reps}+{a.warmup_reps}  n {a.n}  OMP/OPENBLAS/MKL threads {threads}"
    )
    summary = []
    for workload in names:
        per_op = workload == "per-op"
        scale, unit = (1e6 / a.n, "us/op") if per_op else (1e3, "ms/step")

        def show(r, rec, workload=workload, per_op=per_op, scale=scale, unit=unit):
            if r == 1 and not summary:
                _harness.print_versions(rec)
            c, t = rec["chainrule"]["median_s"] * scale, rec["torch"]["median_s"] * scale
            extra = "" if per_op else f"   loss0 {rec['chainrule']['loss0']:.6f}/{rec['torch']['loss0']:.6f}"
            print(
                f"  {workload:15s} round {r:2d}  chainrule {c:7.2f} {unit}  torch {t:7.2f} {unit}"
                f"  ratio {c / t:5.2f}x{extra}   load {_harness.load():.2f}",
                flush=True,
            )

        rounds = _harness.alternate(__file__, worker_args(workload, a), a.rounds, a.src, show)  # chainrule, then torch
        summary.append((workload, report(workload, rounds, scale, unit)))
    return summary


def main():
    ap = _harness.parser(__doc__)
    _harness.workload_argument(ap, WORKLOADS)
    _harness.common_arguments(
        ap,
        rounds=5,
        steps=50,
        warmup=5,
        rounds_help="chainrule/torch worker pairs per workload",
        steps_help="timed MLP steps per worker",
        warmup_help="untimed MLP warm-up steps per worker",
    )
    ap.add_argument("--reps", type=int, default=20, help="timed per-op chain runs per worker")
    ap.add_argument("--warmup-reps", type=int, default=3, help="untimed per-op chain runs per worker")
    ap.add_argument("--n", type=int, default=1000, help="ops in the per-op chain")
    a = ap.parse_args()
    if a.worker:
        if a.workload not in WORKLOADS:
            sys.exit(f"--worker needs one --workload of {WORKLOADS}")
        worker(a)
    else:
        parent(a)


if __name__ == "__main__":
    main()
