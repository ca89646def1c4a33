"""train_wordpiece: special tokens first, full character coverage, vocab_size, determinism, the
two merge rules, and a vocabulary that transformers' tokenizer reads the same way."""

import random

import pytest

from chainrule.models.bert.corpus import stdlib_docstrings
from chainrule.models.bert.tokenizer import BasicTokenizer
from chainrule.models.bert.wordpiece import SPECIAL_TOKENS, train_wordpiece


@pytest.fixture(scope="module")
def texts():
    """A real corpus: the docstrings of a few stdlib modules (json, textwrap, fractions)."""
    docs = [text for _, module_texts in stdlib_docstrings(["json", "textwrap", "fractions"]) for text in module_texts]
    assert len(docs) > 40
    return docs + ["Café naïve 中文 😀 x^2 ~tilde", "ÜBER ümlaut"]


def _words_from_tokens(tokens):
    words = []
    for token in tokens:
        if token.startswith("##"):
            words[-1] += token[2:]
        else:
            words.append(token)
    return words


def test_special_tokens_first_then_the_alphabet_in_both_forms(texts):
    vocab = train_wordpiece(texts, 600, return_vocab=True)
    assert vocab[:5] == list(SPECIAL_TOKENS) == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    basic = BasicTokenizer()
    alphabet = sorted({char for text in texts for word in basic.tokenize(text) for char in word})
    assert vocab[5 : 5 + len(alphabet)] == alphabet
    assert vocab[5 + len(alphabet) : 5 + 2 * len(alphabet)] == ["##" + char for char in alphabet]
    assert len(set(vocab)) == len(vocab)


@pytest.mark.parametrize("rule", ["frequency", "likelihood"])
def test_round_trip_full_coverage_and_vocab_size(texts, rule):
    tokenizer = train_wordpiece(texts, 700, rule=rule)
    assert tokenizer.vocab_size == 700
    basic = BasicTokenizer()
    for text in texts:
        tokens = tokenizer.tokenize(text)
        assert "[UNK]" not in tokens
        assert _words_from_tokens(tokens) == basic.tokenize(text)
        assert (
            tokenizer.decode(tokenizer.encode(text), skip_special_tokens=True).split()
            == tokenizer.decode(tokenizer.convert_tokens_to_ids(tokens)).split()
        )


def test_more_merges_mean_fewer_tokens(texts):
    small, large = train_wordpiece(texts, 500), train_wordpiece(texts, 1500)
    count = lambda tokenizer: sum(len(tokenizer.tokenize(text)) for text in texts)  # noqa: E731
    assert count(large) < count(small)
    # The smaller vocabulary is a prefix of the larger one: merges are learnt in a fixed order.
    assert large.convert_ids_to_tokens(list(range(500))) == small.convert_ids_to_tokens(list(range(500)))


def test_deterministic_and_independent_of_document_order(texts):
    first = train_wordpiece(texts, 800, return_vocab=True)
    assert train_wordpiece(texts, 800, return_vocab=True) == first
    shuffled = list(texts)
    random.Random(0).shuffle(shuffled)
    assert train_wordpiece(shuffled, 800, return_vocab=True) == first


def test_the_two_merge_rules_pick_different_first_merges():
    # pair counts: (a,##b)=(a,##c)=(a,##d)=4, (z,##q)=2; unit counts: a=12, ##b=##c=##d=4, z=##q=2
    corpus = ["ab ac ad"] * 4 + ["zq"] * 2
    base = 5 + 2 * len("abcdqz")
    frequency = train_wordpiece(corpus, base + 2, return_vocab=True)
    likelihood = train_wordpiece(corpus, base + 2, rule="likelihood", return_vocab=True)
    assert frequency[base:] == ["ab", "ac"]  # most frequent; ties by the pair's strings
    assert likelihood[base:] == ["zq", "ab"]  # 2 / (2 * 2) beats 4 / (12 * 4)


def test_stops_when_no_pair_is_frequent_enough():
    vocab = train_wordpiece(["abc abc", "xyz"], 1000, return_vocab=True)
    # (a, ##b) and (##b, ##c) are both seen twice: "##b" sorts before "a", so "##bc" comes first;
    # xyz is seen once and never merged.
    assert vocab[17:] == ["##bc", "abc"]
    assert len(train_wordpiece(["abc abc", "xyz"], 1000, min_frequency=1, return_vocab=True)) == 5 + 12 + 4


def test_casing_options_are_learnt_and_kept(texts):
    cased = train_wordpiece(texts, 600, do_lower_case=False)
    assert cased.do_lower_case is False and {"Ü", "ü", "é"} <= set(cased.vocab)
    uncased = train_wordpiece(texts, 600)
    assert uncased.do_lower_case is True and not {"Ü", "ü", "é"} & set(uncased.vocab)


def test_limit_alphabet_keeps_the_most_frequent_characters():
    tokenizer = train_wordpiece(["aaa bbb aaa c"], 5 + 4 + 10, limit_alphabet=2)
    assert tokenizer.convert_ids_to_tokens(list(range(5, 9))) == ["a", "b", "##a", "##b"]
    # merges: "##aa" then "aaa" (seen twice each); bbb's pairs are seen once
    assert tokenizer.convert_ids_to_tokens(list(range(9, 11))) == ["##aa", "aaa"]
    assert tokenizer.tokenize("c aaa bab") == ["[UNK]", "aaa", "b", "##a", "##b"]


def test_transformers_reads_the_trained_vocabulary_the_same_way(texts, tmp_path):
    transformers = pytest.importorskip("transformers")
    tokenizer = train_wordpiece(texts, 900)
    tokenizer.save_pretrained(tmp_path)
    theirs = transformers.BertTokenizer.from_pretrained(str(tmp_path))
    for text in texts[:60]:
        assert tokenizer(text) == dict(theirs(text))


def test_bad_arguments():
    with pytest.raises(ValueError, match="smaller than"):
        train_wordpiece(["abc"], 8)
    with pytest.raises(ValueError, match="no words"):
        train_wordpiece(["", "  "], 100)
    with pytest.raises(TypeError, match="iterable of strings"):
        train_wordpiece("abc", 100)
    with pytest.raises(TypeError, match="strings"):
        train_wordpiece([b"abc"], 100)
    with pytest.raises(ValueError, match="rule"):
        train_wordpiece(["abc"], 100, rule="bpe")
    with pytest.raises(ValueError, match="vocab_size"):
        train_wordpiece(["abc"], 0)
