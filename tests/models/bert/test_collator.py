"""DataCollatorForLanguageModeling and DataCollatorForWholeWordMask against transformers':
identical batches on the NumPy path with the same seed, the same statistics as its PyTorch path,
and the invariants of the rule."""

import warnings

import numpy as np
import pytest

import chainrule
from chainrule.models.bert import BertTokenizer
from chainrule.models.bert.collator import DataCollatorForLanguageModeling, DataCollatorForWholeWordMask

transformers = pytest.importorskip("transformers")

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [chr(c) for c in range(ord("a"), ord("z") + 1)]
VOCAB += ["##" + chr(c) for c in range(ord("a"), ord("z") + 1)] + ["the", "cat", "sat", "on", "mat", "."]


@pytest.fixture(scope="module")
def tokenizers(tmp_path_factory):
    directory = tmp_path_factory.mktemp("vocab")
    (directory / "vocab.txt").write_text("\n".join(VOCAB) + "\n", encoding="utf-8")
    return BertTokenizer.from_pretrained(directory), transformers.BertTokenizer.from_pretrained(str(directory))


def _texts(count, seed=0):
    rng = np.random.default_rng(seed)
    words = ["the", "cat", "sat", "on", "mat", ".", "xyz", "abc", "q"]
    return [" ".join(rng.choice(words, size=rng.integers(1, 40))) for _ in range(count)]


def test_numpy_path_equals_transformers_bit_for_bit(tokenizers):
    ours, theirs = tokenizers
    texts = _texts(24)
    ids = [ours.encode(text) for text in texts]
    for seed in (0, 1, 123):
        collate = DataCollatorForLanguageModeling(ours, seed=seed)
        reference = transformers.DataCollatorForLanguageModeling(theirs, return_tensors="np", seed=seed)
        for _ in range(3):  # the streams stay in step across batches
            got, expected = collate(ids), reference(ids)
            assert set(got) == set(expected) == {"input_ids", "labels"}
            for key in got:
                np.testing.assert_array_equal(got[key], expected[key])
    rows = [dict(ours(text, return_special_tokens_mask=True)) for text in texts]
    got = DataCollatorForLanguageModeling(ours, seed=7, pad_to_multiple_of=8)(rows)
    expected = transformers.DataCollatorForLanguageModeling(theirs, return_tensors="np", seed=7, pad_to_multiple_of=8)(
        rows
    )
    assert set(got) == set(expected) == {"input_ids", "token_type_ids", "attention_mask", "labels"}
    for key in got:
        np.testing.assert_array_equal(got[key], expected[key])


def _statistics(original, batch, special):
    """(chosen share of the eligible, and of the chosen: [MASK], random, unchanged shares)."""
    inputs, labels = np.asarray(batch["input_ids"]), np.asarray(batch["labels"])
    chosen = labels != -100
    assert not (chosen & special).any(), "a special or padding token was chosen"
    np.testing.assert_array_equal(labels[chosen], original[chosen])
    np.testing.assert_array_equal(inputs[~chosen], original[~chosen])
    masked = chosen & (inputs == VOCAB.index("[MASK]"))
    unchanged = chosen & (inputs == original)
    randomised = chosen & ~masked & ~unchanged
    n = chosen.sum()
    return chosen.sum() / (~special).sum(), masked.sum() / n, randomised.sum() / n, unchanged.sum() / n


def test_statistics_match_the_rule_and_transformers_torch_collator(tokenizers):
    torch = pytest.importorskip("torch")
    ours, theirs = tokenizers
    ids = [ours.encode(text) for text in _texts(500, seed=1)]
    padded = DataCollatorForLanguageModeling(ours, mlm=False)(ids)["input_ids"]
    special = np.isin(padded, [0, 1, 2, 3, 4])
    eligible = (~special).sum()
    assert eligible > 10_000
    ours_stats = _statistics(padded, DataCollatorForLanguageModeling(ours, seed=3)(ids), special)
    torch.manual_seed(3)
    theirs_batch = {
        key: value.numpy() for key, value in transformers.DataCollatorForLanguageModeling(theirs)(ids).items()
    }
    theirs_stats = _statistics(padded, theirs_batch, special)
    # 4-sigma binomial bands around 15% chosen, then 80/10/10 of the chosen (a random draw equal
    # to the original token, 1 chance in 63, counts as unchanged).
    n_chosen = 0.15 * eligible
    expected = [0.15, 0.8, 0.1 * 62 / 63, 0.1 + 0.1 / 63]
    bands = [4 * np.sqrt(0.15 * 0.85 / eligible)] + [4 * np.sqrt(p * (1 - p) / n_chosen) for p in expected[1:]]
    for got, reference, centre, band in zip(ours_stats, theirs_stats, expected, bands, strict=True):
        assert abs(got - centre) < band and abs(reference - centre) < band, (ours_stats, theirs_stats)


