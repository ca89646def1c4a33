"""BertTokenizer against transformers' BertTokenizer (the fast, tokenizers-backed one since
transformers 5) and its pure-Python BertTokenizerLegacy, on a vocabulary built here."""

import json
import os
import unicodedata

import numpy as np
import pytest

import chainrule
from chainrule.models.bert import BertTokenizer
from chainrule.models.bert.tokenizer import BasicTokenizer, WordpieceTokenizer, load_vocab

transformers = pytest.importorskip("transformers")
from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy  # noqa: E402

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

CORPUS = [
    "The cat sat on the mat.",
    "Hello, World! How's it going?? (fine) -- 3.14159 $100 50% a+b=c x^2 a|b ~tilde `tick` <tag>",
    "Unaffable unbelievable unhappiness; re-entry: e-mail @user #hashtag & co.",
    "Café naïve résumé Crème Brûlée façade ÀÉÎÕÜ Ångström Øresund Straße",
    "cafe\u0301 decomposed e\u0301 and a\u0308 mixed with precomposed é",
    "中文字符测试，汉字一个一个地分开。日本語のテキスト、カタカナ。한국어 텍스트입니다.",
    "Emoji: 😀 👍🏽 ❤️ 🇫🇷 family 👨‍👩‍👧 and 🙂 unknown",
    "Control\x00chars\x07here\x1b[0m and\u200bzero\ufeffwidth\ufffdreplacement \x7f del",
    "tabs\tand\nnewlines\r\nand\u00a0nbsp\u2003em-space\u3000ideographic\u2028line\u2029para",
    "a" * 99 + " " + "b" * 100 + " " + "c" * 101 + " " + "ab" * 60,
    "",
    "   ",
    "\x00\x01\x02",
    "[CLS] already has [SEP] special [MASK] tokens [PAD] and [UNK]",
    "glued[MASK]tokens and [mask] lower and [ MASK ] spaced [MASK][MASK]",
    "ΟΔΟΣ Σίσυφος ὁδός Ελληνικά",
    "İstanbul ǅemal ﬁnancial ﬀ ⅷ ½ ² ℌ",
    "Quotes “curly” ‘single’ «guillemets» „low“ — em – en … ellipsis",
    "numbers 123 4,567.89 1e-10 0x1F 007",
    "don't can't won't I'm you're we've it's isn't",
    "MiXeD CaSe WoRdS and ALLCAPS",
    "x" + "\u0301" * 5 + " \u0301\u0302 combining only",
    "𠀀𠀁 extension-B ideographs and 〇 and 㐀 ext-A and 丽 compat",
]


def _vocab_tokens():
    """Specials, then every character (and its ## form) of the corpus in every casing/accent
    variant, then whole words and a few sub-word pieces, so that WordPiece has real choices;
    a handful of characters are left out on purpose to produce [UNK]."""
    left_out = {"🙂", "ℌ", "Ø", "ø"}
    chars, words = set(), set()
    for text in CORPUS:
        for variant in (
            text,
            text.lower(),
            BasicTokenizer._run_strip_accents(text),
            BasicTokenizer._run_strip_accents(text.lower()),
        ):
            chars.update(char for char in variant if not char.isspace())
            words.update(variant.split())
    chars -= left_out
    tokens = list(SPECIALS)
    tokens += sorted(chars)
    tokens += sorted("##" + char for char in chars)
    pieces = [
        "un",
        "##aff",
        "##able",
        "##believ",
        "##happi",
        "##ness",
        "re",
        "##s",
        "##ing",
        "the",
        "##at",
        "c",
        "##af",
        "##e",
    ]
    tokens += [piece for piece in pieces if piece not in tokens]
    tokens += sorted(word for word in words if word.isalpha() and len(word) < 12 and word not in tokens)[:400]
    tokens += ["a" * 99, "b" * 100, "##ab" * 1]
    seen, unique = set(), []
    for token in tokens:
        if token not in seen:
            seen.add(token)
            unique.append(token)
    return unique


@pytest.fixture(scope="module")
def vocab_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("vocab")
    (directory / "vocab.txt").write_text("\n".join(_vocab_tokens()) + "\n", encoding="utf-8")
    return directory


