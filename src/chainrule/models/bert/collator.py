"""Masked-language-model batches, with Hugging Face's ``DataCollatorForLanguageModeling`` rules,
token by token or by whole words.

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

Whole-word masking (:class:`DataCollatorForWholeWordMask`) chooses words instead of tokens:
"unaffable" = ``un ##aff ##able`` is masked all at once or not at all, so that the model cannot
guess ``##aff`` from ``un`` and ``##able`` alone, the shortcut the authors of BERT closed in
their whole-word-masking models.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ...random import get_generator
from .tokenizer import BatchEncoding, BertTokenizer

__all__ = ["DataCollatorForLanguageModeling", "DataCollatorForWholeWordMask"]


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
                raise ValueError(f"{type(self).__name__}: {name} must be in [0, 1], got {value!r}")
        if mask_replace_prob + random_replace_prob > 1:
            raise ValueError(
                f"{type(self).__name__}: mask_replace_prob + random_replace_prob = "
                f"{mask_replace_prob + random_replace_prob} exceeds 1"
            )
        if return_tensors not in ("np", "cr"):
            raise ValueError(f"{type(self).__name__}: return_tensors must be 'np' or 'cr', got {return_tensors!r}")
        if seed is not None and generator is not None:
            raise ValueError(f"{type(self).__name__}: pass seed or generator, not both")
        self.tokenizer = tokenizer
        self.mlm = mlm
        self.mlm_probability = float(mlm_probability)
        self.mask_replace_prob = float(mask_replace_prob)
        self.random_replace_prob = float(random_replace_prob)
        self.pad_to_multiple_of = pad_to_multiple_of
        self.return_tensors = return_tensors
        self.seed = seed
        get_generator(generator, owner=type(self).__name__)  # type check now, not at the first batch
        self._generator = np.random.default_rng(seed) if seed is not None else generator

    @property
    def generator(self) -> np.random.Generator:
        """The generator the next batch draws from."""
        return get_generator(self._generator, owner=type(self).__name__)

    def __call__(self, examples: Sequence) -> BatchEncoding:
        """Collate ``examples`` (lists/arrays of ids, or dicts with ``input_ids`` and maybe
        ``token_type_ids``, ``attention_mask``, ``special_tokens_mask``) into a masked batch with
        ``labels``."""
        batch = self._pad(examples)
        special_tokens_mask = batch.pop("special_tokens_mask", None)
        if self.mlm:
            batch["input_ids"], batch["labels"] = self.mask_tokens(batch["input_ids"], special_tokens_mask)
        else:
            labels = batch["input_ids"].copy()
            labels[labels == self.tokenizer.pad_token_id] = -100
            batch["labels"] = labels
        return self._as_tensors(batch)

    def _pad(self, examples: Sequence) -> BatchEncoding:
        """The examples as one padded batch of int64 arrays."""
        if not examples:
            raise ValueError(f"{type(self).__name__}: got an empty list of examples")
        if isinstance(examples[0], Mapping):
            return self.tokenizer.pad(examples, return_tensors="np", pad_to_multiple_of=self.pad_to_multiple_of)
        return BatchEncoding({"input_ids": self._collate_ids(examples)})

    def _as_tensors(self, batch: BatchEncoding) -> BatchEncoding:
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
        return _pad_rows(rows, length, self.tokenizer.pad_token_id, self.tokenizer.padding_side)

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
        inputs = self._check_ids(inputs)
        never = self._special(inputs, special_tokens_mask)
        generator = self.generator
        probability = np.full(inputs.shape, self.mlm_probability)
        probability[never] = 0.0
        chosen = generator.binomial(1, probability, size=probability.shape).astype(bool)
        return self._replace(inputs, chosen, generator)

    def _check_ids(self, inputs) -> np.ndarray:
        inputs = np.array(inputs, dtype=np.int64)
        if inputs.ndim != 2:
            raise ValueError(
                f"{type(self).__name__}.mask_tokens: expected (batch, length) ids, got shape {inputs.shape}"
            )
        return inputs

    def _special(self, inputs: np.ndarray, special_tokens_mask) -> np.ndarray:
        """Where no token may be chosen: the given mask, or the special ids wherever they occur."""
        if special_tokens_mask is None:
            return np.isin(inputs, np.asarray(self.tokenizer.all_special_ids))
        never = np.asarray(special_tokens_mask).astype(bool)
        if never.shape != inputs.shape:
            raise ValueError(
                f"{type(self).__name__}: special_tokens_mask has shape {never.shape}, input_ids {inputs.shape}"
            )
        return never

    def _replace(
        self, inputs: np.ndarray, chosen: np.ndarray, generator: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Label the chosen positions and replace them, 80% ``[MASK]`` / 10% random / 10% kept
        (the shares the constructor set); ``inputs`` is modified and returned with the labels."""
        labels = inputs.copy()
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


