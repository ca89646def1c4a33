"""``chainrule bert ...``: the BERT subcommands.

Each subcommand is a function that adds its parser to the ``bert`` sub-parsers and sets
``handler``; adding one is a new function and one entry in ``SUBCOMMANDS``. Heavy imports happen
inside the handlers, so that ``chainrule --help`` stays fast.
"""

from __future__ import annotations

import argparse

__all__ = ["SUBCOMMANDS", "add_bert_parser", "run"]


def _add_embed(commands) -> None:
    parser = commands.add_parser(
        "embed",
        help="print sentence embeddings (mean of the last hidden states over the tokens) and their cosine similarities",
        description="Sentence embeddings as sentence-transformers computes them, from a Hugging Face BERT folder "
        "(config.json, model.safetensors, vocab.txt).",
    )
    parser.add_argument("texts", nargs="+", help="the sentences to embed")
    parser.add_argument("--model", required=True, help="the model folder")
    parser.add_argument(
        "--normalize",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="unit-length vectors (default: as the folder's modules.json says, else no)",
    )
    parser.add_argument(
        "--pooling", choices=("mean", "cls"), default=None, help="default: the folder's 1_Pooling, else mean"
    )
    parser.add_argument("--max-length", type=int, default=None, help="truncate longer texts (default: the model's)")
    parser.add_argument("--dims", type=int, default=8, help="how many leading dimensions to print (0: all)")
    parser.set_defaults(handler=_run_embed)


def _run_embed(args) -> int:
    import numpy as np

    from ...autograd import no_grad
    from .modeling import BertModel
    from .sentence import cosine_similarity_matrix, pooling_from_folder, sentence_embeddings
    from .tokenizer import BertTokenizer

    model = BertModel.from_pretrained(args.model)
    tokenizer = BertTokenizer.from_pretrained(args.model)
    pooling, normalize = pooling_from_folder(args.model)
    pooling = args.pooling or pooling
    normalize = normalize if args.normalize is None else args.normalize
    max_length = args.max_length or model.config.max_position_embeddings
    encoded = tokenizer(args.texts, padding=True, truncation=True, max_length=max_length, return_tensors="np")
    with no_grad():
        vectors = sentence_embeddings(
            model,
            encoded["input_ids"],
            attention_mask=encoded["attention_mask"],
            token_type_ids=encoded["token_type_ids"],
            normalize=normalize,
            pooling=pooling,
        ).numpy()
    dims = vectors.shape[1] if args.dims <= 0 else min(args.dims, vectors.shape[1])
    with np.printoptions(precision=4, suppress=True, linewidth=120):
        print(f"{len(args.texts)} embedding(s) of {vectors.shape[1]} dims ({pooling} pooling, normalize={normalize})")
        for i, (text, vector) in enumerate(zip(args.texts, vectors)):
            shown = np.array2string(vector[:dims], separator=", ")
            more = f" ... ({vectors.shape[1] - dims} more)" if dims < vectors.shape[1] else ""
            print(f"[{i}] {text!r}  norm={np.linalg.norm(vector):.4f}\n    {shown}{more}")
        if len(args.texts) > 1:
            print("cosine similarity:")
            similarity = cosine_similarity_matrix(vectors)
            print("      " + " ".join(f"[{j}]".rjust(7) for j in range(len(args.texts))))
            for i, row in enumerate(similarity):
                print(f"  [{i}] " + " ".join(f"{value:7.4f}" for value in row))
    return 0


# ---- pre-training and fill-mask (the handlers call models/bert/pretrain.py) ----

# (option, type, help, default): the defaults are PretrainConfig's, repeated here so that
# building the parser imports nothing heavy (tests/models/bert/test_pretrain.py checks they agree).
PRETRAIN_OPTIONS = (
    ("layers", int, "Transformer layers", 4),
    ("hidden", int, "hidden size", 256),
    ("heads", int, "attention heads", 4),
    ("steps", int, "optimiser steps", 1000),
    ("seed", int, "seed of initialisation, batch order, masking and dropout", 0),
    ("batch_size", int, "blocks per step", 16),
    ("seq_len", int, "tokens per block", 128),
    ("vocab_size", int, "WordPiece vocabulary size", 8192),
    ("lr", float, "peak learning rate", 5e-4),
    ("warmup_ratio", float, "share of the steps spent warming up", 0.06),
    ("weight_decay", float, "AdamW weight decay", 0.01),
    ("dropout", float, "hidden and attention dropout", 0.1),
    ("eval_every", int, "validate every N steps", 100),
    ("eval_batches", int, "validation batches", 16),
    ("checkpoint_every", int, "checkpoint every N steps", 100),
    ("log_every", int, "progress line every N steps", 10),
    ("stop_at_step", int, "stop (checkpointed) after this step, to continue with --resume", None),
    ("processes", int, "processes sharing each batch (nn.DataParallel, one BLAS thread each; 1: this one)", 1),
)