# (do_lower_case, strip_accents, tokenize_chinese_chars)
SETTINGS = [(True, None, True), (False, None, True), (True, False, True), (False, True, True), (True, True, False)]


def _pair(vocab_dir, do_lower_case, strip_accents, tokenize_chinese_chars):
    kwargs = dict(
        do_lower_case=do_lower_case, strip_accents=strip_accents, tokenize_chinese_chars=tokenize_chinese_chars
    )
    ours = BertTokenizer.from_pretrained(vocab_dir, **kwargs)
    theirs = transformers.BertTokenizer.from_pretrained(str(vocab_dir), **kwargs)
    return ours, theirs


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: f"lower={s[0]}-strip={s[1]}-cjk={s[2]}")
def test_ids_equal_transformers_on_the_corpus(vocab_dir, setting):
    ours, theirs = _pair(vocab_dir, *setting)
    for text in CORPUS:
        assert ours.tokenize(text) == theirs.tokenize(text), repr(text)
        assert ours(text) == dict(theirs(text)), repr(text)


def _legacy(vocab_dir, do_lower_case, strip_accents, tokenize_chinese_chars):
    return BertTokenizerLegacy(
        str(vocab_dir / "vocab.txt"),
        do_lower_case=do_lower_case,
        strip_accents=strip_accents,
        tokenize_chinese_chars=tokenize_chinese_chars,
    )


def _random_texts(count=300, seed=0):
    """Seeded random strings mixing letters, accents, combining marks, CJK, punctuation, symbols,
    emoji, controls and every kind of whitespace."""
    pool = list("aAbBzZ09 .,;:!?'\"()[]{}<>$+=^|~`@#%&*-_/\\") + list("éÉñÑüÜßøØåÅçÇ") + ["\u0301", "\u0308", "\u0327"]
    pool += list("中文字𠀀丽ｶあア한ΣσςΩ") + ["😀", "👍", "\U0001f3fd", "\u200d", "\ufe0f", "🙂"]
    pool += [
        "\x00",
        "\x07",
        "\x1b",
        "\x7f",
        "\x85",
        "\u200b",
        "\ufeff",
        "\ufffd",
        "\ue000",
        "\t",
        "\n",
        "\r",
        "\x0b",
        "\x0c",
    ]
    pool += [
        "\u00a0",
        "\u1680",
        "\u2003",
        "\u2028",
        "\u2029",
        "\u202f",
        "\u3000",
        "—",
        "…",
        "«",
        "¿",
        "¡",
        "§",
        "©",
        "°",
        "±",
        "€",
        "½",
    ]
    pool += ["[MASK]", "[CLS]", "[mask]", " the ", " un", "aff", "able"]
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(pool, size=rng.integers(0, 30))) for _ in range(count)]


def test_ids_equal_transformers_on_random_unicode(vocab_dir):
    texts = _random_texts()
    for setting in SETTINGS[:3]:
        ours, theirs = _pair(vocab_dir, *setting)
        for text in texts:
            assert ours(text) == dict(theirs(text)), (setting, repr(text))


def test_legacy_python_tokenizer_agrees_on_nfc_text_without_final_sigma(vocab_dir):
    """BertTokenizerLegacy NFC-composes the text first and lower-cases whole words (Greek final
    sigma); on NFC text without a capital final sigma it gives the same tokens as the fast
    tokenizer, and so as ours."""
    for setting in SETTINGS:
        ours, _ = _pair(vocab_dir, *setting)
        legacy = _legacy(vocab_dir, *setting)
        for text in CORPUS:
            if "Σ" in text:
                continue
            composed = unicodedata.normalize("NFC", text)
            assert ours.tokenize(composed) == legacy.tokenize(composed), (setting, repr(text))


def test_where_legacy_differs_we_follow_the_fast_tokenizer(vocab_dir):
    ours, theirs = _pair(vocab_dir, False, None, True)
    legacy = _legacy(vocab_dir, False, None, True)
    decomposed = "cafe\u0301"  # legacy composes it into "café" first; the fast tokenizer does not
    assert ours.tokenize(decomposed) == theirs.tokenize(decomposed) != legacy.tokenize(decomposed)
    ours, theirs = _pair(vocab_dir, True, False, True)
    legacy = _legacy(vocab_dir, True, False, True)
    greek = "ΟΔΟΣ"  # lower-cased letter by letter ("οδοσ") by the fast tokenizer, "οδος" by legacy
    assert ours.tokenize(greek) == theirs.tokenize(greek) != legacy.tokenize(greek)


