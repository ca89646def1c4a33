"""Sentence embeddings from a BERT encoder, computed as sentence-transformers computes them.

A sentence's vector is the mean of its tokens' last hidden states over the attention mask (padding
excluded), optionally scaled to unit L2 norm; with unit vectors, the dot product of two sentences
is their cosine similarity. sentence-transformers folders say which pooling and whether to
normalise in ``1_Pooling/config.json`` and ``modules.json``; :func:`pooling_from_folder` reads them.
"""

from __future__ import annotations

import json
import os

import numpy as np

from ... import functional as F
from ...tensor import Tensor

__all__ = ["cosine_similarity_matrix", "mean_pooling", "pooling_from_folder", "sentence_embeddings"]


def mean_pooling(token_embeddings, attention_mask=None):
    """The mean of ``token_embeddings`` (B, S, H) over the positions where ``attention_mask`` (B, S)
    is 1: sum(h * m) / max(sum(m), 1e-9), exactly sentence-transformers' formula (so an all-zero
    mask gives zeros, not NaN). Differentiable, so it can be fine-tuned through."""
    batch, seq, _ = token_embeddings.shape
    if attention_mask is None:
        return token_embeddings.mean(dim=1)
    mask = attention_mask._data if isinstance(attention_mask, Tensor) else np.asarray(attention_mask)
    if tuple(mask.shape) != (batch, seq):
        raise ValueError(
            f"mean_pooling: attention_mask has shape {tuple(mask.shape)}, expected ({batch}, {seq}) to match "
            f"token_embeddings of shape {tuple(token_embeddings.shape)}"
        )
    weights = mask.astype(token_embeddings.dtype)[:, :, None]  # (B, S) -> (B, S, 1)
    summed = (token_embeddings * Tensor(weights)).sum(dim=1)  # (B, H)
    counts = np.maximum(weights.sum(axis=1), 1e-9)  # (B, 1)
    return summed / Tensor(counts.astype(token_embeddings.dtype))


def sentence_embeddings(
    model, input_ids, attention_mask=None, token_type_ids=None, normalize: bool = False, pooling: str = "mean"
):
    """One vector per sequence: the encoder's last hidden states pooled over the attention mask.

    Args:
        model: a BertModel, or any BERT model with a ``.bert`` encoder (BertForMaskedLM, ...).
        input_ids: (B, S) token ids.
        attention_mask: (B, S), 1 for tokens, 0 for padding (None: every position counts).
        token_type_ids: (B, S) segment ids (None: all 0).
        normalize: scale each vector to unit L2 norm (as sentence-transformers' Normalize module).
        pooling: 'mean' (mean over the mask) or 'cls' (the first token's hidden state).

    Returns:
        A (B, hidden_size) Tensor.
    """
    if pooling not in ("mean", "cls"):
        raise ValueError(f"sentence_embeddings: pooling={pooling!r}; expected 'mean' or 'cls'")
    encoder = getattr(model, "bert", model)
    hidden = encoder(input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state
    pooled = mean_pooling(hidden, attention_mask) if pooling == "mean" else hidden[:, 0]
    return F.normalize(pooled, p=2.0, dim=1) if normalize else pooled


def cosine_similarity_matrix(embeddings) -> np.ndarray:
    """(N, N) cosine similarities between the rows of ``embeddings`` (N, H) (zero rows give 0)."""
    vectors = embeddings.detach().numpy() if isinstance(embeddings, Tensor) else np.asarray(embeddings)
    vectors = vectors.astype(np.float64)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = vectors / np.maximum(norms, 1e-12)
    return unit @ unit.T


def pooling_from_folder(directory) -> tuple[str, bool]:
    """The (pooling, normalize) a sentence-transformers folder declares; ('mean', False) for a
    plain Hugging Face folder, which declares neither."""
    directory = os.fspath(directory)
    pooling, normalize = "mean", False
    modules_path = os.path.join(directory, "modules.json")
    if not os.path.isfile(modules_path):
        return pooling, normalize
    try:
        with open(modules_path, encoding="utf-8") as f:
            modules = json.load(f)
        normalize = any(str(m.get("type", "")).endswith("Normalize") for m in modules)
        for m in modules:
            if str(m.get("type", "")).endswith("Pooling"):
                with open(os.path.join(directory, m.get("path", ""), "config.json"), encoding="utf-8") as f:
                    config = json.load(f)
                if config.get("pooling_mode_cls_token"):
                    pooling = "cls"
                elif not config.get("pooling_mode_mean_tokens", True):
                    modes = sorted(k for k, v in config.items() if k.startswith("pooling_mode") and v)
                    raise ValueError(
                        f"pooling_from_folder: {directory!r} asks for pooling {modes}; only mean and cls pooling "
                        "are implemented"
                    )
    except (OSError, json.JSONDecodeError, AttributeError) as exc:
        raise ValueError(
            f"pooling_from_folder: cannot read the sentence-transformers files of {directory!r} ({exc})"
        ) from None
    return pooling, normalize