def test_random_replacements_are_uniform_over_the_vocabulary(tokenizers):
    ours, _ = tokenizers
    ids = np.full((400, 64), VOCAB.index("the"))
    ids[:, 0], ids[:, -1] = 2, 3
    batch = DataCollatorForLanguageModeling(ours, mask_replace_prob=0.0, random_replace_prob=1.0, seed=0)(list(ids))
    drawn = batch["input_ids"][batch["labels"] != -100]
    counts = np.bincount(drawn, minlength=len(VOCAB))
    assert counts.min() > 0  # every id, special ones included, as transformers draws them
    expected = drawn.size / len(VOCAB)
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < len(VOCAB) + 6 * np.sqrt(2 * len(VOCAB))


def test_seeding_and_generators(tokenizers):
    ours, _ = tokenizers
    ids = [ours.encode(text) for text in _texts(16)]
    first = DataCollatorForLanguageModeling(ours, seed=5)(ids)
    np.testing.assert_array_equal(first["input_ids"], DataCollatorForLanguageModeling(ours, seed=5)(ids)["input_ids"])
    assert not np.array_equal(first["labels"], DataCollatorForLanguageModeling(ours, seed=6)(ids)["labels"])
    chainrule.manual_seed(11)
    a = DataCollatorForLanguageModeling(ours)(ids)
    chainrule.manual_seed(11)
    b = DataCollatorForLanguageModeling(ours)(ids)
    np.testing.assert_array_equal(a["labels"], b["labels"])
    c = DataCollatorForLanguageModeling(ours, generator=chainrule.random.Generator(11))(ids)
    d = DataCollatorForLanguageModeling(ours, generator=chainrule.random.Generator(11))(ids)
    np.testing.assert_array_equal(c["input_ids"], d["input_ids"])


def test_padding_and_tensor_output(tokenizers):
    ours, _ = tokenizers
    batch = DataCollatorForLanguageModeling(ours, seed=0, return_tensors="cr")([[2, 5, 6, 3], [2, 5, 3]])
    assert isinstance(batch["input_ids"], chainrule.Tensor) and tuple(batch["labels"].shape) == (2, 4)
    assert batch["input_ids"].numpy()[1, 3] == 0 and batch["labels"].numpy()[1, 3] == -100
    ours.padding_side = "left"
    try:
        left = DataCollatorForLanguageModeling(ours, mlm=False)([[2, 5, 6, 3], [2, 5, 3]])
    finally:
        ours.padding_side = "right"
    np.testing.assert_array_equal(left["input_ids"], [[2, 5, 6, 3], [0, 2, 5, 3]])
    np.testing.assert_array_equal(left["labels"], [[2, 5, 6, 3], [-100, 2, 5, 3]])


def test_no_random_stage_when_everything_is_masked(tokenizers):
    ours, _ = tokenizers
    ids = [ours.encode(text) for text in _texts(50)]
    batch = DataCollatorForLanguageModeling(
        ours, mlm_probability=1.0, mask_replace_prob=1.0, random_replace_prob=0.0, seed=0
    )(ids)
    plain = DataCollatorForLanguageModeling(ours, mlm=False)(ids)
    eligible = ~np.isin(plain["input_ids"], [0, 1, 2, 3, 4])
    assert (batch["input_ids"][eligible] == 4).all()
    np.testing.assert_array_equal(batch["labels"][eligible], plain["input_ids"][eligible])
    assert (batch["labels"][~eligible] == -100).all()


def test_bad_arguments(tokenizers):
    ours, _ = tokenizers
    with pytest.raises(ValueError, match="mlm_probability"):
        DataCollatorForLanguageModeling(ours, mlm_probability=1.5)
    with pytest.raises(ValueError, match="exceeds 1"):
        DataCollatorForLanguageModeling(ours, mask_replace_prob=0.8, random_replace_prob=0.3)
    with pytest.raises(ValueError, match="return_tensors"):
        DataCollatorForLanguageModeling(ours, return_tensors="pt")
    with pytest.raises(ValueError, match="seed or generator"):
        DataCollatorForLanguageModeling(ours, seed=1, generator=np.random.default_rng(1))
    with pytest.raises(TypeError, match="generator"):
        DataCollatorForLanguageModeling(ours, generator=3)
    collate = DataCollatorForLanguageModeling(ours, seed=0)
    with pytest.raises(ValueError, match="empty"):
        collate([])
    with pytest.raises(ValueError, match="1-D"):
        collate([[[1, 2]], [[3, 4]]])
    with pytest.raises(ValueError, match="special_tokens_mask"):
        collate.mask_tokens(np.zeros((2, 3), dtype=np.int64), np.zeros((2, 4)))


# ----------------------------------------------------------------- whole-word masking


