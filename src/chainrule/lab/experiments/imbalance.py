"""Imbalanced data: which metrics tell the truth, and what the remedies buy."""

from __future__ import annotations

import numpy as np

from ... import functional as F
from ... import imbalance, metrics, nn, optim
from ...data import make_imbalanced_classification
from ..registry import experiment, figure, pick
from ..result import Trial
from ._common import T, predict, quiet


@experiment(
    id="imbalance-metrics",
    topic="imbalance",
    title_en="On imbalanced data, accuracy (and recall or precision alone) mislead; F1 and AUC do not",
    title_zh="非平衡数据上准确率(以及单看召回率或精确率)会误导,F1 与 AUC 不会",
    claim_en="With a rare positive class, a classifier that always answers 'negative' scores a high accuracy; a metric that combines precision and recall (F1) or ranks the scores (ROC-AUC, PR-AUC) exposes it, while recall or precision alone can each be gamed by a trivial classifier.",
    claim_zh="正类稀少时,总是预测“负类”的分类器准确率很高;结合精确率与召回率的 F1、或基于排序的 ROC-AUC/PR-AUC 能揭穿它,而单看召回率或精确率都能被平凡分类器钻空子。",
    method="Two 2-d Gaussian classes at 19:1 (5% positives), 4,000 points; three classifiers on a stratified 50% test split: always negative (constant score), always positive, and logistic regression trained with chainrule; accuracy, precision, recall, F1, ROC-AUC and PR-AUC (average precision) of each (chainrule.metrics).",
    figures=[
        figure(
            "bar",
            "Always-negative classifier",
            ["accuracy", "recall", "F1", "ROC-AUC", "PR-AUC"],
            ["majority_accuracy", "majority_recall", "majority_f1", "majority_roc_auc", "majority_pr_auc"],
        )
    ],
)
def imbalance_metrics(budget, seed):
    x, y = make_imbalanced_classification(
        pick(budget, 1000, 4000, 10000), ratio=19.0, n_features=2, class_sep=1.0, random_state=seed
    )
    train_idx, test_idx = imbalance.stratified_train_test_indices(y, test_size=0.5, random_state=seed)
    model = _logistic(x[train_idx], y[train_idx], pick(budget, 30, 200, 400), seed)
    scores = {
        "majority": np.zeros(len(test_idx)),
        "all_positive": np.ones(len(test_idx)),
        "logistic": predict(model, x[test_idx]).ravel(),
    }
    yt = y[test_idx]
    trial = Trial(seed, measurements={"prevalence": float(yt.mean())})
    for name, s in scores.items():
        predicted = (s > (0.5 if name != "logistic" else 0.0)).astype(np.int64)
        with quiet():
            row = {
                "accuracy": metrics.accuracy_score(yt, predicted),
                "precision": metrics.precision_score(yt, predicted, zero_division=0),
                "recall": metrics.recall_score(yt, predicted, zero_division=0),
                "f1": metrics.f1_score(yt, predicted, zero_division=0),
                "roc_auc": metrics.roc_auc_score(yt, s),
                "pr_auc": metrics.average_precision_score(yt, s),
            }
        trial.measurements.update({f"{name}_{k}": float(v) for k, v in row.items()})
    m = trial.measurements
    trial.check("majority_accuracy", m["majority_accuracy"], ">", 0.9, "accuracy of always-negative (looks excellent)")
    trial.check("majority_f1", m["majority_f1"], "<", 0.05, "F1 of always-negative")
    trial.check(
        "majority_roc_auc_offset", abs(m["majority_roc_auc"] - 0.5), "<", 0.01, "|ROC-AUC of always-negative - 0.5|"
    )
    trial.check(
        "majority_pr_auc_over_prevalence",
        m["majority_pr_auc"] / m["prevalence"],
        "<",
        1.05,
        "PR-AUC of always-negative / prevalence (chance)",
    )
    trial.check(
        "all_positive_recall", m["all_positive_recall"], ">", 0.99, "recall of always-positive (recall alone is gamed)"
    )
    trial.check("all_positive_f1", m["all_positive_f1"], "<", 0.2, "F1 of always-positive")
    trial.check(
        "f1_ranks_logistic_first",
        m["logistic_f1"] - max(m["majority_f1"], m["all_positive_f1"]),
        ">",
        0.0,
        "F1 logistic - best trivial F1",
    )
    return trial


def _logistic(x, y, steps, seed, loss="bce", pos_weight=None, alpha=0.9, gamma=2.0):
    model = nn.Linear(x.shape[1], 1)
    opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    xt, yt = T(x), T(y.reshape(-1, 1))
    pw = None if pos_weight is None else T([pos_weight])
    for _ in range(steps):
        opt.zero_grad()
        logits = model(xt)
        if loss == "focal":
            value = F.sigmoid_focal_loss(logits, yt, alpha=alpha, gamma=gamma, reduction="mean")
        else:
            value = F.binary_cross_entropy_with_logits(logits, yt, pos_weight=pw)
        value.backward()
        opt.step()
    return model


