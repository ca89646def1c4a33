"""Over-fitting and its remedies: L2, L1, dropout, more data, augmentation, early stopping."""

from __future__ import annotations

import math
import time

import numpy as np

from ... import functional as F
from ... import nn, optim
from ...autograd import no_grad
from ..registry import experiment, figure, pick
from ..result import Trial
from ._common import T, accuracy, ce_loss, labels, mlp, rng, teacher_task, train


@experiment(
    id="l2-shrink-factor",
    topic="overfitting",
    title_en="An SGD step with L2 multiplies the weights by (1 - eta*lambda)",
    title_zh="带 L2 的 SGD 一步等于先把权重乘以 (1-ηλ)",
    claim_en="Adding (lambda/2)*||w||^2 to the loss turns the update into w <- (1 - eta*lambda) w - eta * dL0/dw: the weights are first scaled down by a constant factor (weight decay), then moved by the unregularised gradient.",
    claim_zh="在损失上加 (λ/2)·||w||² 后,更新变为 w ← (1-ηλ)w - η·∂L0/∂w:先把权重按固定比例缩小(权重衰减),再沿未正则化的梯度移动。",
    method="A float64 Linear(10, 3) with cross-entropy on a random batch: one step of optim.SGD(lr=eta, weight_decay=lambda), and one plain SGD step on L0 + (lambda/2) * l2_penalty, both compared with (1 - eta*lambda) w - eta * grad L0 computed by hand.",
)
def l2_shrink_factor(budget, seed):
    g = rng(seed)
    eta, lam = 0.1, 0.05
    x = T(g.standard_normal((32, 10)), np.float64)
    y = labels(g.integers(0, 3, 32))
    diffs = {}
    for mode in ("weight_decay", "penalty"):
        model = nn.Linear(10, 3).double()
        nn.init.normal_(model.weight, 0.0, 1.0, generator=rng(seed, 5))
        w0 = model.weight.detach().numpy().copy()
        F.cross_entropy(model(x), y).backward()
        expected = (1 - eta * lam) * w0 - eta * model.weight.grad.numpy()
        model.zero_grad()
        if mode == "weight_decay":
            opt = optim.SGD([model.weight], lr=eta, weight_decay=lam)
            loss = F.cross_entropy(model(x), y)
        else:
            opt = optim.SGD([model.weight], lr=eta)
            loss = F.cross_entropy(model(x), y) + lam / 2 * nn.l2_penalty(model.weight)
        loss.backward()
        opt.step()
        diffs[mode] = float(np.max(np.abs(model.weight.detach().numpy() - expected)))
    trial = Trial(seed, measurements={f"max_abs_diff_{k}": v for k, v in diffs.items()})
    trial.measurements["shrink_factor"] = 1 - eta * lam
    trial.check(
        "max_abs_diff_weight_decay", diffs["weight_decay"], "<", 1e-12, "max |SGD(weight_decay) step - formula|"
    )
    trial.check(
        "max_abs_diff_penalty", diffs["penalty"], "<", 1e-12, "max |SGD step on L0 + lambda/2 ||w||^2 - formula|"
    )
    return trial


@experiment(
    id="l2-is-ridge",
    topic="overfitting",
    title_en="Linear regression with L2 is ridge regression",
    title_zh="带 L2 的线性回归就是岭回归",
    claim_en="Minimising the squared error plus an L2 penalty on the weights of a linear model is ridge regression: gradient descent converges to the ridge closed-form solution, not to ordinary least squares.",
    claim_zh="线性模型的平方误差加上权重的 L2 惩罚就是岭回归:梯度下降收敛到岭回归的解析解,而不是普通最小二乘解。",
    method="200 float64 samples, 10 features; Linear(10, 1, bias=False) trained full-batch on the mean squared error with optim.SGD(weight_decay=lambda=0.5) at lr = 1/L (L the loss's curvature bound); relative distance of the weights to the ridge solution (2/n X^T X + lambda I)^-1 (2/n) X^T y, and to the least-squares solution.",
    figures=[
        figure(
            "line",
            "Relative distance to the ridge solution per step",
            "step",
            ["distance_to_ridge"],
            "step",
            "||w - w_ridge|| / ||w_ridge||",
            logy=True,
        )
    ],
)
def l2_is_ridge(budget, seed):
    g = rng(seed)
    n, d, lam = 200, 10, 0.5
    x = g.standard_normal((n, d))
    y = x @ g.standard_normal(d) + 0.5 * g.standard_normal(n)
    gram = 2 / n * x.T @ x
    ridge = np.linalg.solve(gram + lam * np.eye(d), 2 / n * x.T @ y)
    ols = np.linalg.lstsq(x, y, rcond=None)[0]
    lr = 1.0 / (np.linalg.eigvalsh(gram).max() + lam)
    model = nn.Linear(d, 1, bias=False).double()
    opt = optim.SGD(model.parameters(), lr=float(lr), weight_decay=lam)
    xt, yt = T(x, np.float64), T(y.reshape(-1, 1), np.float64)
    distances = []
    for _ in range(pick(budget, 50, 300, 1000)):
        opt.zero_grad()
        F.mse_loss(model(xt), yt).backward()
        opt.step()
        distances.append(float(np.linalg.norm(model.weight.detach().numpy().ravel() - ridge) / np.linalg.norm(ridge)))
    w = model.weight.detach().numpy().ravel()
    to_ols = float(np.linalg.norm(w - ols) / np.linalg.norm(ols))
    trial = Trial(seed, series={"step": list(range(1, len(distances) + 1)), "distance_to_ridge": distances})
    trial.measurements.update({"distance_to_ridge": distances[-1], "distance_to_ols": to_ols, "steps": len(distances)})
    tolerance = pick(budget, 1e-3, 1e-8, 1e-10)
    trial.check("distance_to_ridge", distances[-1], "<", tolerance, "relative distance to the ridge solution")
    trial.check("distance_to_ols", to_ols, ">", 1e-3, "relative distance to the least-squares solution")
    return trial