def _add_pretrain(commands) -> None:
    parser = commands.add_parser(
        "pretrain",
        help="pre-train a BERT masked language model from scratch (default corpus: the stdlib docstrings)",
        description="MLM pre-training on CPU: WordPiece vocabulary trained on the corpus, AdamW with warm-up and "
        "linear decay, periodic validation against the unigram baseline, atomic checkpoints, exact --resume. "
        "Writes a Hugging Face folder (config.json, model.safetensors, vocab.txt).",
    )
    parser.add_argument("--corpus", default=None, help="a .txt file or folder (default: the stdlib docstrings)")
    parser.add_argument("--out", required=True, help="the output folder")
    for name, kind, help_text, default in PRETRAIN_OPTIONS:
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            dest=name,
            type=kind,
            default=default,
            help=f"{help_text} (default {default})",
        )
    parser.add_argument(
        "--whole-word-mask",
        dest="whole_word_mask",
        action="store_true",
        help="mask whole words (a piece and its ## continuations) instead of single tokens",
    )
    parser.add_argument(
        "--init-from",
        dest="init_from",
        default=None,
        help="start from this model folder's weights and vocabulary (continued pre-training, fresh optimiser)",
    )
    parser.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.safetensors")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.set_defaults(handler=_run_pretrain)


def _run_pretrain(args) -> int:
    import dataclasses

    from .pretrain import PretrainConfig, pretrain

    fields = {field.name for field in dataclasses.fields(PretrainConfig)}
    config = PretrainConfig(**{key: value for key, value in vars(args).items() if key in fields})
    history = pretrain(config)
    final = history["eval"][-1] if history["eval"] else {}
    print(
        f"done: {history['steps']} steps, val_loss {final.get('val_loss', float('nan')):.4f} "
        f"(unigram {history['unigram_loss']:.4f}), val_accuracy {final.get('val_accuracy', float('nan')):.4f}, "
        f"{history['tokens_per_second']:,.0f} tokens/s; model in {config.out}"
    )
    return 0


def _add_fill_mask(commands) -> None:
    parser = commands.add_parser(
        "fill-mask",
        help="the most likely tokens for each [MASK] in a text, with their probabilities",
        description="Fill-mask with a BERT masked-LM folder (config.json, model.safetensors, vocab.txt).",
    )
    parser.add_argument("texts", nargs="+", help='texts with [MASK], e.g. "the [MASK] sat on the mat."')
    parser.add_argument("--model", required=True, help="the model folder")
    parser.add_argument("--top-k", dest="top_k", type=int, default=5, help="candidates per [MASK] (default 5)")
    parser.set_defaults(handler=_run_fill_mask)


def _run_fill_mask(args) -> int:
    from .modeling import BertForMaskedLM
    from .pretrain import fill_mask
    from .tokenizer import BertTokenizer

    model = BertForMaskedLM.from_pretrained(args.model)
    tokenizer = BertTokenizer.from_pretrained(args.model)
    for text in args.texts:
        print(text)
        masks = fill_mask(model, tokenizer, text, args.top_k)
        for index, candidates in enumerate(masks):
            label = f"  [MASK] {index + 1}:" if len(masks) > 1 else " "
            for candidate in candidates:
                print(f"{label} {candidate['token_str']:<16} {candidate['score']:.4f}  {candidate['sequence']}")
    return 0


# The subcommands, in the order `chainrule bert --help` lists them.
SUBCOMMANDS = [_add_embed, _add_pretrain, _add_fill_mask]


def add_bert_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``bert`` and its subcommands to the top-level ``chainrule`` sub-parsers."""
    parser = subparsers.add_parser("bert", help="BERT: sentence embeddings, masked-LM pre-training, fill-mask")
    commands = parser.add_subparsers(dest="bert_command", required=True)
    for add in SUBCOMMANDS:
        add(commands)
    return parser


def run(args) -> int:
    """Run the parsed ``bert`` subcommand; returns the exit status."""
    return args.handler(args)
