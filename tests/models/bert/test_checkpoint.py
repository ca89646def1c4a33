"""Hugging Face folders in and out: transformers writes, we read; we write, transformers reads;
prefixes, tied and buffer tensors, other heads, and every way a folder can be wrong."""

import json
import logging

import numpy as np
import pytest
import safetensors.numpy
import torch
import transformers

from chainrule.models.bert import BertForMaskedLM, BertForSequenceClassification, BertModel


def _np(tensor):
    return tensor.detach().numpy()


def _logits(hf, input_ids, attention_mask, token_type_ids):
    with torch.no_grad():
        return hf(*[torch.tensor(a) for a in (input_ids, attention_mask, token_type_ids)]).logits.numpy()


def _rewrite(folder, edit):
    """Apply ``edit`` to the {name: array} of folder/model.safetensors and write it back."""
    path = folder / "model.safetensors"
    tensors = safetensors.numpy.load_file(str(path))
    edit(tensors)
    safetensors.numpy.save_file(tensors, str(path), metadata={"format": "pt"})


def test_our_save_pretrained_loads_into_transformers_with_the_same_logits(tmp_path, mlm_dir, batch):
    ours = BertForMaskedLM.from_pretrained(mlm_dir)
    ours.save_pretrained(tmp_path / "ours")
    # what transformers itself writes: the tied decoder weight and bias are left out
    assert set(safetensors.numpy.load_file(str(tmp_path / "ours/model.safetensors"))) == set(
        safetensors.numpy.load_file(str(mlm_dir / "model.safetensors"))
    )
    back = transformers.BertForMaskedLM.from_pretrained(tmp_path / "ours", attn_implementation="eager").eval()
    np.testing.assert_allclose(_logits(back, *batch), _np(ours(*batch).logits), rtol=1e-5, atol=1e-5)
    # and our own loader reads it back bit for bit
    again = BertForMaskedLM.from_pretrained(tmp_path / "ours")
    assert all(np.array_equal(v, again.state_dict()[k]) for k, v in ours.state_dict().items())


def test_sequence_classification_round_trips_through_transformers(tmp_path, make_hf_model, batch):
    hf = make_hf_model("BertForSequenceClassification", num_labels=5)
    hf.save_pretrained(tmp_path / "hf")
    ours = BertForSequenceClassification.from_pretrained(tmp_path / "hf")
    ours.save_pretrained(tmp_path / "ours")
    back = transformers.BertForSequenceClassification.from_pretrained(tmp_path / "ours").eval()
    assert back.config.num_labels == 5
    np.testing.assert_allclose(_logits(back, *batch), _np(ours(*batch).logits), rtol=1e-5, atol=1e-5)


def test_loaded_model_is_in_eval_mode(mlm_dir):
    assert not BertForMaskedLM.from_pretrained(mlm_dir).training


def test_bert_model_checkpoint_without_prefix_loads_into_the_masked_lm_encoder(tmp_path, make_hf_model, batch):
    hf = make_hf_model("BertModel")  # its keys have no "bert." prefix (as sentence-transformers folders)
    hf.save_pretrained(tmp_path)
    assert not any(k.startswith("bert.") for k in safetensors.numpy.load_file(str(tmp_path / "model.safetensors")))
    model, info = BertForMaskedLM.from_pretrained(tmp_path, output_loading_info=True)
    assert info["missing_keys"] and all(k.startswith("cls.predictions.") for k in info["missing_keys"])
    assert set(info["unexpected_keys"]) == {"pooler.dense.weight", "pooler.dense.bias"}
    with torch.no_grad():
        ref = hf(*[torch.tensor(a) for a in batch], output_hidden_states=True)
    out = model(*batch, output_hidden_states=True)
    np.testing.assert_allclose(_np(out.hidden_states[-1]), ref.last_hidden_state.numpy(), rtol=1e-4, atol=1e-4)


def test_masked_lm_checkpoint_loads_into_bert_model_reporting_the_head(mlm_dir, hf_mlm, batch, caplog):
    with caplog.at_level(logging.WARNING, logger="chainrule.models.bert"):
        model, info = BertModel.from_pretrained(mlm_dir, output_loading_info=True)
    assert set(info["missing_keys"]) == {"pooler.dense.weight", "pooler.dense.bias"}
    assert info["unexpected_keys"] and all(k.startswith("cls.") for k in info["unexpected_keys"])
    assert "pooler.dense.weight" in caplog.text and "cls.predictions.bias" in caplog.text
    with torch.no_grad():
        ref = hf_mlm.bert(*[torch.tensor(a) for a in batch]).last_hidden_state.numpy()
    np.testing.assert_allclose(_np(model(*batch).last_hidden_state), ref, rtol=1e-4, atol=1e-4)


def test_pretraining_checkpoint_reports_the_next_sentence_head(tmp_path, make_hf_model, batch):
    hf = make_hf_model("BertForPreTraining")
    hf.save_pretrained(tmp_path)
    model, info = BertForMaskedLM.from_pretrained(tmp_path, output_loading_info=True)
    assert info["missing_keys"] == []
    assert {"cls.seq_relationship.weight", "cls.seq_relationship.bias"} <= set(info["unexpected_keys"])
    with torch.no_grad():
        ref = hf(*[torch.tensor(a) for a in batch]).prediction_logits.numpy()
    np.testing.assert_allclose(_np(model(*batch).logits), ref, rtol=1e-4, atol=1e-4)