@experiment(
    id="l2-smooths-fit",
    topic="overfitting",
    title_en="L2 shrinks the high-order coefficients of a polynomial fit towards a smoother curve",
    title_zh="L2 让多项式拟合的高次项系数变小,曲线更平滑",
    claim_en="Fitting a high-degree polynomial to a few noisy points gives large high-order coefficients and a wiggly curve; with an L2 penalty those coefficients become small, the curve approaches a simple smooth one, and it generalises better.",
    claim_zh="用高次多项式拟合少量带噪声的点,高次项系数很大、曲线剧烈摆动;加上 L2 惩罚后这些系数变小,曲线接近简单平滑的形状,泛化更好。",
    method="12 points of a random cubic plus noise (sd 0.3) on [-1, 1]; degree-9 polynomial least squares without and with an L2 penalty (lambda = 1e-3) on the coefficients, solved exactly (normal equations); the size of the coefficients of degree >= 4, the curve's roughness (mean squared second derivative on a grid) and the error on 500 fresh points.",
    figures=[
        figure("line", "Degree-9 fits (points: training data)", "grid", ["fit_plain", "fit_l2", "truth"], "x", "y")
    ],
)
def l2_smooths_fit(budget, seed):
    from ...data import make_polynomial_regression

    x, y, coef = make_polynomial_regression(12, degree=3, noise=0.3, random_state=seed)
    g = rng(seed)
    degree, lam = 9, 1e-3
    powers = np.arange(degree + 1)
    design = x.astype(np.float64) ** powers  # (12, 10)
    fits = {}
    for name, penalty in (("plain", 0.0), ("l2", lam)):
        gram = design.T @ design + penalty * len(y) * np.diag((powers > 0).astype(float))
        fits[name] = np.linalg.lstsq(gram, design.T @ y.astype(np.float64).ravel(), rcond=None)[0]
    grid = np.linspace(-1, 1, 101)
    x_test = g.uniform(-1, 1, 500)
    y_test = np.polynomial.polynomial.polyval(x_test, coef) + 0.3 * g.standard_normal(500)
    trial = Trial(seed, series={"grid": grid.tolist(), "truth": np.polynomial.polynomial.polyval(grid, coef).tolist()})
    for name, c in fits.items():
        trial.series[f"fit_{name}"] = np.polynomial.polynomial.polyval(grid, c).tolist()
        second = np.polynomial.polynomial.polyval(grid, np.polynomial.polynomial.polyder(c, 2))
        trial.measurements[f"high_order_abs_sum_{name}"] = float(np.abs(c[4:]).sum())
        trial.measurements[f"roughness_{name}"] = float(np.mean(second**2))
        trial.measurements[f"test_mse_{name}"] = float(
            np.mean((np.polynomial.polynomial.polyval(x_test, c) - y_test) ** 2)
        )
    m = trial.measurements
    trial.check(
        "log10_high_order_ratio",
        math.log10(m["high_order_abs_sum_l2"] / m["high_order_abs_sum_plain"]),
        "<",
        -1.0,
        "log10 sum|coef degree >= 4|, L2 / plain",
    )
    trial.check(
        "log10_roughness_ratio",
        math.log10(m["roughness_l2"] / m["roughness_plain"]),
        "<",
        -1.0,
        "log10 roughness, L2 / plain",
    )
    trial.check("test_mse_ratio", m["test_mse_l2"] / m["test_mse_plain"], "<", 1.0, "test MSE, L2 / plain")
    return trial


