#!/usr/bin/env python3
"""chainrule vs PyTorch, one framework per process: one training step of the LeNet-style CNN of
docs/cnn.md (chainrule.models.LeNet), batch 64 of 1 x 28 x 28 images, cross-entropy, plain SGD.

The pattern is benchmarks/bench_core.py's, for the same reasons: each measurement runs in a fresh
worker subprocess that imports only its own framework (two BLAS/OpenMP thread pools in one
process fight over the cores and distort both timings), sets the thread environment before
importing numpy/torch, warms up, times its steps and prints its median step time as one JSON
line; the parent alternates chainrule, torch, chainrule, torch, ... for --rounds rounds and
reports the median of the per-round ratios, so load that drifts over the run hits both halves of
a round alike.

Both models get the same weights (drawn once from numpy's RandomState(0) with PyTorch's default
init bounds, keyed by state_dict name) and the same batch, so their first losses agree to float32
rounding and the printed losses check that the two sides compute the same step.

PyTorch runs its convolutions through oneDNN; chainrule's are im2col (a strided view) + one GEMM
forward, and the transposed GEMMs + col2im backward. At this size the GEMMs are small (the
second convolution is a (64*10*10, 400) x (400, 32) product), so per-op overhead and the
im2col/col2im copies weigh as much as the arithmetic.

    python benchmarks/bench_cnn.py [--rounds 5] [--steps 30] [--warmup 5] [--threads 2]
                                   [--src OTHER_CHECKOUT/src]   # benchmark another chainrule
    python benchmarks/bench_cnn.py --worker {chainrule,torch} ...   # one measurement
"""

import json
import statistics
import sys

import _harness

LR = 0.01
BATCH = 64
# The state_dict of LeNet() (chainrule.models.LeNet with its defaults), in order: the weights
# are drawn in this order, so both workers get the same values whatever their dict order.
PARAMETERS = (
    ("conv1.weight", (16, 1, 5, 5)),
    ("conv1.bias", (16,)),
    ("conv2.weight", (32, 16, 5, 5)),
    ("conv2.bias", (32,)),
    ("fc1.weight", (120, 800)),
    ("fc1.bias", (120,)),
    ("fc2.weight", (84, 120)),
    ("fc2.bias", (84,)),
    ("fc3.weight", (10, 84)),
    ("fc3.bias", (10,)),
)


def problem():
    """Weights (PyTorch's default bounds: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias
    alike) and one batch of pixel-like inputs with random labels."""
    rs = np.random.RandomState(0)
    state = {}
    for name, shape in PARAMETERS:
        weight_shape = dict(PARAMETERS)[name.rsplit(".", 1)[0] + ".weight"]
        fan_in = int(np.prod(weight_shape[1:]))
        bound = 1.0 / np.sqrt(fan_in)
        state[name] = rs.uniform(-bound, bound, shape).astype(np.float32)
    x = rs.uniform(0.0, 1.0, (BATCH, 1, 28, 28)).astype(np.float32)
    y = rs.randint(0, 10, size=BATCH).astype(np.int64)
    return state, x, y


def _check_shapes(model_state, where):
    got = [(name, tuple(value.shape)) for name, value in model_state.items()]
    if got != list(PARAMETERS):
        sys.exit(f"{where}: the model's state_dict {got} is not the benchmark's {list(PARAMETERS)}")


def chainrule_step(state, x, y):
    import chainrule as cr
    import chainrule.functional as F
    from chainrule.models import LeNet
    from chainrule.optim import SGD

    model = LeNet()
    _check_shapes(model.state_dict(), "chainrule")
    model.load_state_dict(state)
    model.train()
    opt = SGD(model.parameters(), lr=LR)
    xt, yt = cr.tensor(x), cr.tensor(y)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def torch_step(state, x, y):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class LeNet(nn.Module):
        """chainrule.models.LeNet written in torch.nn (same layers, same parameter names)."""

        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 16, kernel_size=5, padding=2)
            self.pool = nn.MaxPool2d(kernel_size=2)
            self.conv2 = nn.Conv2d(16, 32, kernel_size=5)
            self.fc1 = nn.Linear(800, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))  # (B, 16, 14, 14)
            x = self.pool(F.relu(self.conv2(x)))  # (B, 32, 5, 5)
            x = x.flatten(1)  # (B, 800)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    model = LeNet()
    _check_shapes(model.state_dict(), "torch")
    model.load_state_dict({name: torch.from_numpy(value) for name, value in state.items()})
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
        return loss.item()

    return step


# ----------------------------------------------------------------------------- worker


def worker(a):
    """Measure one framework in this process; print one JSON line."""
    global np
    _harness.start_worker(a)
    import numpy as np  # only now, with the thread env in place

    mod = _harness.import_framework(a)
    build = torch_step if a.worker == "torch" else chainrule_step
    step = build(*problem())
    losses, times = _harness.time_steps(step, a.warmup, a.steps)
    _harness.check_isolation(a)
    print(
        json.dumps(
            {
                "fw": a.worker,
                "median_s": statistics.median(times),
                "loss0": losses[0],
                "loss_last": losses[-1],
                "version": mod.__version__,
                "file": mod.__file__,
                "threads": _harness.thread_env(),
            }
        ),
        flush=True,
    )


# ----------------------------------------------------------------------------- parent


def parent(a):
    threads = _harness.thread_text(a.threads)
    print(
        f"python {sys.version.split()[0]}  rounds {a.rounds}  steps {a.steps}+{a.warmup} warm-up  "
        f"batch {BATCH}x1x28x28  OMP/OPENBLAS/MKL threads {threads}"
    )

    def show(r, rec):
        if r == 1:
            _harness.print_versions(rec)
        c, t = rec["chainrule"]["median_s"] * 1e3, rec["torch"]["median_s"] * 1e3
        print(
            f"  lenet-step round {r:2d}  chainrule {c:7.2f} ms/step  torch {t:7.2f} ms/step  ratio {c / t:5.2f}x"
            f"   loss0 {rec['chainrule']['loss0']:.6f}/{rec['torch']['loss0']:.6f}   load {_harness.load():.2f}",
            flush=True,
        )

    args = _harness.step_args(a)
    rounds = _harness.alternate(__file__, args, a.rounds, a.src, show)  # chainrule, then torch
    ratios = _harness.ratios(rounds)
    ours = [r["chainrule"]["median_s"] * 1e3 for r in rounds]
    theirs = [r["torch"]["median_s"] * 1e3 for r in rounds]
    print(f"lenet-step ratio chainrule/torch  {_harness.summarise(ratios)}   ({len(rounds)} rounds)")
    print(
        f"           chainrule median {statistics.median(ours):7.2f} ms/step [{min(ours):.2f}-{max(ours):.2f}]"
        f"   torch median {statistics.median(theirs):7.2f} ms/step [{min(theirs):.2f}-{max(theirs):.2f}]"
    )
    c, t = rounds[0]["chainrule"], rounds[0]["torch"]
    print(
        f"           loss0 {c['loss0']:.6f}/{t['loss0']:.6f}  last {c['loss_last']:.6f}/{t['loss_last']:.6f}"
        "  (chainrule/torch, round 1)"
    )
    return statistics.median(ratios)


def main():
    ap = _harness.parser(__doc__)
    _harness.common_arguments(ap, rounds=5, steps=30, warmup=5, steps_help="timed training steps per worker")
    _harness.run(ap, worker, parent)


if __name__ == "__main__":
    main()
