"""Activation functions: ReLU's advantages and drawbacks, sigmoid, softmax."""

from __future__ import annotations

import math

import numpy as np

from ... import diagnostics, nn
from ... import functional as F
from ...data import make_imbalanced_classification, make_spirals
from ..registry import experiment, figure, pick
from ..result import Trial
from ._common import T, accuracy, grad_norms, labels, linears, mlp, predict, quiet, rng, teacher_task, timed, train

_RECOMMENDED_INIT = {"sigmoid": "xavier", "tanh": "xavier", "relu": "he", "leaky_relu": "he", "elu": "he"}


def _first_layer_norms(activation, depth, width, x, y, g):
    model = mlp(
        [x.shape[1]] + [width] * depth + [int(y.max()) + 1], activation, init=_RECOMMENDED_INIT[activation], generator=g
    )
    F.cross_entropy(model(T(x)), labels(y)).backward()
    return grad_norms(model)


@experiment(
    id="relu-vanishing",
    topic="activations",
    title_en="ReLU keeps gradients from vanishing in a deep network",
    title_zh="ReLU 缓解深层网络的梯度消失",
    claim_en="With sigmoid or tanh the gradient shrinks at every layer on its way back (their derivatives are below one), so the first layers of a deep net learn slowly; ReLU's derivative is exactly 1 where it is active, so the gradient reaches the first layer at a similar size.",
    claim_zh="sigmoid/tanh 的导数小于 1,梯度反向逐层累乘后越来越小,前面的层更新缓慢;ReLU 在激活区导数恒为 1,梯度能以相近的大小传到第一层。",
    method="A 20-layer MLP of width 64 with each activation's recommended initialisation (Xavier for sigmoid/tanh, He for ReLU); one backward pass of the cross-entropy on a batch of 128 spiral points. Reported: the weight-gradient norm of every layer, and the first-layer norm as the depth grows.",
    figures=[
        figure(
            "line",
            "Weight-gradient norm per layer (20 layers)",
            "layer",
            ["sigmoid", "tanh", "relu"],
            "layer (1 = first)",
            "||dL/dW||",
            logy=True,
        ),
        figure(
            "line",
            "First-layer gradient norm vs depth",
            "depths",
            ["first_sigmoid", "first_tanh", "first_relu"],
            "hidden layers",
            "||dL/dW1||",
            logy=True,
        ),
    ],
)
def relu_vanishing(budget, seed):
    g = rng(seed)
    x, y = make_spirals(128, 3, noise=0.1, random_state=int(g.integers(2**31)))
    depth = 20
    trial = Trial(seed)
    ratios = {}
    for act in ("sigmoid", "tanh", "relu"):
        norms = _first_layer_norms(act, depth, 64, x, y, g)
        trial.series[act] = norms
        ratios[act] = norms[0] / norms[-1]
        trial.measurements[f"first_over_last_{act}"] = ratios[act]
    trial.series["layer"] = list(range(1, depth + 2))
    depths = pick(budget, [2, 10], [2, 5, 10, 15, 20], [2, 5, 10, 15, 20, 30, 40])
    trial.series["depths"] = depths
    for act in ("sigmoid", "tanh", "relu"):
        trial.series[f"first_{act}"] = [_first_layer_norms(act, d, 64, x, y, g)[0] for d in depths]
    trial.check(
        "log10_relu_over_sigmoid",
        math.log10(ratios["relu"] / ratios["sigmoid"]),
        ">",
        1.0,
        "log10 of (first/last-layer gradient ratio, ReLU) / (same, sigmoid)",
    )
    trial.check(
        "log10_relu_over_tanh",
        math.log10(ratios["relu"] / ratios["tanh"]),
        ">",
        0.0,
        "log10 of (first/last ratio, ReLU) / (same, tanh)",
    )
    trial.check(
        "log10_relu_first_over_last",
        math.log10(ratios["relu"]),
        ">",
        -1.0,
        "log10 of ReLU's first/last-layer gradient ratio (no vanishing: within 10x)",
    )
    return trial