def _sparse_regression(seed, n=100, d=50, informative=5):
    g = rng(seed, 11)
    w = np.zeros(d)
    w[:informative] = g.choice([-1, 1], informative) * g.uniform(1, 2, informative)
    x = g.standard_normal((3 * n, d))
    y = x @ w + 0.5 * g.standard_normal(3 * n)
    return (x[:n], y[:n]), (x[n : 2 * n], y[n : 2 * n])


def _fit_penalised(x, y, kind, lam, steps, seed):
    model = nn.Linear(x.shape[1], 1)
    nn.init.zeros_(model.weight)
    opt = optim.SGD(model.parameters(), lr=0.05)
    xt, yt = T(x), T(y.reshape(-1, 1))
    for _ in range(steps):
        opt.zero_grad()
        loss = F.mse_loss(model(xt), yt)
        penalty = nn.l1_penalty(model.weight) if kind == "l1" else nn.l2_penalty(model.weight)
        (loss + lam * penalty).backward()
        opt.step()
    return model


@experiment(
    id="l1-sparsity",
    topic="overfitting",
    title_en="L1 makes the model sparse",
    title_zh="L1 正则使模型稀疏",
    claim_en="An L1 penalty drives the weights of unimportant features to (near) zero and keeps the weight on the few important ones, so at a comparable validation loss an L1-regularised model has far more zero weights than an L2-regularised one.",
    claim_zh="L1 惩罚把不重要特征的权重压到(接近)0,把权重集中在少数重要特征上;在相近的验证损失下,L1 模型的零权重远多于 L2 模型。",
    method="Linear regression with 50 features of which 5 matter, 100 training and 100 validation samples; full-batch SGD on MSE + lambda * (L1 or L2 penalty) for lambda in a grid, keeping each penalty's lambda with the best validation loss; share of weights with |w| < 0.01.",
    figures=[
        figure(
            "bar",
            "Share of near-zero weights (|w| < 0.01) at each penalty's best lambda",
            ["L1", "L2"],
            ["sparsity_l1", "sparsity_l2"],
        )
    ],
)
def l1_sparsity(budget, seed):
    (x, y), (xv, yv) = _sparse_regression(seed)
    steps = pick(budget, 50, 400, 1500)
    grid = pick(budget, [0.01, 0.1], [0.003, 0.01, 0.03, 0.1], [0.001, 0.003, 0.01, 0.03, 0.1, 0.3])
    trial = Trial(seed)
    for kind in ("l1", "l2"):
        best = None
        for lam in grid:
            model = _fit_penalised(x, y, kind, lam, steps, seed)
            with no_grad():
                val = float(F.mse_loss(model(T(xv)), T(yv.reshape(-1, 1))).item())
            if best is None or val < best[0]:
                best = (val, lam, model.weight.detach().numpy().ravel())
        val, lam, w = best
        trial.measurements.update(
            {f"val_mse_{kind}": val, f"lambda_{kind}": lam, f"sparsity_{kind}": float(np.mean(np.abs(w) < 0.01))}
        )
    m = trial.measurements
    trial.check("sparsity_difference", m["sparsity_l1"] - m["sparsity_l2"], ">", 0.3, "near-zero share L1 - L2")
    trial.check("val_mse_ratio", m["val_mse_l1"] / m["val_mse_l2"], "<", 1.2, "validation MSE L1 / L2 (comparable fit)")
    return trial


