#!/usr/bin/env python3
"""chainrule vs PyTorch on the mini-BERT masked-LM training step, one framework per process.

The workload is ../shared/bench/peers/bert.py exactly: vocab 8192, seq 128, batch 16, hidden 256,
4 layers, 4 heads, FFN 1024, exact (erf) GELU, LayerNorm eps 1e-12, no dropout, the MLM head
(dense + GELU + LayerNorm + decoder tied to the word embedding + bias) applied to the 19 masked
positions of each sequence only, cross-entropy, AdamW(lr 1e-4, wd 0.01) - same data from
RandomState(0), same initial weights from RandomState(1), so the printed losses of both
frameworks can be compared with each other and with the peer's.

The chainrule side is chainrule.models.bert itself (BertModel + BertLMPredictionHead, loaded with
the peer's weights through load_state_dict); the torch side is the peer's torch.nn model. As in
bench_core.py, each measurement is a fresh worker process that imports only its own framework,
the parent alternates chainrule, torch, chainrule, ... and reports the median per-round ratio,
achieved GFLOP/s (the peer's matmul FLOP count) and peak memory (ru_maxrss) of each.

With ``--processes 2`` the chainrule worker splits each batch between itself and a helper process
(``nn.DataParallel`` over ``MaskedLMLossSum``, one BLAS thread each): the same losses, both cores
busy for the elementwise work too; the peak memory then adds the helper's.

    python benchmarks/bench_bert.py [--rounds 3] [--steps 10] [--warmup 3] [--src CHECKOUT/src] [--processes 2]
    python benchmarks/bench_bert.py --worker {chainrule,torch} ...   # one measurement
    python benchmarks/bench_bert.py --profile                         # chainrule, cProfile top 25
"""

import argparse
import json
import math
import os
import resource
import statistics
import sys

import _harness

V, S, B, H, L, NH, FF = 8192, 128, 16, 256, 4, 4, 1024
NMASK = 19  # round(0.15 * 128)
LR, WD, B1, B2, EPS = 1e-4, 0.01, 0.9, 0.999, 1e-8
FRAMEWORKS = _harness.FRAMEWORKS


def flops_per_step():
    """The peer's count: matmul FLOPs only (2*m*n*k), backward = 2x forward."""
    tokens, masked = B * S, B * NMASK
    per_layer = 2 * tokens * H * 3 * H + 2 * tokens * H * H + 2 * 2 * tokens * H * FF + 2 * 2 * B * S * S * H
    head = 2 * masked * H * H + 2 * masked * H * V
    return 3 * (L * per_layer + head)


def make_data():
    rs = np.random.RandomState(0)
    ids = rs.randint(0, V, size=(B, S)).astype(np.int64)
    pos = np.stack([np.sort(rs.choice(S, NMASK, replace=False)) for _ in range(B)]).astype(np.int64)
    labels = np.take_along_axis(ids, pos, axis=1).copy()
    ids_in = ids.copy()
    np.put_along_axis(ids_in, pos, 3, axis=1)  # token id 3 plays [MASK]
    return ids_in, pos, labels


def init_params():
    """The peer's init: normal(0, 0.02) weights stored (in, out), zero biases, LayerNorm (1, 0)."""
    rs = np.random.RandomState(1)

    def nrm(*shape):
        return (rs.randn(*shape) * 0.02).astype(np.float32)

    def zeros(*shape):
        return np.zeros(shape, np.float32)

    def ones(*shape):
        return np.ones(shape, np.float32)

    p = {"wte": nrm(V, H), "wpe": nrm(S, H), "wtt": nrm(2, H), "ln_e_g": ones(H), "ln_e_b": zeros(H)}
    for layer in range(L):
        p.update(
            {
                f"{layer}.wqkv": nrm(H, 3 * H),
                f"{layer}.bqkv": zeros(3 * H),
                f"{layer}.wo": nrm(H, H),
                f"{layer}.bo": zeros(H),
                f"{layer}.ln1_g": ones(H),
                f"{layer}.ln1_b": zeros(H),
                f"{layer}.w1": nrm(H, FF),
                f"{layer}.b1": zeros(FF),
                f"{layer}.w2": nrm(FF, H),
                f"{layer}.b2": zeros(H),
                f"{layer}.ln2_g": ones(H),
                f"{layer}.ln2_b": zeros(H),
            }
        )
    p.update({"head_w": nrm(H, H), "head_b": zeros(H), "ln_h_g": ones(H), "ln_h_b": zeros(H), "dec_b": zeros(V)})
    return p


