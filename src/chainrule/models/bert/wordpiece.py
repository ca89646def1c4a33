"""Train a WordPiece vocabulary from a corpus, so BERT can be pre-trained with no download.

The vocabulary, in id order:

1. the special tokens ``[PAD] [UNK] [CLS] [SEP] [MASK]`` (ids 0-4, the order of Hugging Face's
   ``BertTokenizer`` when it builds a vocabulary from nothing; the original Google vocabulary
   has ``[PAD]`` at 0 and the others near 100, which no code relies on);
2. every character of the corpus as a word-initial token, in code-point order, then every
   character again as a continuation ``##c``, so that any word of the corpus can be spelled and
   none of it becomes ``[UNK]``;
3. merged pieces, in the order they were learnt.

Words start as characters, and pieces are merged pairwise. Two merge rules:

* ``rule="frequency"`` (default): merge the adjacent pair ``(a, b)`` seen most often, weighted
  by word counts. This is what Hugging Face's ``tokenizers.trainers.WordPieceTrainer`` does (a
  BPE trainer that writes ``##`` continuations), and what we pre-train with: frequent words such
  as "the" and "return" become single tokens early.
* ``rule="likelihood"``: WordPiece's rule as Schuster and Nakajima (2012) and Hugging Face's
  course state it: maximise ``count(a b) / (count(a) * count(b))``, the gain in corpus
  likelihood under a unigram model of the pieces. It prefers pairs whose parts rarely occur
  apart; on a small corpus that means rare strings (``"0000003"``) are merged long before
  "th" + "##e", which makes a poor vocabulary for a few hours of pre-training on a CPU, so
  it is available but not the default.

Ties are broken by the pair's strings (lexicographically smallest first), so training is
deterministic.

Counting is incremental: a merge updates only the words that contain the pair, and a lazy
max-heap of scores is refreshed for every pair whose score can have risen, so the cost grows
with the distinct words touched, not with merges x corpus.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable

from .tokenizer import BasicTokenizer, BertTokenizer

__all__ = ["SPECIAL_TOKENS", "train_wordpiece"]

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def train_wordpiece(
    texts: Iterable[str],
    vocab_size: int,
    do_lower_case: bool = True,
    strip_accents: bool | None = None,
    tokenize_chinese_chars: bool = True,
    min_frequency: int = 2,
    rule: str = "frequency",
    limit_alphabet: int | None = None,
    max_input_chars_per_word: int = 100,
    return_vocab: bool = False,
) -> BertTokenizer | list[str]:
    """Learn a WordPiece vocabulary of at most ``vocab_size`` tokens from ``texts``.

    The texts are split into words by the same :class:`BasicTokenizer` that will tokenize them
    later (so casing and accents are learnt as they will be seen), then merged as described in
    the module docstring until the vocabulary is full or no pair occurs ``min_frequency`` times.

    Args:
        texts: the corpus, one string per document (or line).
        vocab_size: the vocabulary size wanted, special tokens included.
        do_lower_case, strip_accents, tokenize_chinese_chars: the tokenizer's options.
        min_frequency: pairs seen fewer times than this are never merged (a piece seen once is
            memorisation, not vocabulary).
        rule: ``"frequency"`` (pair count, as Hugging Face's trainer) or ``"likelihood"``
            (pair count over the product of the pieces' counts); see the module docstring.
        limit_alphabet: keep only this many characters (the most frequent; ties by code point);
            the others become ``[UNK]``. ``None`` keeps them all.
        max_input_chars_per_word: longer words are skipped (the tokenizer maps them to
            ``[UNK]`` whatever the vocabulary).
        return_vocab: return the token list instead of a :class:`BertTokenizer`.

    Returns:
        A :class:`BertTokenizer` over the vocabulary (the token list with ``return_vocab``).

    Raises:
        ValueError: ``vocab_size`` smaller than the special tokens plus the alphabet (both forms of
            every character), or an empty corpus.
    """
    if isinstance(texts, str):
        raise TypeError("train_wordpiece: texts must be an iterable of strings, not one string")
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or vocab_size < 1:
        raise ValueError(f"train_wordpiece: vocab_size must be a positive int, got {vocab_size!r}")
    if rule not in ("frequency", "likelihood"):
        raise ValueError(f"train_wordpiece: rule must be 'frequency' or 'likelihood', got {rule!r}")
    if min_frequency < 1:
        raise ValueError(f"train_wordpiece: min_frequency must be >= 1, got {min_frequency}")
    basic = BasicTokenizer(
        do_lower_case=do_lower_case, tokenize_chinese_chars=tokenize_chinese_chars, strip_accents=strip_accents
    )
    word_counts: Counter[str] = Counter()
    for text in texts:
        if not isinstance(text, str):
            raise TypeError(f"train_wordpiece: expected strings in texts, got {type(text).__name__}")
        word_counts.update(word for word in basic.tokenize(text) if len(word) <= max_input_chars_per_word)
    if not word_counts:
        raise ValueError("train_wordpiece: the corpus has no words")

    char_counts: Counter[str] = Counter()
    for word, count in word_counts.items():
        for char in word:
            char_counts[char] += count
    alphabet = sorted(char_counts)
    if limit_alphabet is not None and limit_alphabet < len(alphabet):
        alphabet = sorted(sorted(alphabet, key=lambda char: (-char_counts[char], char))[:limit_alphabet])
    minimum = len(SPECIAL_TOKENS) + 2 * len(alphabet)
    if vocab_size < minimum:
        raise ValueError(
            f"train_wordpiece: vocab_size={vocab_size} is smaller than the {len(SPECIAL_TOKENS)} special tokens plus "
            f"the {len(alphabet)} characters in both forms (c and ##c) = {minimum}; raise vocab_size or set limit_alphabet"
        )
    vocab = list(SPECIAL_TOKENS) + alphabet + ["##" + char for char in alphabet]
    merges = _learn_merges(word_counts, set(alphabet), vocab_size - len(vocab), min_frequency, rule == "likelihood")
    vocab += merges
    if return_vocab:
        return vocab
    return BertTokenizer(
        vocab,
        do_lower_case=do_lower_case,
        strip_accents=strip_accents,
        tokenize_chinese_chars=tokenize_chinese_chars,
        max_input_chars_per_word=max_input_chars_per_word,
    )


def _learn_merges(
    word_counts: Counter, alphabet: set[str], budget: int, min_frequency: int, likelihood: bool
) -> list[str]:
    """Up to ``budget`` new pieces, in the order they are learnt."""
    # Words with a character outside the (limited) alphabet would be [UNK] whole: leave them out.
    words = []
    frequencies = []
    for word in sorted(word_counts):
        if all(char in alphabet for char in word):
            words.append([word[0]] + ["##" + char for char in word[1:]])
            frequencies.append(word_counts[word])

    unit_counts: Counter[str] = Counter()
    pair_counts: Counter[tuple[str, str]] = Counter()
    pair_words: dict[tuple[str, str], set[int]] = {}
    unit_pairs: dict[str, set[tuple[str, str]]] = {}
    for index, (symbols, frequency) in enumerate(zip(words, frequencies, strict=True)):
        for symbol in symbols:
            unit_counts[symbol] += frequency
        for pair in zip(symbols, symbols[1:]):
            pair_counts[pair] += frequency
            pair_words.setdefault(pair, set()).add(index)
            unit_pairs.setdefault(pair[0], set()).add(pair)
            unit_pairs.setdefault(pair[1], set()).add(pair)

    def score(pair):
        if likelihood:
            return pair_counts[pair] / (unit_counts[pair[0]] * unit_counts[pair[1]])
        return pair_counts[pair]

    heap = [(-score(pair), pair) for pair, count in pair_counts.items() if count >= min_frequency]
    heapq.heapify(heap)
    known = set(alphabet) | {"##" + char for char in alphabet}
    learnt: list[str] = []
    while heap and len(learnt) < budget:
        negative_score, pair = heapq.heappop(heap)
        if pair_counts.get(pair, 0) < min_frequency:
            continue
        current = score(pair)
        if current != -negative_score:
            # Stale entry (the pair's count or its pieces' counts changed since it was pushed).
            heapq.heappush(heap, (-current, pair))
            continue
        first, second = pair
        merged = first + second[2:]
        if merged not in known:
            known.add(merged)
            learnt.append(merged)
        touched: set[tuple[str, str]] = set()
        for index in sorted(pair_words.pop(pair, ())):
            symbols, frequency = words[index], frequencies[index]
            for old in zip(symbols, symbols[1:]):
                pair_counts[old] -= frequency
                touched.add(old)
            for symbol in symbols:
                unit_counts[symbol] -= frequency
            symbols = _merge_word(symbols, first, second, merged)
            words[index] = symbols
            for symbol in symbols:
                unit_counts[symbol] += frequency
            for new in zip(symbols, symbols[1:]):
                pair_counts[new] += frequency
                pair_words.setdefault(new, set()).add(index)
                unit_pairs.setdefault(new[0], set()).add(new)
                unit_pairs.setdefault(new[1], set()).add(new)
                touched.add(new)
        pair_counts.pop(pair, None)
        # Scores that can have risen: pairs whose own count rose (touched), and, under the
        # likelihood rule, every pair of the two merged pieces, whose counts fell. Entries whose
        # score fell are fixed lazily when popped.
        rising = touched | unit_pairs.get(first, set()) | unit_pairs.get(second, set()) if likelihood else touched
        for candidate in sorted(rising):
            if pair_counts.get(candidate, 0) >= min_frequency:
                heapq.heappush(heap, (-score(candidate), candidate))
        for unit in (first, second) if likelihood else ():
            unit_pairs[unit] = {
                candidate for candidate in unit_pairs.get(unit, ()) if pair_counts.get(candidate, 0) > 0
            }
    return learnt


def _merge_word(symbols: list[str], first: str, second: str, merged: str) -> list[str]:
    """Replace every adjacent ``first second`` in ``symbols`` (left to right) by ``merged``."""
    output = []
    position = 0
    while position < len(symbols):
        if position + 1 < len(symbols) and symbols[position] == first and symbols[position + 1] == second:
            output.append(merged)
            position += 2
        else:
            output.append(symbols[position])
            position += 1
    return output