@experiment(
    id="l1-vs-l2-shrink-rate",
    topic="overfitting",
    title_en="L1 shrinks small weights faster, L2 shrinks large weights faster",
    title_zh="L1 对小权重收缩更快,L2 对大权重收缩更快",
    claim_en="L1 moves every weight towards zero by the constant eta*lambda per step, L2 by eta*lambda*|w|; so for |w| < 1 L1 shrinks faster, for |w| > 1 L2 does, by a factor |w| either way.",
    claim_zh="L1 每步把权重向 0 移动固定的 ηλ,L2 移动 ηλ|w|;因此 |w|<1 时 L1 收缩更快,|w|>1 时 L2 更快,两者之比正好是 |w|。",
    method="Weights of magnitudes from 1e-3 to 10 (either sign); one SGD step (eta = 0.1) on lambda*||w||_1 alone and on (lambda/2)*||w||_2^2 alone (lambda = 0.1), through chainrule's l1_penalty / l2_penalty and autograd; the decrease of |w| per step.",
    figures=[
        figure(
            "line",
            "Shrink of |w| in one step",
            "magnitude",
            ["shrink_l1", "shrink_l2"],
            "|w|",
            "decrease of |w|",
            logx=True,
            logy=True,
        )
    ],
)
def l1_vs_l2_shrink_rate(budget, seed):
    g = rng(seed)
    magnitudes = np.logspace(-3, 1, pick(budget, 5, 9, 17))
    w0 = magnitudes * g.choice([-1.0, 1.0], magnitudes.size)
    eta, lam = 0.1, 0.1
    shrink = {}
    for kind in ("l1", "l2"):
        w = T(w0, np.float64).requires_grad_()
        penalty = lam * nn.l1_penalty(w) if kind == "l1" else lam / 2 * nn.l2_penalty(w)
        penalty.backward()
        with no_grad():
            w1 = w.detach().numpy() - eta * w.grad.numpy()
        # Distance moved towards zero (an L1 step on a weight smaller than eta*lambda overshoots
        # past zero: the move is still eta*lambda, which is why proximal L1 clips at zero).
        shrink[kind] = np.sign(w0) * (w0 - w1)
        if kind == "l1":
            overshoots = int(np.sum(np.sign(w1) != np.sign(w0)))
    trial = Trial(
        seed,
        series={
            "magnitude": magnitudes.tolist(),
            "shrink_l1": shrink["l1"].tolist(),
            "shrink_l2": shrink["l2"].tolist(),
        },
    )
    ratio = shrink["l1"] / shrink["l2"]
    crossing = float(np.interp(0.0, np.log(ratio[::-1]), magnitudes[::-1]))
    trial.measurements.update(
        {
            "l1_over_l2_at_1e-3": float(ratio[0]),
            "l2_over_l1_at_10": float(1 / ratio[-1]),
            "crossover_magnitude": crossing,
            "l1_overshoots_zero": overshoots,
        }
    )
    trial.check("l1_over_l2_small", float(ratio[0]), ">", 10.0, "shrink L1 / L2 at |w| = 0.001")
    trial.check("l2_over_l1_large", float(1 / ratio[-1]), ">", 5.0, "shrink L2 / L1 at |w| = 10")
    trial.check(
        "ratio_error",
        float(np.max(np.abs(ratio * magnitudes - 1))),
        "<",
        1e-9,
        "max |(L1 shrink / L2 shrink) * |w| - 1|",
    )
    return trial


def _dropout_pair(seed, budget, n_train=None, p=0.5, epochs=None, width=256):
    """Train the same MLP without and with dropout on a small noisy teacher task."""
    n_train = pick(budget, 80, 200, 400) if n_train is None else n_train
    epochs = pick(budget, 5, 60, 150) if epochs is None else epochs
    (x, y), (xt, yt) = teacher_task(seed, n_train, pick(budget, 200, 1000, 2000))
    models = {}
    for name, rate in (("plain", 0.0), ("dropout", p)):
        model = mlp([20, width, width, 4], "relu", dropout=rate, generator=rng(seed, 21))
        train(model, x, y, epochs, 0.05, seed, batch_size=50)
        models[name] = model
    return models, (x, y), (xt, yt)


@experiment(
    id="dropout-generalisation",
    topic="overfitting",
    title_en="Dropout narrows the gap between training and test accuracy",
    title_zh="Dropout 缩小训练与测试准确率的差距",
    claim_en="Randomly silencing units during training keeps the network from relying on particular features, so it over-fits less: the train-test gap shrinks and test accuracy improves.",
    claim_zh="训练时随机让神经元停止工作,网络不会过分依赖某些局部特征,过拟合减轻:训练/测试差距缩小,测试准确率提高。",
    method="A 20-256-256-4 ReLU MLP trained (SGD + momentum, batch 50) on 200 noisy teacher examples, without and with Dropout(0.5) after each hidden layer; accuracy on the training set and on 1,000 held-out examples.",
    seeds=(1, 5, 10),
    figures=[figure("bar", "Train - test accuracy gap", ["no dropout", "dropout 0.5"], ["gap_plain", "gap_dropout"])],
)
def dropout_generalisation(budget, seed):
    models, (x, y), (xt, yt) = _dropout_pair(seed, budget)
    trial = Trial(seed)
    for name, model in models.items():
        train_acc, test_acc = accuracy(model, x, y), accuracy(model, xt, yt)
        trial.measurements.update(
            {
                f"train_accuracy_{name}": train_acc,
                f"test_accuracy_{name}": test_acc,
                f"gap_{name}": train_acc - test_acc,
            }
        )
    m = trial.measurements
    trial.check("gap_reduction", m["gap_plain"] - m["gap_dropout"], ">", 0.0, "train-test gap without - with dropout")
    trial.check(
        "test_accuracy_gain",
        m["test_accuracy_dropout"] - m["test_accuracy_plain"],
        ">",
        0.0,
        "test accuracy with - without dropout",
    )
    return trial


