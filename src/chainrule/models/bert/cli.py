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


# The subcommands, in the order `chainrule bert --help` lists them.
SUBCOMMANDS = [_add_embed]


def add_bert_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``bert`` and its subcommands to the top-level ``chainrule`` sub-parsers."""
    parser = subparsers.add_parser("bert", help="BERT: sentence embeddings (and more subcommands)")
    commands = parser.add_subparsers(dest="bert_command", required=True)
    for add in SUBCOMMANDS:
        add(commands)
    return parser


def run(args) -> int:
    """Run the parsed ``bert`` subcommand; returns the exit status."""
    return args.handler(args)