@experiment(
    id="relu-cost",
    topic="activations",
    title_en="ReLU is cheaper to compute and differentiate than sigmoid and tanh",
    title_zh="ReLU 的计算与求导比 sigmoid/tanh 更便宜",
    claim_en="ReLU is a comparison with zero and its derivative is 0 or 1, so forward and backward are cheaper than sigmoid's and tanh's, which need exponentials.",
    claim_zh="ReLU 只需和 0 比较,导数只有 0 或 1,前向和反向都比需要指数运算的 sigmoid、tanh 便宜。",
    method="Median wall time of forward + backward through each activation on a 1,000,000-element float32 tensor (one thread), per element; and the set of values ReLU's derivative takes on random inputs.",
    figures=[
        figure(
            "bar",
            "Forward+backward time per element (ns)",
            ["relu", "sigmoid", "tanh"],
            ["ns_relu", "ns_sigmoid", "ns_tanh"],
        )
    ],
    notes="Timings are wall-clock on this machine; the bar chart reads them from the per-seed measurements.",
)
def relu_cost(budget, seed):
    g = rng(seed)
    n = pick(budget, 100_000, 1_000_000, 4_000_000)
    x = T(g.standard_normal(n)).requires_grad_()
    functions = {"relu": F.relu, "sigmoid": F.sigmoid, "tanh": F.tanh}
    ns = {}
    for name, fn in functions.items():

        def step(fn=fn):
            x.grad = None
            fn(x).sum().backward()

        ns[name] = timed(step, pick(budget, 2, 7, 15)) / n * 1e9
    x.grad = None
    F.relu(x).sum().backward()
    derivative = x.grad.numpy()
    not_binary = float(np.mean((derivative != 0) & (derivative != 1)))
    trial = Trial(seed, measurements={"relu_derivative_values": sorted({float(v) for v in np.unique(derivative)})})
    trial.timings.update({f"ns_{k}": v for k, v in ns.items()})
    trial.check(
        "relu_derivative_not_0_or_1", not_binary, "<", 1e-12, "fraction of ReLU derivative values other than 0 or 1"
    )
    trial.check("sigmoid_over_relu_time", ns["sigmoid"] / ns["relu"], ">", 1.0, "sigmoid time / ReLU time", timed=True)
    trial.check("tanh_over_relu_time", ns["tanh"] / ns["relu"], ">", 1.0, "tanh time / ReLU time", timed=True)
    return trial


@experiment(
    id="relu-speeds-training",
    topic="activations",
    title_en="ReLU networks train faster",
    title_zh="ReLU 加速网络训练",
    claim_en="A network with ReLU reaches a given training accuracy in fewer epochs than the same network with sigmoid or tanh.",
    claim_zh="同样结构的网络,用 ReLU 比用 sigmoid 或 tanh 以更少的轮数达到同样的训练准确率。",
    method="A 4-hidden-layer MLP (width 64, recommended initialisation per activation) trained with SGD + momentum (lr 0.05, batch 64) on 3-class spirals; the epoch at which training accuracy first reaches 90% (the epoch cap + 1 if never).",
    figures=[
        figure(
            "line",
            "Training loss per epoch",
            "epoch",
            ["loss_sigmoid", "loss_tanh", "loss_relu"],
            "epoch",
            "cross-entropy",
            logy=True,
        )
    ],
)
def relu_speeds_training(budget, seed):
    g = rng(seed)
    n = pick(budget, 150, 600, 900)
    x, y = make_spirals(n, 3, noise=0.05, random_state=int(g.integers(2**31)))
    cap = pick(budget, 5, 60, 150)
    trial = Trial(seed)
    epochs_to = {}
    for act in ("sigmoid", "tanh", "relu"):
        model = mlp([2, 64, 64, 64, 64, 3], act, init=_RECOMMENDED_INIT[act], generator=g)
        reached = []

        def stop(epoch, model, reached=reached):
            if accuracy(model, x, y) >= 0.9:
                reached.append(epoch + 1)
                return True
            return False

        trial.series[f"loss_{act}"] = train(model, x, y, cap, 0.05, seed, batch_size=64, on_epoch=stop)
        epochs_to[act] = reached[0] if reached else cap + 1
        trial.measurements[f"epochs_to_90_{act}"] = epochs_to[act]
    trial.series["epoch"] = list(range(1, cap + 1))
    trial.check(
        "sigmoid_minus_relu_epochs",
        epochs_to["sigmoid"] - epochs_to["relu"],
        ">",
        0,
        "epochs to 90% (sigmoid) - epochs (ReLU)",
    )
    trial.check(
        "tanh_minus_relu_epochs", epochs_to["tanh"] - epochs_to["relu"], ">", 0, "epochs to 90% (tanh) - epochs (ReLU)"
    )
    return trial