@experiment(
    id="dropout-ensemble",
    topic="overfitting",
    title_en="A dropout network at test time approximates an average of many sub-networks",
    title_zh="测试时的 dropout 网络近似于许多子网络的平均(集成)",
    claim_en="Training with dropout trains many weight-sharing sub-networks at once; using the full network with scaled weights at test time approximates averaging their predictions, an ensemble that is better than a single sub-network.",
    claim_zh="dropout 训练相当于同时训练许多共享权重的子网络;测试时用按比例缩放权重的完整网络,近似于把这些子网络的预测取平均,这个集成比单个子网络更好。",
    method="The dropout MLP of dropout-generalisation; its eval-mode (weight-scaled) predictions on held-out data compared with the average softmax of K sampled sub-networks (train-mode forward passes, K up to 100): agreement of the predicted class, total-variation distance of the probabilities, and the accuracy of single sub-networks vs the average.",
    figures=[
        figure(
            "line",
            "Distance between K-sub-network average and the scaled network",
            "ks",
            ["tv_distance"],
            "K sub-networks",
            "mean total-variation distance",
            logx=True,
        )
    ],
)
def dropout_ensemble(budget, seed):
    models, _, (xt, yt) = _dropout_pair(seed, budget)
    model = models["dropout"]
    with no_grad():
        model.eval()
        scaled = F.softmax(model(T(xt)), dim=1).numpy()
        model.train()
        samples = [F.softmax(model(T(xt)), dim=1).numpy() for _ in range(pick(budget, 10, 100, 300))]
    ks = [k for k in (1, 3, 10, 30, 100, 300) if k <= len(samples)]
    cumulative = np.cumsum(samples, axis=0)
    tv = [float(np.mean(0.5 * np.abs(cumulative[k - 1] / k - scaled).sum(axis=1))) for k in ks]
    average = cumulative[-1] / len(samples)
    single = float(np.mean([np.mean(s.argmax(1) == yt) for s in samples]))
    m = {
        "argmax_agreement": float(np.mean(average.argmax(1) == scaled.argmax(1))),
        "tv_distance_all": tv[-1],
        "accuracy_scaled": float(np.mean(scaled.argmax(1) == yt)),
        "accuracy_average": float(np.mean(average.argmax(1) == yt)),
        "accuracy_single_subnetwork": single,
    }
    trial = Trial(seed, measurements=m, series={"ks": ks, "tv_distance": tv})
    trial.check(
        "argmax_agreement",
        m["argmax_agreement"],
        ">",
        0.9,
        "share of test points where the scaled net and the K-average predict the same class",
    )
    trial.check(
        "ensemble_gain",
        m["accuracy_average"] - single,
        ">",
        0.0,
        "accuracy of the sub-network average - mean single sub-network accuracy",
    )
    trial.check(
        "scaled_vs_average",
        abs(m["accuracy_scaled"] - m["accuracy_average"]),
        "<",
        0.02,
        "|accuracy scaled net - accuracy K-average|",
    )
    return trial


def _hidden_correlation(model, x):
    """Mean |correlation| between the last hidden layer's units (eval mode) on x."""
    model.eval()
    with no_grad():
        h = T(x)
        for layer in list(model)[:-1]:
            h = layer(h)
        h = h.numpy().astype(np.float64)
    h = h[:, h.std(axis=0) > 1e-8]  # units that never vary (dead) have no correlation
    c = np.corrcoef(h, rowvar=False)
    off = c[~np.eye(len(c), dtype=bool)]
    return float(np.mean(np.abs(off))), int(h.shape[1])


@experiment(
    id="dropout-coadaptation",
    topic="overfitting",
    title_en="Dropout reduces co-adaptation between hidden units",
    title_zh="Dropout 减少神经元之间的共适应",
    claim_en="Because two units are not always present together, dropout keeps units from relying on each other's specific behaviour, so the hidden units become less inter-dependent (less correlated) than in a network trained without dropout.",
    claim_zh="由于两个神经元不一定同时出现,dropout 使神经元不再依赖彼此的特定行为,隐藏单元之间的相关性低于不用 dropout 训练的网络。",
    method="The MLPs of dropout-generalisation; the mean absolute Pearson correlation between pairs of units of the last hidden layer on 1,000 held-out inputs (units that never vary left out).",
    figures=[
        figure(
            "bar",
            "Mean |correlation| between hidden units",
            ["no dropout", "dropout 0.5"],
            ["correlation_plain", "correlation_dropout"],
        )
    ],
    notes="Correlation is a proxy for co-adaptation; the original dropout paper argues from feature visualisations, not from correlations.",
)
def dropout_coadaptation(budget, seed):
    models, _, (xt, _) = _dropout_pair(seed, budget)
    trial = Trial(seed)
    for name, model in models.items():
        corr, units = _hidden_correlation(model, xt)
        trial.measurements[f"correlation_{name}"] = corr
        trial.measurements[f"varying_units_{name}"] = units
    m = trial.measurements
    trial.check(
        "correlation_reduction",
        m["correlation_plain"] - m["correlation_dropout"],
        ">",
        0.0,
        "mean |correlation| without - with dropout",
    )
    return trial


