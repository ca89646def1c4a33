"""Hugging Face BERT folders in and out: ``config.json`` + ``model.safetensors``.

Reading maps the file's tensor names onto the model's (with or without the ``bert.`` prefix, so a
BertModel checkpoint such as a sentence-transformers folder loads into BertForMaskedLM's encoder
and a BertForMaskedLM checkpoint into BertModel), re-ties what the file leaves out because it is
tied (the MLM decoder is the word embedding), skips the buffers transformers sometimes stores
(``embeddings.position_ids``), and reports rather than refuses the tensors of heads we do not
build (``cls.seq_relationship.*`` of a pre-training checkpoint). Encoder tensors that are absent
and tensors of the wrong shape are one error that lists them all, since a partly loaded encoder
would silently compute nonsense.

``pytorch_model.bin`` is refused: it is a pickle, and unpickling runs whatever code the file
names. Writing produces what transformers itself writes (tied tensors stored once).
"""

from __future__ import annotations

import json
import logging
import os

import numpy as np
import safetensors.numpy

from ... import serialization
from ...autograd import no_grad
from ...tensor import Tensor
from .config import BertConfig

__all__ = ["CONFIG_NAME", "WEIGHTS_INDEX_NAME", "WEIGHTS_NAME", "load_pretrained", "save_pretrained"]

logger = logging.getLogger("chainrule.models.bert")

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
WEIGHTS_INDEX_NAME = "model.safetensors.index.json"
# Non-trainable buffers some transformers versions store; we compute them on the fly.
_IGNORED_BUFFERS = ("embeddings.position_ids", "embeddings.token_type_ids")
# Weight files in formats we will not open, and why.
_PICKLE_FILES = ("pytorch_model.bin", "pytorch_model.bin.index.json", "model.pt", "model.pth")


def _refuse_pickle(where: str, directory: str, name: str):
    return ValueError(
        f"{where}: {directory!r} holds {name} but no {WEIGHTS_NAME}. chainrule does not load PyTorch .bin/.pt "
        "files: they are Python pickles, and unpickling runs whatever code the file names, so loading a "
        "downloaded one is as dangerous as running a downloaded script. Convert it once, where you trust "
        "it, to safetensors (only data): in Python with transformers installed, "
        f"`BertForMaskedLM.from_pretrained({directory!r}).save_pretrained({directory!r}, safe_serialization=True)` "
        "(or download the model.safetensors the model's hub page usually also has)"
    )


def _load_file(where: str, path: str) -> dict:
    try:
        tensors = serialization.load(path)
    except ValueError as exc:
        raise ValueError(f"{where}: cannot read the weights: {exc}") from None
    if not isinstance(tensors, dict) or not all(isinstance(v, np.ndarray) for v in tensors.values()):
        raise ValueError(f"{where}: {path!r} is not a flat {{name: tensor}} weight file")
    return tensors


def read_weights(where: str, directory: str) -> dict:
    """Every tensor of the folder's ``model.safetensors`` (or of the shards its index names)."""
    single = os.path.join(directory, WEIGHTS_NAME)
    index = os.path.join(directory, WEIGHTS_INDEX_NAME)
    if os.path.isfile(single):
        return _load_file(where, single)
    if os.path.isfile(index):
        try:
            with open(index, encoding="utf-8") as f:
                weight_map = json.load(f)["weight_map"]
            shards = sorted(set(weight_map.values()))
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"{where}: {index!r} is not a valid safetensors index ({exc!r})") from None
        tensors = {}
        for shard in shards:
            # A shard is a file beside the index, never a path that leaves the folder.
            if not isinstance(shard, str) or os.path.basename(shard) != shard or shard in ("", ".", ".."):
                raise ValueError(
                    f"{where}: {index!r} names the shard {shard!r}, which is not a file name in the folder"
                )
            tensors.update(_load_file(where, os.path.join(directory, shard)))
        return tensors
    for name in _PICKLE_FILES:
        if os.path.exists(os.path.join(directory, name)):
            raise _refuse_pickle(where, directory, name)
    raise FileNotFoundError(
        f"{where}: {directory!r} has no {WEIGHTS_NAME} (nor {WEIGHTS_INDEX_NAME}); it holds "
        f"{sorted(os.listdir(directory))}"
    )


def _canonical(name: str) -> str:
    """Checkpoints converted from Google's TensorFlow release name LayerNorm parameters gamma/beta."""
    if name.endswith("LayerNorm.gamma"):
        return name[: -len("gamma")] + "weight"
    if name.endswith("LayerNorm.beta"):
        return name[: -len("beta")] + "bias"
    return name