def _zero_grad_units(model, x, y):
    """Fraction of hidden units whose incoming weights get exactly zero gradient on all of x."""
    model.zero_grad()
    model.train()
    F.cross_entropy(model(T(x)), labels(y)).backward()
    fractions = []
    for layer in linears(model)[:-1]:
        row_norms = np.abs(layer.weight.grad.numpy()).sum(axis=1)
        fractions.append(float(np.mean(row_norms == 0)))
    return float(np.mean(fractions))


@experiment(
    id="dead-relu",
    topic="activations",
    title_en="ReLU units can die; LeakyReLU and ELU do not",
    title_zh="ReLU 神经元可能“死亡”,LeakyReLU/ELU 可以避免",
    claim_en="Because ReLU outputs 0 (with zero gradient) for every negative input, a unit pushed into the negative region for all inputs never activates again; large learning rates make this common, and LeakyReLU or ELU, which keep a gradient for negative inputs, cure it.",
    claim_zh="ReLU 对负输入输出恒为 0、梯度为 0,某个神经元若对所有输入都落入负区,就再也不会被激活;学习率大时更常见,保留负区梯度的 LeakyReLU、ELU 可以避免。",
    method="A 3-hidden-layer MLP (width 100) on 20-d teacher data trained with SGD + momentum 0.9 at a high (0.5) and a low (0.01) learning rate; dead units = ReLU units never active on the training set (chainrule.diagnostics.dead_relu_fraction). For the cure, the same high-rate run with LeakyReLU and ELU, counting units whose incoming weights get exactly zero gradient on the whole training set.",
    figures=[
        figure(
            "bar",
            "Dead / zero-gradient unit fraction",
            ["ReLU lr 0.01", "ReLU lr 0.5", "LeakyReLU lr 0.5", "ELU lr 0.5"],
            ["dead_low_lr", "dead_high_lr", "zero_grad_leaky", "zero_grad_elu"],
        )
    ],
)
def dead_relu(budget, seed):
    g = rng(seed)
    (x, y), _ = teacher_task(seed, pick(budget, 200, 600, 2000), 10, d=20)
    epochs = pick(budget, 2, 10, 30)
    trial = Trial(seed)
    dead = {}
    for name, lr in (("low", 0.01), ("high", 0.5)):
        model = mlp([20, 100, 100, 100, 4], "relu", generator=g)
        with quiet():
            train(model, x, y, epochs, lr, seed, batch_size=50, momentum=0.9)
        fractions = diagnostics.dead_relu_fraction(model, T(x))
        dead[name] = float(np.mean(list(fractions.values())))
        trial.measurements[f"dead_{name}_lr"] = dead[name]
        trial.measurements[f"zero_grad_relu_{name}_lr"] = _zero_grad_units(model, x, y)
    for act in ("leaky_relu", "elu"):
        model = mlp([20, 100, 100, 100, 4], act, generator=g)
        with quiet():
            train(model, x, y, epochs, 0.5, seed, batch_size=50, momentum=0.9)
        trial.measurements[f"zero_grad_{act.split('_')[0]}"] = _zero_grad_units(model, x, y)
        trial.measurements[f"train_accuracy_{act}"] = accuracy(model, x, y)
    trial.check(
        "dead_high_minus_low",
        dead["high"] - dead["low"],
        ">",
        0.0,
        "dead fraction at lr 0.5 - dead fraction at lr 0.01",
    )
    trial.check("dead_high_lr", dead["high"], ">", 0.05, "dead ReLU fraction at lr 0.5")
    trial.check(
        "zero_grad_leaky",
        trial.measurements["zero_grad_leaky"],
        "<",
        0.01,
        "zero-gradient unit fraction, LeakyReLU at lr 0.5",
    )
    trial.check(
        "zero_grad_elu", trial.measurements["zero_grad_elu"], "<", 0.01, "zero-gradient unit fraction, ELU at lr 0.5"
    )
    return trial


