"""Masked-language-model pre-training of BERT from scratch, on a CPU, with exact resume.

The recipe is BERT's (Devlin et al. 2019) at laptop scale:

* data: the corpus (the stdlib docstrings by default, see :mod:`.corpus`) is tokenized with a
  WordPiece vocabulary trained on its train split (:func:`.wordpiece.train_wordpiece`); the
  documents are concatenated, each followed by ``[SEP]``, and cut into blocks of ``seq_len``
  tokens wrapped as ``[CLS] ... [SEP]``, so no batch holds padding and no compute is wasted;
* objective: :class:`.collator.DataCollatorForLanguageModeling` masking (15%; 80/10/10; whole
  words with ``whole_word_mask``, :class:`.collator.DataCollatorForWholeWordMask`), with
  the loss taken by the MLM head on the masked positions only (the mean over them is the same
  number ``BertForMaskedLM(labels=...)`` returns, for a sixth of the head's cost);
* optimiser: AdamW with weight decay on the matrices only (biases and LayerNorm weights are not
  decayed: shrinking a LayerNorm gain towards 0 or a bias towards 0 is not regularisation), a
  linear warm-up then linear decay to 0, gradient-norm clipping at 1;
* evaluation: every ``eval_every`` steps, the masked-token cross-entropy and accuracy on the
  validation modules, masked once with a fixed seed so the numbers are comparable along the
  run, next to the unigram baseline (the loss of predicting every masked token from the train
  split's token frequencies: what a model that ignores the context can reach);
* checkpoints: every ``checkpoint_every`` steps, one safetensors file written atomically
  (:func:`chainrule.save`) with the weights, AdamW's moments, the scheduler, the step, the
  history and the default generator's state (dropout draws from it). Batch order and masking are
  functions of (seed, step), so a resumed run repeats the uninterrupted one bit for bit.

The output folder is a Hugging Face BERT folder (``config.json``, ``model.safetensors``,
``vocab.txt``, ``tokenizer_config.json``) that :func:`fill_mask`, ``chainrule bert fill-mask`` and
``transformers`` load. The command-line front end, ``chainrule bert pretrain``, is in :mod:`.cli`.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import sys
import time
from dataclasses import dataclass

import numpy as np

from ... import functional as F
from ... import random as cr_random
from ...autograd import no_grad
from ...creation import from_numpy
from ...nn.module import Module
from ...nn.parallel import DataParallel
from ...nn.utils import clip_grad_norm_
from ...optim import AdamW
from ...optim.lr_scheduler import get_linear_schedule_with_warmup
from ...serialization import load, save
from .collator import DataCollatorForLanguageModeling, DataCollatorForWholeWordMask
from .config import BertConfig
from .corpus import load_corpus
from .modeling import BertForMaskedLM
from .tokenizer import BertTokenizer
from .wordpiece import train_wordpiece

__all__ = [
    "MaskedLMLossSum",
    "PretrainConfig",
    "build_blocks",
    "fill_mask",
    "masked_lm_logits",
    "masked_lm_loss",
    "parameter_groups",
    "pretrain",
    "unigram_cross_entropy",
]

CHECKPOINT_NAME = "checkpoint.safetensors"
HISTORY_NAME = "pretrain_history.json"
# Independent random streams derived from the seed: (seed, stream[, step]).
_BATCH_ORDER, _TRAIN_MASKS, _VALIDATION_MASKS, _INIT = 1, 2, 3, 4
# Fields that may differ between a run and its resume (the rest must match for an exact resume).
_RESUMABLE_CHANGES = ("out", "resume", "stop_at_step", "log_every", "quiet")


@dataclass
class PretrainConfig:
    """What a pre-training run does. The defaults are bert-mini on the stdlib docstrings.

    Attributes:
        out: the output folder (model, tokenizer, checkpoint, history).
        corpus: a ``.txt`` file or folder; ``None`` for the standard library's docstrings.
        layers, hidden, heads: the encoder's depth, width and attention heads.
        intermediate: the feed-forward width (``None``: 4 x hidden, as BERT).
        vocab_size: the WordPiece vocabulary trained on the corpus.
        seq_len: tokens per block, ``[CLS]`` and ``[SEP]`` included.
        batch_size: blocks per step.
        steps: optimiser steps in all.
        lr: the peak learning rate, reached after the warm-up.
        warmup_ratio: the share of ``steps`` spent warming up linearly from 0.
        weight_decay: AdamW's decoupled decay on the weight matrices and embeddings.
        max_grad_norm: the gradient-norm clip.
        mlm_probability: the share of tokens masked.
        whole_word_mask: choose whole words (a word-initial piece and its ``##`` continuations)
            instead of single tokens (:class:`.collator.DataCollatorForWholeWordMask`).
        dropout: hidden and attention dropout (BERT: 0.1; a short CPU run learns faster with 0).
        seed: seeds initialisation, batch order, masking and dropout.
        eval_every, eval_batches: validate every this many steps on at most this many batches.
        checkpoint_every: write the checkpoint every this many steps (and at the end).
        log_every: progress line every this many steps.
        init_from: start from this pre-trained folder's weights and vocabulary (continued
            pre-training with a fresh optimiser and schedule) instead of a random model and a
            vocabulary trained on the corpus; its architecture must match ``layers``, ``hidden``,
            ``heads`` and ``intermediate``.
        resume: continue from ``out/checkpoint.safetensors`` if it exists.
        stop_at_step: stop once this step is done (and checkpointed), to continue later with
            ``resume``; the schedule still spans ``steps``.
        processes: how many processes share each batch (``nn.DataParallel`` over
            :class:`MaskedLMLossSum`, one BLAS thread each); 1 runs in this process alone. The
            same count gives the same run; another count rounds differently and draws other
            dropout masks, so a resume must keep it.
        quiet: no progress output.
    """

    out: str
    corpus: str | None = None
    layers: int = 4
    hidden: int = 256
    heads: int = 4
    intermediate: int | None = None
    vocab_size: int = 8192
    seq_len: int = 128
    batch_size: int = 16
    steps: int = 1000
    lr: float = 5e-4
    warmup_ratio: float = 0.06
    weight_decay: float = 0.01
    max_grad_norm: float = 1.0
    mlm_probability: float = 0.15
    whole_word_mask: bool = False
    dropout: float = 0.1
    seed: int = 0
    eval_every: int = 100
    eval_batches: int = 16
    checkpoint_every: int = 100
    log_every: int = 10
    init_from: str | None = None
    resume: bool = False
    stop_at_step: int | None = None
    processes: int = 1
    quiet: bool = False

    def __post_init__(self):
        positive = (
            "layers",
            "hidden",
            "heads",
            "vocab_size",
            "batch_size",
            "steps",
            "eval_every",
            "checkpoint_every",
            "log_every",
            "processes",
        )
        for name in positive:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"pretrain: {name} must be a positive int, got {value!r}")
        if self.seq_len < 8:
            raise ValueError(f"pretrain: seq_len must be at least 8 tokens, got {self.seq_len}")
        if self.hidden % self.heads:
            raise ValueError(f"pretrain: hidden={self.hidden} is not a multiple of heads={self.heads}")
        if not 0.0 <= self.warmup_ratio < 1.0:
            raise ValueError(f"pretrain: warmup_ratio must be in [0, 1), got {self.warmup_ratio}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"pretrain: dropout must be in [0, 1), got {self.dropout}")
        if not self.lr > 0:
            raise ValueError(f"pretrain: lr must be positive, got {self.lr}")

    def bert_config(self, vocab_size: int) -> BertConfig:
        """The model these settings describe, over a vocabulary of ``vocab_size`` tokens."""
        return BertConfig(
            vocab_size=vocab_size,
            hidden_size=self.hidden,
            num_hidden_layers=self.layers,
            num_attention_heads=self.heads,
            intermediate_size=self.intermediate or 4 * self.hidden,
            hidden_dropout_prob=self.dropout,
            attention_probs_dropout_prob=self.dropout,
            max_position_embeddings=max(512, self.seq_len),
        )


def build_blocks(tokenizer: BertTokenizer, texts: list[str], seq_len: int) -> np.ndarray:
    """Tokenize ``texts``, concatenate them (each followed by ``[SEP]``) and cut the stream into
    ``(n_blocks, seq_len)`` blocks ``[CLS] ... [SEP]``; the incomplete tail is dropped.

    Raises:
        ValueError: the texts do not fill a single block.
    """
    sep = tokenizer.sep_token_id
    stream: list[int] = []
    for text in texts:
        ids = tokenizer.convert_tokens_to_ids(tokenizer.tokenize(text))
        if ids:
            stream.extend(ids)
            stream.append(sep)
    body = seq_len - 2
    count = len(stream) // body
    if count == 0:
        raise ValueError(
            f"build_blocks: {len(stream)} tokens do not fill one block of {seq_len} (with [CLS] and [SEP])"
        )
    blocks = np.empty((count, seq_len), dtype=np.int64)
    blocks[:, 0] = tokenizer.cls_token_id
    blocks[:, 1:-1] = np.asarray(stream[: count * body], dtype=np.int64).reshape(count, body)  # (n_blocks, seq_len - 2)
    blocks[:, -1] = sep
    return blocks


def parameter_groups(model, weight_decay: float) -> list[dict]:
    """AdamW groups: decay on weights, none on biases and LayerNorm weights (Hugging Face's
    ``no_decay = ["bias", "LayerNorm.weight"]``). Tied tensors appear once."""
    decay, no_decay, seen = [], [], set()
    for name, parameter in model.named_parameters():
        if id(parameter) in seen:
            continue
        seen.add(id(parameter))
        if name.endswith("bias") or "LayerNorm" in name:
            no_decay.append(parameter)
        else:
            decay.append(parameter)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


class MaskedLMLossSum(Module):
    """The cross-entropy of a batch's masked positions, *summed*, as a module: the piece that
    ``nn.DataParallel`` runs on each part of a batch.

    A sum (not a mean) because the parts of a batch hold different numbers of masked tokens: the
    caller adds the parts' sums and divides by the whole batch's count, which gives exactly the
    batch mean. The output has shape (1,), so the parts are gathered into a vector.

    Runs the encoder on every position but the MLM head only on the rows whose label is not
    -100: the same loss as ``model(..., labels=labels).loss`` at a fraction of the head's cost
    (the head is a (positions x hidden) by (hidden x vocab) product).
    """

    def __init__(self, model: BertForMaskedLM):
        super().__init__()
        self.model = model

    def logits_and_targets(self, input_ids, labels, attention_mask=None, token_type_ids=None):
        """The head's logits at the masked positions (M, V) and their labels (M,), row-major order."""
        labels = np.asarray(labels)
        outputs = self.model.bert(
            from_numpy(np.asarray(input_ids)), attention_mask=attention_mask, token_type_ids=token_type_ids
        )
        hidden = outputs.last_hidden_state
        flat = hidden.reshape(-1, hidden.shape[-1])  # (B, S, H) -> (B*S, H)
        positions = np.flatnonzero(labels.reshape(-1) != -100)
        targets = labels.reshape(-1)[positions]
        if positions.size == 0:  # a part with nothing masked: no logits (and a zero loss)
            return flat[:0] @ self.model.cls.predictions.decoder.weight.T, targets
        return self.model.cls(flat[from_numpy(positions)]), targets  # (M, H) -> (M, V)

    def forward(self, input_ids, labels, attention_mask=None, token_type_ids=None):
        logits, targets = self.logits_and_targets(input_ids, labels, attention_mask, token_type_ids)
        if len(targets) == 0:
            return logits.sum().reshape(1) * 0
        return F.cross_entropy(logits, from_numpy(targets), reduction="sum").reshape(1)


