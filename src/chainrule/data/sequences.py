"""Long-range sequence tasks, generated on the fly: the benchmarks that show why LSTM exists.

Each task is a map-style :class:`~chainrule.data.Dataset` whose answer depends on inputs many
steps back, so a model can only beat the stated baseline if its learning signal reaches that far
back in time (see :func:`chainrule.diagnostics.time_step_gradient_norms`):

* :class:`AddingProblem` -- two marked values in a sequence of random numbers; predict their sum
  (Hochreiter and Schmidhuber 1997; the form of Le et al. 2015). Always predicting 1 gives
  MSE 1/6 ~ 0.167.
* :class:`CopyTask` -- remember a string of symbols through a stretch of blanks and reproduce it
  after a delimiter (Hochreiter and Schmidhuber 1997; the form of Arjovsky et al. 2016).
* :class:`FirstTokenClassification` -- a label that depends only on the first token of a
  sequence of random tokens: the plainest test of how far back a classifier can look.

Samples are *generated* when read, not stored: sample ``i`` is drawn from its own generator,
seeded by ``(seed, i)``, so ``dataset[i]`` is the same every time it is read, in any order, and
a dataset of a million sequences costs no memory. Two datasets with different seeds are
independent draws: use one seed for training and another for testing.

Shapes: a sample's input is ``(seq_len, features)``, time first. The
:class:`~chainrule.data.DataLoader` stacks samples along a new first axis, so a batch is
``(batch, seq_len, features)`` -- feed it to a recurrent layer built with ``batch_first=True``, or
``x.transpose(0, 1)`` it to the ``(seq_len, batch, features)`` layout that is the default.
Inputs are float32; class targets are int64. See ``docs/sequences.md`` for the baselines and the
measured LSTM-vs-RNN result on the adding problem.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

import chainrule as cr

from ..random import get_generator
from .dataset import Dataset, _index_of

__all__ = ["AddingProblem", "CopyTask", "FirstTokenClassification"]


def _int_argument(value, name: str, where: str, minimum: int) -> int:
    if not isinstance(value, (numbers.Integral, np.integer)) or isinstance(value, (bool, np.bool_)) or value < minimum:
        raise ValueError(f"{where}: {name} should be an integer >= {minimum}, got {value!r}")
    return int(value)


def _bool_argument(value, name: str, where: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{where}: {name} should be True or False, got {value!r}")
    return bool(value)


def _base_seed(seed, generator, where: str) -> int:
    """The dataset's seed: ``seed`` itself, or one draw from ``generator`` (None: chainrule's
    default generator, so ``chainrule.manual_seed`` fixes an unseeded dataset too)."""
    if seed is not None and generator is not None:
        raise ValueError(f"{where}: pass seed or generator, not both (got seed={seed!r} and a generator)")
    if seed is not None:
        return _int_argument(seed, "seed", where, minimum=0)
    rng = get_generator(generator, owner=where, error=ValueError)
    return int(rng.integers(2**63 - 1))


def _one_hot(tokens: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros((tokens.shape[0], size), dtype=np.float32)  # (seq_len, size)
    out[np.arange(tokens.shape[0]), tokens] = 1.0
    return out


class _SequenceTask(Dataset):
    """Shared machinery: per-sample generators, indexing, and the DataLoader's batch fast path.

    Subclasses set ``self.seed`` and ``self.num_samples`` and implement ``_arrays(rng)``,
    returning the NumPy arrays of one sample.
    """

    seed: int
    num_samples: int

    def _sample(self, index: int) -> tuple:
        # A generator per sample, seeded by (seed, index): reading order never changes a sample.
        return self._arrays(np.random.default_rng([self.seed, index]))

    def _arrays(self, rng: np.random.Generator) -> tuple:
        raise NotImplementedError

    def __len__(self) -> int:
        return self.num_samples

    def __getitem__(self, index):
        index = _index_of(index, len(self), type(self).__name__)
        return tuple(cr.tensor(a, dtype=a.dtype) for a in self._sample(index))

    def _fetch_batch(self, indices):
        """What ``default_collate([self[i] for i in indices])`` returns, without building a
        Tensor per sample."""
        n = len(self)
        samples = [self._sample(_index_of(i, n, type(self).__name__)) for i in indices]
        return [cr.tensor(np.stack(column), dtype=column[0].dtype) for column in zip(*samples)]

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._repr_fields)
        return f"{type(self).__name__}({fields}, num_samples={self.num_samples}, seed={self.seed})"


class AddingProblem(_SequenceTask):
    """The adding problem: find the two marked numbers in a long sequence and add them.

    Each step ``t`` carries two features: ``x[t, 0]`` a value drawn uniformly from [0, 1) and
    ``x[t, 1]`` a marker, 1.0 at exactly two steps and 0.0 elsewhere. Convention (Le et al.
    2015): one marked step is drawn uniformly from the first half, ``[0, seq_len // 2)``, the
    other from the second half, ``[seq_len // 2, seq_len)``. The target is the sum of the two
    marked values, in [0, 2).

    Why it is hard: the first marked value may sit ``seq_len - 1`` steps before the end, where
    the prediction is made, so a model must carry it across the whole sequence while ignoring
    ``seq_len - 2`` distractors. A model that learns nothing about the markers can do no better
    than predict the mean, 1: the target is the sum of two independent U(0, 1), whose variance
    is 2/12, so that baseline's MSE is :attr:`baseline_mse` = 1/6 ~ 0.167. Beating it by much
    means the signal reached back to the first marker.

    Args:
        seq_len: steps per sequence, at least 2 (one marker in each half).
        num_samples: sequences in the dataset.
        seed: seed of the data (an int >= 0); the same seed gives the same sequences.
        generator: without ``seed``, the ``numpy.random.Generator`` one seed is drawn from when
            the dataset is built (None: chainrule's default generator).

    A sample is ``(x, y)``: ``x`` float32 of shape ``(seq_len, 2)``, ``y`` float32 of shape
    ``(1,)`` (what a ``Linear(hidden, 1)`` head predicts); batches are ``(B, seq_len, 2)`` and
    ``(B, 1)``.
    """

    input_size = 2
    baseline_mse = 1.0 / 6.0
    _repr_fields = ("seq_len",)

    def __init__(self, seq_len: int = 100, num_samples: int = 1000, seed: int | None = None, generator=None) -> None:
        where = "AddingProblem"
        self.seq_len = _int_argument(seq_len, "seq_len", where, minimum=2)
        self.num_samples = _int_argument(num_samples, "num_samples", where, minimum=1)
        self.seed = _base_seed(seed, generator, where)

    def _arrays(self, rng):
        half = self.seq_len // 2
        x = np.zeros((self.seq_len, 2), dtype=np.float32)
        x[:, 0] = rng.random(self.seq_len, dtype=np.float32)
        first, second = int(rng.integers(0, half)), int(rng.integers(half, self.seq_len))
        x[[first, second], 1] = 1.0
        # Summed in float32 from the stored float32 values, so the target is exactly the sum
        # of what the model sees.
        y = np.array([x[first, 0] + x[second, 0]], dtype=np.float32)
        return x, y


class CopyTask(_SequenceTask):
    """The copy (memory) task: read ``copy_length`` symbols, wait, then write them back in order.

    Tokens: 0 is the blank, ``1 .. num_symbols`` are the symbols, ``num_symbols + 1`` is the
    delimiter. A sequence has ``seq_len = 2 * copy_length + delay`` steps:

    * input: ``copy_length`` random symbols, then ``delay - 1`` blanks, then the delimiter
      (the cue "start writing"), then ``copy_length`` blanks;
    * target: blank for the first ``copy_length + delay`` steps, then the ``copy_length``
      symbols in their original order.

    Each symbol is recalled ``copy_length + delay`` steps after it was shown, so the delay sets
    how far back the learning signal must reach (Arjovsky et al. 2016 use ``copy_length=10``,
    ``num_symbols=8`` and delays of 100 to 500).

    Baseline: a memoryless model -- one that knows which step it is at (it can count to the
    delimiter) but has kept nothing of the symbols -- predicts the blank with certainty for the
    first ``copy_length + delay`` steps and a uniform guess over the symbols afterwards. Its
    cross-entropy, averaged over all steps, is :attr:`baseline_cross_entropy`
    ``= copy_length * ln(num_symbols) / seq_len`` (0.260 nats for the defaults: 10 symbols
    to copy from an alphabet of 8, seq_len 80). A model that has learnt when to write but not
    what is stuck there; anything below needs memory.

    Args:
        copy_length: symbols to copy (>= 1).
        delay: steps from the last symbol to the delimiter, inclusive (>= 1).
        num_symbols: size of the alphabet (>= 2).
        num_samples: sequences in the dataset.
        one_hot: inputs as float32 one-hot vectors of size :attr:`input_size` (``num_symbols
            + 2``) when True; as int64 token ids (for an ``Embedding``) when False.
        seed: seed of the data (an int >= 0).
        generator: without ``seed``, the generator one seed is drawn from when the dataset is
            built (None: chainrule's default generator).

    A sample is ``(x, y)``: ``x`` of shape ``(seq_len, num_symbols + 2)`` (or ``(seq_len,)``
    ids), ``y`` int64 of shape ``(seq_len,)`` with classes ``0 .. num_symbols``
    (:attr:`num_classes` of them; the delimiter is never a target). For per-step outputs of
    shape ``(B, seq_len, num_classes)``, take ``F.cross_entropy(logits.transpose(1, 2), y)``.
    """

    _repr_fields = ("copy_length", "delay", "num_symbols")

    def __init__(
        self,
        copy_length: int = 10,
        delay: int = 60,
        num_symbols: int = 8,
        num_samples: int = 1000,
        one_hot: bool = True,
        seed: int | None = None,
        generator=None,
    ) -> None:
        where = "CopyTask"
        self.copy_length = _int_argument(copy_length, "copy_length", where, minimum=1)
        self.delay = _int_argument(delay, "delay", where, minimum=1)
        self.num_symbols = _int_argument(num_symbols, "num_symbols", where, minimum=2)
        self.num_samples = _int_argument(num_samples, "num_samples", where, minimum=1)
        self.one_hot = _bool_argument(one_hot, "one_hot", where)
        self.seed = _base_seed(seed, generator, where)
        self.seq_len = 2 * self.copy_length + self.delay
        self.blank, self.delimiter = 0, self.num_symbols + 1
        self.input_size = self.num_symbols + 2
        self.num_classes = self.num_symbols + 1
        self.baseline_cross_entropy = self.copy_length * math.log(self.num_symbols) / self.seq_len

    def _arrays(self, rng):
        k, recall = self.copy_length, self.copy_length + self.delay
        symbols = rng.integers(1, self.num_symbols + 1, size=k)
        tokens = np.zeros(self.seq_len, dtype=np.int64)
        tokens[:k] = symbols
        tokens[recall - 1] = self.delimiter
        target = np.zeros(self.seq_len, dtype=np.int64)
        target[recall:] = symbols
        inputs = _one_hot(tokens, self.input_size) if self.one_hot else tokens
        return inputs, target


class FirstTokenClassification(_SequenceTask):
    """Classify a sequence of random tokens by its first token alone.

    Token 0 is the label, drawn uniformly from ``0 .. num_classes - 1``; tokens 1 onwards are
    noise, uniform over the whole vocabulary ``0 .. vocab_size - 1`` and independent of the
    label. The label is read at the end of the sequence, so the model must carry one token
    across ``seq_len - 1`` steps of noise: the simplest probe of how far back a recurrent
    classifier can look. Without that memory the best a model can do is chance:
    :attr:`chance_accuracy` = ``1 / num_classes`` and :attr:`baseline_cross_entropy` =
    ``ln(num_classes)``.

    Args:
        seq_len: steps per sequence (>= 1).
        num_samples: sequences in the dataset.
        num_classes: number of labels (>= 2).
        vocab_size: tokens in the vocabulary (>= ``num_classes``; default ``num_classes``).
        one_hot: inputs as float32 one-hot vectors of size ``vocab_size`` when True; as int64
            token ids when False.
        seed: seed of the data (an int >= 0).
        generator: without ``seed``, the generator one seed is drawn from when the dataset is
            built (None: chainrule's default generator).

    A sample is ``(x, y)``: ``x`` of shape ``(seq_len, vocab_size)`` (or ``(seq_len,)`` ids),
    ``y`` an int64 scalar; batches are ``(B, seq_len, vocab_size)`` and ``(B,)``.
    """

    _repr_fields = ("seq_len", "num_classes", "vocab_size")

    def __init__(
        self,
        seq_len: int = 50,
        num_samples: int = 1000,
        num_classes: int = 4,
        vocab_size: int | None = None,
        one_hot: bool = True,
        seed: int | None = None,
        generator=None,
    ) -> None:
        where = "FirstTokenClassification"
        self.seq_len = _int_argument(seq_len, "seq_len", where, minimum=1)
        self.num_samples = _int_argument(num_samples, "num_samples", where, minimum=1)
        self.num_classes = _int_argument(num_classes, "num_classes", where, minimum=2)
        vocab = self.num_classes if vocab_size is None else vocab_size
        if not isinstance(vocab, (numbers.Integral, np.integer)) or isinstance(vocab, bool) or vocab < self.num_classes:
            raise ValueError(
                f"{where}: vocab_size should be an integer >= num_classes ({self.num_classes}) so every "
                f"label is a token, got {vocab_size!r}"
            )
        self.vocab_size = int(vocab)
        self.one_hot = _bool_argument(one_hot, "one_hot", where)
        self.seed = _base_seed(seed, generator, where)
        self.input_size = self.vocab_size
        self.chance_accuracy = 1.0 / self.num_classes
        self.baseline_cross_entropy = math.log(self.num_classes)

    def _arrays(self, rng):
        label = int(rng.integers(0, self.num_classes))
        tokens = rng.integers(0, self.vocab_size, size=self.seq_len)
        tokens[0] = label
        inputs = _one_hot(tokens, self.vocab_size) if self.one_hot else tokens.astype(np.int64)
        return inputs, np.array(label, dtype=np.int64)
