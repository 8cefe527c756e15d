#!/usr/bin/env python3
"""The TrainStepBench steps in PyTorch eager on the GPU, as `vtrain bench --device cuda` times them:
zero_grad, forward, cross-entropy, backward, Adam; FP32 with TF32 off for matmul (PyTorch's
default, and vtrain's). Two figures per shape: with the loss read back every step (`loss.item()`,
what vtrain's Trainer.step does) and without (steps queued, one synchronisation per round).

    python3 bench/python/train_step_gpu.py
Prints the median microseconds per step over 5 rounds of at least 1 s each, after 3 warm-up rounds.
"""
import statistics
import time

import torch
from torch import nn

SHAPES = [("784-128-10", 32), ("784-256-128-10", 128), ("784-1024-1024-10", 256),
          ("784-4096-4096-10", 1024)]


def model_for(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def timed(step, sync_each):
    rounds = []
    for r in range(8):
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < 1.0:
            loss = step()
            if sync_each:
                loss.item()
            n += 1
        torch.cuda.synchronize()
        if r >= 3:
            rounds.append((time.perf_counter() - t0) / n * 1e6)
    return statistics.median(rounds)


def main():
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    dev = torch.device("cuda")
    print(f"torch {torch.__version__}, {torch.cuda.get_device_name(0)}, TF32 off", flush=True)
    torch.manual_seed(0)
    for name, batch in SHAPES:
        sizes = [int(s) for s in name.split("-")]
        model = model_for(sizes).to(dev)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = nn.CrossEntropyLoss()
        x = torch.rand(batch, sizes[0], device=dev)
        y = torch.randint(0, sizes[-1], (batch,), device=dev)

        def step():
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            return loss

        each = timed(step, True)
        queued = timed(step, False)
        print(f"{name}@{batch}  {each:10.1f} us/step with loss.item()  {queued:10.1f} us/step queued",
              flush=True)


if __name__ == "__main__":
    main()
