#!/usr/bin/python3
"""The JMH TrainStepBench steps in PyTorch: zero_grad, forward, cross-entropy, backward, Adam.

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /usr/bin/python3 bench/python/train_step.py [--threads 1]
Prints the median microseconds per step over 5 rounds of at least 1 s each, after 3 warm-up rounds.
"""
import argparse
import statistics
import time

import torch

import blas_core
from torch import nn

SHAPES = [("784-128-10", 32), ("784-256-128-10", 128), ("784-1024-1024-10", 256)]


def model_for(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def main():
    print(blas_core.describe(), flush=True)
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    for name, batch in SHAPES:
        sizes = [int(s) for s in name.split("-")]
        model = model_for(sizes)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = nn.CrossEntropyLoss()
        x = torch.rand(batch, sizes[0])
        y = torch.randint(0, sizes[-1], (batch,))

        def step():
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()

        rounds = []
        for r in range(8):
            n, t0 = 0, time.perf_counter()
            while time.perf_counter() - t0 < 1.0:
                step()
                n += 1
            if r >= 3:
                rounds.append((time.perf_counter() - t0) / n * 1e6)
        print(f"{name}@{batch}  {statistics.median(rounds):10.1f} us/step  (torch {torch.__version__}, {a.threads} thread)",
              flush=True)


if __name__ == "__main__":
    main()
