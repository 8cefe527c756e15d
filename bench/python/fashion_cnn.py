#!/usr/bin/python3
"""PyTorch convolutional baseline on Fashion-MNIST: same data, split and scaling as `vtrain train
--data fashion-mnist` (and as fashion_mlp.py), with a small CNN:
    conv3x3(1->32, pad 1) BN ReLU maxpool2, conv3x3(32->64, pad 1) BN ReLU maxpool2,
    flatten, linear(3136->128) ReLU, linear(128->10); cross-entropy, Adam.

Run with Debian's python3-torch, single-threaded (fastest on a 2-core machine):
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /usr/bin/python3 bench/python/fashion_cnn.py \
        --lr 1e-3 --batch-size 128 --epochs 10 --seed 0
Quick check: add `--epochs 1 --max-batches 30`; add `--json` for one machine-readable line at the end.
Prints per epoch the training loss, validation accuracy and the training seconds (evaluation is timed
and printed separately), then the test accuracy and the total training time (sum of the epochs'
training seconds: data loading and evaluation excluded, like vtrain's 'training took' figure).
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
import torch

import blas_core
from torch import nn

DIR = "/usr/share/datasets/fashion-mnist"
EVAL_CHUNK = 1000  # evaluation batch size; eval-mode BatchNorm makes the result independent of it


def idx(path):
    with gzip.open(path) if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def load(split):
    x = idx(os.path.join(DIR, f"{split}-images-idx3-ubyte.gz")).reshape(-1, 1, 28, 28).astype(np.float32) / 255.0
    y = idx(os.path.join(DIR, f"{split}-labels-idx1-ubyte.gz")).astype(np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)


def make_model():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * 7 * 7, 128), nn.ReLU(),
        nn.Linear(128, 10),
    )


def evaluate(model, loss_fn, x, y):
    """Mean loss and accuracy over (x, y), in eval mode without gradients."""
    model.eval()
    total, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(x), EVAL_CHUNK):
            xb, yb = x[i:i + EVAL_CHUNK], y[i:i + EVAL_CHUNK]
            out = model(xb)
            total += loss_fn(out, yb).item() * len(yb)
            correct += (out.argmax(1) == yb).sum().item()
    return total / len(x), correct / len(x)


def main():
    print(blas_core.describe(), flush=True)
    p = argparse.ArgumentParser()
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--val-split", type=float, default=0.1)
    p.add_argument("--threads", type=int, default=None,
                   help="torch.set_num_threads(N); default: leave torch's setting as is")
    p.add_argument("--max-batches", type=int, default=None,
                   help="stop each epoch after N batches (for quick checks)")
    p.add_argument("--json", action="store_true", help="print one JSON line with the timings at the end")
    a = p.parse_args()
    if a.threads is not None:
        torch.set_num_threads(a.threads)
    threads = torch.get_num_threads()
    torch.manual_seed(a.seed)
    x, y = load("train")
    xt, yt = load("t10k")
    g = torch.Generator().manual_seed(a.seed)
    perm = torch.randperm(len(x), generator=g)
    n_val = round(len(x) * a.val_split)
    val_idx, train_idx = perm[:n_val], perm[n_val:]
    xv, yv, x, y = x[val_idx], y[val_idx], x[train_idx], y[train_idx]
    model = make_model()
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    loss_fn = nn.CrossEntropyLoss()
    epoch_seconds, batches_run = [], []
    for epoch in range(1, a.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        order = torch.randperm(len(x), generator=g)
        total, correct, seen, batches = 0.0, 0, 0, 0
        for i in range(0, len(x), a.batch_size):
            if a.max_batches is not None and batches >= a.max_batches:
                break
            idx_b = order[i:i + a.batch_size]
            xb, yb = x[idx_b], y[idx_b]
            opt.zero_grad()
            out = model(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx_b)
            correct += (out.argmax(1) == yb).sum().item()
            seen += len(idx_b)
            batches += 1
        secs = time.perf_counter() - t0
        epoch_seconds.append(secs)
        batches_run.append(batches)
        t1 = time.perf_counter()
        vl, va = evaluate(model, loss_fn, xv, yv) if len(xv) else (float("nan"), float("nan"))
        eval_secs = time.perf_counter() - t1
        print(f"epoch {epoch:2d}/{a.epochs}  loss {total / max(seen, 1):.4f}  acc {correct / max(seen, 1):.4f}  "
              f"val_loss {vl:.4f}  val_acc {va:.4f}  train {secs:.2f}s ({batches} batches, "
              f"{secs / max(batches, 1) * 1000:.1f} ms/batch)  eval {eval_secs:.2f}s", flush=True)
    wall = sum(epoch_seconds)
    t1 = time.perf_counter()
    _, acc = evaluate(model, loss_fn, xt, yt)
    test_secs = time.perf_counter() - t1
    print(f"test accuracy {acc:.4f} (eval {test_secs:.2f}s); training took {wall:.2f}s "
          f"(torch {torch.__version__}, {threads} thread{'s' if threads != 1 else ''})", flush=True)
    if a.json:
        print(json.dumps({
            "epoch_seconds": [round(s, 4) for s in epoch_seconds],
            "mean_epoch_seconds": round(wall / max(len(epoch_seconds), 1), 4),
            "train_seconds": round(wall, 4),
            "batches_per_epoch": batches_run,
            "test_accuracy": acc,
            "torch": torch.__version__,
            "threads": threads,
        }))


if __name__ == "__main__":
    main()