@experiment(
    id="relu-not-zero-centred",
    topic="activations",
    title_en="ReLU's output is not zero-centred",
    title_zh="ReLU 的输出不以 0 为中心",
    claim_en="ReLU outputs are never negative, so their mean is positive; a unit fed by ReLU outputs gets, from each example, a weight update whose components all share one sign, which makes the weights zig-zag towards their optimum. Tanh outputs are centred and do not have this restriction.",
    claim_zh="ReLU 输出恒非负、均值为正;以 ReLU 输出为输入的神经元,每个样本带来的权重更新各分量同号,导致权重之字形地逼近最优;tanh 输出以 0 为中心,没有这个限制。",
    method="A 2-hidden-layer MLP (20-64-64-4) at initialisation on teacher data: the mean of each first-layer activation's outputs, and, for 200 single examples, whether the gradient row of each second-layer unit has all its nonzero components of one sign (averaged over units and examples); also at batch size 32.",
    figures=[
        figure(
            "bar",
            "Share of per-example weight updates with one sign",
            ["ReLU", "tanh"],
            ["same_sign_relu", "same_sign_tanh"],
        )
    ],
)
def relu_not_zero_centred(budget, seed):
    g = rng(seed)
    (x, y), _ = teacher_task(seed, pick(budget, 40, 200, 400), 10)
    trial = Trial(seed)
    for act in ("relu", "tanh"):
        model = mlp([20, 64, 64, 4], act, init=_RECOMMENDED_INIT[act], generator=g)
        hidden = model[1](model[0](T(x))).detach().numpy()
        trial.measurements[f"mean_activation_{act}"] = float(hidden.mean())
        second = model[2]
        shares = []
        for i in range(len(y)):
            model.zero_grad()
            F.cross_entropy(model(T(x[i : i + 1])), labels(y[i : i + 1])).backward()
            rows = second.weight.grad.numpy()
            for row in rows:
                nonzero = row[row != 0]
                if nonzero.size:
                    shares.append(bool(np.all(nonzero > 0) or np.all(nonzero < 0)))
        trial.measurements[f"same_sign_{act}"] = float(np.mean(shares))
        model.zero_grad()
        F.cross_entropy(model(T(x[:32])), labels(y[:32])).backward()
        rows = second.weight.grad.numpy()
        trial.measurements[f"same_sign_batch32_{act}"] = float(np.mean([np.all(r > 0) or np.all(r < 0) for r in rows]))
    m = trial.measurements
    trial.check("mean_activation_relu", m["mean_activation_relu"], ">", 0.1, "mean ReLU activation")
    trial.check("abs_mean_activation_tanh", abs(m["mean_activation_tanh"]), "<", 0.1, "|mean tanh activation|")
    trial.check("same_sign_relu", m["same_sign_relu"], ">", 0.99, "share of one-sign per-example updates, ReLU inputs")
    trial.check("same_sign_tanh", m["same_sign_tanh"], "<", 0.1, "share of one-sign per-example updates, tanh inputs")
    return trial


@experiment(
    id="sigmoid-range-and-cdf",
    topic="activations",
    title_en="Sigmoid maps every real number into (0, 1) and is the logistic distribution's CDF",
    title_zh="sigmoid 把任意实数映射到 (0,1),且是 logistic 分布的累积分布函数",
    claim_en="The sigmoid 1/(1+e^-x) accepts any real input and returns a value strictly between 0 and 1; its S-shaped curve is the cumulative distribution function of the standard logistic distribution.",
    claim_zh="sigmoid 函数 1/(1+e^-x) 的定义域为全体实数,输出严格介于 0 和 1 之间;它的 S 形曲线就是标准 logistic 分布的累积分布函数。",
    method="chainrule's sigmoid on 20,001 float64 points in [-30, 30] (and float32 at +-1000 to see that nothing overflows); compared with (a) the logistic density e^-x/(1+e^-x)^2 integrated numerically (trapezoid rule) and (b) the empirical CDF of 20,000 samples from the standard logistic distribution (Kolmogorov-Smirnov distance, against the 1% critical value 1.63/sqrt(n)).",
    figures=[
        figure(
            "line",
            "sigmoid vs integrated logistic density vs empirical CDF",
            "grid",
            ["sigmoid", "integrated_pdf", "empirical_cdf"],
            "x",
            "F(x)",
        )
    ],
)
def sigmoid_range_and_cdf(budget, seed):
    g = rng(seed)
    grid = np.linspace(-30, 30, 20001)
    s = F.sigmoid(T(grid, np.float64)).numpy()
    with quiet():
        extreme = F.sigmoid(T([-1000.0, 1000.0])).numpy()
    pdf = np.exp(-grid) / (1 + np.exp(-grid)) ** 2
    integrated = np.concatenate([[0.0], np.cumsum((pdf[1:] + pdf[:-1]) / 2 * np.diff(grid))]) + 1 / (1 + np.exp(30))
    n = pick(budget, 2000, 20000, 100000)
    samples = np.sort(g.logistic(size=n))
    s_at = F.sigmoid(T(samples, np.float64)).numpy()
    ks = float(max(np.max(np.arange(1, n + 1) / n - s_at), np.max(s_at - np.arange(n) / n)))
    trial = Trial(
        seed,
        measurements={
            "min": float(s.min()),
            "max": float(s.max()),
            "float32_at_pm1000": extreme.tolist(),
            "ks_distance": ks,
            "ks_critical_1pct": 1.63 / math.sqrt(n),
        },
    )
    trial.measurements["max_abs_diff_integrated_pdf"] = float(np.max(np.abs(s - integrated)))
    coarse = slice(None, None, 400)
    trial.series.update(
        {"grid": grid[coarse].tolist(), "sigmoid": s[coarse].tolist(), "integrated_pdf": integrated[coarse].tolist()}
    )
    trial.series["empirical_cdf"] = [float(np.searchsorted(samples, v, side="right") / n) for v in grid[coarse]]
    outside = float(np.mean((s <= 0) | (s >= 1)))
    trial.check(
        "share_outside_0_1", outside, "<", 1e-12, "share of sigmoid outputs on [-30, 30] not strictly inside (0, 1)"
    )
    trial.check(
        "finite_at_pm1000", float(np.all(np.isfinite(extreme))), ">", 0.5, "float32 sigmoid(+-1000) finite (1 = yes)"
    )
    trial.check(
        "max_abs_diff_integrated_pdf",
        trial.measurements["max_abs_diff_integrated_pdf"],
        "<",
        1e-6,
        "max |sigmoid - integrated logistic density|",
    )
    trial.check(
        "ks_over_critical", ks / (1.63 / math.sqrt(n)), "<", 1.0, "KS distance to logistic samples / 1% critical value"
    )
    return trial