def test_pairs_batches_truncation_and_padding_equal_transformers(vocab_dir):
    ours, theirs = _pair(vocab_dir, True, None, True)
    texts = [text for text in CORPUS if text.strip()][:12]
    pairs = list(reversed(texts))
    cases = [
        dict(),
        dict(padding=True),
        dict(padding="longest", return_attention_mask=False),
        dict(padding="max_length", max_length=40, truncation=True),
        dict(padding="max_length", max_length=200),
        dict(truncation=True, max_length=9),
        dict(truncation="longest_first", max_length=16, padding=True),
        dict(max_length=7),
        dict(truncation=False, max_length=7),
        dict(padding=True, pad_to_multiple_of=8),
        dict(add_special_tokens=False, truncation=True, max_length=5),
        dict(return_token_type_ids=False, return_special_tokens_mask=True, return_length=True, padding=True),
    ]
    for kwargs in cases:
        assert ours(texts, **kwargs) == dict(theirs(texts, **kwargs)), kwargs
        assert ours(texts, pairs, **kwargs) == dict(theirs(texts, pairs, **kwargs)), kwargs
        assert ours(texts[3], pairs[3], **kwargs) == dict(theirs(texts[3], pairs[3], **kwargs)), kwargs
    assert ours(list(zip(texts, pairs, strict=True))) == dict(theirs(list(zip(texts, pairs, strict=True))))


@pytest.mark.parametrize("strategy", ["longest_first", "only_first", "only_second"])
@pytest.mark.parametrize("side", ["right", "left"])
def test_truncation_split_equals_transformers(vocab_dir, strategy, side):
    """Every (len A, len B, max_length) on a small grid, both sides: the fast tokenizer's split
    of the budget, including its errors when one segment is too short."""
    ours, theirs = _pair(vocab_dir, True, None, True)
    ours.truncation_side = theirs.truncation_side = side
    for n_first in range(0, 6):
        for n_second in range(0, 6):
            first, second = " ".join("abcdef"[:n_first]), " ".join("hijklm"[:n_second])
            for max_length in range(0, 14):
                try:
                    expected = dict(theirs(first, second, truncation=strategy, max_length=max_length))
                except Exception:
                    with pytest.raises(ValueError, match="truncation"):
                        ours(first, second, truncation=strategy, max_length=max_length)
                    continue
                got = ours(first, second, truncation=strategy, max_length=max_length)
                assert got == expected, (n_first, n_second, max_length)


def test_single_text_truncation_edge_cases_equal_transformers(vocab_dir):
    ours, theirs = _pair(vocab_dir, True, None, True)
    for max_length in range(0, 8):
        for strategy in (True, "only_first"):
            assert ours("a b c d e", truncation=strategy, max_length=max_length) == dict(
                theirs("a b c d e", truncation=strategy, max_length=max_length)
            )
    with pytest.raises(ValueError, match="only_second"):
        ours("a b c d", truncation="only_second", max_length=3)


def test_padding_left_and_tensors(vocab_dir):
    ours, theirs = _pair(vocab_dir, True, None, True)
    ours.padding_side = theirs.padding_side = "left"
    texts = ["the cat", "a b c d e f"]
    assert ours(texts, padding=True) == dict(theirs(texts, padding=True))
    ours.padding_side = theirs.padding_side = "right"
    batch = ours(texts, padding=True, return_tensors="np")
    expected = theirs(texts, padding=True, return_tensors="np")
    for key in ("input_ids", "token_type_ids", "attention_mask"):
        assert batch[key].dtype == np.int64
        np.testing.assert_array_equal(batch[key], expected[key])
    single = ours("the cat", return_tensors="cr")
    assert isinstance(single.input_ids, chainrule.Tensor) and tuple(single.input_ids.shape) == (1, 4)
    with pytest.raises(ValueError, match="padding=True"):
        ours(texts, return_tensors="np")
    with pytest.raises(ValueError, match="return_tensors"):
        ours(texts, padding=True, return_tensors="pt")