def test_buffers_tied_copies_and_gamma_beta_names_are_accepted(mlm_dir, hf_mlm, batch):
    def edit(tensors):
        tensors["bert.embeddings.position_ids"] = np.arange(16)[None]
        tensors["bert.embeddings.token_type_ids"] = np.zeros((1, 16), dtype=np.int64)
        tensors["cls.predictions.decoder.weight"] = tensors["bert.embeddings.word_embeddings.weight"]
        for name in [k for k in tensors if k.endswith("LayerNorm.weight")]:
            tensors[name[: -len("weight")] + "gamma"] = tensors.pop(name)
        for name in [k for k in tensors if k.endswith("LayerNorm.bias")]:
            tensors[name[: -len("bias")] + "beta"] = tensors.pop(name)

    _rewrite(mlm_dir, edit)
    model, info = BertForMaskedLM.from_pretrained(mlm_dir, output_loading_info=True)
    assert set(info["ignored_keys"]) == {"bert.embeddings.position_ids", "bert.embeddings.token_type_ids"}
    assert info["missing_keys"] == info["unexpected_keys"] == []
    np.testing.assert_allclose(_np(model(*batch).logits), _logits(hf_mlm, *batch), rtol=1e-4, atol=1e-4)


def test_missing_and_mis_shaped_tensors_are_one_error_listing_all(mlm_dir):
    def edit(tensors):
        del tensors["bert.encoder.layer.1.attention.self.key.weight"]
        del tensors["bert.embeddings.LayerNorm.bias"]
        tensors["bert.encoder.layer.0.output.dense.weight"] = np.zeros((24, 39), dtype=np.float32)

    _rewrite(mlm_dir, edit)
    with pytest.raises(RuntimeError) as excinfo:
        BertForMaskedLM.from_pretrained(mlm_dir)
    message = str(excinfo.value)
    assert "3 problem(s)" in message
    assert "missing: bert.encoder.layer.1.attention.self.key.weight (shape (24, 24))" in message
    assert "missing: bert.embeddings.LayerNorm.bias" in message
    assert "mis-shaped: bert.encoder.layer.0.output.dense.weight is (24, 39) in the file" in message
    assert "needs (24, 40)" in message


def test_pytorch_pickle_is_refused_saying_why_and_how_to_convert(tmp_path, mlm_dir):
    (mlm_dir / "model.safetensors").rename(mlm_dir / "pytorch_model.bin")
    with pytest.raises(ValueError, match=r"pytorch_model\.bin.*pickle.*runs whatever code.*safe_serialization=True"):
        BertForMaskedLM.from_pretrained(mlm_dir)


def test_truncated_and_hostile_safetensors_are_clear_errors(mlm_dir):
    path = mlm_dir / "model.safetensors"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"from_pretrained: cannot read the weights: .*truncated"):
        BertForMaskedLM.from_pretrained(mlm_dir)
    path.write_bytes((2**62).to_bytes(8, "little") + b"{}")
    with pytest.raises(ValueError, match=r"truncated or not a safetensors file"):
        BertForMaskedLM.from_pretrained(mlm_dir)
    header = json.dumps({"x": {"dtype": "F32", "shape": [2**40], "data_offsets": [0, 4]}}).encode()
    path.write_bytes(len(header).to_bytes(8, "little") + header + b"\0" * 4)
    with pytest.raises(ValueError, match=r"corrupted: tensor 'x' .*needs"):
        BertForMaskedLM.from_pretrained(mlm_dir)


def test_sharded_checkpoints_load_and_shard_names_cannot_leave_the_folder(tmp_path, hf_mlm, batch):
    hf_mlm.save_pretrained(tmp_path, max_shard_size="20KB")
    assert (tmp_path / "model.safetensors.index.json").exists()
    model = BertForMaskedLM.from_pretrained(tmp_path)
    np.testing.assert_allclose(_np(model(*batch).logits), _logits(hf_mlm, *batch), rtol=1e-4, atol=1e-4)
    (tmp_path / "model.safetensors.index.json").write_text(json.dumps({"weight_map": {"a": "../../etc/passwd"}}))
    with pytest.raises(ValueError, match="not a file name in the folder"):
        BertForMaskedLM.from_pretrained(tmp_path)


def test_missing_folder_config_or_weights_are_file_not_found(tmp_path, mlm_dir):
    with pytest.raises(FileNotFoundError, match="is not a directory"):
        BertModel.from_pretrained(tmp_path / "nowhere")
    (mlm_dir / "model.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match=r"has no model\.safetensors.*config\.json"):
        BertModel.from_pretrained(mlm_dir)
    (mlm_dir / "config.json").unlink()
    with pytest.raises(FileNotFoundError, match=r"has no config\.json"):
        BertModel.from_pretrained(mlm_dir)


def test_float64_loading(mlm_dir, batch):
    model = BertForMaskedLM.from_pretrained(mlm_dir, dtype=np.float64)
    assert model(*batch).logits.dtype == np.float64