def hf_state_dict(p):
    """The peer's parameters under Hugging Face's BertForMaskedLM names ((out, in) Linear weights;
    the fused qkv split into query, key, value)."""
    state = {
        "bert.embeddings.word_embeddings.weight": p["wte"],
        "bert.embeddings.position_embeddings.weight": p["wpe"],
        "bert.embeddings.token_type_embeddings.weight": p["wtt"],
        "bert.embeddings.LayerNorm.weight": p["ln_e_g"],
        "bert.embeddings.LayerNorm.bias": p["ln_e_b"],
        "cls.predictions.transform.dense.weight": p["head_w"].T.copy(),
        "cls.predictions.transform.dense.bias": p["head_b"],
        "cls.predictions.transform.LayerNorm.weight": p["ln_h_g"],
        "cls.predictions.transform.LayerNorm.bias": p["ln_h_b"],
        "cls.predictions.bias": p["dec_b"],
    }
    for layer in range(L):
        pre = f"bert.encoder.layer.{layer}."
        for i, name in enumerate(("query", "key", "value")):
            state[pre + f"attention.self.{name}.weight"] = p[f"{layer}.wqkv"][:, i * H : (i + 1) * H].T.copy()
            state[pre + f"attention.self.{name}.bias"] = p[f"{layer}.bqkv"][i * H : (i + 1) * H].copy()
        state[pre + "attention.output.dense.weight"] = p[f"{layer}.wo"].T.copy()
        state[pre + "attention.output.dense.bias"] = p[f"{layer}.bo"]
        state[pre + "attention.output.LayerNorm.weight"] = p[f"{layer}.ln1_g"]
        state[pre + "attention.output.LayerNorm.bias"] = p[f"{layer}.ln1_b"]
        state[pre + "intermediate.dense.weight"] = p[f"{layer}.w1"].T.copy()
        state[pre + "intermediate.dense.bias"] = p[f"{layer}.b1"]
        state[pre + "output.dense.weight"] = p[f"{layer}.w2"].T.copy()
        state[pre + "output.dense.bias"] = p[f"{layer}.b2"]
        state[pre + "output.LayerNorm.weight"] = p[f"{layer}.ln2_g"]
        state[pre + "output.LayerNorm.bias"] = p[f"{layer}.ln2_b"]
    state["cls.predictions.decoder.weight"] = p["wte"]
    state["cls.predictions.decoder.bias"] = p["dec_b"]
    return state


# ----------------------------------------------------------------------------- chainrule


def build_chainrule(p, ids, pos, labels, processes=1):
    import chainrule as cr
    import chainrule.functional as F
    from chainrule.models.bert import BertConfig, BertForMaskedLM
    from chainrule.models.bert.pretrain import MaskedLMLossSum, masked_lm_loss
    from chainrule.nn import DataParallel
    from chainrule.optim import AdamW

    config = BertConfig(
        vocab_size=V,
        hidden_size=H,
        num_hidden_layers=L,
        num_attention_heads=NH,
        intermediate_size=FF,
        hidden_act="gelu",
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        max_position_embeddings=S,
        layer_norm_eps=1e-12,
    )
    model = BertForMaskedLM(config, generator=cr.Generator(0))
    model.load_state_dict(hf_state_dict(p))
    model.eval()  # dropout is 0 anyway; eval skips the no-op dropout calls
    opt = AdamW(model.parameters(), lr=LR, betas=(B1, B2), eps=EPS, weight_decay=WD)
    rows = np.arange(B)[:, None]  # (B, 1) with pos (B, NMASK): the masked positions of each row
    targets = cr.tensor(labels.reshape(-1))

    def step():
        opt.zero_grad(set_to_none=True)
        hidden = model.bert(ids).last_hidden_state  # (B, S, H)
        masked = hidden[rows, pos].reshape(B * NMASK, H)  # (B, NMASK, H) -> (B*NMASK, H)
        logits = model.cls(masked)  # (B*NMASK, V)
        loss = F.cross_entropy(logits, targets)
        loss.backward()
        opt.step()
        return loss.item()

    n_params = sum(q.numel() for q in model.parameters())
    info = {"chainrule": cr.__version__, "file": cr.__file__, "n_params": n_params, "processes": processes}
    if processes == 1:
        return step, info

    # The same step with the batch split between `processes` processes (nn.DataParallel): each
    # replica returns its masked positions' summed cross-entropy, divided here by the batch's count.
    parallel = DataParallel(MaskedLMLossSum(model), processes=processes)
    full_labels = np.full((B, S), -100, dtype=np.int64)
    np.put_along_axis(full_labels, pos, labels, axis=1)
    batch = {"input_ids": ids, "labels": full_labels}

    def parallel_step():
        opt.zero_grad(set_to_none=True)
        loss = masked_lm_loss(model, batch, parallel=parallel)
        loss.backward()
        opt.step()
        return loss.item()

    def helper_peak_mb():
        """The helpers' peak resident memory (VmHWM), read before they exit."""
        total = 0.0
        for process, _ in parallel._replicas.helpers:
            with open(f"/proc/{process.pid}/status") as status:
                total += next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024
        return total

    info["helper_peak_mb"] = helper_peak_mb
    return parallel_step, info