@experiment(
    id="dropout-slows-training",
    topic="overfitting",
    title_en="Dropout makes training take 2-3 times longer",
    title_zh="Dropout 使训练时间变为 2-3 倍",
    claim_en="A network trained with dropout needs about two to three times as long to converge as the same network without it.",
    claim_zh="使用 dropout 的网络收敛所需的训练时间约为不用 dropout 时的 2-3 倍。",
    method="The 20-256-256-4 MLP on 400 teacher examples (SGD + momentum, batch 50), without and with Dropout(0.5); epochs (and wall time) until the eval-mode training loss first falls below 0.5, capped at 4x the plain run's epochs.",
    figures=[
        figure(
            "line",
            "Eval-mode training loss per epoch",
            "epoch",
            ["loss_plain", "loss_dropout"],
            "epoch",
            "cross-entropy",
            logy=True,
        )
    ],
)
def dropout_slows_training(budget, seed):
    (x, y), _ = teacher_task(seed, pick(budget, 100, 400, 800), 10, label_noise=0.0)
    cap = pick(budget, 6, 100, 200)
    trial = Trial(seed, series={"epoch": list(range(1, cap + 1))})
    epochs, seconds = {}, {}
    for name, rate in (("plain", 0.0), ("dropout", 0.5)):
        model = mlp([20, 256, 256, 4], "relu", dropout=rate, generator=rng(seed, 21))
        curve, reached = [], []

        def watch(epoch, model, curve=curve, reached=reached):
            curve.append(ce_loss(model, x, y))
            if curve[-1] < 0.5:
                reached.append(epoch + 1)
                return True
            return False

        start = time.perf_counter()
        train(model, x, y, cap, 0.02, seed, batch_size=50, on_epoch=watch)
        seconds[name] = time.perf_counter() - start
        epochs[name] = reached[0] if reached else cap + 1
        trial.series[f"loss_{name}"] = curve
        trial.measurements[f"epochs_to_converge_{name}"] = epochs[name]
    ratio = epochs["dropout"] / epochs["plain"]
    trial.measurements["epoch_ratio"] = ratio
    trial.timings.update({f"seconds_{k}": v for k, v in seconds.items()})
    trial.check("epoch_ratio_at_least_2", ratio, ">", 2.0, "epochs to converge, dropout / plain (claim: >= 2)")
    trial.check("epoch_ratio_at_most_3", ratio, "<", 3.0, "epochs to converge, dropout / plain (claim: <= 3)")
    trial.check(
        "time_ratio",
        seconds["dropout"] / seconds["plain"],
        ">",
        2.0,
        "wall time to converge, dropout / plain",
        timed=True,
    )
    return trial


