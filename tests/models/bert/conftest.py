"""Shared fixtures for the BERT tests: a small random transformers model (every parameter, biases
and LayerNorms included, randomised so that no parameter can hide behind a zero or a one), a
padded batch, and the model saved as a Hugging Face folder."""

import numpy as np
import pytest
import torch
import transformers

SMALL = dict(
    vocab_size=61,
    hidden_size=24,
    num_hidden_layers=2,
    num_attention_heads=3,
    intermediate_size=40,
    max_position_embeddings=16,
    type_vocab_size=3,
    hidden_dropout_prob=0.0,
    attention_probs_dropout_prob=0.0,
)


def make_hf(cls_name="BertForMaskedLM", seed=0, **overrides):
    """A transformers model of class ``cls_name`` with a small config and randomised parameters."""
    torch.manual_seed(seed)
    config = transformers.BertConfig(**{**SMALL, **overrides}, attn_implementation="eager")
    model = getattr(transformers, cls_name)(config).eval()
    generator = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.endswith("LayerNorm.weight"):
                param.copy_(1 + 0.3 * torch.randn(param.shape, generator=generator))
            elif name.endswith("bias"):
                param.copy_(0.2 * torch.randn(param.shape, generator=generator))
            else:
                param.copy_(0.15 * torch.randn(param.shape, generator=generator))
    return model


def padded_batch(vocab_size=61, seed=0):
    """Three sequences of length 9: full, padded after 6, padded after 3, with two segments."""
    rng = np.random.default_rng(seed)
    input_ids = rng.integers(1, vocab_size, size=(3, 9))
    attention_mask = np.ones((3, 9), dtype=np.int64)
    attention_mask[1, 6:] = 0
    attention_mask[2, 3:] = 0
    input_ids[attention_mask == 0] = 0
    token_type_ids = np.zeros((3, 9), dtype=np.int64)
    token_type_ids[:, 5:] = 1
    token_type_ids[0, 8] = 2
    return input_ids, attention_mask, token_type_ids


def as_torch(*arrays):
    return [torch.tensor(a) for a in arrays]


@pytest.fixture
def hf_mlm():
    return make_hf("BertForMaskedLM")


@pytest.fixture
def mlm_dir(tmp_path, hf_mlm):
    hf_mlm.save_pretrained(tmp_path / "hf")
    return tmp_path / "hf"


@pytest.fixture
def make_hf_model():
    return make_hf


@pytest.fixture
def batch():
    return padded_batch()
