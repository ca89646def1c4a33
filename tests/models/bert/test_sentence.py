"""Sentence embeddings: sentence-transformers' mean pooling (recomputed with torch on transformers'
hidden states), normalisation, cosine similarities, and the folder's pooling declaration."""

import json

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.models.bert import BertForMaskedLM, BertModel
from chainrule.models.bert.sentence import (
    cosine_similarity_matrix,
    mean_pooling,
    pooling_from_folder,
    sentence_embeddings,
)


def _sentence_transformers_mean(hidden, mask):
    """sentence_transformers.models.Pooling's mean-tokens formula, verbatim in torch."""
    expanded = mask.unsqueeze(-1).expand(hidden.size()).to(hidden.dtype)
    return torch.sum(hidden * expanded, 1) / torch.clamp(expanded.sum(1), min=1e-9)


@pytest.mark.parametrize("normalize", [False, True])
def test_mean_pooled_embeddings_match_sentence_transformers(tmp_path, make_hf_model, batch, normalize):
    hf = make_hf_model("BertModel")
    hf.save_pretrained(tmp_path)
    model = BertModel.from_pretrained(tmp_path)
    input_ids, attention_mask, token_type_ids = batch
    ours = sentence_embeddings(model, input_ids, attention_mask, token_type_ids, normalize=normalize)
    with torch.no_grad():
        hidden = hf(*[torch.tensor(a) for a in batch]).last_hidden_state
        ref = _sentence_transformers_mean(hidden, torch.tensor(attention_mask))
        if normalize:
            ref = torch.nn.functional.normalize(ref, p=2, dim=1)
    np.testing.assert_allclose(ours.detach().numpy(), ref.numpy(), rtol=1e-4, atol=1e-5)
    if normalize:
        np.testing.assert_allclose(np.linalg.norm(ours.detach().numpy(), axis=1), 1.0, rtol=1e-6)


def test_padding_does_not_change_a_sentence_embedding(mlm_dir):
    model = BertForMaskedLM.from_pretrained(mlm_dir)  # its .bert encoder is used
    ids = np.array([[2, 10, 11, 12, 3]])
    alone = sentence_embeddings(model, ids, np.ones_like(ids)).detach().numpy()
    padded_ids = np.array([[2, 10, 11, 12, 3, 0, 0], [2, 20, 21, 22, 23, 24, 3]])
    padded_mask = (padded_ids != 0).astype(np.int64)
    padded = sentence_embeddings(model, padded_ids, padded_mask).detach().numpy()
    np.testing.assert_allclose(padded[0], alone[0], rtol=1e-5, atol=1e-6)


def test_cls_pooling_is_the_first_hidden_state(mlm_dir, batch):
    model = BertModel.from_pretrained(mlm_dir)
    cls = sentence_embeddings(model, batch[0], batch[1], pooling="cls").detach().numpy()
    np.testing.assert_array_equal(cls, model(batch[0], batch[1]).last_hidden_state.detach().numpy()[:, 0])
    with pytest.raises(ValueError, match="pooling='max'"):
        sentence_embeddings(model, batch[0], pooling="max")


def test_mean_pooling_gradient_and_edge_cases():
    hidden = cr.tensor(np.arange(12, dtype=np.float64).reshape(2, 3, 2), requires_grad=True)
    mask = np.array([[1, 1, 0], [0, 0, 0]])
    pooled = mean_pooling(hidden, mask)
    np.testing.assert_allclose(pooled.detach().numpy(), [[1.0, 2.0], [0.0, 0.0]])  # an empty mask gives 0
    pooled.sum().backward()
    np.testing.assert_allclose(hidden.grad.numpy()[0], [[0.5, 0.5], [0.5, 0.5], [0, 0]])
    np.testing.assert_allclose(mean_pooling(hidden, None).detach().numpy(), hidden.detach().numpy().mean(axis=1))
    with pytest.raises(ValueError, match=r"attention_mask has shape \(2, 2\), expected \(2, 3\)"):
        mean_pooling(hidden, np.ones((2, 2)))


def test_cosine_similarity_matrix():
    vectors = np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 3.0], [0.0, 0.0]])
    similarity = cosine_similarity_matrix(vectors)
    np.testing.assert_allclose(np.diag(similarity)[:3], 1.0)
    assert similarity[0, 1] == 0.0 and similarity[3, 3] == 0.0
    np.testing.assert_allclose(similarity[0, 2], 1 / np.sqrt(2))


def test_pooling_from_folder_reads_sentence_transformers_modules(tmp_path):
    assert pooling_from_folder(tmp_path) == ("mean", False)
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    (tmp_path / "modules.json").write_text(json.dumps(modules))
    (tmp_path / "1_Pooling").mkdir()
    config = {"pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True}
    (tmp_path / "1_Pooling/config.json").write_text(json.dumps(config))
    assert pooling_from_folder(tmp_path) == ("mean", True)
    config = {"pooling_mode_cls_token": False, "pooling_mode_mean_tokens": False, "pooling_mode_max_tokens": True}
    (tmp_path / "1_Pooling/config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match=r"pooling_mode_max_tokens.*only mean and cls"):
        pooling_from_folder(tmp_path)
