#!/usr/bin/env python3
"""chainrule vs PyTorch: scaled dot-product attention, forward + backward, one framework per process.

The workload is the attention core of a small Transformer layer: query, key and value of shape
(B, H, L, E) = (16, 4, 128, 64) in float32, all requiring grad, optionally with a boolean
key-padding mask (B, 1, 1, S); one step is out = F.scaled_dot_product_attention(q, k, v) and
out.backward(g). Each worker also times the forward alone, so the report says how the step
splits between the two passes; the six (L x E x S) GEMMs (two forward, four backward) are the
floor, everything else (the softmax's exp and row reductions, masks) is overhead on top.

As in bench_core.py: each measurement runs in a fresh worker subprocess that imports only its
own framework, with the thread environment set before numpy/torch are imported (NumPy's
OpenBLAS pool and PyTorch's OpenMP pool fight if they share a process); the parent alternates
chainrule, torch, chainrule, torch, ... for --rounds rounds and reports the median of the
per-round ratios, so load drifting on a shared machine hits both halves of a round alike.

    python benchmarks/bench_attention.py [--rounds 5] [--steps 30] [--mask] [--src OTHER_CHECKOUT/src]
    python benchmarks/bench_attention.py --worker {chainrule,torch} ...   # one measurement
"""

import json
import statistics
import time

import _harness

FRAMEWORKS = _harness.FRAMEWORKS
SHAPE = (16, 4, 128, 64)  # (B, H, L = S, E)


def problem(mask):
    """The same inputs for both frameworks (a NumPy RandomState, seed 0)."""
    rs = np.random.RandomState(0)
    q, k, v, g = (rs.randn(*SHAPE).astype(np.float32) for _ in range(4))
    batch, _, length, _ = SHAPE
    keep = None
    if mask:
        lengths = rs.randint(length // 2, length + 1, size=batch)
        keep = (np.arange(length)[None, :] < lengths[:, None]).reshape(batch, 1, 1, length)  # (B, 1, 1, S)
    return q, k, v, g, keep


def build_chainrule(q, k, v, g, keep):
    import chainrule as cr
    import chainrule.functional as F

    tensors = [cr.tensor(a, requires_grad=True) for a in (q, k, v)]
    upstream = cr.tensor(g)
    mask = None if keep is None else cr.tensor(keep)

    def forward():
        return F.scaled_dot_product_attention(*tensors, attn_mask=mask)

    def step():
        for t in tensors:
            t.grad = None
        out = forward()
        out.backward(upstream)
        return float(tensors[0].grad.detach().numpy().sum())

    return forward, step


def build_torch(q, k, v, g, keep):
    import torch
    import torch.nn.functional as F

    tensors = [torch.from_numpy(a).requires_grad_(True) for a in (q, k, v)]
    upstream = torch.from_numpy(g)
    mask = None if keep is None else torch.from_numpy(keep)

    def forward():
        return F.scaled_dot_product_attention(*tensors, attn_mask=mask)

    def step():
        for t in tensors:
            t.grad = None
        out = forward()
        out.backward(upstream)
        return float(tensors[0].grad.sum())

    return forward, step


def _median_time(fn, warmup, steps):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(steps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def worker(a):
    """Measure one framework in this process; print one JSON line."""
    global np
    _harness.start_worker(a)
    import numpy as np  # only now, with the thread env in place

    mod = _harness.import_framework(a)
    build = build_torch if a.worker == "torch" else build_chainrule
    forward, step = build(*problem(a.mask))
    check = step()
    step_s = _median_time(step, a.warmup, a.steps)
    forward_s = _median_time(forward, a.warmup, a.steps)
    _harness.check_isolation(a)
    rec = dict(
        fw=a.worker,
        step_s=step_s,
        forward_s=forward_s,
        check=check,
        version=mod.__version__,
        file=mod.__file__,
        threads=_harness.thread_env(),
    )
    print(json.dumps(rec), flush=True)


def parent(a):
    batch, heads, length, embed = SHAPE
    flops = 6 * 2 * batch * heads * length * length * embed  # six GEMMs of 2*L*S*E flops each
    print(
        f"SDPA fwd+bwd  B={batch} H={heads} L=S={length} E={embed} float32  mask={'padding' if a.mask else 'none'}  "
        f"rounds {a.rounds}  steps {a.steps}+{a.warmup} warm-up  threads {a.threads}"
    )

    def show(r, rec):
        if r == 1:
            for fw in FRAMEWORKS:
                print(f"  {fw:9s} {rec[fw]['version']} from {rec[fw]['file']}")
            rel = abs(rec["chainrule"]["check"] - rec["torch"]["check"]) / max(abs(rec["torch"]["check"]), 1e-30)
            print(
                f"  sum(dQ) chainrule {rec['chainrule']['check']:.6g} torch {rec['torch']['check']:.6g} (rel {rel:.1e})"
            )
        c, t = rec["chainrule"]["step_s"] * 1e3, rec["torch"]["step_s"] * 1e3
        print(
            f"  round {r:2d}  chainrule {c:7.2f} ms  torch {t:7.2f} ms  ratio {c / t:5.2f}x   "
            f"load {_harness.load():.2f}",
            flush=True,
        )

    args = _harness.step_args(a)
    args += ["--mask"] if a.mask else []
    rounds = _harness.alternate(__file__, args, a.rounds, a.src, show)
    ratios = _harness.ratios(rounds, "step_s")
    print(f"ratio chainrule/torch  {_harness.summarise(ratios)}   ({len(rounds)} rounds)")
    for fw in FRAMEWORKS:
        step = statistics.median(r[fw]["step_s"] for r in rounds)
        forward = statistics.median(r[fw]["forward_s"] for r in rounds)
        print(
            f"{fw:9s} step {step * 1e3:7.2f} ms  forward {forward * 1e3:6.2f} ms  backward ~{(step - forward) * 1e3:6.2f} ms"
            f"  GEMM throughput {flops / step / 1e9:6.1f} GFLOP/s"
        )
    return statistics.median(ratios)


def main():
    ap = _harness.parser(__doc__)
    _harness.common_arguments(ap, rounds=5, steps=30, warmup=5)
    ap.add_argument("--mask", action="store_true", help="add a boolean key-padding mask (B, 1, 1, S)")
    _harness.run(ap, worker, parent)


if __name__ == "__main__":
    main()
