"""BERT: what the configs really say about depth and width, deep-narrow vs shallow-wide, and MLM."""

from __future__ import annotations

import numpy as np

from ... import functional as F
from ... import nn, optim
from ...autograd import no_grad
from ..registry import experiment, figure, pick
from ..result import Trial
from ._common import accuracy, labels, mlp, rng, train

# The original Transformer "base" (Vaswani et al. 2017, Table 3): 6 encoder + 6 decoder layers,
# d_model 512, d_ff 2048, 8 heads, a 37,000-token shared BPE vocabulary.
TRANSFORMER_BASE = {"layers": 6, "hidden_size": 512, "intermediate_size": 2048, "heads": 8, "vocab_size": 37000}


def _bert():
    try:
        from ...models import bert
    except ImportError as exc:
        raise ImportError(f"this experiment needs chainrule.models.bert (the BERT work): {exc}") from exc
    return bert


def _preset(bert, name):
    return bert.BertConfig.preset(name)


def bert_parameter_count(c) -> int:
    """Parameters of BertModel (embeddings, encoder, pooler) from its config, by formula."""
    h, i, v = c.hidden_size, c.intermediate_size, c.vocab_size
    embeddings = (v + c.max_position_embeddings + c.type_vocab_size) * h + 2 * h
    layer = 4 * (h * h + h) + 2 * h + (h * i + i) + (i * h + h) + 2 * h
    return embeddings + c.num_hidden_layers * layer + (h * h + h)


def transformer_base_parameter_count(t=TRANSFORMER_BASE) -> int:
    """Parameters of the original encoder-decoder Transformer-base (shared embeddings; sinusoidal positions)."""
    d, f = t["hidden_size"], t["intermediate_size"]
    attention = 4 * (d * d + d)
    ffn = d * f + f + f * d + d
    norm = 2 * d
    encoder = t["layers"] * (attention + ffn + 2 * norm)
    decoder = t["layers"] * (2 * attention + ffn + 3 * norm)
    return t["vocab_size"] * d + encoder + decoder


@experiment(
    id="bert-architecture-facts",
    topic="bert",
    title_en="BERT is deep, but is it narrow? The configs against the notes",
    title_zh="BERT 很深,但它“窄”吗?用配置核对笔记",
    claim_en="BERT is very deep (12 layers) but not wide: its intermediate layer has only 1024 units, whereas the earlier Transformer's had 2048, in line with the view that deep-and-narrow beats shallow-and-wide.",
    claim_zh="BERT 非常深(12 层)但并不宽:中间层只有 1024,而之前的 Transformer 中间层有 2048;这似乎印证了“深而窄优于浅而宽”的观点。",
    method="chainrule's BertConfig presets bert-base and bert-large (Hugging Face's numbers) and the original Transformer-base (Vaswani et al. 2017): layers, hidden size, feed-forward (intermediate) size and parameter count. The counting formula is checked against the parameters of instantiated bert-tiny and bert-mini models (bert-base/large are counted, not built, to spare memory).",
    seeds=(1, 1, 1),
    figures=[
        figure(
            "bar",
            "Feed-forward (intermediate) size",
            ["Transformer-base", "bert-base", "bert-large"],
            ["ffn_transformer_base", "ffn_bert_base", "ffn_bert_large"],
        )
    ],
    notes="1024 is bert-large's hidden size; the intermediate (feed-forward) sizes are 3072 (base) and 4096 (large).",
)
def bert_architecture_facts(budget, seed):
    bert = _bert()
    base, large = _preset(bert, "bert-base"), _preset(bert, "bert-large")
    formula_errors = []
    for name in pick(budget, ["bert-tiny"], ["bert-tiny", "bert-mini"], ["bert-tiny", "bert-mini"]):
        config = _preset(bert, name)
        model = bert.BertModel(config)
        actual = sum(p.numel() for p in model.parameters())
        formula_errors.append(abs(actual - bert_parameter_count(config)))
    m = {
        "layers_bert_base": base.num_hidden_layers,
        "layers_bert_large": large.num_hidden_layers,
        "layers_transformer_base": TRANSFORMER_BASE["layers"],
        "hidden_bert_base": base.hidden_size,
        "hidden_bert_large": large.hidden_size,
        "hidden_transformer_base": TRANSFORMER_BASE["hidden_size"],
        "ffn_bert_base": base.intermediate_size,
        "ffn_bert_large": large.intermediate_size,
        "ffn_transformer_base": TRANSFORMER_BASE["intermediate_size"],
        "params_bert_base": bert_parameter_count(base),
        "params_bert_large": bert_parameter_count(large),
        "params_transformer_base": transformer_base_parameter_count(),
        "formula_error_small_models": max(formula_errors),
    }
    trial = Trial(seed, measurements=m)
    trial.check(
        "formula_error",
        m["formula_error_small_models"],
        "<",
        0.5,
        "|formula - instantiated parameter count| (small presets)",
    )
    trial.check(
        "depth_ratio",
        m["layers_bert_base"] / m["layers_transformer_base"],
        ">",
        1.0,
        "bert-base layers / Transformer-base encoder layers",
    )
    trial.check(
        "ffn_ratio_base",
        m["ffn_bert_base"] / m["ffn_transformer_base"],
        "<",
        1.0,
        "bert-base FFN size / Transformer-base FFN size (claim: narrower)",
    )
    trial.check(
        "ffn_ratio_large",
        m["ffn_bert_large"] / m["ffn_transformer_base"],
        "<",
        1.0,
        "bert-large FFN size / Transformer-base FFN size (claim: narrower)",
    )
    trial.check(
        "ffn_large_is_1024",
        abs(m["ffn_bert_large"] - 1024),
        "<",
        0.5,
        "|bert-large FFN size - 1024| (the notes' number)",
    )
    return trial


