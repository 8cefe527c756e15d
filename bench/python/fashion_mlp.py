#!/usr/bin/python3
"""PyTorch baseline for `vtrain train --data fashion-mnist`: same data, split, scaling, model and settings.

Run with Debian's python3-torch, single-threaded (fastest on a 2-core machine):
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /usr/bin/python3 bench/python/fashion_mlp.py \
        --hidden 256,128 --lr 1e-3 --batch-size 128 --epochs 10 --seed 0
Prints per-epoch loss and accuracy, the test accuracy and the training wall time (data loading
excluded, like vtrain's 'training took' figure; the process's total time includes both).
"""
import argparse
import gzip
import os
import time

import numpy as np
import torch

import blas_core
from torch import nn

DIR = "/usr/share/datasets/fashion-mnist"


def idx(path):
    with gzip.open(path) if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def load(split):
    x = idx(os.path.join(DIR, f"{split}-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32) / 255.0
    y = idx(os.path.join(DIR, f"{split}-labels-idx1-ubyte.gz")).astype(np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)


def main():
    print(blas_core.describe(), flush=True)
    p = argparse.ArgumentParser()
    p.add_argument("--hidden", default="256,128")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--val-split", type=float, default=0.1)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    x, y = load("train")
    xt, yt = load("t10k")
    g = torch.Generator().manual_seed(a.seed)
    perm = torch.randperm(len(x), generator=g)
    n_val = round(len(x) * a.val_split)
    val_idx, train_idx = perm[:n_val], perm[n_val:]
    xv, yv, x, y = x[val_idx], y[val_idx], x[train_idx], y[train_idx]
    sizes = [784] + [int(h) for h in a.hidden.split(",")] + [10]
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    loss_fn = nn.CrossEntropyLoss()
    start = time.perf_counter()
    for epoch in range(1, a.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        order = torch.randperm(len(x), generator=g)
        total, correct = 0.0, 0
        for i in range(0, len(x), a.batch_size):
            idx_b = order[i:i + a.batch_size]
            xb, yb = x[idx_b], y[idx_b]
            opt.zero_grad()
            out = model(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx_b)
            correct += (out.argmax(1) == yb).sum().item()
        model.eval()
        with torch.no_grad():
            vo = model(xv)
            vl = loss_fn(vo, yv).item()
            va = (vo.argmax(1) == yv).float().mean().item()
        print(f"epoch {epoch:2d}/{a.epochs}  loss {total / len(x):.4f}  acc {correct / len(x):.4f}  "
              f"val_loss {vl:.4f}  val_acc {va:.4f}  {time.perf_counter() - t0:.2f}s", flush=True)
    wall = time.perf_counter() - start
    with torch.no_grad():
        acc = (model(xt).argmax(1) == yt).float().mean().item()
    print(f"test accuracy {acc:.4f}; training took {wall:.2f}s (torch {torch.__version__}, {a.threads} thread)")


if __name__ == "__main__":
    main()
