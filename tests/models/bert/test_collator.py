"""DataCollatorForLanguageModeling against transformers': identical batches on the NumPy path
with the same seed, the same statistics as its PyTorch path, and the invariants of the rule."""

import numpy as np
import pytest

import chainrule
from chainrule.models.bert import BertTokenizer
from chainrule.models.bert.collator import DataCollatorForLanguageModeling

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