class DataCollatorForWholeWordMask(DataCollatorForLanguageModeling):
    """MLM batches that mask whole words: transformers' ``DataCollatorForLanguageModeling(...,
    whole_word_mask=True)`` (the successor of its ``DataCollatorForWholeWordMask``).

    Each word is chosen with probability ``mlm_probability`` by a draw at its first token, and
    then all of its tokens are chosen (so about that share of the tokens is masked, in whole
    words); special tokens and padding belong to no word. Where the words come from:

    * with ``offset_mapping`` in the examples (``tokenizer(..., return_offsets_mapping=True)``),
      transformers 5's rule: a token starts a new word unless it begins where the previous
      token ended (and that one was not special). A word is then a run of text without a
      space, so "hello," is one word and so is "中文";
    * without offsets (plain id sequences, as pre-training blocks are), BERT's WordPiece rule:
      a word is a token not starting with ``##`` plus the ``##`` tokens after it (a ``##``
      token right after a special token or at the start of a row, a block cut mid-word, starts a
      word of its own).

    The chosen tokens are then replaced 80% ``[MASK]``, 10% random, 10% kept, token by token, as
    the original BERT and transformers 4's ``DataCollatorForWholeWordMask`` do. transformers 5
    instead forces ``mask_replace_prob=1`` (all ``[MASK]``, with a warning); pass
    ``mask_replace_prob=1.0, random_replace_prob=0.0`` for that: with offsets and the same seed,
    the batches then equal its NumPy path bit for bit (the same draws in the same order).

    Args:
        tokenizer: supplies the pad, mask and special token ids, the vocabulary size and the
            ``##`` continuations.
        mlm_probability: the chance that each word is chosen.
        mask_replace_prob, random_replace_prob, pad_to_multiple_of, return_tensors, seed,
            generator: as in :class:`DataCollatorForLanguageModeling`.

    Raises:
        ValueError: as :class:`DataCollatorForLanguageModeling`; offsets given for some examples
            only, or of a shape that does not fit the ids.
    """

    def __init__(
        self,
        tokenizer: BertTokenizer,
        mlm_probability: float = 0.15,
        mask_replace_prob: float = 0.8,
        random_replace_prob: float = 0.1,
        pad_to_multiple_of: int | None = None,
        return_tensors: str = "np",
        seed: int | None = None,
        generator: np.random.Generator | None = None,
    ):
        super().__init__(
            tokenizer,
            mlm=True,
            mlm_probability=mlm_probability,
            mask_replace_prob=mask_replace_prob,
            random_replace_prob=random_replace_prob,
            pad_to_multiple_of=pad_to_multiple_of,
            return_tensors=return_tensors,
            seed=seed,
            generator=generator,
        )
        # True at the ids of "##" pieces: the WordPiece word rule, one lookup per batch.
        size = max(tokenizer.ids_to_tokens) + 1
        self._continuation = np.zeros(size, dtype=bool)
        for index, token in tokenizer.ids_to_tokens.items():
            self._continuation[index] = token.startswith("##")

    def __call__(self, examples: Sequence) -> BatchEncoding:
        """Collate ``examples`` (id sequences, or dicts with ``input_ids`` and maybe
        ``offset_mapping``, ``special_tokens_mask``, ...) into a batch masked by whole words,
        with ``labels``."""
        offsets = None
        if examples and isinstance(examples[0], Mapping):
            with_offsets = ["offset_mapping" in example for example in examples]
            if any(with_offsets) and not all(with_offsets):
                raise ValueError(
                    f"DataCollatorForWholeWordMask: {sum(with_offsets)} of {len(examples)} examples have an "
                    "offset_mapping; give it for all of them or for none"
                )
            if all(with_offsets):
                offsets = [np.asarray(example["offset_mapping"], dtype=np.int64).reshape(-1, 2) for example in examples]
                examples = [
                    {key: value for key, value in example.items() if key != "offset_mapping"} for example in examples
                ]
        batch = self._pad(examples)
        special_tokens_mask = batch.pop("special_tokens_mask", None)
        if offsets is not None:
            offsets = self._pad_offsets(offsets, batch["input_ids"].shape[1])
        batch["input_ids"], batch["labels"] = self.mask_tokens(batch["input_ids"], special_tokens_mask, offsets)
        return self._as_tensors(batch)

    def _pad_offsets(self, offsets: list[np.ndarray], length: int) -> np.ndarray:
        """``(batch, length, 2)`` offsets, padding with ``(0, 0)`` on the tokenizer's side."""
        return _pad_rows(offsets, length, 0, self.tokenizer.padding_side)

    def word_starts(
        self, inputs: np.ndarray, special: np.ndarray, offset_mapping: np.ndarray | None = None
    ) -> np.ndarray:
        """True at the first token of each word (see the class docstring for the two rules)."""
        previous_special = np.zeros_like(special)
        previous_special[:, 1:] = special[:, :-1]
        if offset_mapping is None:
            if inputs.size and (inputs.min() < 0 or inputs.max() >= len(self._continuation)):
                raise ValueError(
                    f"DataCollatorForWholeWordMask: ids must be in [0, {len(self._continuation)}), "
                    f"got values from {inputs.min()} to {inputs.max()}"
                )
            continues = self._continuation[inputs]
        else:
            offsets = np.asarray(offset_mapping, dtype=np.int64)
            if offsets.shape != (*inputs.shape, 2):
                raise ValueError(
                    f"DataCollatorForWholeWordMask: offset_mapping has shape {offsets.shape}, "
                    f"expected {(*inputs.shape, 2)} for input_ids {inputs.shape}"
                )
            # transformers' _calc_word_ids_and_prob_mask: starts where the previous token ended.
            previous_end = np.full(inputs.shape, -1, dtype=np.int64)
            previous_end[:, 1:] = offsets[:, :-1, 1]
            continues = offsets[:, :, 0] == previous_end
        # The first token of a row opens a word (transformers: no previous token ends at -1).
        continues[:, :1] = False
        return ~special & (~continues | previous_special)

    def mask_tokens(
        self,
        inputs: np.ndarray,
        special_tokens_mask: np.ndarray | None = None,
        offset_mapping: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Choose whole words, then replace and label their tokens; returns ``(masked
        input_ids, labels)`` without modifying ``inputs``.

        Args:
            inputs: ``(batch, length)`` token ids.
            special_tokens_mask: 1 where a token belongs to no word; default: the special ids.
            offset_mapping: ``(batch, length, 2)`` character spans; ``None``: the ``##`` rule.
        """
        inputs = self._check_ids(inputs)
        special = self._special(inputs, special_tokens_mask)
        starts = self.word_starts(inputs, special, offset_mapping)
        generator = self.generator
        probability = np.full(inputs.shape, self.mlm_probability)
        probability[~starts] = 0.0
        chosen_starts = generator.binomial(1, probability, size=probability.shape).astype(bool)
        # Number the words along each row (a start opens the next one); a token is chosen when
        # the start of its word was. Special tokens are no word's.
        word_ids = np.cumsum(starts, axis=1) - 1  # (batch, length): the index of each token's word
        row_base = np.arange(inputs.shape[0])[:, None] * (inputs.shape[1] + 1)
        global_ids = word_ids + row_base  # (batch, length): unique across rows
        chosen = np.isin(global_ids, global_ids[chosen_starts]) & ~special
        return self._replace(inputs, chosen, generator)


def _pad_rows(rows, length: int, fill, side: str) -> np.ndarray:
    """Stack rows of different lengths (each (n, *rest)) into (len(rows), length, *rest) int64,
    filling with ``fill`` on the tokenizer's padding side."""
    rest = np.asarray(rows[0]).shape[1:] if len(rows) else ()
    padded = np.full((len(rows), length) + rest, fill, dtype=np.int64)
    for index, row in enumerate(rows):
        if side == "right":
            padded[index, : len(row)] = row
        else:
            padded[index, length - len(row) :] = row
    return padded