def load_pretrained(cls, directory, dtype=None):
    """Build ``cls`` from ``directory``'s config.json and load its weights.

    Returns:
        (model in eval mode, info) with info's ``missing_keys`` (head tensors absent from the
        file, left as initialised), ``unexpected_keys`` (file tensors the model has no place for)
        and ``ignored_keys`` (known buffers).

    Raises:
        FileNotFoundError: no folder, no config.json or no weight file.
        ValueError: a pickle weight file only, a truncated or corrupted safetensors file, a bad config.
        RuntimeError: encoder tensors missing or tensors of the wrong shape (all listed at once).
    """
    where = f"{cls.__name__}.from_pretrained"
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"{where}: {directory!r} is not a directory (expected a Hugging Face model folder)")
    config_path = os.path.join(directory, CONFIG_NAME)
    if not os.path.isfile(config_path):
        raise FileNotFoundError(f"{where}: {directory!r} has no {CONFIG_NAME}")
    config = BertConfig.from_json_file(config_path)
    if config.extra.get("tie_word_embeddings", True) is False:
        raise ValueError(f"{where}: config.json sets tie_word_embeddings=false; only tied MLM decoders are supported")
    state = read_weights(where, directory)
    model = cls(config)
    if dtype is not None:
        model.to(dtype=dtype)
    expected = model._named_state_tensors()
    prefix = cls.base_model_prefix + "."
    has_base = model._modules.get(cls.base_model_prefix) is not None

    mapped, unexpected, ignored = {}, [], []
    for key in state:
        name = _canonical(key)
        bare = name[len(prefix) :] if name.startswith(prefix) else name
        if name in expected:
            target = name
        elif has_base and prefix + name in expected:
            target = prefix + name
        elif not has_base and bare in expected:
            target = bare
        else:
            (ignored if bare in _IGNORED_BUFFERS else unexpected).append(key)
            continue
        mapped.setdefault(target, key)

    # Tied names reach one tensor; it is loaded once, from the first of its names the file has.
    owners: dict = {}
    for name, tensor in expected.items():
        owners.setdefault(id(tensor), []).append(name)
    staged, problems, missing = [], [], []
    for names in owners.values():
        tensor = expected[names[0]]
        present = [name for name in names if name in mapped]
        if not present:
            bare = names[0][len(prefix) :] if has_base else names[0]
            if bare.startswith(("embeddings.", "encoder.")):
                problems.append(f"missing: {names[0]} (shape {tuple(tensor.shape)})")
            else:
                missing.append(names[0])
            continue
        key = mapped[present[0]]
        array = state[key]
        if tuple(array.shape) != tuple(tensor.shape):
            problems.append(
                f"mis-shaped: {key} is {tuple(array.shape)} in the file, the model built from config.json "
                f"needs {tuple(tensor.shape)} for {present[0]}"
            )
        elif array.dtype.kind != "f":
            problems.append(f"wrong dtype: {key} is {array.dtype} in the file, expected a floating dtype")
        else:
            staged.append((tensor, array))
    if problems:
        raise RuntimeError(
            f"{where}({directory!r}): the checkpoint does not fit the model ({len(problems)} problem(s)):\n\t"
            + "\n\t".join(problems)
        )
    with no_grad():
        for tensor, array in staged:
            tensor.copy_(Tensor(array))
    if missing:
        logger.warning("%s: not in the checkpoint, newly initialised: %s", where, ", ".join(missing))
    if unexpected:
        logger.warning("%s: checkpoint tensors not used by %s: %s", where, cls.__name__, ", ".join(unexpected))
    model.eval()  # as transformers: a loaded model is for inference until .train() is called
    return model, {"missing_keys": missing, "unexpected_keys": unexpected, "ignored_keys": ignored}


def save_pretrained(model, directory) -> None:
    """Write ``config.json`` and ``model.safetensors`` (each atomically) as transformers does:
    tied tensors (the MLM decoder weight and bias) are left out and re-tied on loading."""
    directory = os.fspath(directory)
    os.makedirs(directory, exist_ok=True)
    config = model.config.to_dict()
    config["architectures"] = [type(model).__name__]
    config["tie_word_embeddings"] = True
    tensors = {}
    for name, tensor in model._named_state_tensors().items():
        if name in model.tied_weights_keys:
            continue
        array = tensor._data
        tensors[name] = np.ascontiguousarray(array.astype(array.dtype.newbyteorder("<"), copy=False))
    config["dtype"] = str(model.get_input_embeddings().weight.dtype)
    # format "pt": transformers refuses safetensors files whose metadata names another framework.
    payload = safetensors.numpy.save(tensors, metadata={"format": "pt"})
    serialization.write_atomically(payload, os.path.join(directory, WEIGHTS_NAME))
    text = json.dumps(config, indent=2, sort_keys=True) + "\n"
    serialization.write_atomically(text.encode("utf-8"), os.path.join(directory, CONFIG_NAME))
