"""What the trainer's bookkeeping costs, and how long digits takes to learn.

1. Overhead. Each MLP trainer (torch, mlx) against a bare loop of the same model,
   batches, optimiser and step function, with no events, no stop checks and no loss
   read-back. Run alternately in one process, several repeats; prints the median
   training throughput (samples/s over the step loops only, evaluation excluded, as
   `Summary.samples_per_second` counts it) and the ratio trainer / bare.
   Goal: >= 0.95.
2. Seconds to 97% test accuracy on digits, per backend: the default config, test
   accuracy checked after every epoch (the clock paused while checking), seeds 0-2.

    python bench/trainer_overhead.py [--repeats 11] [--epochs 60]

Runs on the CPU (device="cpu") so the figures compare across machines; on this
project's Linux machines the MLX numbers come from its CPU wheel, not from a Mac GPU.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from trainers import data  # noqa: E402
from trainers.configs import MLPConfig  # noqa: E402


# ----------------------------------------------------------------------------- bare loops


def bare_torch(config: MLPConfig) -> float:
    """samples/s of the step loops alone, with the trainer's own pieces."""
    import torch

    from trainers import mlp_torch

    torch.manual_seed(config.seed)
    torch.set_num_threads(1)  # what the trainer chooses for a model this size
    split = data.load(config.dataset, config.seed, config.val_fraction)
    x, y = torch.from_numpy(split.x_train), torch.from_numpy(split.y_train).long()
    model = mlp_torch.MLP(split.n_features, config.hidden, split.n_classes)
    step = mlp_torch.make_step(model, torch.optim.Adam(model.parameters(), lr=config.lr))
    samples, seconds = 0, 0.0
    for epoch in range(config.epochs):
        start = time.perf_counter()
        for idx in data.batches(len(x), config.batch_size, config.seed, epoch):
            rows = torch.from_numpy(idx)
            step(x[rows], y[rows])
            samples += len(idx)
        seconds += time.perf_counter() - start
    return samples / seconds


def bare_mlx(config: MLPConfig) -> float:
    import mlx.core as mx
    import mlx.optimizers as optim

    from trainers import mlp_mlx

    mx.random.seed(config.seed)
    mx.set_default_device(mx.cpu)
    split = data.load(config.dataset, config.seed, config.val_fraction)
    x, y = mx.array(split.x_train), mx.array(split.y_train)
    model = mlp_mlx.MLP(split.n_features, config.hidden, split.n_classes)
    mx.eval(model.parameters())
    optimizer = optim.Adam(learning_rate=config.lr, bias_correction=True)
    optimizer.init(model.trainable_parameters())
    step, state = mlp_mlx.make_step(model, optimizer)
    samples, seconds = 0, 0.0
    zero = mx.array(0.0)  # the step's running loss, never read here
    for epoch in range(config.epochs):
        start = time.perf_counter()
        for idx in data.batches(len(x), config.batch_size, config.seed, epoch):
            rows = mx.array(idx)
            step(x[rows], y[rows], zero)
            mx.eval(state)
            samples += len(idx)
        seconds += time.perf_counter() - start
    return samples / seconds


def with_trainer(config: MLPConfig) -> float:
    from trainers import registry

    events = []
    summary = registry.load("mlp", config.backend)(config, events.append, threading.Event())
    assert summary.status == "finished" and events
    return summary.samples_per_second


# ----------------------------------------------------------------------------- time to 97%


def seconds_to(target: float, backend: str, seed: int, max_epochs: int = 60) -> tuple[float | None, int | None]:
    """Training seconds (test checks excluded) until test accuracy >= target."""
    config = MLPConfig(backend=backend, device="cpu", seed=seed)
    split = data.load(config.dataset, seed, config.val_fraction)
    if backend == "torch":
        import torch

        from trainers import mlp_torch as m

        torch.manual_seed(seed)
        torch.set_num_threads(1)
        x, y = torch.from_numpy(split.x_train), torch.from_numpy(split.y_train).long()
        xt, yt = torch.from_numpy(split.x_test), torch.from_numpy(split.y_test).long()
        model = m.MLP(split.n_features, config.hidden, split.n_classes)
        step = m.make_step(model, torch.optim.Adam(model.parameters(), lr=config.lr))
        to_rows, run_step = torch.from_numpy, lambda xb, yb: step(xb, yb)
    else:
        import mlx.core as mx
        import mlx.optimizers as optim

        from trainers import mlp_mlx as m

        mx.random.seed(seed)
        mx.set_default_device(mx.cpu)
        x, y = mx.array(split.x_train), mx.array(split.y_train)
        xt, yt = mx.array(split.x_test), mx.array(split.y_test)
        model = m.MLP(split.n_features, config.hidden, split.n_classes)
        mx.eval(model.parameters())
        optimizer = optim.Adam(learning_rate=config.lr, bias_correction=True)
        optimizer.init(model.trainable_parameters())
        step, state = m.make_step(model, optimizer)
        to_rows = mx.array

        zero = mx.array(0.0)

        def run_step(xb, yb):
            step(xb, yb, zero)
            mx.eval(state)

    seconds = 0.0
    for epoch in range(max_epochs):
        start = time.perf_counter()
        for idx in data.batches(len(x), config.batch_size, seed, epoch):
            rows = to_rows(idx)
            run_step(x[rows], y[rows])
        seconds += time.perf_counter() - start
        if m.evaluate(model, xt, yt)[1] >= target:
            return seconds, epoch + 1
    return None, None


# ----------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--epochs", type=int, default=60, help="epochs of digits per sample")
    args = parser.parse_args()

    import mlx.core as mx
    import torch

    print(f"torch {torch.__version__}, mlx {mx.__version__}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    print(f"digits, MLP {MLPConfig().hidden}, batch {MLPConfig().batch_size}, Adam lr {MLPConfig().lr}, {args.epochs} epochs a sample, device cpu\n")
    started = time.perf_counter()
    bare = {"torch": bare_torch, "mlx": bare_mlx}
    for backend in ("torch", "mlx"):
        config = MLPConfig(backend=backend, device="cpu", epochs=args.epochs)
        with_trainer(config), bare[backend](config)  # warm-up: imports, first compile
        t_rates, b_rates = [], []
        for i in range(args.repeats):  # alternate which goes first, so load falls on both
            if i % 2:
                b_rates.append(bare[backend](config))
                t_rates.append(with_trainer(config))
            else:
                t_rates.append(with_trainer(config))
                b_rates.append(bare[backend](config))
        t, b = statistics.median(t_rates), statistics.median(b_rates)
        paired = sorted(tr / br for tr, br in zip(t_rates, b_rates))
        print(
            f"{backend:5}  trainer {t:9,.0f} samples/s   bare {b:9,.0f} samples/s   ratio of medians {t / b:.3f}   "
            f"paired ratios: median {statistics.median(paired):.3f}, range {paired[0]:.2f}-{paired[-1]:.2f}   (goal >= 0.95)"
        )

    print("\nseconds to 97% test accuracy on digits (training time, test checks excluded; default config):")
    for backend in ("torch", "mlx"):
        rows = [seconds_to(0.97, backend, seed) for seed in (0, 1, 2)]
        cells = ", ".join(f"seed {s}: {sec:.2f} s / {ep} epochs" if sec is not None else f"seed {s}: not within 60 epochs" for s, (sec, ep) in enumerate(rows))
        reached = [sec for sec, _ in rows if sec is not None]
        median = f"median {statistics.median(reached):.2f} s" if reached else "not reached"
        print(f"{backend:5}  {median}   ({cells})")
    print(f"\nbench took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
