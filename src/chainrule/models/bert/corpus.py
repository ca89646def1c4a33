"""Text to pre-train BERT on, offline: the installed standard library's docstrings by default, or
the user's own ``.txt`` file or folder, split into train and validation.

Every machine that runs chainrule has Python, and Python's standard library carries some 1.6 MB
of carefully written English in its docstrings (module, class, function and method docstrings,
read with :mod:`ast`, so nothing is imported or executed). Test suites, IDLE, turtledemo and
``site-packages`` are skipped (test docstrings are repetitive and third-party text varies from
machine to machine), as are files that do not parse.

Splitting is by *module* (the top-level name: all of ``email.*`` lands on one side), decided by a
hash of the name, so the split is the same on every machine and run and the validation loss
measures text from modules the model never saw, not neighbouring sentences of a module it
memorised. A folder of ``.txt`` files is split by file the same way; a single file is split
into blank-line-separated paragraphs and its last paragraphs go to validation.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import os
import sysconfig
from dataclasses import dataclass, field

__all__ = ["Corpus", "load_corpus", "stdlib_docstrings"]

_SKIPPED_DIRECTORIES = frozenset(
    {"test", "tests", "idlelib", "turtledemo", "site-packages", "dist-packages", "__pycache__"}
)


@dataclass
class Corpus:
    """Documents for pre-training, split into train and validation.

    Attributes:
        train, validation: the documents (strings) of each split, in a fixed order.
        train_groups, validation_groups: the modules (or files) each split was built from.
        source: where the text came from (``"stdlib docstrings (<path>)"`` or the user's path).
    """

    train: list[str]
    validation: list[str]
    train_groups: list[str] = field(default_factory=list)
    validation_groups: list[str] = field(default_factory=list)
    source: str = ""

    def num_chars(self) -> int:
        """Characters in both splits together."""
        return sum(map(len, self.train)) + sum(map(len, self.validation))


def _module_files(root: str) -> list[tuple[str, str]]:
    """(dotted module name, path) of every ``.py`` file under ``root``, skipping test and tool
    folders, in sorted order (``os.walk`` order depends on the file system)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(name for name in dirnames if name not in _SKIPPED_DIRECTORIES)
        for filename in sorted(filenames):
            if not filename.endswith(".py"):
                continue
            relative = os.path.relpath(os.path.join(dirpath, filename), root)
            module = relative[: -len(".py")].replace(os.sep, ".").removesuffix(".__init__")
            found.append((module, os.path.join(dirpath, filename)))
    return sorted(found)


def _docstrings(path: str) -> list[str]:
    """The docstrings of a source file (module, classes, functions), in source order; ``[]`` if the
    file cannot be read or parsed (a few stdlib files are deliberately broken or Python 2)."""
    try:
        with open(path, encoding="utf-8") as handle:
            tree = ast.parse(handle.read(), filename=path)
    except (SyntaxError, ValueError, UnicodeDecodeError, OSError):
        return []
    nodes = [
        node
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    # ast.walk is breadth-first; source order reads better and is just as deterministic.
    nodes.sort(key=lambda node: getattr(node, "lineno", 0))
    texts = []
    for node in nodes:
        docstring = ast.get_docstring(node, clean=True)
        if docstring and docstring.strip():
            texts.append(docstring.strip())
    return texts


@functools.lru_cache(maxsize=4)
def _stdlib_docstrings_cached(root: str, modules: tuple[str, ...] | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    selected = []
    for module, path in _module_files(root):
        if modules is not None and module.split(".")[0] not in modules:
            continue
        texts = _docstrings(path)
        if texts:
            selected.append((module, tuple(texts)))
    return tuple(selected)


def stdlib_docstrings(modules: list[str] | None = None, root: str | None = None) -> list[tuple[str, list[str]]]:
    """The docstrings of the installed standard library, module by module.

    Args:
        modules: only these top-level modules (``["json", "email"]``); ``None`` for all.
        root: the library folder to read (default: this interpreter's ``stdlib``).

    Returns:
        ``[(dotted module name, [docstring, ...]), ...]`` sorted by module name; modules
        without docstrings are left out. Parsed once per process (the full walk takes seconds).
    """
    root = root or sysconfig.get_paths()["stdlib"]
    chosen = tuple(sorted(set(modules))) if modules is not None else None
    return [(module, list(texts)) for module, texts in _stdlib_docstrings_cached(root, chosen)]


def _in_validation(group: str, validation_fraction: float) -> bool:
    """A stable pseudo-random choice per group name (SHA-1, not Python's salted ``hash``)."""
    digest = int.from_bytes(hashlib.sha1(group.encode("utf-8")).digest()[:8], "big")
    return digest / 2**64 < validation_fraction


def _split_groups(groups: list[tuple[str, list[str]]], validation_fraction: float, source: str) -> Corpus:
    corpus = Corpus([], [], source=source)
    for group, texts in groups:
        if _in_validation(group, validation_fraction):
            corpus.validation.extend(texts)
            corpus.validation_groups.append(group)
        else:
            corpus.train.extend(texts)
            corpus.train_groups.append(group)
    if groups and (not corpus.train or not corpus.validation):
        # Too few groups for the hash to put one on each side: validate on the last group.
        last_group, last_texts = groups[-1]
        corpus = Corpus([], [], source=source)
        for group, texts in groups[:-1]:
            corpus.train.extend(texts)
            corpus.train_groups.append(group)
        corpus.validation.extend(last_texts)
        corpus.validation_groups.append(last_group)
    return corpus


def _read_text(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as handle:
        return handle.read()


def _paragraphs(text: str) -> list[str]:
    """Blank-line-separated paragraphs, stripped, empty ones dropped."""
    paragraphs, current = [], []
    for line in text.splitlines():
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def load_corpus(
    path: str | os.PathLike | None = None, validation_fraction: float = 0.1, modules: list[str] | None = None
) -> Corpus:
    """The pre-training corpus: the stdlib docstrings (``path=None``), a ``.txt`` file, or a folder
    of ``.txt`` files (searched recursively), split into train and validation.

    Args:
        path: ``None`` for the standard library's docstrings, else a file or folder.
        validation_fraction: the share of modules (files) held out; a single file holds out
            its last paragraphs in this proportion (at least one).
        modules: with ``path=None``, restrict to these top-level stdlib modules.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: a bad ``validation_fraction``, or no text found.
    """
    if not 0.0 < validation_fraction < 1.0:
        raise ValueError(f"load_corpus: validation_fraction must be in (0, 1), got {validation_fraction}")
    if path is None:
        root = sysconfig.get_paths()["stdlib"]
        by_module = stdlib_docstrings(modules, root)
        # Group by top-level module so that a package's submodules stay on one side.
        groups: dict[str, list[str]] = {}
        for module, texts in by_module:
            groups.setdefault(module.split(".")[0], []).extend(texts)
        corpus = _split_groups(sorted(groups.items()), validation_fraction, f"stdlib docstrings ({root})")
    else:
        path = os.fspath(path)
        if not os.path.exists(path):
            raise FileNotFoundError(f"load_corpus: no such file or folder: {path!r}")
        if os.path.isdir(path):
            files = []
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames.sort()
                files.extend(os.path.join(dirpath, name) for name in sorted(filenames) if name.endswith(".txt"))
            groups_list = [(os.path.relpath(file, path), _paragraphs(_read_text(file))) for file in sorted(files)]
            groups_list = [(name, texts) for name, texts in groups_list if texts]
            if len(groups_list) == 1:
                return _split_single(groups_list[0][1], validation_fraction, path)
            corpus = _split_groups(groups_list, validation_fraction, path)
        else:
            return _split_single(_paragraphs(_read_text(path)), validation_fraction, path)
    if not corpus.train:
        raise ValueError(f"load_corpus: no text found in {corpus.source}")
    return corpus


def _split_single(paragraphs: list[str], validation_fraction: float, source: str) -> Corpus:
    """One file: the last paragraphs (at least one) are the validation split."""
    if len(paragraphs) < 2:
        raise ValueError(
            f"load_corpus: {source!r} has {len(paragraphs)} paragraph(s); at least 2 (separated by a blank line) "
            "are needed to hold one out for validation"
        )
    held_out = max(1, round(len(paragraphs) * validation_fraction))
    cut = len(paragraphs) - held_out
    return Corpus(paragraphs[:cut], paragraphs[cut:], [f"paragraphs[:{cut}]"], [f"paragraphs[{cut}:]"], source)