def masked_lm_logits(model: BertForMaskedLM, batch: dict):
    """The MLM head's logits at the batch's masked positions (M, V) and their labels (M,)."""
    return MaskedLMLossSum(model).logits_and_targets(*_arguments(batch))


def _arguments(batch: dict) -> tuple:
    return (
        batch["input_ids"],
        np.asarray(batch["labels"]),
        _optional(batch, "attention_mask"),
        _optional(batch, "token_type_ids"),
    )


def masked_lm_loss(model: BertForMaskedLM, batch: dict, parallel: DataParallel | None = None):
    """Mean cross-entropy over the masked positions of ``batch``.

    ``parallel``: a ``DataParallel`` around ``MaskedLMLossSum(model)``, to split the batch between
    processes; the mean is then the gathered sums over the whole batch's count, as without it.
    """
    count = int(np.count_nonzero(np.asarray(batch["labels"]) != -100))
    if count == 0:
        raise ValueError("masked_lm_loss: no position of the batch is masked (every label is -100)")
    sums = (parallel if parallel is not None else MaskedLMLossSum(model))(*_arguments(batch))
    return sums.sum() / count


def _optional(batch: dict, key: str):
    value = batch.get(key)
    return None if value is None else from_numpy(np.asarray(value, dtype=np.int64))


