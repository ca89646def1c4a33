#!/usr/bin/env python3
"""The adding problem at T = 100: an LSTM learns it, a tanh RNN of the same size does not.

Both models read a (B, T, 2) batch of :class:`chainrule.data.AddingProblem` and predict the sum
of the two marked values with a Linear head on the last hidden state. They are trained the same
way -- Adam, gradient-norm clipping, the same hidden size, batch, learning rate and number of
steps, fresh sequences every step -- and scored by the test MSE against the 1/6 ~ 0.167 of
always predicting 1. ``seconds`` is the CPU wall time of the training loop.

The per-time-step gradient norms explain the outcome: before any training,
``||dL/dh_t||`` (:func:`chainrule.diagnostics.hidden_state_gradient_norms`) and
``||dL/dx_t||`` (:func:`chainrule.diagnostics.time_step_gradient_norms`) are measured on a
fixed batch, and again after training. For the tanh RNN the signal from the loss at step T
shrinks geometrically going back, so the first marker (in the first half) barely moves the
weights; the LSTM's additive cell path carries it back.

The recurrent layer is ``chainrule.nn.LSTM`` / ``chainrule.nn.RNN`` when chainrule has them
(``implementation="fused"``), else the same equations written as a loop of chainrule ops
(``"loop"``: a cell of two Linear layers called once per step). ``"auto"`` picks the fused layer when it exists.

    python benchmarks/adding_problem.py                       # LSTM then RNN, T=100, JSON out
    python benchmarks/adding_problem.py --cell lstm --T 50 --steps 300
    python benchmarks/adding_problem.py --quick               # T=20, 300 steps: ~15 s of CPU
"""

from __future__ import annotations

import argparse
import json
import math
import time

import chainrule as cr
import chainrule.functional as F
import chainrule.nn as nn
from chainrule import diagnostics
from chainrule.data import AddingProblem, DataLoader
from chainrule.optim import Adam

SOLVED_MSE = 0.01  # the bar: an LSTM at T = 100 gets below this


class LoopCell(nn.Module):
    """One step of an LSTM (gate order i, f, g, o, as PyTorch) or a tanh RNN, called once per
    step, which is what :func:`diagnostics.hidden_state_gradient_norms` records. Returns ``h``
    for the RNN and ``(h, c)`` for the LSTM.

    The input projection runs per step rather than once over the whole sequence: slicing the
    projected (B, T, G*H) tensor into T steps would cost T full-size gradient buffers in
    backward (each slice's gradient is scattered into a zero array of the whole tensor), while
    slicing the input, which needs no gradient, costs nothing."""

    def __init__(self, cell: str, input_size: int, hidden: int) -> None:
        super().__init__()
        self.cell = cell
        gates = 4 if cell == "lstm" else 1
        self.input = nn.Linear(input_size, gates * hidden)
        self.recurrent = nn.Linear(hidden, gates * hidden, bias=False)

    def forward(self, x_t, state):
        if self.cell == "rnn":
            return F.tanh(self.input(x_t) + self.recurrent(state))
        h, c = state
        i, f, g, o = F.chunk(self.input(x_t) + self.recurrent(h), 4, dim=1)  # each (B, H)
        c = F.sigmoid(f) * c + F.sigmoid(i) * F.tanh(g)
        return F.sigmoid(o) * F.tanh(c), c