REMEDIES = ("random_over", "random_under", "smote", "noise_over", "class_weight", "focal")


@experiment(
    id="imbalance-remedies",
    topic="imbalance",
    title_en="Over-sampling, under-sampling, noise, SMOTE and re-weighted losses help the minority class",
    title_zh="过采样、欠采样、加噪声、SMOTE 与加权损失能提升少数类的表现",
    claim_en="Random over-sampling of the minority, random under-sampling of the majority, generating new minority examples by adding noise (or by SMOTE interpolation), and a loss that penalises minority mistakes more (class weights, focal loss) all make the model pay attention to the rare class.",
    claim_zh="随机复制少数类(过采样)、随机删减多数类(欠采样)、给已有数据加噪声(或用 SMOTE 插值)生成新样本、以及加大少数类错判惩罚的损失(类别权重、focal loss),都能让模型重视稀少的类别。",
    method="Two overlapping 2-d Gaussian classes at 19:1; a stratified 50% split per seed; each resampler is applied to the training half only (leak-safe), then the same logistic regression is trained; class weights use pos_weight = n_neg/n_pos, focal loss alpha = 0.9, gamma = 2. Test F1, ROC-AUC, PR-AUC and minority recall, mean and spread over seeds.",
    seeds=(1, 5, 10),
    figures=[
        figure(
            "bar",
            "Minority recall (test)",
            ["base"] + list(REMEDIES),
            ["recall_baseline"] + [f"recall_{r}" for r in REMEDIES],
        ),
        figure("bar", "F1 (test)", ["base"] + list(REMEDIES), ["f1_baseline"] + [f"f1_{r}" for r in REMEDIES]),
        figure(
            "bar", "PR-AUC (test)", ["base"] + list(REMEDIES), ["pr_auc_baseline"] + [f"pr_auc_{r}" for r in REMEDIES]
        ),
    ],
)
def imbalance_remedies(budget, seed):
    x, y = make_imbalanced_classification(
        pick(budget, 1000, 3000, 8000), ratio=19.0, n_features=2, class_sep=1.0, random_state=seed
    )
    train_idx, test_idx = imbalance.stratified_train_test_indices(y, test_size=0.5, random_state=seed)
    x_train, y_train = x[train_idx], y[train_idx]
    x_test, y_test = imbalance.mark_evaluation(x[test_idx]), imbalance.mark_evaluation(y[test_idx])
    steps = pick(budget, 30, 200, 400)
    samplers = {
        "random_over": imbalance.RandomOverSampler(random_state=seed),
        "random_under": imbalance.RandomUnderSampler(random_state=seed),
        "smote": imbalance.SMOTE(random_state=seed),
        "noise_over": imbalance.GaussianNoiseOverSampler(random_state=seed),
    }
    models = {"baseline": _logistic(x_train, y_train, steps, seed)}
    for name, sampler in samplers.items():
        xr, yr = imbalance.resample_train_only(sampler, x_train, y_train)
        models[name] = _logistic(np.asarray(xr, dtype=np.float32), np.asarray(yr), steps, seed)
    negatives, positives = int(np.sum(y_train == 0)), int(np.sum(y_train == 1))
    models["class_weight"] = _logistic(x_train, y_train, steps, seed, pos_weight=negatives / positives)
    models["focal"] = _logistic(x_train, y_train, steps, seed, loss="focal")
    trial = Trial(seed)
    yt = np.asarray(y_test)
    for name, model in models.items():
        s = predict(model, np.asarray(x_test)).ravel()
        predicted = (s > 0).astype(np.int64)
        with quiet():
            trial.measurements[f"f1_{name}"] = float(metrics.f1_score(yt, predicted, zero_division=0))
            trial.measurements[f"recall_{name}"] = float(metrics.recall_score(yt, predicted, zero_division=0))
            trial.measurements[f"roc_auc_{name}"] = float(metrics.roc_auc_score(yt, s))
            trial.measurements[f"pr_auc_{name}"] = float(metrics.average_precision_score(yt, s))
    m = trial.measurements
    for name in REMEDIES:
        trial.check(
            f"recall_gain_{name}",
            m[f"recall_{name}"] - m["recall_baseline"],
            ">",
            0.0,
            f"minority recall {name} - baseline",
        )
    best_f1 = max(m[f"f1_{name}"] for name in REMEDIES)
    trial.check("best_f1_gain", best_f1 - m["f1_baseline"], ">", 0.0, "best remedy's F1 - baseline F1")
    return trial
