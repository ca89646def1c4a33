"""The default corpus (stdlib docstrings) and user text files: size, determinism, disjoint splits."""

import pytest

from chainrule.models.bert.corpus import load_corpus, stdlib_docstrings

FEW = ["json", "email", "collections", "textwrap", "fractions", "argparse", "shlex", "queue", "heapq", "csv"]


def test_stdlib_docstrings_are_read_in_a_fixed_order_without_tests():
    modules = stdlib_docstrings(FEW)
    names = [name for name, _ in modules]
    assert names == sorted(names)
    assert {name.split(".")[0] for name in names} <= set(FEW)
    assert "email.message" in names and "json" in names
    assert not any(part in ("test", "tests") for name in names for part in name.split("."))
    json_doc = dict(modules)["json"][0]
    assert json_doc.startswith("JSON (JavaScript Object Notation)")
    assert all(text == text.strip() and text for _, texts in modules for text in texts)


def test_split_is_by_module_deterministic_and_disjoint():
    corpus = load_corpus(modules=FEW, validation_fraction=0.3)
    again = load_corpus(modules=FEW, validation_fraction=0.3)
    assert corpus.train == again.train and corpus.validation == again.validation
    assert corpus.train and corpus.validation
    assert not set(corpus.train_groups) & set(corpus.validation_groups)
    assert sorted(corpus.train_groups + corpus.validation_groups) == sorted(FEW)
    by_group = {}
    for name, texts in stdlib_docstrings(FEW):
        by_group.setdefault(name.split(".")[0], []).extend(texts)
    assert corpus.validation == [text for group in corpus.validation_groups for text in by_group[group]]
    # A module's side does not depend on which other modules are loaded.
    subset = FEW[:5] + ["shlex"]
    alone = load_corpus(modules=subset, validation_fraction=0.3)
    assert alone.validation_groups == sorted(set(corpus.validation_groups) & set(subset))


@pytest.mark.slow
def test_the_full_default_corpus_is_about_one_and_a_half_megabytes():
    corpus = load_corpus()
    assert 1_000_000 < corpus.num_chars() < 3_000_000
    assert 100 < len(corpus.train_groups) and 5 < len(corpus.validation_groups)
    assert 0.02 < sum(map(len, corpus.validation)) / corpus.num_chars() < 0.25
    assert not set(corpus.train_groups) & set(corpus.validation_groups)


def test_a_text_file_holds_out_its_last_paragraphs(tmp_path):
    path = tmp_path / "book.txt"
    paragraphs = [f"Paragraph {i} first line.\nsecond line {i}." for i in range(20)]
    path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    corpus = load_corpus(path, validation_fraction=0.1)
    assert corpus.train == [p.replace("\n", " ") for p in paragraphs[:18]]
    assert corpus.validation == [p.replace("\n", " ") for p in paragraphs[18:]]


def test_a_folder_is_split_by_file(tmp_path):
    for i in range(30):
        sub = tmp_path / ("part1" if i % 2 else "part2")
        sub.mkdir(exist_ok=True)
        (sub / f"doc{i:02d}.txt").write_text(f"text of document {i}.\n\nmore of {i}.", encoding="utf-8")
    (tmp_path / "ignored.md").write_text("not a txt file", encoding="utf-8")
    corpus = load_corpus(tmp_path, validation_fraction=0.2)
    assert len(corpus.train_groups) + len(corpus.validation_groups) == 30
    assert corpus.validation_groups and not set(corpus.train_groups) & set(corpus.validation_groups)
    assert all(group.endswith(".txt") for group in corpus.train_groups)
    assert corpus.train + corpus.validation and not any(
        "not a txt" in text for text in corpus.train + corpus.validation
    )
    assert load_corpus(tmp_path, validation_fraction=0.2).validation == corpus.validation


def test_bad_paths_and_fractions(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_corpus(tmp_path / "missing.txt")
    with pytest.raises(ValueError, match="validation_fraction"):
        load_corpus(validation_fraction=1.5)
    one = tmp_path / "one.txt"
    one.write_text("only one paragraph", encoding="utf-8")
    with pytest.raises(ValueError, match="at least 2"):
        load_corpus(one)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="no text"):
        load_corpus(empty)
