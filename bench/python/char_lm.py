#!/usr/bin/python3
"""nanoGPT's CPU "baby GPT" recipe on Tiny Shakespeare in PyTorch, the peer of
`vtrain train --data shakespeare --model "gpt(layers=4,heads=4,embd=128,block=64)" ...`
(and with --model lstm, of `--model "lstm_lm(layers=2,hidden=256,embd=64)"`).

    OMP_NUM_THREADS=1 /usr/bin/python3 bench/python/char_lm.py [--model gpt|lstm] [--iters 2000] [--threads 1]

Same recipe as the vtrain command in bench/README.md: character vocabulary (sorted distinct
characters), first 90% train / last 10% validation, random windows of 64, batch 12, GPT of 4 layers,
4 heads, embedding 128, no biases, no dropout (the module of tools/fixtures/make_sequence_fixtures.py,
written to nanoGPT's model.py), AdamW lr 1e-3, betas (0.9, 0.99), weight decay 0.1 on 2-D weights
only, 100 warm-up iterations from lr/101 then cosine to 1e-4, gradient clipping at norm 1.0.
Prints the time per iteration (training only, evaluation excluded), then the mean train and
validation loss on --eval-iters random batches, and with --generate the time of nanoGPT's naive
sampling loop (a full re-forward of the cropped context per token).
"""
import argparse
import gzip
import math
import os
import sys
import time

import torch

import blas_core
from torch.nn import functional as F

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tools", "fixtures"))
from make_sequence_fixtures import GPT, RecurrentLM  # noqa: E402


def main():
    print(blas_core.describe(), flush=True)
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=["gpt", "lstm"], default="gpt")
    ap.add_argument("--iters", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--eval-iters", type=int, default=200)
    ap.add_argument("--generate", type=int, default=0, help="tokens to sample after training")
    ap.add_argument("--seed", type=int, default=1337)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    path = os.path.join(ROOT, "lib", "src", "main", "resources", "dev", "vtrain", "data", "tinyshakespeare.txt.gz")
    text = gzip.open(path, "rt", encoding="utf-8").read()
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
    n = int(0.9 * len(data))
    train, val = data[:n], data[n:]
    block, batch, lr, min_lr, warmup = 64, 12, 1e-3, 1e-4, 100

    def get_batch(d):
        ix = torch.randint(len(d) - block, (batch,))
        x = torch.stack([d[i:i + block] for i in ix])
        y = torch.stack([d[i + 1:i + 1 + block] for i in ix])
        return x, y

    def rate(it):
        if it < warmup:
            return lr * (it + 1) / (warmup + 1)
        r = min(1.0, (it - warmup) / max(1, a.iters - warmup))
        return min_lr + 0.5 * (1 + math.cos(math.pi * r)) * (lr - min_lr)

    if a.model == "gpt":
        model = GPT(len(chars), block, 4, 4, 128, False)
    else:
        model = RecurrentLM("lstm", len(chars), 64, 256, 2)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    other = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": other, "weight_decay": 0.0}],
                            lr=lr, betas=(0.9, 0.99))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"{sum(p.numel() for p in model.parameters()):,} parameters", flush=True)
    times = []
    for it in range(a.iters):
        t0 = time.perf_counter()
        for g in opt.param_groups:
            g["lr"] = rate(it)
        x, y = get_batch(train)
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        times.append(time.perf_counter() - t0)
        if (it + 1) % 250 == 0 or it == 0:
            print(f"iter {it + 1}: loss {loss.item():.4f}, {1000 * sum(times) / len(times):.1f} ms/iter", flush=True)
    total = sum(times)
    steady = sorted(times[len(times) // 10:])
    print(f"training: {total:.2f}s, {1000 * total / a.iters:.2f} ms per iteration (median of the last 90%:"
          f" {1000 * steady[len(steady) // 2]:.2f} ms)")
    model.eval()
    with torch.no_grad():
        for name, d in (("train", train), ("validation", val)):
            ls = []
            for _ in range(a.eval_iters):
                x, y = get_batch(d)
                ls.append(F.cross_entropy(model(x).view(-1, len(chars)), y.view(-1)).item())
            print(f"{name} loss {sum(ls) / len(ls):.4f} on {a.eval_iters} batches")
        if a.generate and a.model == "gpt":
            idx = torch.tensor([[stoi[c] for c in "ROMEO:"]])
            t0 = time.perf_counter()
            for _ in range(a.generate):
                logits = model(idx[:, -block:])[:, -1, :] / 0.8
                v, _ = torch.topk(logits, 40)
                logits[logits < v[:, [-1]]] = -float("inf")
                nxt = torch.multinomial(F.softmax(logits, dim=-1), 1)
                idx = torch.cat((idx, nxt), dim=1)
            s = time.perf_counter() - t0
            print(f"generation: {a.generate} tokens in {s:.2f}s, {a.generate / s:.1f} tokens/s (naive re-forward loop)")
            print("".join(chars[i] for i in idx[0].tolist()))


if __name__ == "__main__":
    main()
