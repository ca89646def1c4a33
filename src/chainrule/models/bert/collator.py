"""Masked-language-model batches, with Hugging Face's ``DataCollatorForLanguageModeling`` rules.

BERT's pre-training objective (Devlin et al. 2019, section 3.1): choose 15% of the tokens at
random; of those, replace 80% by ``[MASK]``, 10% by a random token and leave 10% unchanged, and
train the model to predict the original token at the chosen positions only. The random and
unchanged 10%s keep the model from learning that only ``[MASK]`` positions matter, since no
``[MASK]`` appears when the model is used. Special tokens (``[CLS]``, ``[SEP]``) and padding are
never chosen, and every position that was not chosen gets the label -100, which
``cross_entropy(ignore_index=-100)`` skips.

The draws are the ones transformers' NumPy path makes, in the same order and with the same
``numpy.random.Generator`` calls (a Bernoulli matrix for the choice, one for ``[MASK]``, one for
"random among the rest", then the random ids), so with the same seed our batches equal
``DataCollatorForLanguageModeling(..., return_tensors="np", seed=s)``'s bit for bit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ...random import get_generator
from .tokenizer import BatchEncoding, BertTokenizer

__all__ = ["DataCollatorForLanguageModeling"]


class DataCollatorForLanguageModeling:
    """Pad a list of encoded examples into a batch and mask it for MLM (or copy labels for
    causal LM with ``mlm=False``).

    Args:
        tokenizer: supplies the pad, mask and special token ids and the vocabulary size.
        mlm: mask tokens (BERT); ``False`` gives ``labels = input_ids`` with padding at -100.
        mlm_probability: the chance that each non-special token is chosen.
        mask_replace_prob: of the chosen, the share replaced by ``[MASK]``.
        random_replace_prob: of the chosen, the share replaced by a uniformly random token id
            (any id of the vocabulary, special ones included, as transformers draws them);
            the rest stay unchanged.
        pad_to_multiple_of: round the padded length up to a multiple of this.
        return_tensors: ``'np'`` (int64 arrays) or ``'cr'`` (chainrule tensors).
        seed: seed a private generator (transformers' argument); the batches then depend on
            nothing else.
        generator: a chainrule/NumPy generator to draw from (chainrule's convention); ``None``
            with no ``seed`` uses chainrule's default generator, which ``manual_seed`` resets.

    Raises:
        ValueError: probabilities outside [0, 1] or summing above 1, both ``seed`` and
            ``generator``, an unknown ``return_tensors``.
    """

    def __init__(
        self,
        tokenizer: BertTokenizer,
        mlm: bool = True,
        mlm_probability: float = 0.15,
        mask_replace_prob: float = 0.8,
        random_replace_prob: float = 0.1,
        pad_to_multiple_of: int | None = None,
        return_tensors: str = "np",
        seed: int | None = None,
        generator: np.random.Generator | None = None,
    ):
        for name, value in (
            ("mlm_probability", mlm_probability),
            ("mask_replace_prob", mask_replace_prob),
            ("random_replace_prob", random_replace_prob),
        ):
            if value is None or not 0.0 <= value <= 1.0:
                raise ValueError(f"DataCollatorForLanguageModeling: {name} must be in [0, 1], got {value!r}")
        if mask_replace_prob + random_replace_prob > 1:
            raise ValueError(
                f"DataCollatorForLanguageModeling: mask_replace_prob + random_replace_prob = "
                f"{mask_replace_prob + random_replace_prob} exceeds 1"
            )
        if return_tensors not in ("np", "cr"):
            raise ValueError(
                f"DataCollatorForLanguageModeling: return_tensors must be 'np' or 'cr', got {return_tensors!r}"
            )
        if seed is not None and generator is not None:
            raise ValueError("DataCollatorForLanguageModeling: pass seed or generator, not both")
        self.tokenizer = tokenizer
        self.mlm = mlm
        self.mlm_probability = float(mlm_probability)
        self.mask_replace_prob = float(mask_replace_prob)
        self.random_replace_prob = float(random_replace_prob)
        self.pad_to_multiple_of = pad_to_multiple_of
        self.return_tensors = return_tensors
        self.seed = seed
        get_generator(generator, owner="DataCollatorForLanguageModeling")  # type check now, not at the first batch
        self._generator = np.random.default_rng(seed) if seed is not None else generator

    @property
    def generator(self) -> np.random.Generator:
        """The generator the next batch draws from."""
        return get_generator(self._generator, owner="DataCollatorForLanguageModeling")

    def __call__(self, examples: Sequence) -> BatchEncoding:
        """Collate ``examples`` (lists/arrays of ids, or dicts with ``input_ids`` and maybe
        ``token_type_ids``, ``attention_mask``, ``special_tokens_mask``) into a masked batch with
        ``labels``."""
        if not examples:
            raise ValueError("DataCollatorForLanguageModeling: got an empty list of examples")
        if isinstance(examples[0], Mapping):
            batch = self.tokenizer.pad(examples, return_tensors="np", pad_to_multiple_of=self.pad_to_multiple_of)
        else:
            batch = BatchEncoding({"input_ids": self._collate_ids(examples)})
        special_tokens_mask = batch.pop("special_tokens_mask", None)
        if self.mlm:
            batch["input_ids"], batch["labels"] = self.mask_tokens(batch["input_ids"], special_tokens_mask)
        else:
            labels = batch["input_ids"].copy()
            labels[labels == self.tokenizer.pad_token_id] = -100
            batch["labels"] = labels
        if self.return_tensors == "cr":
            from ...creation import from_numpy

            batch = BatchEncoding({key: from_numpy(np.ascontiguousarray(value)) for key, value in batch.items()})
        return batch

    def _collate_ids(self, examples: Sequence) -> np.ndarray:
        """Stack id sequences, padding with ``[PAD]`` on the tokenizer's side if lengths differ."""
        rows = [
            np.asarray(example.numpy() if hasattr(example, "numpy") else example, dtype=np.int64)
            for example in examples
        ]
        if any(row.ndim != 1 for row in rows):
            raise ValueError(
                f"DataCollatorForLanguageModeling: each example must be a 1-D sequence of ids, got shapes {[row.shape for row in rows]}"
            )
        length = max(len(row) for row in rows)
        if self.pad_to_multiple_of and length % self.pad_to_multiple_of:
            length = (length // self.pad_to_multiple_of + 1) * self.pad_to_multiple_of
        batch = np.full((len(rows), length), self.tokenizer.pad_token_id, dtype=np.int64)
        for index, row in enumerate(rows):
            if self.tokenizer.padding_side == "right":
                batch[index, : len(row)] = row
            else:
                batch[index, length - len(row) :] = row
        return batch

    def mask_tokens(
        self, inputs: np.ndarray, special_tokens_mask: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Choose, replace and label tokens (see the module docstring); returns
        ``(masked input_ids, labels)`` without modifying ``inputs``.

        Args:
            inputs: ``(batch, length)`` token ids.
            special_tokens_mask: 1 where a token may never be chosen; default: the special ids
                (``[CLS]``, ``[SEP]``, ``[PAD]``, ``[MASK]``, ``[UNK]``) wherever they occur.
        """
        inputs = np.array(inputs, dtype=np.int64)
        if inputs.ndim != 2:
            raise ValueError(
                f"DataCollatorForLanguageModeling.mask_tokens: expected (batch, length) ids, got shape {inputs.shape}"
            )
        generator = self.generator
        labels = inputs.copy()
        if special_tokens_mask is None:
            never = np.isin(inputs, np.asarray(self.tokenizer.all_special_ids))
        else:
            never = np.asarray(special_tokens_mask).astype(bool)
            if never.shape != inputs.shape:
                raise ValueError(
                    f"DataCollatorForLanguageModeling: special_tokens_mask has shape {never.shape}, input_ids {inputs.shape}"
                )
        probability = np.full(inputs.shape, self.mlm_probability)
        probability[never] = 0.0
        chosen = generator.binomial(1, probability, size=probability.shape).astype(bool)
        labels[~chosen] = -100
        replaced = generator.binomial(1, self.mask_replace_prob, size=inputs.shape).astype(bool) & chosen
        inputs[replaced] = self.tokenizer.mask_token_id
        if self.mask_replace_prob == 1 or self.random_replace_prob == 0:
            return inputs, labels
        # Of the chosen tokens not already [MASK]ed, the share that becomes random: 0.1 / 0.2.
        scaled = self.random_replace_prob / (1 - self.mask_replace_prob)
        randomised = generator.binomial(1, scaled, size=inputs.shape).astype(bool) & chosen & ~replaced
        random_ids = generator.integers(
            low=0, high=len(self.tokenizer), size=np.count_nonzero(randomised), dtype=np.int64
        )
        inputs[randomised] = random_ids
        return inputs, labels