def _theirs_whole_word(theirs, **kwargs):
    with warnings.catch_warnings():
        # transformers warns that it forces mask_replace_prob=1 with whole-word masking.
        warnings.simplefilter("ignore")
        return transformers.DataCollatorForLanguageModeling(theirs, whole_word_mask=True, **kwargs)


def _rows(tokenizer, texts, **kwargs):
    """Per-example dicts with offsets and the special-tokens mask (a batch call split into rows
    when padding is asked for, as a data set of padded examples holds them)."""
    encoded = tokenizer(texts, return_offsets_mapping=True, return_special_tokens_mask=True, **kwargs)
    return [{key: value[index] for key, value in encoded.items()} for index in range(len(texts))]


def test_whole_word_numpy_path_equals_transformers_bit_for_bit(tokenizers):
    ours, theirs = tokenizers
    texts = _texts(24, seed=2) + ["the cat, sat. on xyz!abc", "q"]
    pairs = _texts(26, seed=3)
    # transformers cannot pad offset_mapping, so its examples come padded; ours pads them itself
    # to the same batch.
    padded, ragged = _rows(ours, texts, padding=True), _rows(ours, texts)
    padded_pairs, ragged_pairs = _rows(ours, texts, padding=True, text_pair=pairs), _rows(ours, texts, text_pair=pairs)
    for seed in (0, 1, 123):
        for probability in (0.15, 0.5):
            collate = DataCollatorForWholeWordMask(
                ours, mlm_probability=probability, mask_replace_prob=1.0, random_replace_prob=0.0, seed=seed
            )
            reference = _theirs_whole_word(theirs, mlm_probability=probability, return_tensors="np", seed=seed)
            for examples, padded_examples in ((ragged, padded), (ragged_pairs, padded_pairs), (padded, padded)):
                got, expected = collate(examples), reference(padded_examples)  # the streams stay in step
                assert set(got) == set(expected) == {"input_ids", "token_type_ids", "attention_mask", "labels"}
                for key in got:
                    np.testing.assert_array_equal(got[key], expected[key], err_msg=key)
    # Without a special-tokens mask both find the special ids themselves.
    bare = [{key: row[key] for key in ("input_ids", "offset_mapping")} for row in padded]
    got = DataCollatorForWholeWordMask(ours, mask_replace_prob=1.0, random_replace_prob=0.0, seed=4)(bare)
    expected = _theirs_whole_word(theirs, return_tensors="np", seed=4)(bare)
    np.testing.assert_array_equal(got["labels"], expected["labels"])
    np.testing.assert_array_equal(got["input_ids"], expected["input_ids"])


def test_word_starts_follow_offsets_or_wordpiece_continuations(tokenizers):
    ours, _ = tokenizers
    text = "the cat. xyz abc"
    encoded = ours(text, return_offsets_mapping=True, return_special_tokens_mask=True, return_tensors="np")
    tokens = ours.convert_ids_to_tokens(encoded["input_ids"][0])
    assert tokens == ["[CLS]", "the", "cat", ".", "x", "##y", "##z", "a", "##b", "##c", "[SEP]"]
    collate = DataCollatorForWholeWordMask(ours)
    special = encoded["special_tokens_mask"].astype(bool)
    by_offsets = collate.word_starts(encoded["input_ids"], special, encoded["offset_mapping"])
    by_pieces = collate.word_starts(encoded["input_ids"], special)
    # "cat." is one run of text (transformers' rule) but two WordPiece words.
    np.testing.assert_array_equal(by_offsets[0], [0, 1, 1, 0, 1, 0, 0, 1, 0, 0, 0])
    np.testing.assert_array_equal(by_pieces[0], [0, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0])
    # A block cut mid-word: a ## piece first in a row, or right after [SEP], opens a word.
    ids = np.array([ours.convert_tokens_to_ids(["##y", "##z", "[SEP]", "##b", "the", "##c"])])
    np.testing.assert_array_equal(collate.word_starts(ids, np.isin(ids, ours.all_special_ids))[0], [1, 0, 0, 1, 1, 0])


def _words(tokens):
    """Word index per token by the WordPiece rule (None for special tokens), independently of
    the collator."""
    words, index = [], -1
    previous_special = True
    for token in tokens:
        if token in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"):
            words.append(None)
            previous_special = True
            continue
        if not token.startswith("##") or previous_special:
            index += 1
        words.append(index)
        previous_special = False
    return words


