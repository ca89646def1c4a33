#!/usr/bin/env python3
"""Is chainrule's BERT pre-training as good as Hugging Face's on the same recipe?

Trains ``transformers.BertForMaskedLM`` (PyTorch) on exactly what ``chainrule bert pretrain``
would feed its own model: the same vocabulary, blocks, batch order and masks (chainrule's
collator, drawn from the same seeded streams), the same initial weights (chainrule's model at
step 0, saved and loaded into transformers), AdamW with the same decay/no-decay groups and eps,
the same warm-up and linear decay, gradient clipping at 1.0. Dropout masks differ (each library
draws its own). Prints validation masked-token loss and accuracy every ``--eval-every`` steps,
to compare with the ``pretrain_history.json`` of a chainrule run with the same settings.

    python benchmarks/bert_pretrain_oracle.py --vocab-from RUN_DIR --run-steps 500 \\
        [--steps 3000 --batch-size 32 --seq-len 128 --lr 1e-3 --dropout 0.1]

Measured for docs/bert.md (one thread, ~2 s a step): steps 250 / 500 gave validation loss
5.682 / 5.440 (accuracy 16.3 % / 18.1 %) against chainrule's 5.693 / 5.433 (16.6 % / 18.7 %).
"""

import argparse
import importlib
import json
import tempfile
import time

import numpy as np
import torch
import transformers

from chainrule import random as cr_random
from chainrule.models.bert import BertForMaskedLM, BertTokenizer
from chainrule.models.bert.corpus import load_corpus

P = importlib.import_module("chainrule.models.bert.pretrain")  # the module, not the function


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vocab-from", required=True, help="a chainrule pre-training folder (its vocab.txt)")
    ap.add_argument("--corpus", default=None)
    ap.add_argument("--steps", type=int, default=3000, help="the schedule's length")
    ap.add_argument("--run-steps", type=int, default=500, help="how many of its steps to run")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--seq-len", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    config = P.PretrainConfig(
        out=tempfile.mkdtemp(), corpus=a.corpus, steps=a.steps, seq_len=a.seq_len, batch_size=a.batch_size,
        lr=a.lr, dropout=a.dropout,
    )  # fmt: skip
    tokenizer = BertTokenizer.from_pretrained(a.vocab_from)
    corpus = load_corpus(config.corpus)
    train_blocks = P.build_blocks(tokenizer, corpus.train, config.seq_len)
    validation = P._validation_batches(tokenizer, P.build_blocks(tokenizer, corpus.validation, config.seq_len), config)

    cr_random.manual_seed(config.seed)  # chainrule's step-0 model, as pretrain() builds it
    initial = BertForMaskedLM(
        config.bert_config(tokenizer.vocab_size), generator=np.random.default_rng((config.seed, P._INIT))
    )
    initial.save_pretrained(config.out)
    model = transformers.BertForMaskedLM.from_pretrained(config.out)
    no_decay = [p for n, p in model.named_parameters() if n.endswith("bias") or "LayerNorm" in n]
    decay = [p for n, p in model.named_parameters() if not (n.endswith("bias") or "LayerNorm" in n)]
    groups = [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    optimizer = torch.optim.AdamW(groups, lr=config.lr, betas=(0.9, 0.999), eps=1e-6)
    scheduler = transformers.get_linear_schedule_with_warmup(
        optimizer, int(config.warmup_ratio * config.steps), config.steps
    )

    def loss_of(batch):
        labels = torch.from_numpy(np.asarray(batch["labels"], dtype=np.int64))
        out = model(input_ids=torch.from_numpy(np.asarray(batch["input_ids"], dtype=np.int64)), labels=labels)
        return out.loss, out.logits, labels

    def evaluate():
        model.eval()
        total = correct = count = 0
        with torch.no_grad():
            for batch in validation:
                loss, logits, labels = loss_of(batch)
                masked = labels != -100
                n = int(masked.sum())
                total += float(loss) * n
                correct += int((logits.argmax(-1)[masked] == labels[masked]).sum())
                count += n
        model.train()
        return total / count, correct / count

    model.train()
    began, losses = time.time(), []
    for step in range(a.run_steps):
        indices = P._batch_indices(step, len(train_blocks), config.batch_size, config.seed)
        collator = P._collator(tokenizer, config, np.random.default_rng((config.seed, P._TRAIN_MASKS, step)))
        loss, _, _ = loss_of(collator(list(train_blocks[indices])))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
        optimizer.step()
        scheduler.step()
        losses.append(float(loss.detach()))
        if (step + 1) % a.eval_every == 0 or step + 1 == a.run_steps:
            val_loss, val_accuracy = evaluate()
            record = {"step": step + 1, "val_loss": round(val_loss, 4), "val_accuracy": round(val_accuracy, 4)}
            record.update(train_loss_last_50=round(float(np.mean(losses[-50:])), 4), seconds=round(time.time() - began))
            print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
