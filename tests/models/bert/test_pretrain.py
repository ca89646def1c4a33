"""The pre-training loop: exact resume, the decay split, the masked-positions loss, learning on
a tiny corpus, fill-mask, and the CLI subcommands."""

import dataclasses
import json

import numpy as np
import pytest

import chainrule
from chainrule import cli
from chainrule.models.bert import BertConfig, BertForMaskedLM, BertTokenizer
from chainrule.models.bert.cli import PRETRAIN_OPTIONS
from chainrule.models.bert.collator import DataCollatorForLanguageModeling
from chainrule.models.bert.corpus import stdlib_docstrings
from chainrule.models.bert.pretrain import (
    PretrainConfig,
    _validation_batches,
    build_blocks,
    fill_mask,
    masked_lm_logits,
    masked_lm_loss,
    parameter_groups,
    pretrain,
    unigram_cross_entropy,
)
from chainrule.serialization import load


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory):
    docs = [
        text
        for _, texts in stdlib_docstrings(["json", "textwrap", "fractions", "csv", "heapq", "queue"])
        for text in texts
    ]
    path = tmp_path_factory.mktemp("corpus") / "docs.txt"
    path.write_text("\n\n".join(doc.replace("\n\n", "\n") for doc in docs), encoding="utf-8")
    return path


def _tiny(out, corpus_file, **overrides):
    settings = dict(
        out=str(out), corpus=str(corpus_file), layers=1, hidden=32, heads=2, vocab_size=300, seq_len=16, batch_size=4,
        steps=6, eval_every=2, eval_batches=4, checkpoint_every=100, log_every=100, dropout=0.1, quiet=True,
    )  # fmt: skip
    settings.update(overrides)
    return PretrainConfig(**settings)


def test_resume_continues_bit_for_bit(corpus_file, tmp_path):
    straight = pretrain(_tiny(tmp_path / "straight", corpus_file))
    first = pretrain(_tiny(tmp_path / "resumed", corpus_file, stop_at_step=3))
    assert len(first["train_loss"]) == 3
    resumed = pretrain(_tiny(tmp_path / "resumed", corpus_file, resume=True))
    assert resumed["train_loss"] == straight["train_loss"]  # exact float equality, step by step
    assert resumed["eval"] == straight["eval"]
    a = load(tmp_path / "straight" / "checkpoint.safetensors")
    b = load(tmp_path / "resumed" / "checkpoint.safetensors")
    assert a["model"].keys() == b["model"].keys()
    for key in a["model"]:
        np.testing.assert_array_equal(a["model"][key], b["model"][key], err_msg=key)
    assert a["rng"] == b["rng"] and a["step"] == b["step"] == 6
    # dropout drew from the default generator: without restoring its state the run would differ
    assert straight["train_loss"] != pretrain(_tiny(tmp_path / "other", corpus_file, seed=1))["train_loss"]


def test_resume_refuses_changed_settings(corpus_file, tmp_path):
    pretrain(_tiny(tmp_path, corpus_file, stop_at_step=1))
    with pytest.raises(ValueError, match="lr=0.0005 vs 0.001"):
        pretrain(_tiny(tmp_path, corpus_file, resume=True, lr=1e-3))


def test_whole_word_mask_masks_words_and_resume_refuses_a_change(corpus_file, tmp_path):
    history = pretrain(_tiny(tmp_path / "words", corpus_file, whole_word_mask=True, stop_at_step=2))
    assert history["config"]["whole_word_mask"] is True and len(history["train_loss"]) == 2
    assert history["train_loss"] != pretrain(_tiny(tmp_path / "tokens", corpus_file, stop_at_step=2))["train_loss"]
    with pytest.raises(ValueError, match="whole_word_mask=True vs False"):
        pretrain(_tiny(tmp_path / "words", corpus_file, resume=True))
    # The validation batches are masked by whole words: a ## piece is chosen with its word.
    tokenizer = BertTokenizer.from_pretrained(tmp_path / "words")
    blocks = build_blocks(tokenizer, ["unaffable internationalisation " * 40], 16)
    config = _tiny(tmp_path / "words", corpus_file, whole_word_mask=True)
    chosen = np.concatenate([batch["labels"] != -100 for batch in _validation_batches(tokenizer, blocks, config)])
    tokens = np.array([tokenizer.convert_ids_to_tokens(row) for row in blocks[: len(chosen)]])
    continues = np.char.startswith(tokens[:, 1:], "##") & (tokens[:, :-1] != "[CLS]")
    assert continues.sum() > 20 and chosen.any()
    np.testing.assert_array_equal(chosen[:, 1:][continues], chosen[:, :-1][continues])