def unigram_cross_entropy(train_blocks: np.ndarray, targets: np.ndarray, vocab_size: int, special_ids) -> float:
    """The loss (nats) of predicting each target from the train split's token frequencies alone
    (add-one smoothed; special tokens are never targets, so they get no mass)."""
    counts = np.bincount(train_blocks.reshape(-1), minlength=vocab_size).astype(np.float64) + 1.0
    counts[list(special_ids)] = 0.0
    return float(-np.log(counts[targets] / counts.sum()).mean())


def _validation_batches(tokenizer, blocks: np.ndarray, config: PretrainConfig) -> list[dict]:
    """The validation blocks masked once, with their own seeded stream."""
    limit = min(len(blocks), config.eval_batches * config.batch_size)
    collator = _collator(tokenizer, config, np.random.default_rng((config.seed, _VALIDATION_MASKS)))
    return [collator(list(blocks[start : start + config.batch_size])) for start in range(0, limit, config.batch_size)]


def _collator(tokenizer, config: PretrainConfig, generator: np.random.Generator) -> DataCollatorForLanguageModeling:
    """The masking collator the settings ask for, drawing from ``generator``."""
    kind = DataCollatorForWholeWordMask if config.whole_word_mask else DataCollatorForLanguageModeling
    return kind(tokenizer, mlm_probability=config.mlm_probability, generator=generator)


