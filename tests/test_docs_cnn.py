"""Run every Python block of docs/cnn.md in order, in one namespace, on a small synthetic
Fashion-MNIST (IDX files written here) for one epoch; and check that the page's model listing is
the code in src/chainrule/models/lenet.py."""

import pathlib
import re

import numpy as np

from chainrule.data import write_idx

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "cnn.md"


def _blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(), flags=re.S)


def _small_fashion_mnist(folder):
    rng = np.random.default_rng(0)
    for split, n in (("train", 96), ("t10k", 40)):
        write_idx(folder / f"{split}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28)).astype(np.uint8))
        write_idx(folder / f"{split}-labels-idx1-ubyte.gz", (np.arange(n) % 10).astype(np.uint8))


def test_cnn_doc_examples_run(tmp_path, capsys):
    _small_fashion_mnist(tmp_path)
    blocks = _blocks("python")
    assert len(blocks) == 3
    # the two settings that make the page's run a full one: the data (Debian's files) and the epochs
    setup, count = re.subn(r"^root = None\b", f"root = {str(tmp_path)!r}", blocks[0], flags=re.M)
    setup, epochs = re.subn(r"^EPOCHS = \d+$", "EPOCHS = 1", setup, flags=re.M)
    assert count == 1 and epochs == 1
    namespace = {"__name__": "docs_cnn"}
    for i, block in enumerate([setup, *blocks[1:]]):
        exec(compile(block, f"docs/cnn.md block {i}", "exec"), namespace)
    results = namespace["results"]
    assert set(results) == {"plain", "augmented"}
    for history, test_accuracy, seconds in results.values():
        assert len(history["loss"]) == 1 and 0.0 <= test_accuracy <= 1.0 and seconds > 0
    assert "plain" in capsys.readouterr().out


def test_model_listing_is_the_library_code():
    (listing,) = _blocks("py")
    source = (ROOT / "src" / "chainrule" / "models" / "lenet.py").read_text()
    lines = [line.strip() for line in listing.splitlines() if line.strip()]
    assert len(lines) > 10
    missing = [line for line in lines if line not in source]
    assert not missing, f"docs/cnn.md shows lines that are not in models/lenet.py: {missing}"