def _image_task(seed, budget):
    from .overfitting import small_images

    # (N, 1, 8, 8) images; the MLPs see them flattened to 64-vectors
    return small_images(seed, pick(budget, 200, 500, 1200), pick(budget, 200, 1000, 597))


def _deep_cnn(classes, channels=8):
    return nn.Sequential(
        nn.Conv2d(1, channels, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(channels, channels, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(channels, channels, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),  # (N, channels * 4 * 4)
        nn.Linear(channels * 16, classes),
    )


def _shallow_cnn(classes, channels):
    return nn.Sequential(
        nn.Conv2d(1, channels, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),  # (N, channels * 4 * 4)
        nn.Linear(channels * 16, classes),
    )


def _count(model):
    return sum(p.numel() for p in model.parameters())


@experiment(
    id="deep-narrow-vs-shallow-wide",
    topic="bert",
    title_en="At equal parameter count, deep-and-narrow beats shallow-and-wide",
    title_zh="参数量相同时,深而窄优于浅而宽",
    claim_en="Given the same number of parameters, a deeper, narrower network learns better than a shallower, wider one (the view from image processing the notes connect with BERT's design).",
    claim_zh="参数量相同时,更深更窄的网络比更浅更宽的网络学得更好(笔记把这一图像处理中的观点与 BERT 的设计联系起来)。",
    method="8x8 digit images (scikit-learn's digits, or the embedded stroke images). MLPs: a deep-narrow net (4 hidden layers of 48) and a shallow-wide net (1 hidden layer sized to the same parameter count, ~10.7k). CNNs: three 3x3 convolutions of 8 channels vs one convolution with as many channels as match its ~2.5k parameters (both then max-pool and a linear layer). Same optimiser, steps and data for each pair; test accuracy on held-out images. (No small-MLM version: pre-training two BERTs per seed does not fit the quick budget.)",
    figures=[
        figure(
            "bar",
            "Test accuracy at equal parameter count",
            ["MLP deep-narrow", "MLP shallow-wide", "CNN deep-narrow", "CNN shallow-wide"],
            ["test_accuracy_deep", "test_accuracy_shallow", "test_accuracy_deep_cnn", "test_accuracy_shallow_cnn"],
        )
    ],
)
def deep_narrow_vs_shallow_wide(budget, seed):
    (images, y), (images_test, yt), source = _image_task(seed, budget)
    x, xt = images.reshape(len(images), -1), images_test.reshape(len(images_test), -1)  # (N, 64)
    classes = int(max(y.max(), yt.max())) + 1
    d = x.shape[1]
    deep = mlp([d, 48, 48, 48, 48, classes], "relu", generator=rng(seed, 61))
    target = _count(deep)
    width = round((target - classes) / (d + 1 + classes))
    shallow = mlp([d, width, classes], "relu", generator=rng(seed, 62))
    deep_cnn = _deep_cnn(classes)
    # Shallow CNN: 10c + 16c*classes + classes parameters; c chosen to match the deep CNN.
    channels = round((_count(deep_cnn) - classes) / (10 + 16 * classes))
    shallow_cnn = _shallow_cnn(classes, channels)
    trial = Trial(
        seed,
        measurements={
            "data": source,
            "params_deep": _count(deep),
            "params_shallow": _count(shallow),
            "shallow_width": width,
            "params_deep_cnn": _count(deep_cnn),
            "params_shallow_cnn": _count(shallow_cnn),
            "shallow_cnn_channels": channels,
        },
    )
    epochs = pick(budget, 2, 30, 80)
    for name, model in (("deep", deep), ("shallow", shallow)):
        trial.series[f"loss_{name}"] = train(model, x, y, epochs, 0.05, seed, batch_size=32)
        trial.measurements[f"test_accuracy_{name}"] = accuracy(model, xt, yt)
    for name, model in (("deep_cnn", deep_cnn), ("shallow_cnn", shallow_cnn)):
        trial.series[f"loss_{name}"] = train(model, images, y, pick(budget, 1, 15, 40), 0.05, seed, batch_size=32)
        trial.measurements[f"test_accuracy_{name}"] = accuracy(model, images_test, yt)
    m = trial.measurements
    trial.check(
        "accuracy_deep_minus_shallow",
        m["test_accuracy_deep"] - m["test_accuracy_shallow"],
        ">",
        0.0,
        "test accuracy deep-narrow - shallow-wide",
    )
    trial.check(
        "accuracy_deep_minus_shallow_cnn",
        m["test_accuracy_deep_cnn"] - m["test_accuracy_shallow_cnn"],
        ">",
        0.0,
        "test accuracy deep-narrow CNN - shallow-wide CNN",
    )
    return trial


def _word_corpus(bert, limit_chars, vocab_size):
    """Word-level token ids of the BERT work's default corpus (the standard library's docstrings,
    split into train and validation by module): ``(train ids, validation ids, vocabulary size)``.

    Words, not WordPiece: the vocabulary is the training text's most frequent words, so the
    unigram and bigram baselines and the model predict exactly the same units."""
    import re

    from ...models.bert.corpus import load_corpus

    corpus = load_corpus()

    def words(texts, limit):
        out, total = [], 0
        for text in texts:
            out.extend(re.findall(r"[a-z]+|[0-9]+|[^\sa-z0-9]", text.lower()))
            total += len(text)
            if total > limit:
                break
        return out

    train_words = words(corpus.train, limit_chars)
    validation_words = words(corpus.validation, limit_chars // 9)
    counts = {}
    for w in train_words:
        counts[w] = counts.get(w, 0) + 1
    specials = ["[PAD]", "[UNK]", "[MASK]"]
    vocab = specials + sorted(counts, key=lambda w: (-counts[w], w))[: vocab_size - len(specials)]
    index = {w: i for i, w in enumerate(vocab)}

    def encode(ws):
        return np.array([index.get(w, 1) for w in ws], dtype=np.int64)

    return encode(train_words), encode(validation_words), len(vocab)


UNK_ID, MASK_ID = 1, 2


def _mask(g, ids, vocab_size, rates, probability=0.15):
    """BERT's masking: choose 15% of the positions; of those, rates = (mask, random, keep).

    Out-of-vocabulary words ([UNK]) are never chosen: "predicting" [UNK] would reward a model
    for the vocabulary's gaps, which no baseline can exploit the same way."""
    chosen = (g.random(ids.shape) < probability) & (ids != UNK_ID)
    roll = g.random(ids.shape)
    inputs = ids.copy()
    mask = chosen & (roll < rates[0])
    random = chosen & (roll >= rates[0]) & (roll < rates[0] + rates[1])
    inputs[mask] = MASK_ID
    inputs[random] = g.integers(3, vocab_size, int(random.sum()))
    targets = np.where(chosen, ids, -100)
    return inputs, targets, chosen & ~mask & ~random  # the last: chosen but left unchanged


@experiment(
    id="bert-mlm",
    topic="bert",
    title_en="Masked-language-model pre-training learns more than word statistics; 80/10/10 vs all-[MASK]",
    title_zh="MLM 预训练学到的不止词频统计;80/10/10 与全部 [MASK] 的比较",
    claim_en="BERT is pre-trained as a masked language model: 15% of the tokens are hidden and predicted from both sides' context, which beats predicting from word frequencies (unigram) or from the previous word (bigram); of the hidden tokens 80% become [MASK], 10% a random token and 10% stay unchanged, so the model also learns to represent real (unmasked) tokens, which it meets at fine-tuning time.",
    claim_zh="BERT 用掩码语言模型预训练:遮住 15% 的词,根据两侧上下文预测,效果优于按词频(一元)或按前一个词(二元)预测;被选中的词 80% 换成 [MASK]、10% 换成随机词、10% 保持不变,使模型也学会表示真实(未遮住)的词,这正是微调时会遇到的情形。",
    method="Word-level text of chainrule.models.bert's default corpus (Python standard-library docstrings, no download; validation modules held out), vocabulary of the 1,000 most frequent words (4,000 at full); masking as DataCollatorForLanguageModeling does; a tiny BertForMaskedLM (2 layers, hidden 64, 2 heads, FFN 128) trained with AdamW (300 steps of 16 sequences at quick, 3,000 of 32 at full) on sequences of 32 tokens with 80/10/10 masking and, separately, with 100% [MASK]; masked-token accuracy on held-out text against unigram and bigram baselines, and the accuracy at chosen-but-unchanged positions.",
    seeds=(1, 2, 3),
    figures=[
        figure(
            "bar",
            "Masked-token accuracy (held-out)",
            ["unigram", "bigram", "BERT 80/10/10", "BERT 100% mask"],
            ["accuracy_unigram", "accuracy_bigram", "accuracy_bert_801010", "accuracy_bert_mask_only"],
        )
    ],
)
def bert_mlm(budget, seed):
    bert = _bert()
    train_ids, validation_ids, vocab_size = _word_corpus(
        bert, pick(budget, 30_000, 300_000, 1_500_000), pick(budget, 500, 1000, 4000)
    )
    length = 32
    # (S, 32) sequences of consecutive words
    train_seq = train_ids[: len(train_ids) // length * length].reshape(-1, length)
    val_seq = validation_ids[: len(validation_ids) // length * length].reshape(-1, length)
    g = rng(seed, 71)
    val_inputs, val_targets, val_kept = _mask(g, val_seq, vocab_size, (0.8, 0.1, 0.1))
    chosen = val_targets != -100
    counts = np.bincount(train_seq.ravel(), minlength=vocab_size)
    counts[:3] = 0
    unigram = int(np.argmax(counts))
    bigram = np.zeros((vocab_size, vocab_size), dtype=np.int64)
    np.add.at(bigram, (train_seq[:, :-1].ravel(), train_seq[:, 1:].ravel()), 1)
    bigram[:, :3] = 0
    previous = np.concatenate([np.zeros((len(val_seq), 1), dtype=np.int64), val_seq[:, :-1]], axis=1)
    m = {
        "vocab_size": vocab_size,
        "train_tokens": int(train_seq.size),
        "accuracy_unigram": float(np.mean(val_seq[chosen] == unigram)),
        "accuracy_bigram": float(np.mean(np.argmax(bigram[previous[chosen]], axis=1) == val_seq[chosen])),
    }
    steps = pick(budget, 3, 300, 3000)
    batch = pick(budget, 8, 16, 32)
    for name, rates in (("801010", (0.8, 0.1, 0.1)), ("mask_only", (1.0, 0.0, 0.0))):
        config = bert.BertConfig(
            vocab_size=vocab_size,
            hidden_size=64,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=128,
            max_position_embeddings=length,
        )
        model = bert.BertForMaskedLM(config)
        opt = optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.01)
        batches = rng(seed, 72)
        for _ in range(steps):
            rows = batches.integers(0, len(train_seq), batch)
            inputs, targets, _ = _mask(batches, train_seq[rows], vocab_size, rates)
            opt.zero_grad()
            out = model(input_ids=labels(inputs))
            logits = out.logits  # (batch, 32, V)
            F.cross_entropy(logits.reshape(-1, vocab_size), labels(targets.ravel()), ignore_index=-100).backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
        model.eval()
        with no_grad():
            out = model(input_ids=labels(val_inputs))
            logits = out.logits.numpy()  # (S, 32, V)
        predicted = logits.argmax(axis=-1)
        m[f"accuracy_bert_{name}"] = float(np.mean(predicted[chosen] == val_seq[chosen]))
        m[f"accuracy_unchanged_positions_{name}"] = float(np.mean(predicted[val_kept] == val_seq[val_kept]))
    trial = Trial(seed, measurements=m)
    trial.check(
        "bert_minus_bigram",
        m["accuracy_bert_801010"] - m["accuracy_bigram"],
        ">",
        0.0,
        "masked-token accuracy BERT (80/10/10) - bigram",
    )
    trial.check(
        "bert_minus_unigram",
        m["accuracy_bert_801010"] - m["accuracy_unigram"],
        ">",
        0.0,
        "masked-token accuracy BERT (80/10/10) - unigram",
    )
    trial.check(
        "unchanged_801010_minus_mask_only",
        m["accuracy_unchanged_positions_801010"] - m["accuracy_unchanged_positions_mask_only"],
        ">",
        0.0,
        "accuracy at chosen-but-unchanged tokens, 80/10/10 - 100% [MASK]",
    )
    return trial
