"""BertConfig: Hugging Face's names and defaults, presets, JSON in and out, clear refusals."""

import dataclasses
import json

import pytest
import transformers

from chainrule.models.bert import BertConfig


def test_defaults_are_transformers_defaults():
    ours = BertConfig()
    theirs = transformers.BertConfig()
    compared = 0
    for field in dataclasses.fields(BertConfig):
        # transformers 5 dropped position_embedding_type (only 'absolute' remained)
        if field.name not in ("extra", "position_embedding_type"):
            assert getattr(ours, field.name) == getattr(theirs, field.name), field.name
            compared += 1
    assert compared == 16


@pytest.mark.parametrize(
    "name, sizes",
    [
        ("bert-base", (768, 12, 12, 3072)),
        ("bert-large", (1024, 24, 16, 4096)),
        ("bert-mini", (256, 4, 4, 1024)),
        ("bert-tiny", (128, 2, 2, 512)),
    ],
)
def test_presets_have_the_published_sizes(name, sizes):
    config = BertConfig.preset(name, vocab_size=1000)
    assert (config.hidden_size, config.num_hidden_layers, config.num_attention_heads, config.intermediate_size) == sizes
    assert config.vocab_size == 1000


def test_unknown_preset_is_refused():
    with pytest.raises(ValueError, match="unknown preset 'bert-huge'.*bert-base"):
        BertConfig.preset("bert-huge")


def test_json_round_trip_through_transformers(tmp_path):
    theirs = transformers.BertConfig(vocab_size=99, hidden_size=48, num_attention_heads=6, hidden_act="gelu_new")
    theirs.num_labels = 4
    theirs.save_pretrained(tmp_path)
    ours = BertConfig.from_json_file(tmp_path / "config.json")
    assert (ours.vocab_size, ours.hidden_size, ours.num_attention_heads, ours.num_labels) == (99, 48, 6, 4)
    assert ours.hidden_act == "gelu_new"
    assert ours.extra["model_type"] == "bert" and "transformers_version" in ours.extra
    ours.save(tmp_path / "ours.json")
    assert BertConfig.from_json_file(tmp_path / "ours.json") == ours
    back = transformers.BertConfig.from_json_file(str(tmp_path / "ours.json"))
    assert (back.vocab_size, back.hidden_size, back.num_labels, back.hidden_act) == (99, 48, 4, "gelu_new")
    assert BertConfig.from_dict(ours.to_dict()) == ours


def test_hidden_size_not_divisible_by_heads_names_both():
    with pytest.raises(ValueError, match=r"hidden_size=100 is not a multiple of num_attention_heads=12"):
        BertConfig(hidden_size=100)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(position_embedding_type="relative_key"), "position_embedding_type='relative_key' is not supported"),
        (dict(hidden_act="mish"), "hidden_act='mish' is not supported"),
        (dict(num_hidden_layers=0), "num_hidden_layers must be a positive int"),
        (dict(problem_type="ranking"), "problem_type='ranking'"),
    ],
)
def test_bad_fields_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        BertConfig(**kwargs)


def test_other_model_types_and_bad_json_are_refused(tmp_path):
    with pytest.raises(ValueError, match="model_type is 'gpt2'"):
        BertConfig.from_dict({"model_type": "gpt2"})
    path = tmp_path / "config.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match="is not valid JSON"):
        BertConfig.from_json_file(path)
    path.write_text(json.dumps([1, 2]))
    with pytest.raises(TypeError, match="expected a dict"):
        BertConfig.from_json_file(path)
