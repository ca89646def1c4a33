#!/usr/bin/env python3
"""chainrule vs PyTorch on recurrent training steps, one framework per process: (a) the LSTM step
of ../shared/bench/peers/lstm.py (T 50, batch 64, input 32, hidden 128, loss MSE(h_T, target),
backpropagation through time + plain SGD lr 0.01, float32), (b) the same step with a GRU, (c) a
2-layer bidirectional LSTM (loss MSE over all four final states).

Same design as benchmarks/bench_core.py (read its docstring): each measurement runs in a fresh
worker process that imports only its own framework with the thread env set first, the parent
alternates chainrule, torch, chainrule, torch, ... for --rounds rounds and reports the median of
the per-round ratios. Workload (a) draws its weights and data from RandomState(0) exactly as the
peer script does, so its printed losses equal the peer's (0.257836 first, 0.257737 after 35 steps);
(b) and (c) draw theirs the same way, in the layer's state_dict order.

    python benchmarks/bench_rnn.py [--rounds 5] [--steps 30] [--warmup 5]
                                   [--workload all|lstm,gru,lstm-2layer-bi]
                                   [--src OTHER_CHECKOUT/src]   # benchmark another chainrule
    python benchmarks/bench_rnn.py --worker {chainrule,torch} --workload NAME ...   # one measurement
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

T, B, IN, H = 50, 64, 32, 128
LR = 0.01
# workload -> (layer class name, num_layers, bidirectional)
WORKLOADS = {"lstm": ("LSTM", 1, False), "gru": ("GRU", 1, False), "lstm-2layer-bi": ("LSTM", 2, True)}
FRAMEWORKS = ("chainrule", "torch")


def problem(workload):
    """Weights in state_dict order, input and target, all from RandomState(0) (peers/lstm.py's draw
    for the single-layer LSTM: w_ih, w_hh, b_ih, b_hh, then x, then the target)."""
    kind, layers, bidirectional = WORKLOADS[workload]
    gates = 4 if kind == "LSTM" else 3
    directions = 2 if bidirectional else 1
    rs = np.random.RandomState(0)
    k = 1.0 / np.sqrt(H)
    weights = []
    for layer in range(layers):
        for _ in range(directions):
            fan_in = IN if layer == 0 else H * directions
            weights.append(rs.uniform(-k, k, (gates * H, fan_in)).astype(np.float32))
            weights.append(rs.uniform(-k, k, (gates * H, H)).astype(np.float32))
            weights.append(rs.uniform(-k, k, (gates * H,)).astype(np.float32))
            weights.append(rs.uniform(-k, k, (gates * H,)).astype(np.float32))
    x = rs.randn(T, B, IN).astype(np.float32)
    target_shape = (B, H) if layers * directions == 1 else (layers * directions, B, H)
    target = rs.randn(*target_shape).astype(np.float32) * 0.5
    return weights, x, target


def build(lib, workload, weights, x, target):
    """One training step of the workload in ``lib`` (chainrule or torch: the same code runs on both)."""
    kind, layers, bidirectional = WORKLOADS[workload]
    model = getattr(lib.nn, kind)(IN, H, num_layers=layers, bidirectional=bidirectional)
    names = list(model.state_dict())
    model.load_state_dict({name: lib.from_numpy(w.copy()) for name, w in zip(names, weights)})
    opt = lib.optim.SGD(model.parameters(), lr=LR)
    xt, tt = lib.from_numpy(x), lib.from_numpy(target)

    def step():
        opt.zero_grad(set_to_none=True)
        _, state = model(xt)
        h = state[0] if kind == "LSTM" else state
        loss = lib.nn.functional.mse_loss(h[0] if layers * (2 if bidirectional else 1) == 1 else h, tt)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def worker(a):
    """Measure one (framework, workload) in this process; print one JSON line."""
    global np
    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(k, str(a.threads))
    if a.worker == "chainrule" and a.src:
        sys.path.insert(0, os.path.abspath(a.src))
    import numpy as np  # only now, with the thread env in place

    if a.worker == "torch":
        import torch as lib

        lib.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    else:
        import chainrule as lib

        if a.src and not os.path.abspath(lib.__file__).startswith(os.path.abspath(a.src) + os.sep):
            sys.exit(f"--src {a.src}: imported chainrule from {lib.__file__} instead")
    step = build(lib, a.workload, *problem(a.workload))
    losses, times = [], []
    for i in range(a.warmup + a.steps):
        t = time.perf_counter()
        losses.append(step())
        if i >= a.warmup:
            times.append(time.perf_counter() - t)
    other = "chainrule" if a.worker == "torch" else "torch"
    assert other not in sys.modules, f"{a.worker} worker imported {other}"
    print(
        json.dumps(
            {
                "fw": a.worker,
                "workload": a.workload,
                "median_s": statistics.median(times),
                "min_s": min(times),
                "loss0": losses[0],
                "loss_last": losses[-1],
                "version": lib.__version__,
                "file": lib.__file__,
            }
        ),
        flush=True,
    )


def launch(fw, workload, a):
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", fw, "--workload", workload]
    cmd += ["--steps", str(a.steps), "--warmup", str(a.warmup), "--threads", str(a.threads)]
    env = dict(os.environ)
    if fw == "chainrule" and a.src:
        src = os.path.abspath(a.src)
        cmd += ["--src", src]
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if p.returncode != 0 or not lines:
        sys.exit(f"worker failed: {' '.join(cmd)}\n{p.stdout}{p.stderr}")
    return json.loads(lines[-1])


def parent(a):
    names = tuple(WORKLOADS) if a.workload == "all" else tuple(a.workload.split(","))
    bad = [w for w in names if w not in WORKLOADS]
    if bad:
        sys.exit(f"unknown workload(s) {bad}; choose from {tuple(WORKLOADS)} or 'all'")
    print(
        f"python {sys.version.split()[0]}  rounds {a.rounds}  steps {a.steps}+{a.warmup} warm-up  threads {a.threads}"
    )
    summary = []
    for workload in names:
        rounds = []
        for r in range(1, a.rounds + 1):
            rec = {fw: launch(fw, workload, a) for fw in FRAMEWORKS}
            if r == 1 and not summary:
                print(f"chainrule {rec['chainrule']['version']} from {rec['chainrule']['file']}")
                print(f"torch     {rec['torch']['version']} from {rec['torch']['file']}")
            rounds.append(rec)
            c, t = rec["chainrule"]["median_s"] * 1e3, rec["torch"]["median_s"] * 1e3
            print(
                f"  {workload:15s} round {r:2d}  chainrule {c:7.2f} ms  torch {t:7.2f} ms  ratio {c / t:5.2f}x"
                f"   loss0 {rec['chainrule']['loss0']:.6f}/{rec['torch']['loss0']:.6f}"
                f"   load {os.getloadavg()[0]:.2f}",
                flush=True,
            )
        ratios = [r["chainrule"]["median_s"] / r["torch"]["median_s"] for r in rounds]
        first = rounds[0]
        print(
            f"{workload:15s} ratio chainrule/torch  median {statistics.median(ratios):5.2f}x  min {min(ratios):5.2f}x"
            f"  max {max(ratios):5.2f}x   ({len(rounds)} rounds)   loss_last "
            f"{first['chainrule']['loss_last']:.6f}/{first['torch']['loss_last']:.6f}"
        )
        summary.append((workload, statistics.median(ratios)))
    return summary


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--workload", default="all", help=f"'all' or a comma list of {', '.join(WORKLOADS)}")
    ap.add_argument("--rounds", type=int, default=5, help="chainrule/torch worker pairs per workload")
    ap.add_argument("--steps", type=int, default=30, help="timed training steps per worker")
    ap.add_argument("--warmup", type=int, default=5, help="untimed warm-up steps per worker")
    ap.add_argument(
        "--threads", type=int, default=2, help="default for OMP/OPENBLAS/MKL_NUM_THREADS (setdefault: the env wins)"
    )
    ap.add_argument(
        "--src",
        default=None,
        help="prepend this path (e.g. OTHER_CHECKOUT/src) to sys.path/PYTHONPATH in the chainrule worker; "
        "default: the installed chainrule",
    )
    ap.add_argument("--worker", choices=FRAMEWORKS, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        worker(a)
    else:
        parent(a)


if __name__ == "__main__":
    main()