def _whole_word_counts(tokenizer, original, batch):
    """Counts over a batch: (chosen tokens, eligible tokens, sum of squared word lengths,
    [MASK]ed, random, kept), checking that every chosen token's word is chosen whole."""
    inputs, labels = np.asarray(batch["input_ids"]), np.asarray(batch["labels"])
    chosen = labels != -100
    np.testing.assert_array_equal(labels[chosen], original[chosen])
    np.testing.assert_array_equal(inputs[~chosen], original[~chosen])
    lengths = []
    for row, row_chosen in zip(original, chosen, strict=True):
        words = np.array([-1 if word is None else word for word in _words(tokenizer.convert_ids_to_tokens(row))])
        assert not row_chosen[words < 0].any(), "a special token was chosen"
        for word in range(words.max() + 1):
            flags = row_chosen[words == word]
            assert flags.all() or not flags.any(), "a word masked in part"
            lengths.append(len(flags))
    lengths = np.asarray(lengths)
    masked = chosen & (inputs == tokenizer.mask_token_id)
    kept = chosen & (inputs == original)
    randomised = chosen & ~masked & ~kept
    return np.array([chosen.sum(), lengths.sum(), (lengths**2).sum(), masked.sum(), randomised.sum(), kept.sum()])


def _check_whole_word_statistics(counts, shares):
    """The chosen share within 4 sigma of 15% (words are chosen, so the variance is
    p(1-p) sum(len^2) / (sum len)^2), and [MASK] / random / kept within 4 sigma of ``shares``."""
    chosen, eligible, squares = counts[:3]
    p = 0.15
    assert abs(chosen / eligible - p) < 4 * np.sqrt(p * (1 - p) * squares) / eligible, counts
    for got, centre in zip(counts[3:] / chosen, shares, strict=True):
        assert abs(got - centre) <= 4 * np.sqrt(centre * (1 - centre) / chosen), (counts, shares)


def test_whole_word_statistics_match_the_rule_and_transformers_torch_collator(tokenizers):
    torch = pytest.importorskip("torch")
    ours, theirs = tokenizers
    # Ours on plain ids (the WordPiece rule, as pre-training uses it), with 80/10/10, over
    # batches drawn one after the other from one collator.
    collate = DataCollatorForWholeWordMask(ours, seed=3)
    counts = 0
    for batch_seed in range(5):
        ids = [ours.encode(text) for text in _texts(400, seed=10 + batch_seed)]
        original = DataCollatorForLanguageModeling(ours, mlm=False)(ids)["input_ids"]
        counts = counts + _whole_word_counts(ours, original, collate(ids))
    assert counts[1] > 50_000
    _check_whole_word_statistics(counts, [0.8, 0.1 * 62 / 63, 0.1 + 0.1 / 63])  # a random id can be the original
    # transformers' torch path, on offsets: whole words, about 15% of the tokens, all [MASK] (its
    # forced rule). The texts have spaces around ".", so its words are the WordPiece words.
    torch.manual_seed(3)
    reference = _theirs_whole_word(theirs)
    counts = 0
    for batch_seed in range(5):
        rows = _rows(ours, _texts(400, seed=10 + batch_seed), padding=True)
        original = np.asarray([row["input_ids"] for row in rows])
        batch = {key: value.numpy() for key, value in reference(rows).items()}
        counts = counts + _whole_word_counts(ours, original, batch)
    _check_whole_word_statistics(counts, [1.0, 0.0, 0.0])


def test_whole_word_seeding_tensors_and_bad_input(tokenizers):
    ours, _ = tokenizers
    ids = [ours.encode(text) for text in _texts(16)]
    first = DataCollatorForWholeWordMask(ours, seed=5)(ids)
    np.testing.assert_array_equal(first["labels"], DataCollatorForWholeWordMask(ours, seed=5)(ids)["labels"])
    assert not np.array_equal(first["labels"], DataCollatorForWholeWordMask(ours, seed=6)(ids)["labels"])
    chainrule.manual_seed(2)
    a = DataCollatorForWholeWordMask(ours, return_tensors="cr")(ids)
    chainrule.manual_seed(2)
    b = DataCollatorForWholeWordMask(ours, generator=None)(ids)
    assert isinstance(a["input_ids"], chainrule.Tensor)
    np.testing.assert_array_equal(a["labels"].numpy(), b["labels"])
    with pytest.raises(ValueError, match="DataCollatorForWholeWordMask: mlm_probability"):
        DataCollatorForWholeWordMask(ours, mlm_probability=-0.1)
    rows = _rows(ours, ["the cat", "xyz"])
    with pytest.raises(ValueError, match="1 of 2 examples have an offset_mapping"):
        DataCollatorForWholeWordMask(ours)([rows[0], {"input_ids": rows[1]["input_ids"]}])
    collate = DataCollatorForWholeWordMask(ours, seed=0)
    with pytest.raises(ValueError, match="offset_mapping has shape"):
        collate.mask_tokens(np.array([[2, 5, 3]]), offset_mapping=np.zeros((1, 2, 2)))
    with pytest.raises(ValueError, match="ids must be in"):
        collate.mask_tokens(np.array([[2, len(VOCAB), 3]]))