@experiment(
    id="sigmoid-logistic-regression",
    topic="activations",
    title_en="Sigmoid turns a linear score into a binary classifier (logistic regression)",
    title_zh="sigmoid 用于逻辑回归的二分类",
    claim_en="A linear model followed by a sigmoid, trained with binary cross-entropy, is logistic regression: it classifies two classes and its output reads as the probability of the positive class.",
    claim_zh="线性模型后接 sigmoid、用二元交叉熵训练,就是逻辑回归:它能做二分类,输出可以理解为正类的概率。",
    method="Two 5-d Gaussian classes (means 3 apart); a Linear(5, 1) trained full-batch with BCE-with-logits and SGD; test accuracy compared with the Bayes-optimal accuracy Phi(1.5) of this problem, and calibration: the expected calibration error (mean predicted probability vs observed positive rate in 5 probability bins, weighted by bin size).",
    figures=[
        figure(
            "line",
            "Calibration: observed positive rate vs predicted probability",
            "bin_mean_predicted",
            ["bin_observed", "bin_mean_predicted"],
            "predicted probability",
            "observed rate",
        )
    ],
)
def sigmoid_logistic_regression(budget, seed):
    n = pick(budget, 400, 2000, 6000)
    x, y = make_imbalanced_classification(n, ratio=1.0, n_features=5, class_sep=1.5, random_state=seed)
    split = n // 2
    model = nn.Linear(5, 1)
    train(
        model, x[:split], y[:split].astype(np.float32).reshape(-1, 1), pick(budget, 30, 200, 400), 0.5, seed, loss="bce"
    )
    with quiet():
        p = F.sigmoid(T(predict(model, x[split:]))).numpy().ravel()
    y_test = y[split:]
    acc = float(np.mean((p > 0.5) == y_test))
    from scipy.stats import norm

    bayes = float(norm.cdf(1.5))
    edges = np.linspace(0, 1, 6)
    which = np.clip(np.digitize(p, edges) - 1, 0, 4)
    predicted, observed = [], []
    for b in range(5):
        if np.any(which == b):
            predicted.append(float(p[which == b].mean()))
            observed.append(float(y_test[which == b].mean()))
    counts = np.array([np.sum(which == b) for b in range(5) if np.any(which == b)])
    # Expected calibration error: the bins' |predicted - observed| weighted by how many points they hold.
    calibration = float(np.sum(counts * np.abs(np.array(predicted) - np.array(observed))) / counts.sum())
    trial = Trial(
        seed, measurements={"test_accuracy": acc, "bayes_accuracy": bayes, "expected_calibration_error": calibration}
    )
    trial.series.update({"bin_mean_predicted": predicted, "bin_observed": observed})
    trial.check("bayes_minus_accuracy", bayes - acc, "<", 0.03, "Bayes-optimal accuracy - test accuracy")
    trial.check(
        "expected_calibration_error", calibration, "<", 0.05, "expected calibration error over 5 probability bins"
    )
    return trial


