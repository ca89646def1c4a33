"""Vanishing and exploding gradients, and the notes' six remedies (ReLU is in activations.py)."""

from __future__ import annotations

import math

import numpy as np

from ... import functional as F
from ... import nn
from ...data import make_spirals
from ..registry import experiment, figure, pick
from ..result import Trial
from ._common import T, accuracy, grad_norms, labels, mlp, quiet, rng, teacher_task, train, weight_norm


@experiment(
    id="exploding-init",
    topic="gradients",
    title_en="Large weights make gradients explode",
    title_zh="权重过大导致梯度爆炸",
    claim_en="The gradient of an early layer is a product of one factor per later layer; when the weights are large these factors exceed one and the product grows exponentially with depth, until it overflows.",
    claim_zh="前面层的梯度是后面各层因子的乘积;权重较大时这些因子大于 1,乘积随深度指数增长,直至数值溢出。",
    method="A 10-layer ReLU MLP (width 64) with weights drawn from N(0, g^2 * 2/fan_in) for gains g from 0.5 to 3 (g = 1 is He's scale, which keeps the signal's size); the first layer's weight-gradient norm after one backward pass on 128 spiral points.",
    figures=[
        figure(
            "line",
            "First-layer gradient norm vs init gain (10 layers)",
            "gains",
            ["first_layer_norm"],
            "gain g",
            "||dL/dW1||",
            logy=True,
        )
    ],
)
def exploding_init(budget, seed):
    g = rng(seed)
    x, y = make_spirals(128, 3, noise=0.1, random_state=int(g.integers(2**31)))
    gains = pick(budget, [0.5, 1.0, 2.0], [0.5, 0.75, 1.0, 1.5, 2.0, 3.0], [0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0])
    norms = []
    for gain in gains:
        model = mlp([2] + [64] * 10 + [3], "relu", init=gain, generator=g)
        with quiet():
            F.cross_entropy(model(T(x)), labels(y)).backward()
        norms.append(grad_norms(model)[0])
    at = dict(zip(gains, norms))
    trial = Trial(seed, series={"gains": gains, "first_layer_norm": norms})
    trial.measurements.update({f"norm_at_gain_{k}": v for k, v in at.items()})
    trial.check(
        "log10_gain2_over_gain1",
        math.log10(at[2.0] / at[1.0]),
        ">",
        2.0,
        "log10 first-layer gradient norm, gain 2 / gain 1",
    )
    trial.check(
        "log10_gain05_over_gain1",
        math.log10(at[0.5] / at[1.0]),
        "<",
        -1.0,
        "log10 first-layer gradient norm, gain 0.5 / gain 1",
    )
    return trial


def _adding_arrays(length, n, seed):
    """chainrule.data.AddingProblem as two arrays: x (n, T, 2) and y (n,)."""
    from ...data import DataLoader
    from ...data.sequences import AddingProblem

    x, y = next(iter(DataLoader(AddingProblem(seq_len=length, num_samples=n, seed=seed), batch_size=n)))
    return x.numpy(), y.numpy().reshape(-1)