def _evaluate(model, batches: list[dict]) -> tuple[float, float]:
    """Token-weighted masked-LM loss and accuracy over ``batches`` (eval mode, no graph)."""
    was_training = model.training
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    try:
        with no_grad():
            for batch in batches:
                logits, targets = masked_lm_logits(model, batch)
                total_loss += float(F.cross_entropy(logits, from_numpy(targets), reduction="sum").item())
                correct += int((logits.numpy().argmax(axis=-1) == targets).sum())
                count += len(targets)
    finally:
        model.train(was_training)
    return total_loss / count, correct / count


def _initial_weights(config: PretrainConfig, model: BertForMaskedLM) -> dict:
    """The state dict of ``config.init_from``, after checking it is the architecture asked for."""
    pretrained = BertForMaskedLM.from_pretrained(config.init_from)
    theirs, ours = pretrained.config, model.config
    fields = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size")
    fields += ("max_position_embeddings", "type_vocab_size")
    differences = [
        f"{name} {getattr(theirs, name)} vs {getattr(ours, name)}"
        for name in fields
        if getattr(theirs, name) != getattr(ours, name)
    ]
    if differences:
        raise ValueError(
            f"pretrain: init_from={config.init_from!r} is not the model these settings build (its, ours): "
            + ", ".join(differences)
        )
    return pretrained.state_dict()