class AddingModel(nn.Module):
    """Recurrent layer (batch first) + Linear head on the last step's hidden state."""

    def __init__(self, cell: str, hidden: int, implementation: str) -> None:
        super().__init__()
        self.cell_type, self.hidden, self.implementation = cell, hidden, implementation
        bound = 1.0 / math.sqrt(hidden)  # PyTorch's recurrent initialisation
        if implementation == "fused":
            layer = nn.LSTM if cell == "lstm" else nn.RNN
            self.rnn = layer(AddingProblem.input_size, hidden, batch_first=True)
            biases = [self.rnn.bias_ih_l0, self.rnn.bias_hh_l0]
        else:
            self.step = LoopCell(cell, AddingProblem.input_size, hidden)
            for p in self.parameters():
                nn.init.uniform_(p, -bound, bound)
            # One bias, where PyTorch has b_ih + b_hh: the sum of two U(-k, k) is not U(-k, k),
            # but at init only the scale matters and learning sees the same function class.
            biases = [self.step.input.bias]
        if cell == "lstm":
            # Forget-gate bias 1 (Gers et al. 2000; Jozefowicz et al. 2015): the cell starts by
            # remembering, so the gradient reaches back from the first update. Summed over the
            # biases present: 1 in total.
            for bias in biases:
                bias.data[hidden : 2 * hidden] = 1.0 / len(biases)
        self.head = nn.Linear(hidden, 1)

    @property
    def watched(self) -> str:
        """The submodule whose per-step hidden states the diagnostic measures."""
        return "rnn" if self.implementation == "fused" else "step"

    def forward(self, x):  # x: (B, T, 2)
        if self.implementation == "fused":
            output, _ = self.rnn(x)  # (B, T, H)
            return self.head(output[:, -1])
        batch = x.shape[0]
        h = cr.zeros(batch, self.hidden, dtype=x.dtype)
        state = h if self.cell_type == "rnn" else (h, cr.zeros(batch, self.hidden, dtype=x.dtype))
        for x_t in x.unbind(1):  # each (B, 2)
            state = self.step(x_t, state)
        last = state if self.cell_type == "rnn" else state[0]
        return self.head(last)


def resolve_implementation(implementation: str, cell: str) -> str:
    if implementation not in ("auto", "fused", "loop"):
        raise ValueError(f"train_adding: implementation should be 'auto', 'fused' or 'loop', got {implementation!r}")
    has_fused = hasattr(nn, "LSTM" if cell == "lstm" else "RNN")
    if implementation == "fused" and not has_fused:
        raise ValueError(f"train_adding: chainrule.nn has no {'LSTM' if cell == 'lstm' else 'RNN'} yet; use 'loop'")
    if implementation == "auto":
        return "fused" if has_fused else "loop"
    return implementation


def gradient_profile(model, x, y) -> dict:
    """Per-step ||dL/dx_t|| and ||dL/dh_t|| on one fixed batch (float64 lists, t = 0 first)."""
    inputs = diagnostics.time_step_gradient_norms(model, x, y, F.mse_loss, batch_first=True)
    hidden = diagnostics.hidden_state_gradient_norms(model, x, y, F.mse_loss, module=model.watched, batch_first=True)
    return {"input": inputs.tolist(), "hidden": hidden.tolist()}


def first_to_last(norms) -> float:
    """How much of the learning signal at the last step survives back to the first."""
    return float(norms[0] / norms[-1]) if norms[-1] > 0 else math.nan


def evaluate(model, x, y) -> float:
    with cr.no_grad():
        return F.mse_loss(model(x), y).item()