def test_resume_counts_a_setting_missing_from_an_older_checkpoint_as_its_default(corpus_file, tmp_path):
    pretrain(_tiny(tmp_path, corpus_file, stop_at_step=1))
    path = tmp_path / "checkpoint.safetensors"
    checkpoint = load(path)
    del checkpoint["config"]["whole_word_mask"]
    chainrule.save(checkpoint, path)
    assert len(pretrain(_tiny(tmp_path, corpus_file, resume=True, stop_at_step=2))["train_loss"]) == 2


def test_learns_on_a_tiny_corpus_and_writes_a_folder_transformers_loads(corpus_file, tmp_path):
    history = pretrain(
        _tiny(tmp_path, corpus_file, steps=60, eval_every=30, lr=3e-3, dropout=0.0, hidden=64, seq_len=32)
    )
    losses = history["train_loss"]
    assert np.mean(losses[-10:]) < np.mean(losses[:10]) - 0.5
    assert history["eval"][-1]["val_loss"] < np.log(history["vocab_size"]) - 0.5  # well below uniform guessing
    saved = json.loads((tmp_path / "pretrain_history.json").read_text())
    assert saved["train_loss"] == losses and saved["unigram_loss"] == history["unigram_loss"]
    transformers = pytest.importorskip("transformers")
    torch = pytest.importorskip("torch")
    theirs = transformers.BertForMaskedLM.from_pretrained(str(tmp_path)).eval()
    tokenizer = BertTokenizer.from_pretrained(tmp_path)
    encoded = tokenizer("Return the [MASK] of the string.", return_tensors="np")
    ours = BertForMaskedLM.from_pretrained(tmp_path)
    ours.eval()
    expected = theirs(input_ids=torch.tensor(encoded["input_ids"])).logits.detach().numpy()
    with chainrule.no_grad():
        logits = ours(chainrule.tensor(encoded["input_ids"])).logits.numpy()
    np.testing.assert_allclose(logits, expected, atol=1e-4)


def test_masked_positions_loss_equals_the_full_head_loss():
    config = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32)
    model = BertForMaskedLM(config, generator=np.random.default_rng(0))
    model.eval()
    tokenizer = BertTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"t{i}" for i in range(45)])
    rows = np.random.default_rng(1).integers(5, 50, size=(3, 12))
    batch = DataCollatorForLanguageModeling(tokenizer, seed=0, mlm_probability=0.4)(list(rows))
    ours = masked_lm_loss(model, batch)
    logits, targets = masked_lm_logits(model, batch)
    full = model(chainrule.tensor(batch["input_ids"]), labels=chainrule.tensor(batch["labels"]))
    np.testing.assert_allclose(ours.item(), full.loss.item(), rtol=1e-6)
    assert logits.shape == (len(targets), 50)


def test_parameter_groups_split_decay_from_biases_and_layer_norms():
    config = BertConfig(vocab_size=20, hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=16)
    model = BertForMaskedLM(config)
    decay, no_decay = parameter_groups(model, 0.01)
    names = {id(parameter): name for name, parameter in model.named_parameters()}
    assert decay["weight_decay"] == 0.01 and no_decay["weight_decay"] == 0.0
    assert all(not names[id(p)].endswith("bias") and "LayerNorm" not in names[id(p)] for p in decay["params"])
    assert all(names[id(p)].endswith("bias") or "LayerNorm.weight" in names[id(p)] for p in no_decay["params"])
    every = {id(parameter) for parameter in model.parameters()}
    assert {id(p) for p in decay["params"]} | {id(p) for p in no_decay["params"]} == every
    assert len(decay["params"]) + len(no_decay["params"]) == len(every)  # tied decoder counted once


def test_blocks_and_unigram_baseline():
    tokenizer = BertTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "c"])
    blocks = build_blocks(tokenizer, ["a b c a", "b", "", "c c"], seq_len=5)
    # stream: a b c a [SEP] b [SEP] c c [SEP] -> 3 bodies of 3, tail dropped
    np.testing.assert_array_equal(blocks, [[2, 5, 6, 7, 3], [2, 5, 3, 6, 3], [2, 3, 7, 7, 3]])
    counts = np.array([2, 2, 3]) + 1.0  # a, b, c in the blocks, add-one
    expected = -np.log(counts[[0, 2]] / counts.sum()).mean()
    assert unigram_cross_entropy(blocks, np.array([5, 7]), 8, tokenizer.all_special_ids) == pytest.approx(expected)
    with pytest.raises(ValueError, match="do not fill one block"):
        build_blocks(tokenizer, ["a"], seq_len=16)


def test_fill_mask_ranks_the_vocabulary(corpus_file, tmp_path):
    pretrain(_tiny(tmp_path, corpus_file, steps=2))
    model, tokenizer = BertForMaskedLM.from_pretrained(tmp_path), BertTokenizer.from_pretrained(tmp_path)
    [candidates] = fill_mask(model, tokenizer, "the [MASK] is here.", top_k=4)
    assert len(candidates) == 4
    scores = [candidate["score"] for candidate in candidates]
    assert scores == sorted(scores, reverse=True) and 0 < sum(scores) <= 1 + 1e-9
    assert all(
        candidate["sequence"].startswith("the") and candidate["sequence"].endswith("is here.")
        for candidate in candidates
    )
    assert candidates[0]["token_str"] == tokenizer.convert_ids_to_tokens(candidates[0]["token"])
    assert len(fill_mask(model, tokenizer, "[MASK] and [MASK]", top_k=2)) == 2
    with pytest.raises(ValueError, match="no \\[MASK\\]"):
        fill_mask(model, tokenizer, "nothing masked")