def test_decode_equals_transformers(vocab_dir):
    ours, theirs = _pair(vocab_dir, True, None, True)
    for text in CORPUS + ["isn ' t it , ok ? yes ! no . un ##aff ##able", "##s at the start"]:
        ids = ours(text)["input_ids"]
        for skip in (False, True):
            for clean in (None, False, True):
                assert ours.decode(ids, skip, clean) == theirs.decode(
                    ids, skip_special_tokens=skip, clean_up_tokenization_spaces=clean
                ), (
                    repr(text),
                    skip,
                    clean,
                )
    ids = [5, 999_999, 2, 3, 0]
    assert ours.decode(ids) == theirs.decode(ids)
    assert ours.decode(np.array(ids[:1])) == theirs.decode(ids[:1]) == ours.decode(ids[0])
    assert ours.batch_decode([[5, 6], [7]]) == theirs.batch_decode([[5, 6], [7]])


def test_decode_round_trips_lower_cased_text(vocab_dir):
    ours, _ = _pair(vocab_dir, True, None, True)
    text = "the cat sat on the mat, unaffable!"
    assert ours.decode(ours.encode(text), skip_special_tokens=True) == text


def test_conversions_and_attributes_equal_transformers(vocab_dir):
    ours, theirs = _pair(vocab_dir, True, None, True)
    tokens = ["the", "##at", "nope-not-there", "[MASK]"]
    assert ours.convert_tokens_to_ids(tokens) == theirs.convert_tokens_to_ids(tokens)
    assert ours.convert_tokens_to_ids("the") == theirs.convert_tokens_to_ids("the")
    ids = [0, 5, len(ours) - 1, len(ours) + 10]
    assert ours.convert_ids_to_tokens(ids) == theirs.convert_ids_to_tokens(ids)
    assert ours.convert_ids_to_tokens(3) == theirs.convert_ids_to_tokens(3)
    assert ours.encode("the cat", "sat") == theirs.encode("the cat", "sat")
    for name in (
        "vocab_size",
        "pad_token_id",
        "mask_token_id",
        "cls_token_id",
        "sep_token_id",
        "unk_token_id",
        "all_special_tokens",
        "all_special_ids",
        "special_tokens_map",
    ):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert len(ours) == len(theirs)
    assert ours.get_vocab() == theirs.get_vocab()
    ids = ours("the cat", "sat")["input_ids"]
    assert ours.get_special_tokens_mask(ids, already_has_special_tokens=True) == theirs.get_special_tokens_mask(
        ids, already_has_special_tokens=True
    )
    rows = [{"input_ids": [2, 5, 3]}, {"input_ids": [2, 3]}]
    got, expected = ours.pad(rows, return_tensors="np"), theirs.pad(rows, return_tensors="np")
    assert set(got) == set(expected)
    for key in got:
        np.testing.assert_array_equal(got[key], expected[key])


def test_save_pretrained_loads_in_transformers_with_the_same_ids(vocab_dir, tmp_path):
    ours = BertTokenizer.from_pretrained(vocab_dir, do_lower_case=False, strip_accents=True, model_max_length=64)
    paths = ours.save_pretrained(tmp_path)
    assert sorted(os.path.basename(path) for path in paths) == [
        "special_tokens_map.json",
        "tokenizer_config.json",
        "vocab.txt",
    ]
    theirs = transformers.AutoTokenizer.from_pretrained(str(tmp_path))
    reloaded = BertTokenizer.from_pretrained(tmp_path)
    assert theirs.model_max_length == reloaded.model_max_length == 64
    assert reloaded.do_lower_case is False and reloaded.strip_accents is True
    for text in CORPUS:
        assert ours(text, truncation=True) == dict(theirs(text, truncation=True)) == reloaded(text, truncation=True), (
            repr(text)
        )


def test_from_pretrained_reads_transformers_output(vocab_dir, tmp_path):
    theirs = transformers.BertTokenizer.from_pretrained(str(vocab_dir), do_lower_case=False, model_max_length=32)
    theirs.save_pretrained(str(tmp_path))
    # transformers 5 writes tokenizer.json and tokenizer_config.json only: no vocab.txt.
    assert not (tmp_path / "vocab.txt").exists()
    ours = BertTokenizer.from_pretrained(tmp_path)
    assert ours.do_lower_case is False and ours.model_max_length == 32
    for text in CORPUS:
        assert ours(text, truncation=True) == dict(theirs(text, truncation=True)), repr(text)
    (tmp_path / "tokenizer_config.json").unlink()  # the normaliser's switches alone say cased
    assert BertTokenizer.from_pretrained(tmp_path).do_lower_case is False


