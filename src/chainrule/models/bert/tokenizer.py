"""BERT's WordPiece tokenizer with Hugging Face's semantics, in pure Python.

The pipeline is the one ``transformers.BertTokenizer`` runs (since transformers 5 that name is the
``tokenizers``-backed fast tokenizer, which ``AutoTokenizer`` has long returned for BERT):

1. special tokens (``[CLS]``, ``[SEP]``, ``[PAD]``, ``[MASK]``, ``[UNK]``) are cut out of the raw
   text first, so ``"a [MASK]b"`` keeps ``[MASK]`` whole and lower-casing never touches it;
2. text cleaning: NUL, U+FFFD and control characters (Unicode category C, except tab, newline and
   carriage return) are dropped and every whitespace character becomes a space;
3. every CJK ideograph is surrounded by spaces, so Chinese is split one character at a time
   (Japanese kana and Korean Hangul are space-separated scripts and are left alone);
4. accents are stripped (NFD, then combining marks, category Mn, dropped) when ``strip_accents``
   is true, or when it is unset (``None``) and ``do_lower_case`` is true: the original BERT rule;
   then lower-casing when ``do_lower_case``;
5. splitting on whitespace, and every punctuation character becomes a token of its own, where
   punctuation is Unicode category P plus every ASCII non-letter non-digit printable (``$``, ``+``,
   ``^``, ``|``, ``~`` ... are symbols to Unicode but punctuation to BERT);
6. greedy longest-match-first WordPiece: a word is cut into the longest vocabulary prefix, then
   the longest ``##``-prefixed continuation, and so on; a word that cannot be covered, or longer
   than ``max_input_chars_per_word`` characters, becomes one ``[UNK]``.

Where the legacy pure-Python ``BertTokenizerLegacy`` differs (it NFC-composes the text first and
lower-cases whole words, so a Greek final sigma becomes "ς" rather than "σ", and removes
``longest_first`` tokens one at a time), we follow the fast tokenizer, whose ids are the
ones models are trained and served with; tests/models/bert/test_tokenizer.py pins both.
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["BasicTokenizer", "BatchEncoding", "BertTokenizer", "WordpieceTokenizer", "load_vocab"]

# transformers' VERY_LARGE_INTEGER: "no limit" for model_max_length when a config sets none.
VERY_LARGE_INTEGER = int(1e30)
# transformers' LARGE_INTEGER: above it, model_max_length counts as unset for padding/truncation.
LARGE_INTEGER = int(1e20)

_SPECIAL_TOKEN_NAMES = ("unk_token", "sep_token", "pad_token", "cls_token", "mask_token")
_PADDING_STRATEGIES = {
    False: None,
    "do_not_pad": None,
    True: "longest",
    "longest": "longest",
    "max_length": "max_length",
}
_TRUNCATION_STRATEGIES = {
    False: None,
    "do_not_truncate": None,
    True: "longest_first",
    "longest_first": "longest_first",
    "only_first": "only_first",
    "only_second": "only_second",
}


def _is_whitespace(char: str) -> bool:
    """Whitespace as the fast tokenizer sees it (Unicode White_Space; tab, newline, CR included)."""
    return char.isspace()


def _is_control(char: str) -> bool:
    """Category C (Cc, Cf, Cn, Co, Cs), except tab/newline/CR, which BERT counts as whitespace."""
    if char in "\t\n\r":
        return False
    return unicodedata.category(char).startswith("C")


def _is_punctuation(char: str) -> bool:
    """Unicode punctuation (category P) plus all ASCII non-alphanumeric printables.

    BERT treats ``$ + < = > ^ ` | ~`` (Unicode symbols, category S) as punctuation too, so that
    ASCII text splits the same whatever Unicode says about those characters.
    """
    cp = ord(char)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_chinese_char(cp: int) -> bool:
    """CJK Unified Ideographs (and extensions A-E, compatibility ideographs), as BERT defines them.

    The ranges are the fast tokenizer's (extension E starts at U+2B820; the legacy Python
    tokenizer agrees).
    """
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


def load_vocab(vocab_file: str | os.PathLike) -> dict[str, int]:
    """Read a ``vocab.txt``: one token per line, the id is the line number (from 0).

    As in transformers, only the newline is stripped (a token may contain spaces) and a token
    repeated on a later line takes that later id.
    """
    vocab: dict[str, int] = {}
    with open(vocab_file, encoding="utf-8") as reader:
        for index, line in enumerate(reader):
            vocab[line.rstrip("\n")] = index
    return vocab


class BasicTokenizer:
    """Text cleaning, CJK splitting, accent stripping, lower-casing, whitespace/punctuation splits.

    Args:
        do_lower_case: lower-case the text (an uncased model's vocabulary has no capitals).
        never_split: tokens (after whitespace splitting) left exactly as written: not lower-cased,
            not accent-stripped, not split on punctuation.
        tokenize_chinese_chars: put spaces around each CJK ideograph, which BERT's multilingual
            and Chinese vocabularies need (their ideographs are single-character tokens).
        strip_accents: drop combining marks after NFD decomposition; ``None`` follows
            ``do_lower_case`` (the original uncased BERT stripped accents, the cased one did not).
    """

    def __init__(
        self,
        do_lower_case: bool = True,
        never_split: Iterable[str] | None = None,
        tokenize_chinese_chars: bool = True,
        strip_accents: bool | None = None,
    ):
        self.do_lower_case = do_lower_case
        self.never_split = set(never_split or ())
        self.tokenize_chinese_chars = tokenize_chinese_chars
        self.strip_accents = strip_accents

    def tokenize(self, text: str) -> list[str]:
        """Split ``text`` into words and punctuation marks (no WordPiece yet)."""
        text = self._clean_text(text)
        if self.tokenize_chinese_chars:
            text = self._tokenize_chinese_chars(text)
        strip = self.strip_accents if self.strip_accents is not None else self.do_lower_case
        output: list[str] = []
        for token in text.split():
            if token in self.never_split:
                output.append(token)
                continue
            if strip:
                token = self._run_strip_accents(token)
            if self.do_lower_case:
                # Character by character, as the fast tokenizer does: str.lower() would apply
                # Greek final-sigma context rules ("ΟΔΟΣ" -> "οδος") that its ids do not have.
                token = "".join(char.lower() for char in token)
            output.extend(self._run_split_on_punc(token))
        # Stripping accents can leave a token empty (it was all combining marks): drop it.
        return [token for token in output if token]

    def tokenize_with_sources(self, text: str) -> list[tuple[str, list[int]]]:
        """:meth:`tokenize`, also returning for each character of each word the index in
        ``text`` of the character it came from.

        Every normalisation step maps one character to zero or more characters (cleaning drops
        some, CJK splitting adds spaces, NFD and lower-casing can expand one character into
        several), so each output character has exactly one source character, as in the
        ``tokenizers`` library's alignments. A span of output characters ``[a, b)`` then covers
        ``[source[a], source[b - 1] + 1)`` of the original text: characters removed inside a
        word (a control character, a decomposed accent) fall inside the span, those removed at
        its ends do not, which is what the fast tokenizer's offsets do.

        Returns:
            ``[(word, [source index per character of word]), ...]``, the words of :meth:`tokenize`.
        """
        chars: list[tuple[str, int]] = []
        for index, char in enumerate(text):
            if char == "\x00" or char == "\ufffd" or _is_control(char):
                continue
            if _is_whitespace(char):
                chars.append((" ", index))
            elif self.tokenize_chinese_chars and _is_chinese_char(ord(char)):
                chars.extend(((" ", index), (char, index), (" ", index)))
            else:
                chars.append((char, index))
        strip = self.strip_accents if self.strip_accents is not None else self.do_lower_case
        output: list[tuple[str, list[int]]] = []
        chunk: list[tuple[str, int]] = []
        for char, index in [*chars, (" ", len(text))]:
            if char != " ":
                chunk.append((char, index))
                continue
            if not chunk:
                continue
            if "".join(c for c, _ in chunk) in self.never_split:
                output.append(("".join(c for c, _ in chunk), [i for _, i in chunk]))
                chunk = []
                continue
            if strip:
                chunk = [(c, i) for c, i in _nfd_with_sources(chunk) if unicodedata.category(c) != "Mn"]
            if self.do_lower_case:
                chunk = [(lower, i) for c, i in chunk for lower in c.lower()]
            word: list[tuple[str, int]] = []
            for c, i in chunk:
                if _is_punctuation(c):
                    if word:
                        output.append(("".join(w for w, _ in word), [j for _, j in word]))
                        word = []
                    output.append((c, [i]))
                else:
                    word.append((c, i))
            if word:
                output.append(("".join(w for w, _ in word), [j for _, j in word]))
            chunk = []
        return output

    @staticmethod
    def _run_strip_accents(text: str) -> str:
        """NFD-decompose, then drop the combining marks (category Mn): "café" -> "cafe"."""
        return "".join(char for char in unicodedata.normalize("NFD", text) if unicodedata.category(char) != "Mn")

    @staticmethod
    def _run_split_on_punc(text: str) -> list[str]:
        """Every punctuation character becomes a token; the runs between them stay whole."""
        output: list[str] = []
        start_new_word = True
        for char in text:
            if _is_punctuation(char):
                output.append(char)
                start_new_word = True
            else:
                if start_new_word:
                    output.append("")
                    start_new_word = False
                output[-1] += char
        return output

    @staticmethod
    def _tokenize_chinese_chars(text: str) -> str:
        """Surround every CJK ideograph with spaces."""
        return "".join(f" {char} " if _is_chinese_char(ord(char)) else char for char in text)

    @staticmethod
    def _clean_text(text: str) -> str:
        """Drop NUL, U+FFFD and control characters; map every whitespace character to a space."""
        output = []
        for char in text:
            if char == "\x00" or char == "\ufffd" or _is_control(char):
                continue
            output.append(" " if _is_whitespace(char) else char)
        return "".join(output)


def _nfd_with_sources(chars: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """NFD of a run of (character, source index) pairs, each decomposed character keeping the
    source of the character it came from.

    Canonical ordering (a stable sort of each run of combining characters by combining class)
    is done here across characters, so the text equals ``unicodedata.normalize("NFD", ...)`` of
    the whole run.
    """
    decomposed = [(piece, index) for char, index in chars for piece in unicodedata.normalize("NFD", char)]
    output: list[tuple[str, int]] = []
    run: list[tuple[str, int]] = []
    for item in decomposed:
        if unicodedata.combining(item[0]):
            run.append(item)
            continue
        output.extend(sorted(run, key=lambda pair: unicodedata.combining(pair[0])))
        run = []
        output.append(item)
    output.extend(sorted(run, key=lambda pair: unicodedata.combining(pair[0])))
    return output


class WordpieceTokenizer:
    """Greedy longest-match-first WordPiece over a fixed vocabulary.

    Args:
        vocab: token -> id; continuation pieces carry the ``##`` prefix.
        unk_token: what a word becomes when some part of it matches no piece.
        max_input_chars_per_word: longer words become ``unk_token`` at once (the greedy search
            is quadratic in the word length, and such "words" are usually noise: URLs, hashes).
    """

    def __init__(self, vocab: dict[str, int], unk_token: str, max_input_chars_per_word: int = 100):
        self.vocab = vocab
        self.unk_token = unk_token
        self.max_input_chars_per_word = max_input_chars_per_word
        # Words repeat a lot in text; caching their pieces makes corpus tokenization several
        # times faster. Bounded so that a stream of distinct words cannot grow it without end.
        self._cache: dict[str, list[str]] = {}

    def tokenize(self, word: str) -> list[str]:
        """The pieces of one word (already split by :class:`BasicTokenizer`)."""
        cached = self._cache.get(word)
        if cached is not None:
            return list(cached)
        pieces = self._tokenize_word(word)
        if len(self._cache) < 200_000:
            self._cache[word] = pieces
        return list(pieces)

    def _tokenize_word(self, word: str) -> list[str]:
        if len(word) > self.max_input_chars_per_word:
            return [self.unk_token]
        pieces = []
        start = 0
        while start < len(word):
            end = len(word)
            piece = None
            while start < end:
                candidate = word[start:end] if start == 0 else "##" + word[start:end]
                if candidate in self.vocab:
                    piece = candidate
                    break
                end -= 1
            if piece is None:
                return [self.unk_token]
            pieces.append(piece)
            start = end
        return pieces


class BatchEncoding(dict):
    """The tokenizer's output: a dict (``input_ids``, ``token_type_ids``, ``attention_mask``, ...)
    whose keys are also attributes, as Hugging Face's ``BatchEncoding``.

    Args:
        data: the keys and values.
        word_ids: per row, the word index of each token (``None`` at special tokens and padding),
            which :meth:`word_ids` returns; kept off the dict because models do not take it.
        sequence_ids: per row, 0 or 1 for the segment of each token (``None`` at special tokens
            and padding), which :meth:`sequence_ids` returns.
    """

    def __init__(self, data=None, *, word_ids=None, sequence_ids=None):
        super().__init__(data or {})
        self._word_ids = word_ids
        self._sequence_ids = sequence_ids

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"BatchEncoding has no key {name!r} (keys: {list(self)})") from None

    def word_ids(self, batch_index: int = 0) -> list[int | None]:
        """For each token of row ``batch_index``, the index of the word it belongs to: a word
        of the pre-tokenizer (whitespace and punctuation split, special tokens in the text
        count as words), or with ``is_split_into_words=True`` the index of the input word;
        ``None`` at added special tokens and padding. Indices restart at 0 in a second segment.

        Raises:
            ValueError: this encoding was not made by the tokenizer's ``__call__`` (``pad``).
            IndexError: ``batch_index`` is not a row.
        """
        return list(self._row(self._word_ids, "word_ids", batch_index))

    def sequence_ids(self, batch_index: int = 0) -> list[int | None]:
        """For each token of row ``batch_index``, 0 (first text) or 1 (``text_pair``); ``None``
        at added special tokens and padding.

        Raises:
            ValueError: this encoding was not made by the tokenizer's ``__call__`` (``pad``).
            IndexError: ``batch_index`` is not a row.
        """
        return list(self._row(self._sequence_ids, "sequence_ids", batch_index))

    @staticmethod
    def _row(rows, name: str, batch_index: int) -> list:
        if rows is None:
            # transformers' message and type for encodings without token alignments.
            raise ValueError(
                f"BatchEncoding.{name}(): not available on this encoding (only on what BertTokenizer() returns)"
            )
        if not -len(rows) <= batch_index < len(rows):
            raise IndexError(f"BatchEncoding.{name}(): batch_index {batch_index} is out of range for {len(rows)} rows")
        return rows[batch_index]


def _special_token_content(value) -> str:
    """A special token as tokenizer_config.json writes it: a string or an AddedToken dict."""
    if isinstance(value, dict):
        return value["content"]
    return str(value)


def _read_tokenizer_json(path: str) -> tuple[dict[str, int], dict]:
    """The vocabulary and options of a ``tokenizers`` BERT file (``tokenizer.json``).

    Raises:
        ValueError: the file describes another model than BERT's WordPiece with ``##``.
    """
    with open(path, encoding="utf-8") as handle:
        spec = json.load(handle)
    model = spec.get("model") or {}
    if model.get("type") != "WordPiece" or model.get("continuing_subword_prefix", "##") != "##":
        raise ValueError(
            f"BertTokenizer.from_pretrained: {path!r} describes a {model.get('type')!r} model "
            f"(prefix {model.get('continuing_subword_prefix')!r}); BertTokenizer reads WordPiece with '##'"
        )
    options: dict = {"unk_token": model.get("unk_token", "[UNK]")}
    if "max_input_chars_per_word" in model:
        options["max_input_chars_per_word"] = model["max_input_chars_per_word"]
    normalizer = spec.get("normalizer") or {}
    if normalizer.get("type") == "BertNormalizer":
        options["do_lower_case"] = normalizer.get("lowercase", True)
        options["strip_accents"] = normalizer.get("strip_accents")
        options["tokenize_chinese_chars"] = normalizer.get("handle_chinese_chars", True)
    elif normalizer:
        raise ValueError(
            f"BertTokenizer.from_pretrained: {path!r} has a {normalizer.get('type')!r} normalizer; "
            "BertTokenizer implements BertNormalizer only"
        )
    return dict(model["vocab"]), options


class BertTokenizer:
    """BERT's tokenizer: :class:`BasicTokenizer` then :class:`WordpieceTokenizer`, plus the
    encoding API of Hugging Face (``__call__``, padding, truncation, special tokens, decode).

    Args:
        vocab: a ``vocab.txt`` path, or a token -> id dict, or a list of tokens (id = position).
        do_lower_case: lower-case the input (uncased models).
        never_split: words kept exactly as written (see :class:`BasicTokenizer`); the legacy
            Python tokenizer's option (transformers 5's fast ``BertTokenizer`` ignores it).
        unk_token, sep_token, pad_token, cls_token, mask_token: the special tokens; they are
            never split, lower-cased or stripped, and must be in the vocabulary.
        tokenize_chinese_chars: split CJK ideographs one by one.
        strip_accents: strip accents; ``None`` follows ``do_lower_case``.
        clean_up_tokenization_spaces: default for :meth:`decode` (transformers 5's BERT default,
            ``False``, keeps "isn ' t"; ``True`` glues English contractions back).
        model_max_length: the length ``truncation=True`` and ``padding='max_length'`` use when no
            ``max_length`` is given (unset: no limit, as in transformers).
        max_input_chars_per_word: longer words become ``[UNK]``.
        padding_side, truncation_side: ``'right'`` (default) or ``'left'``.
    """

    model_input_names = ["input_ids", "token_type_ids", "attention_mask"]

    def __init__(
        self,
        vocab: str | os.PathLike | dict[str, int] | Sequence[str],
        do_lower_case: bool = True,
        never_split: Iterable[str] | None = None,
        unk_token: str = "[UNK]",
        sep_token: str = "[SEP]",
        pad_token: str = "[PAD]",
        cls_token: str = "[CLS]",
        mask_token: str = "[MASK]",
        tokenize_chinese_chars: bool = True,
        strip_accents: bool | None = None,
        clean_up_tokenization_spaces: bool = False,
        model_max_length: int | None = None,
        max_input_chars_per_word: int = 100,
        padding_side: str = "right",
        truncation_side: str = "right",
    ):
        if isinstance(vocab, (str, os.PathLike)):
            if not os.path.isfile(vocab):
                raise ValueError(f"BertTokenizer: no vocabulary file at {os.fspath(vocab)!r}")
            vocab = load_vocab(vocab)
        elif isinstance(vocab, dict):
            vocab = dict(vocab)
        else:
            vocab = {token: index for index, token in enumerate(vocab)}
        if not vocab:
            raise ValueError("BertTokenizer: the vocabulary is empty")
        for side_name, side in (("padding_side", padding_side), ("truncation_side", truncation_side)):
            if side not in ("right", "left"):
                raise ValueError(f"BertTokenizer: {side_name} must be 'right' or 'left', got {side!r}")
        self.vocab = vocab
        self.ids_to_tokens = {index: token for token, index in vocab.items()}
        self.unk_token = str(unk_token)
        self.sep_token = str(sep_token)
        self.pad_token = str(pad_token)
        self.cls_token = str(cls_token)
        self.mask_token = str(mask_token)
        missing = [token for token in self.all_special_tokens if token not in vocab]
        if missing:
            raise ValueError(
                f"BertTokenizer: special tokens {missing} are not in the vocabulary "
                f"({len(vocab)} tokens); BERT needs an id for each of them"
            )
        self.do_lower_case = do_lower_case
        self.tokenize_chinese_chars = tokenize_chinese_chars
        self.strip_accents = strip_accents
        self.never_split = list(never_split or ())
        self.clean_up_tokenization_spaces = clean_up_tokenization_spaces
        self.model_max_length = VERY_LARGE_INTEGER if model_max_length is None else int(model_max_length)
        self.padding_side = padding_side
        self.truncation_side = truncation_side
        self.basic_tokenizer = BasicTokenizer(
            do_lower_case=do_lower_case,
            never_split=self.never_split,
            tokenize_chinese_chars=tokenize_chinese_chars,
            strip_accents=strip_accents,
        )
        self.wordpiece_tokenizer = WordpieceTokenizer(vocab, self.unk_token, max_input_chars_per_word)
        # Longest first, so that one special token that is a prefix of another cannot cut it.
        self._special_tokens_by_length = sorted(set(self.all_special_tokens), key=len, reverse=True)
        self._special_first_chars = {token[0] for token in self._special_tokens_by_length if token}

    # ----------------------------------------------------------------- loading and saving

    @classmethod
    def from_pretrained(cls, directory: str | os.PathLike, **kwargs) -> BertTokenizer:
        """Load a Hugging Face tokenizer folder: ``vocab.txt`` (or, without one, the vocabulary
        and normaliser switches of ``tokenizer.json``, all that transformers 5 saves) and, when
        present, ``tokenizer_config.json`` (casing, accents, special tokens, model_max_length)
        and ``special_tokens_map.json``. Keyword arguments override what the files say.

        Raises:
            OSError: ``directory`` is not a folder or holds neither ``vocab.txt`` nor
                ``tokenizer.json``.
            ValueError: a ``tokenizer.json`` for another kind of tokenizer.
        """
        directory = os.fspath(directory)
        if not os.path.isdir(directory):
            raise OSError(f"BertTokenizer.from_pretrained: {directory!r} is not a folder")
        vocab_file = os.path.join(directory, "vocab.txt")
        tokenizer_file = os.path.join(directory, "tokenizer.json")
        options: dict = {}
        vocab: str | dict = vocab_file
        if not os.path.isfile(vocab_file):
            if not os.path.isfile(tokenizer_file):
                raise OSError(
                    f"BertTokenizer.from_pretrained: no vocab.txt or tokenizer.json in {directory!r} "
                    f"(found: {sorted(os.listdir(directory))})"
                )
            # transformers 5 saves only tokenizer.json (+ tokenizer_config.json): read the
            # WordPiece vocabulary and the BERT normaliser's switches from it.
            vocab, options = _read_tokenizer_json(tokenizer_file)
        for name in ("special_tokens_map.json", "tokenizer_config.json"):
            path = os.path.join(directory, name)
            if os.path.isfile(path):
                with open(path, encoding="utf-8") as handle:
                    options.update(json.load(handle))
        init: dict = {}
        for key in _SPECIAL_TOKEN_NAMES:
            if options.get(key) is not None:
                init[key] = _special_token_content(options[key])
        for key in (
            "do_lower_case",
            "never_split",
            "tokenize_chinese_chars",
            "strip_accents",
            "clean_up_tokenization_spaces",
            "model_max_length",
            "padding_side",
            "truncation_side",
        ):
            if options.get(key) is not None:
                init[key] = options[key]
        # Configs written by transformers 2.x and 3.x say max_len.
        if "model_max_length" not in init and options.get("max_len") is not None:
            init["model_max_length"] = options["max_len"]
        if "max_input_chars_per_word" in options:
            init["max_input_chars_per_word"] = options["max_input_chars_per_word"]
        init.update(kwargs)
        return cls(vocab, **init)

    def save_pretrained(self, directory: str | os.PathLike) -> tuple[str, ...]:
        """Write ``vocab.txt``, ``tokenizer_config.json`` and ``special_tokens_map.json`` into
        ``directory`` (created if needed): a folder ``transformers.AutoTokenizer`` loads.

        Returns:
            The paths written.
        """
        directory = os.fspath(directory)
        os.makedirs(directory, exist_ok=True)
        vocab_file = os.path.join(directory, "vocab.txt")
        ordered = sorted(self.vocab.items(), key=lambda item: item[1])
        if [index for _, index in ordered] != list(range(len(ordered))):
            raise ValueError(
                "BertTokenizer.save_pretrained: the vocabulary ids are not 0..n-1 without gaps, "
                "so vocab.txt (where the id is the line number) cannot represent them"
            )
        with open(vocab_file, "w", encoding="utf-8") as writer:
            for token, _ in ordered:
                writer.write(token + "\n")
        special = {key: getattr(self, key) for key in _SPECIAL_TOKEN_NAMES}
        config = {
            "tokenizer_class": "BertTokenizer",
            "do_lower_case": self.do_lower_case,
            "strip_accents": self.strip_accents,
            "tokenize_chinese_chars": self.tokenize_chinese_chars,
            "never_split": self.never_split or None,
            "clean_up_tokenization_spaces": self.clean_up_tokenization_spaces,
            "model_max_length": self.model_max_length,
            "padding_side": self.padding_side,
            "truncation_side": self.truncation_side,
            **special,
        }
        paths = [vocab_file]
        for name, content in (("tokenizer_config.json", config), ("special_tokens_map.json", special)):
            path = os.path.join(directory, name)
            with open(path, "w", encoding="utf-8") as handle:
                json.dump(content, handle, indent=2, ensure_ascii=False)
                handle.write("\n")
            paths.append(path)
        return tuple(paths)

    # ----------------------------------------------------------------- vocabulary

    @property
    def vocab_size(self) -> int:
        """Number of tokens in the vocabulary."""
        return len(self.vocab)

    def __len__(self) -> int:
        return len(self.vocab)

    def get_vocab(self) -> dict[str, int]:
        """A copy of the token -> id mapping."""
        return dict(self.vocab)

    @property
    def all_special_tokens(self) -> list[str]:
        """The special tokens in transformers' order (unk, sep, pad, cls, mask)."""
        return [getattr(self, key) for key in _SPECIAL_TOKEN_NAMES]

    @property
    def all_special_ids(self) -> list[int]:
        """Ids of :attr:`all_special_tokens`, same order."""
        return [self.vocab[token] for token in self.all_special_tokens]

    @property
    def special_tokens_map(self) -> dict[str, str]:
        """``{'unk_token': '[UNK]', ...}`` as transformers reports it."""
        return {key: getattr(self, key) for key in _SPECIAL_TOKEN_NAMES}

    @property
    def unk_token_id(self) -> int:
        return self.vocab[self.unk_token]

    @property
    def sep_token_id(self) -> int:
        return self.vocab[self.sep_token]

    @property
    def pad_token_id(self) -> int:
        return self.vocab[self.pad_token]

    @property
    def cls_token_id(self) -> int:
        return self.vocab[self.cls_token]

    @property
    def mask_token_id(self) -> int:
        return self.vocab[self.mask_token]

    def convert_tokens_to_ids(self, tokens: str | Iterable[str]) -> int | list[int]:
        """Token(s) -> id(s); a token outside the vocabulary maps to ``[UNK]``'s id."""
        unk = self.unk_token_id
        if isinstance(tokens, str):
            return self.vocab.get(tokens, unk)
        return [self.vocab.get(token, unk) for token in tokens]

    def convert_ids_to_tokens(self, ids, skip_special_tokens: bool = False):
        """Id(s) -> token(s); an id outside the vocabulary gives ``None``, as transformers'."""
        if isinstance(ids, (int, np.integer)):
            return self.ids_to_tokens.get(int(ids))
        special = set(self.all_special_ids) if skip_special_tokens else set()
        return [self.ids_to_tokens.get(int(index)) for index in _as_id_list(ids) if int(index) not in special]

    # ----------------------------------------------------------------- tokenizing

    def tokenize(self, text: str) -> list[str]:
        """Text -> WordPiece tokens (no ``[CLS]``/``[SEP]`` added); special tokens in the text
        are kept whole."""
        if not isinstance(text, str):
            raise TypeError(f"BertTokenizer.tokenize: expected a str, got {type(text).__name__}")
        tokens: list[str] = []
        for segment, is_special in self._split_on_special_tokens(text):
            if is_special:
                tokens.append(segment)
                continue
            for word in self.basic_tokenizer.tokenize(segment):
                if word in self.basic_tokenizer.never_split:
                    tokens.append(word)
                else:
                    tokens.extend(self.wordpiece_tokenizer.tokenize(word))
        return tokens

    def _split_on_special_tokens(self, text: str) -> list[tuple[str, bool]]:
        """Cut ``text`` into (segment, is_special_token) at each occurrence of a special token,
        scanning left to right and preferring the longest match."""
        segments: list[tuple[str, bool]] = []
        start = position = 0
        while position < len(text):
            if text[position] in self._special_first_chars:
                match = next(
                    (token for token in self._special_tokens_by_length if text.startswith(token, position)), None
                )
                if match is not None:
                    if start < position:
                        segments.append((text[start:position], False))
                    segments.append((match, True))
                    position += len(match)
                    start = position
                    continue
            position += 1
        if start < len(text):
            segments.append((text[start:], False))
        return segments

    def build_inputs_with_special_tokens(
        self, token_ids_0: list[int], token_ids_1: list[int] | None = None
    ) -> list[int]:
        """``[CLS] A [SEP]`` or ``[CLS] A [SEP] B [SEP]``."""
        if token_ids_1 is None:
            return [self.cls_token_id, *token_ids_0, self.sep_token_id]
        return [self.cls_token_id, *token_ids_0, self.sep_token_id, *token_ids_1, self.sep_token_id]

    def create_token_type_ids_from_sequences(
        self, token_ids_0: list[int], token_ids_1: list[int] | None = None
    ) -> list[int]:
        """0 for ``[CLS] A [SEP]``, 1 for ``B [SEP]``."""
        first = len(token_ids_0) + 2
        if token_ids_1 is None:
            return [0] * first
        return [0] * first + [1] * (len(token_ids_1) + 1)

    def get_special_tokens_mask(
        self, token_ids_0: list[int], token_ids_1: list[int] | None = None, already_has_special_tokens: bool = False
    ) -> list[int]:
        """1 where a special token is (or would be, once added), 0 for sequence tokens.

        With ``already_has_special_tokens=True`` the ids are looked up against the special ids,
        which is how the masked-LM collator keeps ``[CLS]``, ``[SEP]`` and ``[PAD]`` unmasked.
        """
        if already_has_special_tokens:
            if token_ids_1 is not None:
                raise ValueError(
                    "get_special_tokens_mask: pass one sequence (with its special tokens) when "
                    "already_has_special_tokens=True, not a pair"
                )
            special = set(self.all_special_ids)
            return [1 if int(index) in special else 0 for index in token_ids_0]
        if token_ids_1 is None:
            return [1] + [0] * len(token_ids_0) + [1]
        return [1] + [0] * len(token_ids_0) + [1] + [0] * len(token_ids_1) + [1]

    def encode(self, text: str, text_pair: str | None = None, add_special_tokens: bool = True, **kwargs) -> list[int]:
        """The ``input_ids`` of one text (or pair); the keyword arguments are ``__call__``'s."""
        return self(text, text_pair, add_special_tokens=add_special_tokens, **kwargs)["input_ids"]

    def __call__(
        self,
        text: str | Sequence[str] | Sequence[tuple[str, str]],
        text_pair: str | Sequence[str] | None = None,
        add_special_tokens: bool = True,
        padding: bool | str = False,
        truncation: bool | str | None = None,
        max_length: int | None = None,
        is_split_into_words: bool = False,
        pad_to_multiple_of: int | None = None,
        return_tensors: str | None = None,
        return_token_type_ids: bool | None = None,
        return_attention_mask: bool | None = None,
        return_special_tokens_mask: bool = False,
        return_offsets_mapping: bool = False,
        return_length: bool = False,
    ) -> BatchEncoding:
        """Encode one text, one pair, or a batch (a list of texts, or of ``(text, pair)`` tuples,
        or a list of texts with a list of pairs) into ids, as transformers' tokenizers do.

        Args:
            text: a string, or a list of strings or of 2-tuples for a batch.
            text_pair: the second segment(s) (token type 1), same structure as ``text``.
            add_special_tokens: add ``[CLS]``/``[SEP]``.
            padding: ``False``/``'do_not_pad'``; ``True``/``'longest'`` pads a batch to its longest
                member; ``'max_length'`` pads to ``max_length`` (or ``model_max_length``).
            truncation: ``False``/``'do_not_truncate'``; ``True``/``'longest_first'`` shortens the
                longer segment first (the fast tokenizer's split: when both must shrink, the
                first gets ``budget // 2`` and the second the rest, or the other way round when
                the first is longer); ``'only_first'``/``'only_second'`` shorten one segment and
                raise if it is too short. ``None`` (default) means ``'longest_first'`` when a
                ``max_length`` is given without padding, as transformers does.
            max_length: the length cap, special tokens included.
            is_split_into_words: the input is already split into words: a list of str for one
                text (``text_pair`` likewise), a list of such lists for a batch. Each word is
                then tokenized on its own (so it can still split at punctuation), and
                :meth:`BatchEncoding.word_ids` gives the index of the input word of each token.
            pad_to_multiple_of: round the padded length up to a multiple of this.
            return_tensors: ``None`` for lists; ``'np'`` for int64 NumPy arrays; ``'cr'`` for
                chainrule tensors. A single text gives a batch of one.
            return_token_type_ids, return_attention_mask: include those keys (default: yes).
            return_special_tokens_mask: include ``special_tokens_mask`` (1 at special tokens).
            return_offsets_mapping: include ``offset_mapping``: per token, the ``(start, end)``
                character span it covers in its original text (in its own word with
                ``is_split_into_words``), ``(0, 0)`` at added special tokens and padding, as the
                fast tokenizer reports them. A ``[UNK]`` covers its whole word; characters removed
                by cleaning or accent stripping inside a word lie inside the span of the token
                around them, those at its edges lie outside every span.
            return_length: include ``length`` (the row's length after padding, as transformers).

        Raises:
            ValueError: an input that is not text; a truncation that cannot be done; ragged
                tensors asked for without padding; an unknown strategy or tensor type.
            TypeError: with ``is_split_into_words``, an input that is not a list of words (as
                transformers raises).
        """
        if text is None:
            raise ValueError("BertTokenizer: text is None; pass a string or a list of strings")
        batched = not isinstance(text, str)
        if is_split_into_words:
            pairs, batched = _word_list_pairs(text, text_pair)
        elif batched:
            if not isinstance(text, (list, tuple)) or not all(isinstance(item, (str, tuple, list)) for item in text):
                raise ValueError(
                    f"BertTokenizer: text must be a str, a list of str, or a list of (text, pair) "
                    f"tuples; got {type(text).__name__}"
                )
            if text_pair is None and text and all(isinstance(item, (tuple, list)) for item in text):
                if not all(len(item) == 2 for item in text):
                    raise ValueError("BertTokenizer: each (text, pair) item of a batch must have 2 strings")
                pairs = [(item[0], item[1]) for item in text]
            elif text_pair is None:
                pairs = [(item, None) for item in text]
            else:
                if isinstance(text_pair, str) or len(text_pair) != len(text):
                    raise ValueError(
                        f"BertTokenizer: a batch of {len(text)} texts needs a list of {len(text)} "
                        f"text_pair strings, got {text_pair if isinstance(text_pair, str) else len(text_pair)!r}"
                    )
                pairs = list(zip(text, text_pair, strict=True))
        else:
            if text_pair is not None and not isinstance(text_pair, str):
                raise ValueError(
                    f"BertTokenizer: text_pair of a single text must be a str, got {type(text_pair).__name__}"
                )
            # transformers drops an empty text_pair of a single text (it tests it for truth), but
            # keeps empty pairs inside a batch: both kept here for identical ids.
            pairs = [(text, text_pair or None)]
        for first, second in [] if is_split_into_words else pairs:
            for value in (first, second):
                if value is not None and not isinstance(value, str):
                    raise ValueError(f"BertTokenizer: expected text as str, got {type(value).__name__}")

        padding_strategy, truncation_strategy, max_length = self._strategies(padding, truncation, max_length)
        want_types = return_token_type_ids is None or return_token_type_ids
        want_mask = return_attention_mask is None or return_attention_mask

        rows = []
        for first, second in pairs:
            # (id, span, word index) per token, so that truncation cuts all three together.
            tokens = self._encode_segment(first, return_offsets_mapping)
            pair_tokens = self._encode_segment(second, return_offsets_mapping) if second is not None else None
            if truncation_strategy is not None and max_length is not None:
                tokens, pair_tokens = self._truncate(
                    tokens, pair_tokens, max_length, truncation_strategy, add_special_tokens
                )
            ids = [token[0] for token in tokens]
            pair_ids = [token[0] for token in pair_tokens] if pair_tokens is not None else None
            if add_special_tokens:
                input_ids = self.build_inputs_with_special_tokens(ids, pair_ids)
                token_type_ids = self.create_token_type_ids_from_sequences(ids, pair_ids)
                special_mask = self.get_special_tokens_mask(ids, pair_ids)
            else:
                input_ids = ids + (pair_ids or [])
                token_type_ids = [0] * len(ids) + [1] * len(pair_ids or [])
                special_mask = [0] * len(input_ids)
            row = {"input_ids": input_ids}
            if want_types:
                row["token_type_ids"] = token_type_ids
            if want_mask:
                row["attention_mask"] = [1] * len(input_ids)
            if return_special_tokens_mask:
                row["special_tokens_mask"] = special_mask
            second_tokens = pair_tokens or []
            if return_offsets_mapping:
                row["offset_mapping"] = self._frame(
                    [token[1] for token in tokens],
                    [token[1] for token in second_tokens],
                    pair_tokens is not None,
                    (0, 0),
                    add_special_tokens,
                )
            # Not model inputs: taken off the rows into the BatchEncoding's accessors below.
            row["_word_ids"] = self._frame(
                [token[2] for token in tokens],
                [token[2] for token in second_tokens],
                pair_tokens is not None,
                None,
                add_special_tokens,
            )
            row["_sequence_ids"] = self._frame(
                [0] * len(tokens), [1] * len(second_tokens), pair_tokens is not None, None, add_special_tokens
            )
            rows.append(row)

        if padding_strategy is not None:
            target = max(len(row["input_ids"]) for row in rows) if padding_strategy == "longest" else max_length
            if target is not None and pad_to_multiple_of:
                target = -(-target // pad_to_multiple_of) * pad_to_multiple_of
            if target is not None:
                rows = [self._pad_row(row, target) for row in rows]
        if return_length:
            # After padding, as transformers counts it.
            for row in rows:
                row["length"] = len(row["input_ids"])
        word_ids = [row.pop("_word_ids") for row in rows]
        sequence_ids = [row.pop("_sequence_ids") for row in rows]
        encoding = BatchEncoding(
            {key: [row[key] for row in rows] for key in rows[0]} if rows else {},
            word_ids=word_ids,
            sequence_ids=sequence_ids,
        )
        if not batched:
            # transformers keeps a single text's length as a one-element list.
            encoding = BatchEncoding(
                {key: value if key == "length" else value[0] for key, value in encoding.items()},
                word_ids=word_ids,
                sequence_ids=sequence_ids,
            )
        return _convert_to_tensors(encoding, return_tensors, batched, "BertTokenizer")

    def _encode_segment(self, text: str | list[str], with_offsets: bool) -> list[tuple]:
        """``(id, (start, end) or None, word index)`` per token of one segment: a text, or a
        list of words (``is_split_into_words``), each word then encoded on its own, its spans
        relative to itself and its tokens carrying its index."""
        if isinstance(text, str):
            return self._encode_text(text, with_offsets)
        return [
            (index, span, position)
            for position, word in enumerate(text)
            for index, span, _ in self._encode_text(word, with_offsets)
        ]

    def _encode_text(self, text: str, with_offsets: bool) -> list[tuple]:
        """``(id, (start, end) or None, word index)`` per token of ``text``: the ids of
        :meth:`tokenize`, the words counted as the fast tokenizer's pre-tokenizer splits them
        (a special token in the text is a word), the spans computed only when asked (they
        need the per-character alignment, which the plain path does without)."""
        unk = self.unk_token_id
        output: list[tuple] = []
        word_index = 0
        position = 0
        for segment, is_special in self._split_on_special_tokens(text):
            if is_special:
                output.append((self.vocab[segment], (position, position + len(segment)), word_index))
                word_index += 1
            elif with_offsets:
                for word, sources in self.basic_tokenizer.tokenize_with_sources(segment):
                    for piece, start, end in self._pieces_with_spans(word):
                        span = (position + sources[start], position + sources[end - 1] + 1)
                        output.append((self.vocab.get(piece, unk), span, word_index))
                    word_index += 1
            else:
                for word in self.basic_tokenizer.tokenize(segment):
                    for piece in self._pieces(word):
                        output.append((self.vocab.get(piece, unk), None, word_index))
                    word_index += 1
            position += len(segment)
        return output

    def _pieces(self, word: str) -> list[str]:
        if word in self.basic_tokenizer.never_split:
            return [word]
        return self.wordpiece_tokenizer.tokenize(word)

    def _pieces_with_spans(self, word: str) -> list[tuple[str, int, int]]:
        """WordPiece pieces of ``word`` with the ``[start, end)`` characters of ``word`` each
        covers; an unknown word is one ``[UNK]`` over all of it."""
        pieces = self._pieces(word)
        if pieces == [self.unk_token] or pieces == [word]:
            return [(pieces[0], 0, len(word))]
        spans = []
        start = 0
        for position, piece in enumerate(pieces):
            # A word never contains "#" (ASCII punctuation splits off), so only continuations
            # carry the prefix.
            end = start + len(piece) - (2 if position else 0)
            spans.append((piece, start, end))
            start = end
        return spans

    @staticmethod
    def _frame(first: list, second: list, has_pair: bool, fill, add_special_tokens: bool) -> list:
        """Lay out per-token values as the input ids are: ``fill`` where ``[CLS]``/``[SEP]`` go."""
        if not add_special_tokens:
            return first + second
        if not has_pair:
            return [fill, *first, fill]
        return [fill, *first, fill, *second, fill]

    def _strategies(self, padding, truncation, max_length):
        """Resolve padding/truncation/max_length as transformers' tokenizers do."""
        if padding not in _PADDING_STRATEGIES:
            raise ValueError(
                f"BertTokenizer: padding must be True, False, 'longest', 'max_length' or 'do_not_pad', got {padding!r}"
            )
        if truncation is not None and truncation not in _TRUNCATION_STRATEGIES:
            raise ValueError(
                "BertTokenizer: truncation must be True, False, 'longest_first', 'only_first', "
                f"'only_second' or 'do_not_truncate', got {truncation!r}"
            )
        if max_length is not None and (
            isinstance(max_length, bool) or not isinstance(max_length, (int, np.integer)) or max_length < 0
        ):
            raise ValueError(f"BertTokenizer: max_length must be a non-negative int, got {max_length!r}")
        padding_strategy = _PADDING_STRATEGIES[padding]
        if truncation is None:
            # A max_length without padding means "cut here" (transformers warns and truncates).
            truncation_strategy = "longest_first" if max_length is not None and padding_strategy is None else None
        else:
            truncation_strategy = _TRUNCATION_STRATEGIES[truncation]
        limit = max_length
        if limit is None and self.model_max_length <= LARGE_INTEGER:
            limit = self.model_max_length
        if padding_strategy == "max_length" and limit is None:
            # No length to pad to: transformers warns and does not pad.
            padding_strategy = None
        if truncation_strategy is not None and limit is None:
            truncation_strategy = None
        return padding_strategy, truncation_strategy, limit

    def _truncate(self, ids, pair_ids, max_length, strategy, add_special_tokens):
        """Shorten the segments so that the whole sequence fits ``max_length``.

        The arithmetic is the fast tokenizer's (tokenizers' ``truncate_encodings``).
        """
        n_special = (3 if pair_ids is not None else 2) if add_special_tokens else 0
        if max_length < n_special:
            # transformers leaves the sequence as it is when even the special tokens do not fit.
            return ids, pair_ids
        budget = max_length - n_special
        n_pair = len(pair_ids) if pair_ids is not None else 0
        total = len(ids) + n_pair
        if budget == 0:
            return [], ([] if pair_ids is not None else None)
        if total <= budget:
            return ids, pair_ids
        if strategy == "longest_first":
            if pair_ids is None:
                return self._cut(ids, budget), None
            n1, n2 = len(ids), n_pair
            swap = n1 > n2
            if swap:
                n1, n2 = n2, n1
            # n1 is now the shorter segment: it is kept whole when the longer fits the rest.
            n2 = n1 if n1 > budget else max(n1, budget - n1)
            if n1 + n2 > budget:
                n1 = budget // 2
                n2 = n1 + budget % 2
            if swap:
                n1, n2 = n2, n1
            return self._cut(ids, n1), self._cut(pair_ids, n2)
        to_remove = total - budget
        if strategy == "only_second" and pair_ids is None:
            raise ValueError("BertTokenizer: truncation='only_second' needs a text_pair (there is no second sequence)")
        target = ids if strategy == "only_first" else pair_ids
        if len(target) <= to_remove:
            raise ValueError(
                f"BertTokenizer: truncation={strategy!r} must remove {to_remove} tokens to fit max_length={max_length} "
                f"but the {'first' if strategy == 'only_first' else 'second'} sequence has only {len(target)}; "
                "use truncation='longest_first' or a larger max_length"
            )
        cut = self._cut(target, len(target) - to_remove)
        return (cut, pair_ids) if strategy == "only_first" else (ids, cut)

    def _cut(self, ids: list[int], length: int) -> list[int]:
        if len(ids) <= length:
            return ids
        return ids[len(ids) - length :] if self.truncation_side == "left" else ids[:length]

    def _pad_row(self, row: dict, length: int) -> dict:
        """Pad one encoded row to ``length`` on :attr:`padding_side`."""
        missing = length - len(row["input_ids"])
        if missing <= 0:
            return row
        fill = {
            "input_ids": self.pad_token_id,
            "token_type_ids": 0,
            "attention_mask": 0,
            "special_tokens_mask": 1,
            "offset_mapping": (0, 0),
            "_word_ids": None,
            "_sequence_ids": None,
        }
        padded = {}
        for key, value in row.items():
            if key not in fill:
                padded[key] = value
                continue
            extra = [fill[key]] * missing
            padded[key] = extra + list(value) if self.padding_side == "left" else list(value) + extra
        return padded

    def pad(
        self,
        encoded_inputs,
        padding: bool | str = True,
        max_length: int | None = None,
        pad_to_multiple_of: int | None = None,
        return_attention_mask: bool | None = None,
        return_tensors: str | None = None,
    ) -> BatchEncoding:
        """Pad already-encoded rows (a list of dicts, or a dict of lists) into a batch, adding
        ``attention_mask`` unless told not to: what data collators call.

        Raises:
            ValueError: rows without ``input_ids``, or an unknown padding strategy.
        """
        if isinstance(encoded_inputs, dict):
            keys = list(encoded_inputs)
            count = len(encoded_inputs["input_ids"]) if "input_ids" in encoded_inputs else 0
            rows = [{key: _as_id_list(encoded_inputs[key][i]) for key in keys} for i in range(count)]
        else:
            rows = [{key: _as_id_list(value) for key, value in dict(row).items()} for row in encoded_inputs]
        if not rows or any("input_ids" not in row for row in rows):
            raise ValueError("BertTokenizer.pad: every row needs input_ids (got no rows or rows without them)")
        if padding not in _PADDING_STRATEGIES:
            raise ValueError(
                f"BertTokenizer.pad: padding must be True, False, 'longest' or 'max_length', got {padding!r}"
            )
        strategy = _PADDING_STRATEGIES[padding]
        if strategy == "max_length" and max_length is None:
            strategy = None if self.model_max_length > LARGE_INTEGER else strategy
            max_length = None if strategy is None else self.model_max_length
        if return_attention_mask is None or return_attention_mask:
            for row in rows:
                row.setdefault("attention_mask", [1] * len(row["input_ids"]))
        if strategy is not None:
            target = max(len(row["input_ids"]) for row in rows) if strategy == "longest" else max_length
            if pad_to_multiple_of:
                target = -(-target // pad_to_multiple_of) * pad_to_multiple_of
            rows = [self._pad_row(row, target) for row in rows]
        encoding = BatchEncoding({key: [row[key] for row in rows] for key in rows[0]})
        return _convert_to_tensors(encoding, return_tensors, True, "BertTokenizer.pad")

    # ----------------------------------------------------------------- decoding

    def convert_tokens_to_string(self, tokens: list[str]) -> str:
        """Join WordPiece tokens into text, gluing ``##`` continuations to what precedes them."""
        return _wordpiece_decode(tokens)

    def decode(
        self, token_ids, skip_special_tokens: bool = False, clean_up_tokenization_spaces: bool | None = None
    ) -> str:
        """Ids -> text as transformers' BERT decoder writes it: pieces joined, ``##`` glued, and
        a space dropped before ``. , ? !``; ids outside the vocabulary are skipped.

        Args:
            token_ids: an int, a list of ints, or a 1-D array/tensor.
            skip_special_tokens: leave out ``[CLS]``, ``[SEP]``, ``[PAD]``, ``[MASK]``, ``[UNK]``.
            clean_up_tokenization_spaces: also glue English contractions (``" n't"`` ...);
                ``None`` uses the tokenizer's default.
        """
        ids = _as_id_list(token_ids)
        special = set(self.all_special_ids) if skip_special_tokens else set()
        tokens = [self.ids_to_tokens[index] for index in ids if index in self.ids_to_tokens and index not in special]
        text = _wordpiece_decode(tokens)
        clean = (
            self.clean_up_tokenization_spaces if clean_up_tokenization_spaces is None else clean_up_tokenization_spaces
        )
        if clean:
            text = _clean_up_tokenization(text)
        return text

    def batch_decode(
        self, sequences, skip_special_tokens: bool = False, clean_up_tokenization_spaces: bool | None = None
    ) -> list[str]:
        """:meth:`decode` for each row."""
        return [self.decode(row, skip_special_tokens, clean_up_tokenization_spaces) for row in sequences]

    def __repr__(self) -> str:
        return (
            f"BertTokenizer(vocab_size={self.vocab_size}, do_lower_case={self.do_lower_case}, "
            f"strip_accents={self.strip_accents}, tokenize_chinese_chars={self.tokenize_chinese_chars}, "
            f"model_max_length={self.model_max_length})"
        )


def _word_list_pairs(text, text_pair) -> tuple[list[tuple[list[str], list[str] | None]], bool]:
    """``(pairs, batched)`` for ``is_split_into_words=True`` input, with transformers' rules: a
    list whose first item is a list or tuple is a batch; an empty ``text_pair`` of one text
    counts as none.

    Raises:
        TypeError: a text that is not a list of str; a str ``text_pair`` for a batch.
        ValueError: a batch of pairs of two different lengths.
    """

    def words(value, what: str) -> list[str]:
        if not isinstance(value, (list, tuple)) or not all(isinstance(word, str) for word in value):
            raise TypeError(
                f"BertTokenizer: with is_split_into_words=True, {what} must be a list of str (the words) "
                f"or a list of such lists (a batch), got {type(value).__name__} "
                + (
                    f"holding {sorted({type(word).__name__ for word in value})}"
                    if isinstance(value, (list, tuple))
                    else ""
                )
            )
        return list(value)

    batched = isinstance(text, (list, tuple)) and len(text) > 0 and isinstance(text[0], (list, tuple))
    if not batched:
        return [(words(text, "text"), words(text_pair, "text_pair") if text_pair else None)], False
    if isinstance(text_pair, str):
        raise TypeError("BertTokenizer: for a batch of word lists, text_pair must be a list of word lists, got a str")
    if text_pair is not None and len(text_pair) != len(text):
        raise ValueError(
            f"BertTokenizer: a batch of {len(text)} word lists needs {len(text)} text_pair word lists, got {len(text_pair)}"
        )
    seconds = text_pair if text_pair is not None else [None] * len(text)
    return [
        (
            words(first, "each text of the batch"),
            None if second is None else words(second, "each text_pair of the batch"),
        )
        for first, second in zip(text, seconds, strict=True)
    ], True


def _as_id_list(ids) -> list[int]:
    """An int, list, NumPy array or chainrule tensor of ids as a list of Python ints."""
    if hasattr(ids, "numpy") and not isinstance(ids, np.ndarray):
        ids = ids.numpy()
    if isinstance(ids, (int, np.integer)):
        return [int(ids)]
    return [int(index) for index in np.asarray(ids).reshape(-1).tolist()]


def _cleanup_piece(text: str) -> str:
    """The cleanup the tokenizers WordPiece decoder applies to each (space-prefixed) piece."""
    return (
        text.replace(" .", ".")
        .replace(" ?", "?")
        .replace(" !", "!")
        .replace(" ,", ",")
        .replace(" ' ", "'")
        .replace(" n't", "n't")
        .replace(" 'm", "'m")
        .replace(" do not", " don't")
        .replace(" 's", "'s")
        .replace(" 've", "'ve")
        .replace(" 're", "'re")
    )


def _wordpiece_decode(tokens: list[str]) -> str:
    """tokenizers' WordPiece decoder: a ``##`` piece glues on, others get a leading space (the
    first token keeps whatever it is), and each piece is cleaned up on its own."""
    pieces = []
    for position, token in enumerate(tokens):
        if position:
            token = token[2:] if token.startswith("##") else " " + token
        pieces.append(_cleanup_piece(token))
    return "".join(pieces)


def _clean_up_tokenization(text: str) -> str:
    """transformers' ``clean_up_tokenization`` over the whole decoded string."""
    return (
        text.replace(" .", ".")
        .replace(" ?", "?")
        .replace(" !", "!")
        .replace(" ,", ",")
        .replace(" ' ", "'")
        .replace(" n't", "n't")
        .replace(" 'm", "'m")
        .replace(" 's", "'s")
        .replace(" 've", "'ve")
        .replace(" 're", "'re")
    )


def _convert_to_tensors(
    encoding: BatchEncoding, return_tensors: str | None, batched: bool, owner: str
) -> BatchEncoding:
    """Lists -> int64 arrays (``'np'``) or chainrule tensors (``'cr'``); a single text becomes a
    batch of one, as in transformers."""
    if return_tensors is None:
        return encoding
    if return_tensors not in ("np", "cr"):
        raise ValueError(f"{owner}: return_tensors must be None, 'np' or 'cr' (chainrule), got {return_tensors!r}")
    converted = BatchEncoding(word_ids=encoding._word_ids, sequence_ids=encoding._sequence_ids)
    for key, value in encoding.items():
        if key == "length":
            converted[key] = np.asarray(value, dtype=np.int64)
            continue
        rows = value if batched else [value]
        if len({len(row) for row in rows}) > 1:
            raise ValueError(
                f"{owner}: cannot make one tensor of {key} with rows of lengths {sorted({len(row) for row in rows})}; "
                "pass padding=True (and truncation=True if the texts may be too long)"
            )
        converted[key] = np.asarray(rows, dtype=np.int64)
    if return_tensors == "cr":
        from ...creation import from_numpy

        converted = BatchEncoding(
            {key: from_numpy(array) for key, array in converted.items()},
            word_ids=encoding._word_ids,
            sequence_ids=encoding._sequence_ids,
        )
    return converted