@experiment(
    id="softmax-distribution",
    topic="activations",
    title_en="Softmax outputs a probability distribution; the target class gets the largest share",
    title_zh="softmax 输出概率分布,目标类别概率最大",
    claim_en="Softmax turns any vector of scores into probabilities in (0, 1) that sum to 1 (computed stably by subtracting the maximum; the naive formula overflows at large scores); used for multi-class (softmax) regression it gives the target class the largest probability.",
    claim_zh="softmax 把任意得分向量变成 0 到 1 之间、总和为 1 的概率(先减去最大值以保证数值稳定,朴素公式在大得分时溢出);用于多分类(softmax 回归)时,目标类别的概率最大。",
    method="chainrule's softmax on 1,000 random 10-d score vectors (scale 5, float64; float32 rounds the tiniest probabilities to 0) and on scores near 1000 (float32), against the naive exp(x)/sum(exp(x)); then a Linear(10, 4) softmax regression on 4 Gaussian classes: how often the target class gets the largest probability on held-out data, and its mean probability.",
    figures=[
        figure(
            "bar",
            "Softmax regression on held-out data",
            ["target has max prob", "mean target prob"],
            ["target_is_argmax", "mean_target_probability"],
        )
    ],
)
def softmax_distribution(budget, seed):
    g = rng(seed)
    scores = g.standard_normal((1000, 10)) * 5
    # float64: in float32, probabilities below ~1e-45 round to exactly 0 (recorded separately).
    p = F.softmax(T(scores, np.float64), dim=1).numpy()
    p32 = F.softmax(T(scores), dim=1).numpy()
    big = (scores + 1000).astype(np.float32)
    with quiet():
        stable = F.softmax(T(big), dim=1).numpy()
        naive = np.exp(big) / np.exp(big).sum(axis=1, keepdims=True)
    classes, d = 4, 10
    means = g.standard_normal((classes, d)) * 1.5
    n = pick(budget, 400, 2000, 6000)
    y = g.integers(0, classes, n)
    x = (means[y] + g.standard_normal((n, d))).astype(np.float32)
    half = n // 2
    model = nn.Linear(d, classes)
    train(model, x[:half], y[:half], pick(budget, 30, 150, 300), 0.5, seed)
    probabilities = F.softmax(T(predict(model, x[half:])), dim=1).numpy()
    target = probabilities[np.arange(n - half), y[half:]]
    m = {
        "min_probability": float(p.min()),
        "max_probability": float(p.max()),
        "max_sum_error": float(np.max(np.abs(p.sum(axis=1) - 1))),
        "float32_share_rounded_to_0_or_1": float(np.mean((p32 <= 0) | (p32 >= 1))),
        "naive_nonfinite_fraction": float(np.mean(~np.isfinite(naive))),
        "stable_nonfinite_fraction": float(np.mean(~np.isfinite(stable))),
        "target_is_argmax": float(np.mean(probabilities.argmax(axis=1) == y[half:])),
        "mean_target_probability": float(target.mean()),
    }
    trial = Trial(seed, measurements=m)
    outside = float(np.mean((p <= 0) | (p >= 1)))
    trial.check(
        "share_outside_0_1",
        outside,
        "<",
        1e-12,
        "share of float64 softmax outputs (scale-5 scores) not strictly inside (0, 1)",
    )
    trial.check("max_sum_error", m["max_sum_error"], "<", 1e-5, "largest |sum of probabilities - 1|")
    trial.check(
        "naive_nonfinite_fraction",
        m["naive_nonfinite_fraction"],
        ">",
        0.5,
        "share of non-finite naive softmax outputs at scores ~1000",
    )
    trial.check(
        "stable_nonfinite_fraction",
        m["stable_nonfinite_fraction"],
        "<",
        1e-12,
        "share of non-finite stable softmax outputs at scores ~1000",
    )
    trial.check(
        "target_is_argmax",
        m["target_is_argmax"],
        ">",
        0.8,
        "held-out share where the target class has the largest probability",
    )
    return trial