def test_cli_pretrain_then_fill_mask(corpus_file, tmp_path, capsys):
    out = tmp_path / "model"
    argv = ["pretrain", "--corpus", str(corpus_file), "--layers", "1", "--hidden", "32", "--heads", "2", "--steps", "3"]
    argv += ["--out", str(out), "--seq-len", "16", "--batch-size", "4", "--vocab-size", "300", "--eval-every", "3"]
    assert cli.main(["bert", *argv, "--quiet"]) == 0
    assert "done: 3 steps" in capsys.readouterr().out
    assert json.loads((out / "pretrain_history.json").read_text())["config"]["whole_word_mask"] is False
    argv[argv.index("--out") + 1] = str(tmp_path / "words")
    assert cli.main(["bert", *argv, "--whole-word-mask", "--quiet"]) == 0
    assert json.loads((tmp_path / "words" / "pretrain_history.json").read_text())["config"]["whole_word_mask"] is True
    capsys.readouterr()
    assert cli.main(["bert", "fill-mask", "--model", str(out), "--top-k", "3", "the [MASK] sat on the mat."]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "the [MASK] sat on the mat." and len(lines) == 4


def test_cli_defaults_are_pretrain_configs():
    defaults = {field.name: field.default for field in dataclasses.fields(PretrainConfig)}
    for name, kind, _, default in PRETRAIN_OPTIONS:
        assert default == defaults[name], name
        assert default is None or isinstance(default, kind)
    assert {name for name, *_ in PRETRAIN_OPTIONS} | {
        "out",
        "corpus",
        "resume",
        "quiet",
        "intermediate",
        "mlm_probability",
        "max_grad_norm",
        "whole_word_mask",
        "init_from",
    } == set(defaults)


def test_bad_settings():
    with pytest.raises(ValueError, match="multiple of heads"):
        PretrainConfig(out="x", hidden=30, heads=4)
    with pytest.raises(ValueError, match="steps"):
        PretrainConfig(out="x", steps=0)
    with pytest.raises(ValueError, match="dropout"):
        PretrainConfig(out="x", dropout=1.0)


def test_init_from_continues_from_a_model_with_its_vocabulary(corpus_file, tmp_path):
    pretrain(_tiny(tmp_path / "first", corpus_file, steps=3))
    first = BertForMaskedLM.from_pretrained(tmp_path / "first")
    history = pretrain(_tiny(tmp_path / "second", corpus_file, steps=2, init_from=str(tmp_path / "first"), lr=1e-9))
    assert history["init_from"] == str(tmp_path / "first") and len(history["train_loss"]) == 2
    assert (tmp_path / "second" / "vocab.txt").read_text() == (tmp_path / "first" / "vocab.txt").read_text()
    second = BertForMaskedLM.from_pretrained(tmp_path / "second")
    for (name, a), (_, b) in zip(first.state_dict().items(), second.state_dict().items()):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-6, err_msg=name)  # lr ~0: barely moved
    fresh = pretrain(_tiny(tmp_path / "fresh", corpus_file, steps=2))
    assert fresh["train_loss"][0] > history["train_loss"][0]  # the continued run starts from a trained model
    with pytest.raises(ValueError, match="hidden_size 32 vs 64"):
        pretrain(_tiny(tmp_path / "wide", corpus_file, steps=1, hidden=64, init_from=str(tmp_path / "first")))


def test_two_processes_train_like_one_and_resume_bit_for_bit(corpus_file, tmp_path):
    one = pretrain(_tiny(tmp_path / "one", corpus_file, dropout=0.0))
    two = pretrain(_tiny(tmp_path / "two", corpus_file, dropout=0.0, processes=2))
    # the same batches and masks; only the order of the gradient sums differs
    np.testing.assert_allclose(two["train_loss"], one["train_loss"], rtol=1e-4)
    straight = pretrain(_tiny(tmp_path / "straight", corpus_file, processes=2))
    pretrain(_tiny(tmp_path / "resumed", corpus_file, processes=2, stop_at_step=3))
    resumed = pretrain(_tiny(tmp_path / "resumed", corpus_file, processes=2, resume=True))
    assert resumed["train_loss"] == straight["train_loss"]  # dropout included: the helper is reseeded
    with pytest.raises(ValueError, match="processes=2 vs 1"):
        pretrain(_tiny(tmp_path / "resumed", corpus_file, resume=True))
