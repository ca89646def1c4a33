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

import json
import statistics
import sys

import _harness

T, B, IN, H = 50, 64, 32, 128
LR = 0.01
# workload -> (layer class name, num_layers, bidirectional)
WORKLOADS = {"lstm": ("LSTM", 1, False), "gru": ("GRU", 1, False), "lstm-2layer-bi": ("LSTM", 2, True)}


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
    _harness.start_worker(a)
    import numpy as np  # only now, with the thread env in place

    lib = _harness.import_framework(a)
    step = build(lib, a.workload, *problem(a.workload))
    losses, times = _harness.time_steps(step, a.warmup, a.steps)
    _harness.check_isolation(a)
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


def parent(a):
    names = _harness.workload_names(a.workload, WORKLOADS)
    print(
        f"python {sys.version.split()[0]}  rounds {a.rounds}  steps {a.steps}+{a.warmup} warm-up  threads {a.threads}"
    )
    summary = []
    for workload in names:

        def show(r, rec, workload=workload):
            if r == 1 and not summary:
                _harness.print_versions(rec)
            c, t = rec["chainrule"]["median_s"] * 1e3, rec["torch"]["median_s"] * 1e3
            print(
                f"  {workload:15s} round {r:2d}  chainrule {c:7.2f} ms  torch {t:7.2f} ms  ratio {c / t:5.2f}x"
                f"   loss0 {rec['chainrule']['loss0']:.6f}/{rec['torch']['loss0']:.6f}"
                f"   load {_harness.load():.2f}",
                flush=True,
            )

        args = ["--workload", workload] + _harness.step_args(a)
        rounds = _harness.alternate(__file__, args, a.rounds, a.src, show)
        ratios = _harness.ratios(rounds)
        first = rounds[0]
        print(
            f"{workload:15s} ratio chainrule/torch  {_harness.summarise(ratios)}   ({len(rounds)} rounds)   loss_last "
            f"{first['chainrule']['loss_last']:.6f}/{first['torch']['loss_last']:.6f}"
        )
        summary.append((workload, statistics.median(ratios)))
    return summary


def main():
    ap = _harness.parser(__doc__)
    _harness.workload_argument(ap, WORKLOADS)
    _harness.common_arguments(
        ap,
        rounds=5,
        steps=30,
        warmup=5,
        rounds_help="chainrule/torch worker pairs per workload",
        steps_help="timed training steps per worker",
    )
    _harness.run(ap, worker, parent)


if __name__ == "__main__":
    main()
