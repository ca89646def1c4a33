"""`chainrule bert ...`: the subcommand tree and `chainrule bert embed`."""

import numpy as np
import pytest

from chainrule import cli

WORDS = ["the", "cat", "sat", "on", "mat", "dog", "ran", "a", "big", "small"]


def test_bert_lists_embed(capsys):
    with pytest.raises(SystemExit):
        cli.main(["bert", "--help"])
    assert "embed" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(["bert"])  # a subcommand is required
    assert "required" in capsys.readouterr().err


def test_embed_prints_embeddings_and_cosine_similarities(mlm_dir, capsys):
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + WORDS
    vocab += [f"w{i}" for i in range(61 - len(vocab))]
    (mlm_dir / "vocab.txt").write_text("\n".join(vocab) + "\n")
    assert (
        cli.main(["bert", "embed", "--model", str(mlm_dir), "--normalize", "the cat sat", "a dog ran", "the cat sat"])
        == 0
    )
    out = capsys.readouterr().out
    assert "3 embedding(s) of 24 dims (mean pooling, normalize=True)" in out
    assert "norm=1.0000" in out and "(16 more)" in out
    rows = [line for line in out.splitlines() if line.startswith("  [")]
    similarity = np.array([[float(v) for v in row.split("]")[1].split()] for row in rows])
    assert similarity.shape == (3, 3)
    np.testing.assert_allclose(np.diag(similarity), 1.0, atol=1e-4)
    assert similarity[0, 2] == pytest.approx(1.0, abs=1e-4) and similarity[0, 1] < 0.9999