def test_a_tokenizer_json_for_another_model_is_refused(tmp_path):
    (tmp_path / "tokenizer.json").write_text(json.dumps({"model": {"type": "BPE", "vocab": {}}}), encoding="utf-8")
    with pytest.raises(ValueError, match="WordPiece"):
        BertTokenizer.from_pretrained(tmp_path)


def test_special_tokens_from_an_added_token_config(tmp_path):
    (tmp_path / "vocab.txt").write_text(
        "\n".join(["<pad>", "<unk>", "<s>", "</s>", "<mask>", "a", "##a"]) + "\n", encoding="utf-8"
    )
    config = {
        "unk_token": {"content": "<unk>", "lstrip": False},
        "pad_token": "<pad>",
        "cls_token": "<s>",
        "sep_token": "</s>",
        "mask_token": "<mask>",
        "max_len": 12,
    }
    (tmp_path / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    tokenizer = BertTokenizer.from_pretrained(tmp_path)
    assert tokenizer.unk_token == "<unk>" and tokenizer.model_max_length == 12
    assert tokenizer("aa <mask> b")["input_ids"] == [2, 5, 6, 4, 1, 3]


def test_never_split_keeps_words_whole(vocab_dir):
    tokenizer = BertTokenizer.from_pretrained(vocab_dir, never_split=["Café!"])
    assert tokenizer.tokenize("Café! café!") == ["Café!", "cafe", "!"]
    # The offsets path keeps them whole too, one word spanning all of it.
    encoding = tokenizer("Café! café!", return_offsets_mapping=True, add_special_tokens=False)
    assert encoding["input_ids"] == tokenizer("Café! café!", add_special_tokens=False)["input_ids"]
    assert encoding["offset_mapping"] == [(0, 5), (6, 10), (10, 11)] and encoding.word_ids() == [0, 1, 2]
    assert BertTokenizer.from_pretrained(vocab_dir).tokenize("Café!") == ["cafe", "!"]


def test_wordpiece_greedy_longest_match_and_unk():
    vocab = {
        token: index for index, token in enumerate(["[UNK]", "un", "una", "##ff", "##aff", "##able", "##a", "##b", "x"])
    }
    wordpiece = WordpieceTokenizer(vocab, "[UNK]", max_input_chars_per_word=6)
    assert wordpiece.tokenize("unaffable") == ["[UNK]"]  # 9 characters > 6
    wordpiece = WordpieceTokenizer(vocab, "[UNK]")
    assert wordpiece.tokenize("unaffable") == ["una", "##ff", "##able"]  # "una" is the longest first piece
    assert wordpiece.tokenize("unab") == ["una", "##b"]
    assert wordpiece.tokenize("unac") == ["[UNK]"]  # no piece for "c": the whole word is unknown
    assert wordpiece.tokenize("x") == ["x"]


def test_basic_tokenizer_rules():
    basic = BasicTokenizer(do_lower_case=True)
    assert basic.tokenize(" \tHeLLo!How  are\nU? ") == ["hello", "!", "how", "are", "u", "?"]
    assert basic.tokenize("naïve Ölçek") == ["naive", "olcek"]
    assert basic.tokenize("a$b+c^d|e~f`g") == list("a$b+c^d|e~f`g")  # ASCII symbols are punctuation
    assert basic.tokenize("中文ab") == ["中", "文", "ab"]
    assert basic.tokenize("a\x00b\ufffdc\x07d") == ["abcd"]
    assert BasicTokenizer(do_lower_case=False).tokenize("naïve") == ["naïve"]
    assert BasicTokenizer(do_lower_case=False, strip_accents=True).tokenize("Naïve") == ["Naive"]
    assert BasicTokenizer(do_lower_case=True, strip_accents=False).tokenize("Naïve") == ["naïve"]
    assert BasicTokenizer(tokenize_chinese_chars=False).tokenize("中文ab") == ["中文ab"]


def test_load_vocab_keeps_spaces_and_later_duplicates(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("[PAD]\na b\nx\nx\n", encoding="utf-8")
    assert load_vocab(path) == {"[PAD]": 0, "a b": 1, "x": 3}


def test_bad_input_gives_clear_errors(vocab_dir, tmp_path):
    tokenizer = BertTokenizer.from_pretrained(vocab_dir)
    with pytest.raises(ValueError, match="text is None"):
        tokenizer(None)
    with pytest.raises(ValueError, match="str"):
        tokenizer(5)
    with pytest.raises(ValueError, match="text_pair"):
        tokenizer(["a", "b"], ["c"])
    with pytest.raises(ValueError, match="padding"):
        tokenizer("a", padding="sideways")
    with pytest.raises(ValueError, match="truncation"):
        tokenizer("a", truncation="middle")
    with pytest.raises(ValueError, match="max_length"):
        tokenizer("a", max_length=-1)
    with pytest.raises(TypeError, match="tokenize"):
        tokenizer.tokenize(b"bytes")
    with pytest.raises(OSError, match="vocab.txt or tokenizer.json"):
        BertTokenizer.from_pretrained(tmp_path)
    with pytest.raises(ValueError, match=r"\[MASK\]"):
        BertTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a"])
    with pytest.raises(ValueError, match="padding_side"):
        BertTokenizer(SPECIALS, padding_side="up")


# ----------------------------------------------------------------- offsets, word ids, pre-split words

# Characters whose normalisation changes the length: lower-casing "İ" gives two characters, NFD
# expands precomposed accents and Hangul syllables, cleaning drops controls inside words.
EXPANDING = [
    "İstanbul İX ΐ ǅemal ﬁx",
    "한국어 텍스트 e\u0301e\u0301 \u0301lead a\u0308\u0323b trail\u0301",
    "con\x00trol\x07led mid\u200bword \ufffdstart end\x1b",
    "ab" * 60 + " " + "x" * 101 + " shortaa",
]


def _assert_same_encoding(ours, theirs, *args, rows=None, **kwargs):
    """Same keys, values (offset_mapping included) and word/sequence ids as transformers."""
    got = ours(*args, return_offsets_mapping=True, **kwargs)
    expected = theirs(*args, return_offsets_mapping=True, **kwargs)
    assert list(got) == list(expected), (args, kwargs)
    if kwargs.get("return_tensors"):
        for key in got:
            np.testing.assert_array_equal(got[key], expected[key], err_msg=f"{key} {args!r}")
            assert got[key].shape == expected[key].shape
    else:
        assert got == dict(expected), (args, kwargs)  # lists of tuples, as transformers gives
    for index in range(rows or 1):
        assert got.word_ids(index) == expected.word_ids(index), (index, args, kwargs)
        assert got.sequence_ids(batch_index=index) == expected.sequence_ids(batch_index=index), (index, args)
    return got


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: f"lower={s[0]}-strip={s[1]}-cjk={s[2]}")
def test_offsets_and_word_ids_equal_transformers(vocab_dir, setting):
    ours, theirs = _pair(vocab_dir, *setting)
    for text in CORPUS + EXPANDING + _random_texts(150, seed=1):
        got = _assert_same_encoding(ours, theirs, text)
        # The offsets path and the plain path give the same ids.
        assert got["input_ids"] == ours(text)["input_ids"]


def test_offsets_of_the_tokens_cover_what_they_read(vocab_dir):
    """On cased text without accents each span is the token's text (less its ##); [UNK] spans
    its whole word; added special tokens and padding are (0, 0)."""
    ours, _ = _pair(vocab_dir, False, None, True)
    text = "Unaffable [MASK] cat, sat on the ℌ mat."
    encoding = ours([text, "x"], return_offsets_mapping=True, padding=True)
    tokens = ours.convert_ids_to_tokens(encoding["input_ids"][0])
    for token, (start, end) in zip(tokens, encoding["offset_mapping"][0], strict=True):
        if token in ("[CLS]", "[SEP]"):
            assert (start, end) == (0, 0)
        elif token == "[UNK]":
            assert text[start:end] == "ℌ"
        else:
            assert text[start:end] == token.removeprefix("##"), token
    assert encoding["offset_mapping"][1][-1] == (0, 0) and encoding.word_ids(1)[-1] is None


def test_offsets_with_pairs_batches_truncation_and_padding_equal_transformers(vocab_dir):
    ours, theirs = _pair(vocab_dir, True, None, True)
    firsts, seconds = CORPUS[:8], CORPUS[8:16]
    _assert_same_encoding(ours, theirs, CORPUS[2], CORPUS[3])
    _assert_same_encoding(ours, theirs, firsts, rows=8, padding=True)
    _assert_same_encoding(ours, theirs, firsts, seconds, rows=8, padding="max_length", truncation=True, max_length=24)
    _assert_same_encoding(ours, theirs, firsts, rows=8, padding=True, return_tensors="np", pad_to_multiple_of=8)
    _assert_same_encoding(ours, theirs, firsts, seconds, rows=8, add_special_tokens=False, padding=True)
    _assert_same_encoding(ours, theirs, firsts, rows=8, return_special_tokens_mask=True, return_length=True)
    for strategy in ("longest_first", "only_first", "only_second"):
        for side in ("right", "left"):
            ours.padding_side = ours.truncation_side = side
            theirs.padding_side = theirs.truncation_side = side
            _assert_same_encoding(
                ours,
                theirs,
                [CORPUS[2], CORPUS[7]],
                [CORPUS[7], CORPUS[2]],
                rows=2,
                truncation=strategy,
                max_length=50,
                padding=True,
            )


def test_split_into_words_equals_transformers(vocab_dir):
    ours, theirs = _pair(vocab_dir, True, None, True)
    words = ["Hello,", "World!", "", "[MASK]glued", "two words", "Café", "中文字", "ℌ", "\x00", "unaffable"]
    other = ["the", "cat", "sat."]
    _assert_same_encoding(ours, theirs, words, is_split_into_words=True)
    _assert_same_encoding(ours, theirs, words, other, is_split_into_words=True)
    _assert_same_encoding(ours, theirs, words, [], is_split_into_words=True)
    _assert_same_encoding(ours, theirs, [], is_split_into_words=True)
    batch = [words, other, [], ("tuple", "of", "words")]
    _assert_same_encoding(ours, theirs, batch, rows=4, is_split_into_words=True, padding=True)
    _assert_same_encoding(
        ours, theirs, batch, [other, words, ["x"], []], rows=4, is_split_into_words=True, truncation=True, max_length=9
    )
    _assert_same_encoding(
        ours, theirs, batch, rows=4, is_split_into_words=True, padding=True, return_tensors="np", truncation=True
    )
    # A list of tuples is a batch of word lists here, not a batch of pairs.
    _assert_same_encoding(ours, theirs, [("a", "b"), ("the", "cat")], rows=2, is_split_into_words=True)
    assert ours(words, is_split_into_words=True).word_ids() == theirs(words, is_split_into_words=True).word_ids()


def test_split_into_words_bad_input_raises_like_transformers(vocab_dir):
    ours, theirs = _pair(vocab_dir, True, None, True)
    for args in (
        ("a plain string",),
        (["a", 3],),
        (["a", ["b"]],),
        (["a"], "a string pair"),
        ([["a"], ["b"]], "a string pair"),
    ):
        with pytest.raises(TypeError):
            theirs(*args, is_split_into_words=True)
        with pytest.raises(TypeError, match="is_split_into_words|text_pair"):
            ours(*args, is_split_into_words=True)
    with pytest.raises(ValueError):
        theirs([["a"], ["b"]], [["c"]], is_split_into_words=True)
    with pytest.raises(ValueError, match="2 word lists"):
        ours([["a"], ["b"]], [["c"]], is_split_into_words=True)


def test_word_ids_availability_and_range(vocab_dir):
    ours, theirs = _pair(vocab_dir, True, None, True)
    for tokenizer in (ours, theirs):
        with pytest.raises(ValueError):
            tokenizer.pad([{"input_ids": [2, 5, 3]}, {"input_ids": [2, 3]}]).word_ids()
        with pytest.raises(IndexError):
            tokenizer("the cat").word_ids(1)
    assert ours("the cat").word_ids(-1) == theirs("the cat").word_ids(-1) == [None, 0, 1, None]
    # Available without offsets and through tensor conversion, as in transformers.
    assert ours(["the cat", "x"], padding=True, return_tensors="cr").word_ids(1) == [None, 0, None, None]