def train_adding(
    cell: str = "lstm",
    T: int = 100,  # noqa: N803 - the sequence length is T in the literature and the issue
    steps: int = 1500,
    hidden: int = 32,
    clip: float | None = 1.0,
    seed: int = 0,
    *,
    batch_size: int = 64,
    lr: float = 1e-2,
    test_size: int = 1000,
    eval_every: int = 100,
    profile_size: int = 256,
    implementation: str = "auto",
) -> dict:
    """Train one model on the adding problem and measure it.

    Args:
        cell: ``"lstm"`` or ``"rnn"`` (tanh).
        T: sequence length.
        steps: optimizer steps; each sees a fresh batch of ``batch_size`` sequences.
        hidden: hidden units of the recurrent layer (the same for both cells).
        clip: max gradient norm for ``clip_grad_norm_``; None trains without clipping.
        seed: seeds the initialisation (``chainrule.manual_seed``) and the data (training
            sequences use seed ``2 * seed``, test sequences ``2 * seed + 1``: independent).
        batch_size, lr: Adam's batch and learning rate.
        test_size: held-out sequences the test MSE is computed on.
        eval_every: steps between points of the test-MSE curve.
        profile_size: sequences of the fixed batch the gradient profiles are measured on.
        implementation: ``"auto"``, ``"fused"`` (``chainrule.nn.LSTM``/``RNN``) or ``"loop"``.

    Returns:
        A dict: ``test_mse`` (final), ``baseline_mse`` (1/6), ``solved`` (test_mse below
        0.01), ``curve`` (a list of ``[step, train loss, test mse]``), ``grad_norms_per_step``
        (``{"initial": {"input", "hidden"}, "final": {...}}``, lists over t), ``first_to_last``
        (the first-step / last-step ratio of each of those curves), ``seconds`` (training wall
        time) and the settings.
    """
    if cell not in ("lstm", "rnn"):
        raise ValueError(f"train_adding: cell should be 'lstm' or 'rnn', got {cell!r}")
    implementation = resolve_implementation(implementation, cell)
    cr.manual_seed(seed)
    model = AddingModel(cell, hidden, implementation)
    optimizer = Adam(model.parameters(), lr=lr)
    train = DataLoader(AddingProblem(T, num_samples=steps * batch_size, seed=2 * seed), batch_size=batch_size)
    test = AddingProblem(T, num_samples=test_size, seed=2 * seed + 1)
    x_test, y_test = next(iter(DataLoader(test, batch_size=test_size)))
    x_profile, y_profile = x_test[:profile_size], y_test[:profile_size]

    profiles = {"initial": gradient_profile(model, x_profile, y_profile)}
    curve = []
    started = time.perf_counter()
    for step, (x, y) in enumerate(train, start=1):
        loss = F.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        if clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        if step % eval_every == 0 or step == steps:
            curve.append([step, loss.item(), evaluate(model, x_test, y_test)])
    seconds = time.perf_counter() - started
    profiles["final"] = gradient_profile(model, x_profile, y_profile)
    test_mse = curve[-1][2]
    return {
        "cell": cell,
        "implementation": implementation,
        "T": T,
        "steps": steps,
        "hidden": hidden,
        "clip": clip,
        "seed": seed,
        "batch_size": batch_size,
        "lr": lr,
        "test_mse": test_mse,
        "baseline_mse": AddingProblem.baseline_mse,
        "solved": bool(test_mse < SOLVED_MSE),
        "curve": curve,
        "grad_norms_per_step": profiles,
        "first_to_last": {
            when: {kind: first_to_last(norms) for kind, norms in profile.items()} for when, profile in profiles.items()
        },
        "seconds": seconds,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cell", choices=("lstm", "rnn", "both"), default="both")
    parser.add_argument("--T", type=int, default=100)
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--clip", type=float, default=1.0, help="max gradient norm; 0 turns clipping off")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--implementation", choices=("auto", "fused", "loop"), default="auto")
    parser.add_argument("--quick", action="store_true", help="T=20, 300 steps: a smoke test, ~15 s of CPU")
    parser.add_argument("--curves", action="store_true", help="include the full per-step gradient curves")
    args = parser.parse_args(argv)
    if args.quick:
        args.T, args.steps = 20, 300
    results = []
    for cell in ("lstm", "rnn") if args.cell == "both" else (args.cell,):
        result = train_adding(
            cell,
            args.T,
            args.steps,
            args.hidden,
            args.clip or None,
            args.seed,
            batch_size=args.batch_size,
            lr=args.lr,
            eval_every=max(1, args.steps // 15),
            implementation=args.implementation,
        )
        if not args.curves:
            result["grad_norms_per_step"] = {
                when: {kind: [norms[0], norms[len(norms) // 2], norms[-1]] for kind, norms in profile.items()}
                for when, profile in result["grad_norms_per_step"].items()
            }
            result["grad_norms_per_step"]["steps_shown"] = [0, args.T // 2, args.T - 1]
        results.append(result)
        print(json.dumps(result), flush=True)
    if len(results) == 2:
        summary = {r["cell"]: {"test_mse": r["test_mse"], "seconds": round(r["seconds"], 1)} for r in results}
        print(json.dumps({"summary": summary, "baseline_mse": AddingProblem.baseline_mse}))


if __name__ == "__main__":
    main()