def _batch_indices(step: int, n_blocks: int, batch_size: int, seed: int) -> np.ndarray:
    """Blocks of ``step``: epoch e visits a permutation seeded by (seed, e), batch by batch, so
    the order depends on the step alone (nothing to save for an exact resume)."""
    per_epoch = max(1, n_blocks // batch_size)
    epoch, within = divmod(step, per_epoch)
    order = np.random.default_rng((seed, _BATCH_ORDER, epoch)).permutation(n_blocks)
    return order[within * batch_size : (within + 1) * batch_size]


class _Progress:
    """``step 120/1000 [====>.....] loss 6.1234 lr 4.8e-04 3,210 tok/s 2m10s<15m30s``: redrawn
    in place on a terminal, one line per ``log_every`` steps otherwise."""

    def __init__(self, total: int, every: int, stream, quiet: bool):
        self.total, self.every, self.stream, self.quiet = total, every, stream, quiet
        isatty = getattr(stream, "isatty", None)
        self.interactive = callable(isatty) and bool(isatty())
        self.start = time.perf_counter()
        self.tokens = 0
        self.losses: list[float] = []

    def update(self, step: int, loss: float, lr: float, tokens: int) -> None:
        self.tokens += tokens
        self.losses.append(loss)
        if self.quiet or (step % self.every and step != self.total):
            return
        elapsed = time.perf_counter() - self.start
        done = len(self.losses)
        eta = elapsed / done * (self.total - step)
        filled = int(30 * step / self.total)
        bar = "=" * filled + (">" if filled < 30 else "") + "." * max(0, 29 - filled)
        running = float(np.mean(self.losses[-self.every :]))
        line = (
            f"step {step}/{self.total} [{bar}] loss {running:.4f} lr {lr:.2e} "
            f"{self.tokens / max(elapsed, 1e-9):,.0f} tok/s {_seconds(elapsed)}<{_seconds(eta)}"
        )
        self.stream.write(("\r" + line) if self.interactive else line + "\n")
        self.stream.flush()

    def message(self, text: str) -> None:
        if not self.quiet:
            self.stream.write(("\n" if self.interactive else "") + text + "\n")
            self.stream.flush()


def _seconds(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}m{seconds:02d}s" if minutes < 60 else f"{minutes // 60}h{minutes % 60:02d}m"


def _config_dict(config: PretrainConfig) -> dict:
    return {key: value for key, value in dataclasses.asdict(config).items() if key not in _RESUMABLE_CHANGES}


def pretrain(config: PretrainConfig, stream=None) -> dict:
    """Pre-train a BERT masked language model as :class:`PretrainConfig` describes.

    Returns:
        The history: ``{'train_loss': [...], 'eval': [{'step', 'val_loss', 'val_accuracy'}],
        'unigram_loss': float, 'tokens_per_second': float, 'steps': int, ...}``, also written to
        ``out/pretrain_history.json``.

    Raises:
        ValueError: a resume whose settings differ from the checkpoint's, or a corpus too small.
    """
    stream = sys.stderr if stream is None else stream
    os.makedirs(config.out, exist_ok=True)
    checkpoint_path = os.path.join(config.out, CHECKPOINT_NAME)
    checkpoint = load(checkpoint_path) if config.resume and os.path.exists(checkpoint_path) else None
    if checkpoint is not None:
        # A setting added after the checkpoint was written counts as its default there.
        defaults = {field.name: field.default for field in dataclasses.fields(PretrainConfig)}
        saved = {**defaults, **checkpoint["config"]}
        differences = {
            key: (saved.get(key), value) for key, value in _config_dict(config).items() if saved.get(key) != value
        }
        if differences:
            raise ValueError(
                "pretrain: cannot resume exactly; settings differ from the checkpoint's (checkpoint, now): "
                + ", ".join(f"{key}={old!r} vs {new!r}" for key, (old, new) in sorted(differences.items()))
            )

    corpus = load_corpus(config.corpus)
    if checkpoint is not None:
        tokenizer = BertTokenizer.from_pretrained(config.out)
    elif config.init_from is not None:
        tokenizer = BertTokenizer.from_pretrained(config.init_from)
        tokenizer.model_max_length = config.seq_len
        tokenizer.save_pretrained(config.out)
    else:
        tokenizer = train_wordpiece(corpus.train, config.vocab_size)
        tokenizer.model_max_length = config.seq_len
        tokenizer.save_pretrained(config.out)
    train_blocks = build_blocks(tokenizer, corpus.train, config.seq_len)
    validation_blocks = build_blocks(tokenizer, corpus.validation, config.seq_len)
    validation = _validation_batches(tokenizer, validation_blocks, config)
    validation_targets = np.concatenate([batch["labels"][batch["labels"] != -100] for batch in validation])
    unigram = unigram_cross_entropy(train_blocks, validation_targets, tokenizer.vocab_size, tokenizer.all_special_ids)

    cr_random.manual_seed(config.seed)
    model = BertForMaskedLM(
        config.bert_config(tokenizer.vocab_size), generator=np.random.default_rng((config.seed, _INIT))
    )
    if config.init_from is not None and checkpoint is None:
        model.load_state_dict(_initial_weights(config, model))
    optimizer = AdamW(parameter_groups(model, config.weight_decay), lr=config.lr, betas=(0.9, 0.999), eps=1e-6)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(config.warmup_ratio * config.steps), config.steps)
    history = {
        "train_loss": [],
        "eval": [],
        "unigram_loss": unigram,
        "corpus": corpus.source,
        "train_blocks": int(len(train_blocks)),
        "validation_blocks": int(len(validation_blocks)),
        "validation_masked_tokens": int(len(validation_targets)),
        "vocab_size": tokenizer.vocab_size,
        "config": _config_dict(config),
        "init_from": config.init_from,
    }
    start_step = 0
    if checkpoint is not None:
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        scheduler.load_state_dict(checkpoint["scheduler"])
        cr_random.default_generator().bit_generator.state = checkpoint["rng"]
        start_step = int(checkpoint["step"])
        history["train_loss"] = [float(value) for value in checkpoint["train_loss"]]
        history["eval"] = [dict(entry) for entry in checkpoint["eval"]]

    progress = _Progress(config.steps, config.log_every, stream, config.quiet)
    progress.message(
        f"pre-training BERT (layers={config.layers}, hidden={config.hidden}, heads={config.heads}, vocab={tokenizer.vocab_size}) "
        f"on {corpus.source}: {len(train_blocks)} train / {len(validation_blocks)} validation blocks of {config.seq_len}; "
        f"unigram baseline {unigram:.4f}" + (f"; resuming at step {start_step}" if start_step else "")
    )
    model.train()
    parameters = [parameter for group in optimizer.param_groups for parameter in group["params"]]
    train_time = 0.0
    last_step = config.steps if config.stop_at_step is None else min(config.steps, config.stop_at_step)
    # With processes > 1 each batch is split between this process and helpers (nn.DataParallel).
    parallel = DataParallel(MaskedLMLossSum(model), processes=config.processes) if config.processes > 1 else None
    try:
        for step in range(start_step, last_step):
            began = time.perf_counter()
            indices = _batch_indices(step, len(train_blocks), config.batch_size, config.seed)
            collator = _collator(tokenizer, config, np.random.default_rng((config.seed, _TRAIN_MASKS, step)))
            batch = collator(list(train_blocks[indices]))
            loss = masked_lm_loss(model, batch, parallel=parallel)
            optimizer.zero_grad()
            loss.backward()
            clip_grad_norm_(parameters, config.max_grad_norm)
            optimizer.step()
            scheduler.step()
            value = float(loss.item())
            if not math.isfinite(value):
                raise FloatingPointError(
                    f"pretrain: the loss became {value} at step {step + 1}; lower lr (now {config.lr})"
                )
            history["train_loss"].append(value)
            train_time += time.perf_counter() - began
            progress.update(step + 1, value, optimizer.param_groups[0]["lr"], batch["input_ids"].size)
            done = step + 1
            if done % config.eval_every == 0 or done == config.steps:
                val_loss, val_accuracy = _evaluate(model, validation)
                history["eval"].append({"step": done, "val_loss": val_loss, "val_accuracy": val_accuracy})
                progress.message(
                    f"step {done}: val_loss {val_loss:.4f} (unigram {unigram:.4f})  val_accuracy {val_accuracy:.4f}"
                )
            if done % config.checkpoint_every == 0 or done == last_step:
                save(
                    {
                        "model": model.state_dict(),
                        "optimizer": optimizer.state_dict(),
                        "scheduler": scheduler.state_dict(),
                        "rng": cr_random.default_generator().bit_generator.state,
                        "step": done,
                        "train_loss": history["train_loss"],
                        "eval": history["eval"],
                        "config": _config_dict(config),
                    },
                    checkpoint_path,
                )
    finally:
        if parallel is not None:
            parallel.close()
    steps_run = last_step - start_step
    history["steps"] = last_step
    history["tokens_per_second"] = steps_run * config.batch_size * config.seq_len / train_time if train_time else 0.0
    model.save_pretrained(config.out)
    with open(os.path.join(config.out, HISTORY_NAME), "w", encoding="utf-8") as handle:
        json.dump(history, handle, indent=1)
    return history


def fill_mask(model: BertForMaskedLM, tokenizer: BertTokenizer, text: str, top_k: int = 5) -> list[list[dict]]:
    """The ``top_k`` completions of each ``[MASK]`` in ``text``, as transformers' fill-mask
    pipeline reports them: ``{'score', 'token', 'token_str', 'sequence'}`` per candidate.

    Raises:
        ValueError: ``text`` has no ``[MASK]``, or ``top_k`` is not positive.
    """
    if top_k < 1:
        raise ValueError(f"fill_mask: top_k must be positive, got {top_k}")
    encoded = tokenizer(text, return_tensors="np", truncation=True, max_length=model.config.max_position_embeddings)
    input_ids = encoded["input_ids"]
    positions = np.flatnonzero(input_ids[0] == tokenizer.mask_token_id)
    if positions.size == 0:
        raise ValueError(f"fill_mask: no {tokenizer.mask_token} in {text!r}")
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            logits = model(
                from_numpy(input_ids),
                attention_mask=from_numpy(encoded["attention_mask"]),
                token_type_ids=from_numpy(encoded["token_type_ids"]),
            ).logits.numpy()[0]
    finally:
        model.train(was_training)
    results = []
    for position in positions:
        row = logits[position].astype(np.float64)
        probabilities = np.exp(row - row.max())
        probabilities /= probabilities.sum()
        best = np.argsort(-probabilities, kind="stable")[:top_k]
        candidates = []
        for token_id in best:
            filled = input_ids[0].copy()
            filled[position] = token_id
            candidates.append(
                {
                    "score": float(probabilities[token_id]),
                    "token": int(token_id),
                    "token_str": tokenizer.convert_ids_to_tokens(int(token_id)),
                    "sequence": tokenizer.decode(filled, skip_special_tokens=True),
                }
            )
        results.append(candidates)
    return results