class _SequenceRegressor(nn.Module):
    def __init__(self, cell, hidden):
        super().__init__()
        self.rnn = cell(2, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.rnn(x)  # (N, T, H)
        return self.head(out[:, -1, :]).reshape(-1)  # (N,)


@experiment(
    id="lstm-vs-rnn",
    topic="gradients",
    title_en="An LSTM carries gradients across long sequences where a plain RNN loses them",
    title_zh="LSTM 能把梯度传过长序列,普通 RNN 不能",
    claim_en="In a plain RNN the gradient reaching an early time step is multiplied by one Jacobian per later step and vanishes; the LSTM's additive cell state lets it survive, so the LSTM learns long-range tasks such as the adding problem where the RNN fails.",
    claim_zh="普通 RNN 中,传到早期时间步的梯度要乘上之后每一步的雅可比矩阵而消失;LSTM 的加性细胞状态让梯度得以保留,因此在“加法问题”这类长程任务上 LSTM 能学会而 RNN 不能。",
    method="The adding problem (chainrule.data.AddingProblem: the sum of the two marked values in a sequence of length T) for growing T; nn.RNN (tanh) and nn.LSTM with 32 hidden units trained with Adam (lr 0.01, batch 64, 400 steps at quick, 1,500 at full, gradient norm clipped at 1); test MSE against the constant predictor's 0.167 (variance of the target), and the gradient norm of the loss with respect to the input at each time step (chainrule.diagnostics.time_step_gradient_norms; first step vs last) at initialisation.",
    seeds=(1, 3, 3),
    figures=[
        figure(
            "line",
            "Test MSE vs sequence length (0.167 = predicting the mean)",
            "lengths",
            ["mse_rnn", "mse_lstm"],
            "T",
            "test MSE",
        ),
        figure(
            "line",
            "||dL/dx_t|| per time step at init (longest T)",
            "steps",
            ["grad_t_rnn", "grad_t_lstm"],
            "time step t",
            "gradient norm",
            logy=True,
        ),
    ],
)
def lstm_vs_rnn(budget, seed):
    from ... import optim
    from ...autograd import no_grad
    from ...diagnostics import time_step_gradient_norms

    lengths = pick(budget, [5], [10, 20], [10, 25, 50, 100])
    steps = pick(budget, 5, 400, 1500)
    trial = Trial(seed, series={"lengths": lengths})
    mse = {"rnn": [], "lstm": []}
    for length in lengths:
        x_train, y_train = _adding_arrays(length, 1024, 2 * seed)
        x_test, y_test = _adding_arrays(length, 256, 2 * seed + 1)
        for name, cell in (("rnn", nn.RNN), ("lstm", nn.LSTM)):
            model = _SequenceRegressor(cell, 32)
            if length == lengths[-1]:
                # The learning signal at each input step, at initialisation (before training).
                per_step = time_step_gradient_norms(model, x_test[:64], y_test[:64], F.mse_loss, batch_first=True)
                trial.series[f"grad_t_{name}"] = per_step.tolist()
                ratio = max(float(per_step[0]), 1e-300) / float(per_step[-1])
                trial.measurements[f"log10_grad_first_over_last_{name}"] = float(np.log10(ratio))
            opt = optim.Adam(model.parameters(), lr=1e-2)
            order = rng(seed, 50 + length)
            for _ in range(steps):
                index = order.integers(0, len(y_train), 64)
                opt.zero_grad()
                with quiet():
                    F.mse_loss(model(T(x_train[index])), T(y_train[index])).backward()
                nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
            model.eval()
            with no_grad():
                mse[name].append(float(F.mse_loss(model(T(x_test)), T(y_test)).item()))
    trial.series["steps"] = list(range(1, lengths[-1] + 1))
    trial.series.update({"mse_rnn": mse["rnn"], "mse_lstm": mse["lstm"]})
    trial.measurements.update({f"mse_rnn_T{t}": v for t, v in zip(lengths, mse["rnn"])})
    trial.measurements.update({f"mse_lstm_T{t}": v for t, v in zip(lengths, mse["lstm"])})
    m = trial.measurements
    trial.check(
        "rnn_minus_lstm_mse_longest",
        mse["rnn"][-1] - mse["lstm"][-1],
        ">",
        0.0,
        f"test MSE RNN - LSTM at T = {lengths[-1]}",
    )
    trial.check(
        "lstm_mse_longest", mse["lstm"][-1], "<", 0.05, f"LSTM test MSE at T = {lengths[-1]} (0.167 = mean predictor)"
    )
    trial.check(
        "grad_decay_rnn_minus_lstm",
        m["log10_grad_first_over_last_lstm"] - m["log10_grad_first_over_last_rnn"],
        ">",
        0.0,
        "log10(first/last-step input gradient), LSTM - RNN",
    )
    return trial


@experiment(
    id="gradient-clipping",
    topic="gradients",
    title_en="Gradient clipping stops a diverging run",
    title_zh="梯度裁剪阻止训练发散",
    claim_en="When the gradient norm exceeds a threshold, rescaling it to the threshold bounds every step, so a network whose exploding gradients make training diverge trains normally with clipping.",
    claim_zh="梯度范数超过阈值时把它缩放到阈值以内,每一步的更新就有了上界;梯度爆炸导致发散的网络,加上裁剪后可以正常训练。",
    method="An 8-layer ReLU MLP initialised with gain 1.6 (gradients of ~1e2-1e3) trained with SGD (lr 0.05, momentum 0.9) on 3-class spirals, without clipping and with clip_grad_norm_(max_norm=1); final training loss against the initial loss (non-finite = diverged).",
    figures=[
        figure(
            "line",
            "Training loss per epoch",
            "epoch",
            ["loss_no_clip", "loss_clip"],
            "epoch",
            "cross-entropy",
            logy=True,
        )
    ],
)
def gradient_clipping(budget, seed):
    g = rng(seed)
    x, y = make_spirals(pick(budget, 150, 450, 900), 3, noise=0.05, random_state=int(g.integers(2**31)))
    epochs = pick(budget, 3, 40, 100)
    trial = Trial(seed)
    final = {}
    for name, clip in (("no_clip", None), ("clip", 1.0)):
        cr_seed = int(g.integers(2**31))
        model = mlp([2] + [64] * 8 + [3], "relu", init=1.6, generator=rng(cr_seed))
        with quiet():
            initial = float(F.cross_entropy(model(T(x)), labels(y)).item())
            history = train(model, x, y, epochs, 0.05, seed, batch_size=50, clip=clip)
        trial.series[f"loss_{name}"] = [v if math.isfinite(v) else None for v in history]
        last = history[-1]
        final[name] = last / initial if math.isfinite(last) else math.inf
        trial.measurements[f"final_over_initial_{name}"] = final[name] if math.isfinite(final[name]) else "diverged"
        with quiet():
            trial.measurements[f"train_accuracy_{name}"] = accuracy(model, x, y)
    trial.series["epoch"] = list(range(1, epochs + 1))
    diverged = float(not final["no_clip"] < 1.0)
    trial.check(
        "no_clip_failed", diverged, ">", 0.5, "unclipped run diverged or ended above its initial loss (1 = yes)"
    )
    trial.check("clip_final_over_initial", final["clip"], "<", 0.5, "clipped run: final loss / initial loss")
    return trial


@experiment(
    id="weight-decay-limits-norm",
    topic="gradients",
    title_en="Weight decay (L2) keeps the weights, and so the gradients, bounded",
    title_zh="权重衰减(L2)限制权重大小,从而限制梯度",
    claim_en="An L2 penalty pulls every weight towards zero at each step, so the weight norm stops growing instead of increasing throughout training, and the gradients, which scale with the weights they pass through, stay bounded too.",
    claim_zh="L2 正则每一步都把权重往 0 拉,权重范数不再持续增长;梯度要经过这些权重回传,因此也被限制住。",
    method="A 3-hidden-layer ReLU MLP (width 128) trained to memorise 200 noisy teacher examples (600 at the full budget) with SGD + momentum, without and with weight_decay = 5e-3; the total weight norm and gradient norm every epoch.",
    figures=[
        figure("line", "Weight norm per epoch", "epoch", ["wnorm_none", "wnorm_decay"], "epoch", "||W||"),
        figure(
            "line", "Gradient norm per epoch", "epoch", ["gnorm_none", "gnorm_decay"], "epoch", "||dL/dW||", logy=True
        ),
    ],
)
def weight_decay_limits_norm(budget, seed):
    (x, y), _ = teacher_task(seed, pick(budget, 100, 200, 600), 10, label_noise=0.3)
    epochs = pick(budget, 5, 100, 300)
    trial = Trial(seed, series={"epoch": list(range(1, epochs + 1))})
    for name, decay in (("none", 0.0), ("decay", 5e-3)):
        model = mlp([20, 128, 128, 128, 4], "relu", generator=rng(seed, 7))
        wnorms, gnorms = [], []

        def record(epoch, model, wnorms=wnorms, gnorms=gnorms):
            wnorms.append(weight_norm(model))
            gnorms.append(float(np.sqrt(sum(v**2 for v in grad_norms(model)))))

        train(model, x, y, epochs, 0.05, seed, batch_size=50, weight_decay=decay, on_epoch=record)
        trial.series[f"wnorm_{name}"] = wnorms
        trial.series[f"gnorm_{name}"] = gnorms
        half = len(wnorms) // 2
        trial.measurements[f"final_weight_norm_{name}"] = wnorms[-1]
        trial.measurements[f"late_growth_{name}"] = wnorms[-1] / wnorms[half]
        trial.measurements[f"max_grad_norm_{name}"] = max(gnorms)
    m = trial.measurements
    trial.check(
        "norm_ratio",
        m["final_weight_norm_decay"] / m["final_weight_norm_none"],
        "<",
        0.8,
        "final weight norm with / without decay",
    )
    trial.check(
        "late_growth_decay", m["late_growth_decay"], "<", 1.02, "weight norm, last epoch / mid-training, with decay"
    )
    trial.check(
        "max_grad_ratio",
        m["max_grad_norm_decay"] / m["max_grad_norm_none"],
        "<",
        1.0,
        "largest epoch gradient norm with / without decay",
    )
    return trial


@experiment(
    id="shallower-net",
    topic="gradients",
    title_en="A shallower network suffers less from vanishing gradients",
    title_zh="更浅的网络梯度消失更轻",
    claim_en="Each layer multiplies the backward signal by one more factor, so with saturating activations a shallower network keeps a much larger gradient at its first layer.",
    claim_zh="每多一层,反向信号就多乘一个因子;使用饱和型激活函数时,层数越少,第一层得到的梯度越大。",
    method="Sigmoid MLPs of width 64 (Xavier init) with 1 to 20 hidden layers; the first layer's weight-gradient norm after one backward pass on 128 spiral points, and the slope of its log10 against depth.",
    figures=[
        figure(
            "line",
            "First-layer gradient norm vs depth (sigmoid)",
            "depths",
            ["first_layer_norm"],
            "hidden layers",
            "||dL/dW1||",
            logy=True,
        )
    ],
)
def shallower_net(budget, seed):
    g = rng(seed)
    x, y = make_spirals(128, 3, noise=0.1, random_state=int(g.integers(2**31)))
    depths = pick(budget, [1, 4, 8], [1, 2, 4, 6, 8, 12, 16, 20], list(range(1, 31, 2)))
    norms = []
    for depth in depths:
        model = mlp([2] + [64] * depth + [3], "sigmoid", init="xavier", generator=g)
        F.cross_entropy(model(T(x)), labels(y)).backward()
        norms.append(grad_norms(model)[0])
    slope = float(np.polyfit(depths, np.log10(norms), 1)[0])
    trial = Trial(
        seed, series={"depths": depths, "first_layer_norm": norms}, measurements={"log10_norm_per_layer": slope}
    )
    trial.measurements.update({f"norm_depth_{d}": v for d, v in zip(depths, norms)})
    trial.check("log10_slope_per_layer", slope, "<", -0.1, "slope of log10 first-layer gradient norm per added layer")
    return trial


@experiment(
    id="batchnorm-deep-net",
    topic="gradients",
    title_en="Batch normalisation lets a deep sigmoid network train",
    title_zh="批归一化让深层 sigmoid 网络可以训练",
    claim_en="Normalising each layer's pre-activations keeps them in the sigmoid's steep central region, so a deep sigmoid network that stalls without batch normalisation trains with it.",
    claim_zh="对每层的预激活做归一化,使其保持在 sigmoid 陡峭的中心区域;没有批归一化时停滞的深层 sigmoid 网络,加上它后可以训练。",
    method="A 10-hidden-layer sigmoid MLP (width 64, PyTorch's default init) on 3-class spirals, SGD + momentum (lr 0.1, batch 64), without and with BatchNorm1d before each sigmoid; training accuracy and loss after a fixed number of epochs (chance = 1/3).",
    figures=[figure("line", "Training loss per epoch", "epoch", ["loss_plain", "loss_bn"], "epoch", "cross-entropy")],
)
def batchnorm_deep_net(budget, seed):
    g = rng(seed)
    x, y = make_spirals(pick(budget, 150, 384, 900), 3, noise=0.05, random_state=int(g.integers(2**31)))
    epochs = pick(budget, 3, 30, 100)
    trial = Trial(seed, series={"epoch": list(range(1, epochs + 1))})
    for name, bn in (("plain", False), ("bn", True)):
        model = mlp([2] + [64] * 10 + [3], "sigmoid", batchnorm=bn)
        trial.series[f"loss_{name}"] = train(model, x, y, epochs, 0.1, seed, batch_size=64)
        trial.measurements[f"train_accuracy_{name}"] = accuracy(model, x, y)
    m = trial.measurements
    trial.check(
        "accuracy_gain_bn",
        m["train_accuracy_bn"] - m["train_accuracy_plain"],
        ">",
        0.1,
        "training accuracy with BN - without",
    )
    trial.check(
        "plain_accuracy", m["train_accuracy_plain"], "<", 0.5, "training accuracy without BN (stalls near chance 1/3)"
    )
    return trial