# ----------------------------------------------------------------------------- torch (the peer's model)


def build_torch(p, ids, pos, labels):
    import torch
    import torch.nn as nn
    import torch.nn.functional as Fn

    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))

    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            self.qkv, self.o = nn.Linear(H, 3 * H), nn.Linear(H, H)
            self.ln1, self.ln2 = nn.LayerNorm(H, eps=1e-12), nn.LayerNorm(H, eps=1e-12)
            self.f1, self.f2 = nn.Linear(H, FF), nn.Linear(FF, H)

        def forward(self, x):
            b, s, _ = x.shape
            q, k, v = self.qkv(x).view(b, s, 3, NH, H // NH).permute(2, 0, 3, 1, 4)
            att = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(H // NH))
            a = (att.softmax(-1) @ v).transpose(1, 2).reshape(b, s, H)
            x = self.ln1(x + self.o(a))
            return self.ln2(x + self.f2(Fn.gelu(self.f1(x))))

    class MiniBert(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte, self.wpe, self.wtt = nn.Embedding(V, H), nn.Embedding(S, H), nn.Embedding(2, H)
            self.ln_e = nn.LayerNorm(H, eps=1e-12)
            self.layers = nn.ModuleList([Layer() for _ in range(L)])
            self.head, self.ln_h = nn.Linear(H, H), nn.LayerNorm(H, eps=1e-12)
            self.dec_b = nn.Parameter(torch.zeros(V))

        def forward(self, ids, pos, labels):
            b, s = ids.shape
            x = self.wte(ids) + self.wpe.weight[:s] + self.wtt.weight[0]
            x = self.ln_e(x)
            for lyr in self.layers:
                x = lyr(x)
            hm = torch.gather(x, 1, pos[..., None].expand(-1, -1, H)).reshape(-1, H)
            hm = self.ln_h(Fn.gelu(self.head(hm)))
            logits = hm @ self.wte.weight.T + self.dec_b  # tied decoder
            return Fn.cross_entropy(logits, labels.reshape(-1))

    m = MiniBert()

    def T(a):
        return torch.from_numpy(a)

    with torch.no_grad():
        m.wte.weight.copy_(T(p["wte"]))
        m.wpe.weight.copy_(T(p["wpe"]))
        m.wtt.weight.copy_(T(p["wtt"]))
        m.ln_e.weight.copy_(T(p["ln_e_g"]))
        m.ln_e.bias.copy_(T(p["ln_e_b"]))
        for i, ly in enumerate(m.layers):
            for lin, w, bb in ((ly.qkv, "wqkv", "bqkv"), (ly.o, "wo", "bo"), (ly.f1, "w1", "b1"), (ly.f2, "w2", "b2")):
                lin.weight.copy_(T(p[f"{i}.{w}"].T.copy()))
                lin.bias.copy_(T(p[f"{i}.{bb}"]))
            for ln, g in ((ly.ln1, "ln1"), (ly.ln2, "ln2")):
                ln.weight.copy_(T(p[f"{i}.{g}_g"]))
                ln.bias.copy_(T(p[f"{i}.{g}_b"]))
        m.head.weight.copy_(T(p["head_w"].T.copy()))
        m.head.bias.copy_(T(p["head_b"]))
        m.ln_h.weight.copy_(T(p["ln_h_g"]))
        m.ln_h.bias.copy_(T(p["ln_h_b"]))
        m.dec_b.copy_(T(p["dec_b"]))
    opt = torch.optim.AdamW(m.parameters(), lr=LR, betas=(B1, B2), eps=EPS, weight_decay=WD)
    it, pt, lt = T(ids), T(pos), T(labels)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = m(it, pt, lt)
        loss.backward()
        opt.step()
        return loss.item()

    return step, {
        "torch": torch.__version__,
        "file": torch.__file__,
        "n_params": sum(q.numel() for q in m.parameters()),
    }


# ----------------------------------------------------------------------------- worker / parent


def worker(a):
    global np
    _harness.start_worker(a)
    import numpy as np  # only now, with the thread env in place

    ids, pos, labels = make_data()
    extra = {"processes": a.processes} if a.worker == "chainrule" else {}
    step, info = {"chainrule": build_chainrule, "torch": build_torch}[a.worker](
        init_params(), ids, pos, labels, **extra
    )
    rss_setup = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    losses, times = _harness.time_steps(step, a.warmup, a.steps)
    _harness.check_isolation(a)
    helper_peak = info.pop("helper_peak_mb", None)
    helpers_mb = helper_peak() if helper_peak else 0.0
    median = statistics.median(times)
    rec = {
        "fw": a.worker,
        "median_s": median,
        "min_s": min(times),
        "achieved_gflops": flops_per_step() / median / 1e9,
        "loss0": losses[0],
        "loss_last": losses[-1],
        "rss_after_setup_mb": rss_setup,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 + helpers_mb,
        "info": info,
    }
    print(json.dumps(rec), flush=True)


def parent(a):
    print(
        f"python {sys.version.split()[0]}  rounds {a.rounds}  steps {a.steps}+{a.warmup} warm-up  "
        f"threads {a.threads}  chainrule processes {a.processes}  matmul GFLOP/step {flops_per_step() / 1e9:.2f}"
    )

    def show(r, rec):
        if r == 1:
            print(f"chainrule from {rec['chainrule']['info']['file']}\ntorch     from {rec['torch']['info']['file']}")
        c, t = rec["chainrule"], rec["torch"]
        print(
            f"  round {r}  chainrule {c['median_s'] * 1e3:7.1f} ms  torch {t['median_s'] * 1e3:7.1f} ms  "
            f"ratio {c['median_s'] / t['median_s']:.2f}x   load {_harness.load():.2f}",
            flush=True,
        )

    args = _harness.step_args(a) + ["--processes", str(a.processes)]
    rounds = _harness.alternate(__file__, args, a.rounds, a.src, show)
    ratios = _harness.ratios(rounds)
    c, t = rounds[0]["chainrule"], rounds[0]["torch"]
    print(f"ratio chainrule/torch  {_harness.summarise(ratios, '.2f')}")
    for fw in FRAMEWORKS:
        gflops = statistics.median(r[fw]["achieved_gflops"] for r in rounds)
        peak = max(r[fw]["peak_rss_mb"] for r in rounds)
        print(
            f"  {fw:9s} median {statistics.median(r[fw]['median_s'] for r in rounds) * 1e3:7.1f} ms/step  "
            f"{gflops:6.1f} GFLOP/s  peak RSS {peak:6.0f} MB  n_params {rounds[0][fw]['info']['n_params']}"
        )
    print(
        f"  loss0 {c['loss0']:.6f}/{t['loss0']:.6f}  loss_last {c['loss_last']:.6f}/{t['loss_last']:.6f}  "
        "(chainrule/torch, round 1)"
    )
    if a.peak_gflops:
        for fw in FRAMEWORKS:
            gflops = statistics.median(r[fw]["achieved_gflops"] for r in rounds)
            print(f"  {fw:9s} {gflops / a.peak_gflops:.0%} of the {a.peak_gflops:.0f} GFLOP/s GEMM peak")


def profile(a):
    global np
    _harness.set_thread_defaults(a.threads)
    if a.src:
        sys.path.insert(0, os.path.abspath(a.src))
    import cProfile
    import pstats

    import numpy as np

    ids, pos, labels = make_data()
    step, _ = build_chainrule(init_params(), ids, pos, labels)
    for _ in range(a.warmup):
        step()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(a.steps):
        step()
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    _harness.common_arguments(
        ap,
        rounds=3,
        steps=10,
        warmup=3,
        threads_help="default OMP/OPENBLAS/MKL_NUM_THREADS (the env wins)",
        src_help="benchmark the chainrule in this src folder (default: installed)",
    )
    ap.add_argument("--peak-gflops", type=float, default=None, help="measured float32 GEMM peak, for the fraction")
    ap.add_argument("--profile", action="store_true", help="cProfile the chainrule step instead")
    ap.add_argument(
        "--processes",
        type=int,
        default=1,
        help="chainrule only: split the batch between this many processes (nn.DataParallel, one BLAS thread "
        "each); peak memory then adds the helpers' peaks",
    )
    a = ap.parse_args()
    if a.profile:
        profile(a)
    elif a.worker:
        worker(a)
    else:
        parent(a)


if __name__ == "__main__":
    main()