@experiment(
    id="dropout-small-data",
    topic="overfitting",
    title_en="Dropout helps little when the data set is small",
    title_zh="数据量小时 dropout 效果不好",
    claim_en="Dropout's benefit depends on the amount of data: with a small training set it does not help (or hurts), and the benefit appears as the training set grows.",
    claim_zh="dropout 的效果依赖数据量:训练集很小时它没有帮助(甚至有害),训练集变大后才显出好处。",
    method="The 20-256-256-4 MLP without and with Dropout(0.5), trained for the same number of SGD steps on teacher training sets of growing size; the benefit is test accuracy with dropout minus without, on 1,000 held-out examples.",
    figures=[
        figure(
            "line",
            "Test accuracy gain from dropout vs training-set size",
            "sizes",
            ["benefit"],
            "training examples",
            "accuracy gain",
            logx=True,
        )
    ],
)
def dropout_small_data(budget, seed):
    sizes = pick(budget, [40, 160], [50, 200, 800], [50, 100, 200, 400, 800, 1600])
    steps = pick(budget, 20, 240, 600)
    benefit = []
    for n in sizes:
        epochs = max(1, steps * 50 // n)
        models, _, (xt, yt) = _dropout_pair(seed, budget, n_train=n, epochs=epochs, width=128)
        benefit.append(accuracy(models["dropout"], xt, yt) - accuracy(models["plain"], xt, yt))
    trial = Trial(seed, series={"sizes": sizes, "benefit": benefit})
    trial.measurements.update({f"benefit_n{n}": b for n, b in zip(sizes, benefit)})
    trial.check(
        "benefit_large_minus_small",
        benefit[-1] - benefit[0],
        ">",
        0.0,
        f"dropout benefit at n = {sizes[-1]} - at n = {sizes[0]}",
    )
    trial.check(
        "benefit_smallest", benefit[0], "<", 0.0, f"dropout benefit at n = {sizes[0]} (claim: none or negative)"
    )
    return trial


@experiment(
    id="more-data-less-overfitting",
    topic="overfitting",
    title_en="More training data means less over-fitting",
    title_zh="训练数据越多,过拟合越少",
    claim_en="Over-fitting comes from having too few training examples to pin down a model that generalises; as the training set grows, the gap between training and test accuracy shrinks.",
    claim_zh="过拟合的原因是训练样本太少,无法训练出能泛化的模型;训练集越大,训练与测试准确率的差距越小。",
    method="A 20-128-128-4 ReLU MLP trained for the same number of SGD steps on noisy teacher training sets of 50 to 1,600 examples; train minus test accuracy (1,000 held-out examples) against the training-set size.",
    figures=[
        figure(
            "line",
            "Train - test accuracy gap vs training-set size",
            "sizes",
            ["gap"],
            "training examples",
            "gap",
            logx=True,
        )
    ],
)
def more_data_less_overfitting(budget, seed):
    sizes = pick(budget, [40, 320], [50, 100, 200, 400, 800, 1600], [50, 100, 200, 400, 800, 1600, 3200, 6400])
    steps = pick(budget, 20, 240, 800)
    gaps = []
    for n in sizes:
        (x, y), (xt, yt) = teacher_task(seed, n, pick(budget, 200, 1000, 2000))
        model = mlp([20, 128, 128, 4], "relu", generator=rng(seed, 21))
        train(model, x, y, max(1, steps * 50 // n), 0.05, seed, batch_size=50)
        gaps.append(accuracy(model, x, y) - accuracy(model, xt, yt))
    trial = Trial(seed, series={"sizes": sizes, "gap": gaps})
    trial.measurements.update({f"gap_n{n}": v for n, v in zip(sizes, gaps)})
    rank = float(np.corrcoef(np.argsort(np.argsort(sizes)), np.argsort(np.argsort(gaps)))[0, 1])
    trial.measurements["spearman_size_gap"] = rank
    trial.check(
        "gap_small_minus_large", gaps[0] - gaps[-1], ">", 0.1, f"gap at n = {sizes[0]} - gap at n = {sizes[-1]}"
    )
    trial.check("spearman_size_gap", rank, "<", -0.5, "rank correlation of size and gap")
    return trial


def small_images(seed, n_train, n_test, upsample=1):
    """scikit-learn's 8x8 digits when scikit-learn is installed, else the embedded stroke images;
    ``upsample`` repeats every pixel (8x8 -> 16x16 for 2), so a one-pixel shift is a small change."""
    try:
        from sklearn.datasets import load_digits as _digits
    except ImportError:
        from ._common import images

        x, y = images(seed, n_train + n_test, size=8, classes=6)
        source = "embedded strokes 8x8 (6 classes)"
    else:
        bunch = _digits()
        x = (bunch.data.astype(np.float32) / 16.0).reshape(-1, 1, 8, 8)
        order = rng(seed, 31).permutation(len(x))[: n_train + n_test]
        x, y = x[order], bunch.target.astype(np.int64)[order]
        source = "scikit-learn digits 8x8"
    if upsample > 1:
        x = np.kron(x, np.ones((1, 1, upsample, upsample), dtype=np.float32))  # (N, 1, 8u, 8u)
        source += f" upsampled to {8 * upsample}x{8 * upsample}"
    return (x[:n_train], y[:n_train]), (x[n_train : n_train + n_test], y[n_train : n_train + n_test]), source


@experiment(
    id="augmentation",
    topic="overfitting",
    title_en="Data augmentation improves a convolutional net trained on few images",
    title_zh="数据增强提升小样本卷积网络的效果",
    claim_en="Over-fitting comes from too few examples; generating new training examples by transforming the ones we have (shifts, rotations) acts like more data and improves test accuracy.",
    claim_zh="过拟合源于样本太少;对已有样本做变换(平移、旋转、加噪声)生成新样本,相当于增加数据,能提高测试准确率。",
    method="chainrule.models.lenet.LeNet (LeNet-5's 6 and 16 filters, for 16x16 inputs) trained with Adam (lr 2e-3, batch 20) on 100 digit images (scikit-learn's 8x8 digits upsampled to 16x16, or the embedded stroke images without scikit-learn), without and with augmentation (a random shift of up to 1 pixel and a random rotation of up to 10 degrees, re-drawn every epoch); test accuracy on 500 held-out images.",
    seeds=(1, 5, 10),
    figures=[
        figure(
            "bar",
            "Test accuracy",
            ["no augmentation", "augmentation"],
            ["test_accuracy_plain", "test_accuracy_augmented"],
        )
    ],
)
def augmentation(budget, seed):
    from ...data.transforms import RandomRotation, RandomShift
    from ...models.lenet import LeNet

    (x, y), (xt, yt), source = small_images(seed, pick(budget, 60, 100, 200), pick(budget, 100, 500, 1000), upsample=2)
    classes = int(max(y.max(), yt.max())) + 1
    epochs = pick(budget, 2, 40, 100)
    trial = Trial(seed, measurements={"data": source})
    for name in ("plain", "augmented"):
        model = LeNet(num_classes=classes, image_size=16, channels=(6, 16))
        opt = optim.Adam(model.parameters(), lr=2e-3)
        shift = RandomShift(1, generator=rng(seed, 41))
        rotate = RandomRotation(10, generator=rng(seed, 42))
        order = rng(seed, 43)
        for _ in range(epochs):
            batch_x = np.stack([rotate(shift(img)) for img in x]).astype(np.float32) if name == "augmented" else x
            index = order.permutation(len(y))
            model.train()
            for start in range(0, len(y), 20):
                i = index[start : start + 20]
                opt.zero_grad()
                F.cross_entropy(model(T(batch_x[i])), labels(y[i])).backward()
                opt.step()
        trial.measurements[f"test_accuracy_{name}"] = accuracy(model, xt, yt)
        trial.measurements[f"train_accuracy_{name}"] = accuracy(model, x, y)
    m = trial.measurements
    trial.check(
        "accuracy_gain",
        m["test_accuracy_augmented"] - m["test_accuracy_plain"],
        ">",
        0.0,
        "test accuracy with - without augmentation",
    )
    return trial


@experiment(
    id="early-stopping",
    topic="overfitting",
    title_en="Early stopping: the validation loss is U-shaped and the best epoch beats the last",
    title_zh="早停:验证损失呈 U 形,最佳轮次的模型优于最后一轮",
    claim_en="While a network over-fits, the training loss keeps falling but the validation loss first falls and then rises; stopping at (or restoring) the epoch of lowest validation loss gives a better model than the last epoch's.",
    claim_zh="网络过拟合时训练损失持续下降,验证损失先降后升;在验证损失最低的轮次停止(或恢复该轮权重)得到的模型比最后一轮的更好。",
    method="The 20-256-256-4 MLP on 200 noisy teacher examples trained with chainrule.train.fit for a fixed number of epochs and EarlyStopping(monitor='val_loss', restore_best_weights=True, patience = all epochs); validation loss each epoch, and the loss on a separate 1,000-example test set of the last-epoch and the restored weights.",
    figures=[
        figure(
            "line", "Training and validation loss per epoch", "epoch", ["loss", "val_loss"], "epoch", "cross-entropy"
        )
    ],
)
def early_stopping(budget, seed):
    from ...data import DataLoader, TensorDataset
    from ...train import Callback, EarlyStopping, fit

    (x, y), (xv, yv) = teacher_task(
        seed, pick(budget, 100, 200, 400), 200 + pick(budget, 200, 1000, 2000), label_noise=0.2
    )
    xv, yv, xt, yt = xv[:200], yv[:200], xv[200:], yv[200:]
    epochs = pick(budget, 4, 60, 150)
    model = mlp([20, 256, 256, 4], "relu", generator=rng(seed, 21))
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    from ...random import Generator

    train_loader = DataLoader(TensorDataset(T(x), labels(y)), batch_size=50, shuffle=True, generator=Generator(seed))
    val_loader = DataLoader(TensorDataset(T(xv), labels(yv)), batch_size=len(yv))
    last = {}

    class LastEpochTestLoss(Callback):
        def on_epoch_end(self, epoch, logs=None):
            last["test_loss"] = ce_loss(model, xt, yt)

    stopper = EarlyStopping(monitor="val_loss", patience=epochs, restore_best_weights=True)
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        opt,
        train_loader,
        val_loader,
        epochs=epochs,
        callbacks=[LastEpochTestLoss(), stopper],
        verbose=0,
    )
    val = history.history["val_loss"]
    restored = ce_loss(model, xt, yt)
    best = int(np.argmin(val))
    m = {
        "best_epoch": best + 1,
        "epochs": len(val),
        "val_loss_min": float(val[best]),
        "val_loss_last": float(val[-1]),
        "test_loss_last_epoch": last["test_loss"],
        "test_loss_restored": restored,
    }
    trial = Trial(
        seed,
        measurements=m,
        series={"epoch": list(range(1, len(val) + 1)), "loss": history.history["loss"], "val_loss": val},
    )
    trial.check(
        "val_rise_after_minimum",
        (m["val_loss_last"] - m["val_loss_min"]) / m["val_loss_min"],
        ">",
        0.05,
        "relative rise of the validation loss from its minimum to the last epoch",
    )
    trial.check(
        "test_loss_gain",
        m["test_loss_last_epoch"] - m["test_loss_restored"],
        ">",
        0.0,
        "test loss last-epoch weights - restored best weights",
    )
    return trial
