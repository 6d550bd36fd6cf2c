"""What the trainer's bookkeeping costs, and how long digits takes to learn.

1. Overhead. Each MLP trainer (torch, mlx) against a bare loop of the same model,
   batches, optimiser and step function, with no events, no stop checks and no loss
   read-back. Run alternately in one process, several repeats; prints the median
   training throughput (samples/s over the step loops only, evaluation excluded, as
   `Summary.samples_per_second` counts it) and the ratio trainer / bare.
   Goal: >= 0.95.
2. Seconds to 97% test accuracy on digits, per backend: the default config, test
   accuracy checked after every epoch (the clock paused while checking), seeds 0-2.
3. The same overhead measure for the CNN trainers on digits (default CNNConfig; MLX
   gets fewer epochs a sample: its Linux CPU wheel runs convolutions slowly).
4. CNN images/s per backend on synthetic-cifar (random CIFAR-shaped 32x32x3 images,
   for benchmarks only, not CIFAR-10), batch 128, bare step loops after one warm-up
   step: torch on 1 and 2 threads, torch with numpy crop+flip augmentation, MLX.

    python bench/trainer_overhead.py [--repeats 11] [--epochs 60] [--cnn-repeats 7]
        [--only mlp|cnn]

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
from trainers.configs import CNNConfig, MLPConfig  # noqa: E402


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


def bare_cnn_torch(config: CNNConfig, max_steps: int = 0, warmup: int = 0, threads: int = 1) -> float:
    """images/s of the CNN step loops alone (after `warmup` untimed steps), with the
    trainer's own pieces; `config.augment` adds the same numpy crops and flips."""
    import torch

    from trainers import cnn_torch

    torch.manual_seed(config.seed)
    torch.set_num_threads(threads)  # 1: what the trainer chooses for a model this size
    cpu = torch.device("cpu")
    split = data.load(config.dataset, config.seed, config.val_fraction)
    images = split.x_train.reshape(-1, *split.image_shape)
    x, y = cnn_torch.to_nchw(images, cpu), torch.from_numpy(split.y_train).long()
    pad = config.crop_padding or data.crop_padding(min(split.image_shape[:2]))
    model = cnn_torch.CNN(split.image_shape, config.channels, config.hidden, split.n_classes)
    step = cnn_torch.make_step(model, torch.optim.Adam(model.parameters(), lr=config.lr))
    samples, seconds, n = 0, 0.0, 0
    for epoch in range(config.epochs):
        start = time.perf_counter()
        for idx in data.batches(len(x), config.batch_size, config.seed, epoch):
            if max_steps and n >= warmup + max_steps:
                break
            if n == warmup and warmup:
                start, samples, seconds = time.perf_counter(), 0, 0.0
            rows = torch.from_numpy(idx)
            if config.augment:
                step(cnn_torch.to_nchw(data.augment(images[idx], pad, split.flips, config.seed, epoch, n), cpu), y[rows])
            else:
                step(x[rows], y[rows])
            samples += len(idx)
            n += 1
        seconds += time.perf_counter() - start
    return samples / seconds


def bare_cnn_mlx(config: CNNConfig, max_steps: int = 0, warmup: int = 0) -> float:
    import mlx.core as mx
    import mlx.optimizers as optim

    from trainers import cnn_mlx

    mx.random.seed(config.seed)
    mx.set_default_device(mx.cpu)
    split = data.load(config.dataset, config.seed, config.val_fraction)
    x, y = mx.array(split.x_train.reshape(-1, *split.image_shape)), mx.array(split.y_train)
    model = cnn_mlx.CNN(split.image_shape, config.channels, config.hidden, split.n_classes)
    mx.eval(model.parameters())
    optimizer = optim.Adam(learning_rate=config.lr, bias_correction=True)
    optimizer.init(model.trainable_parameters())
    step, state = cnn_mlx.make_step(model, optimizer)
    zero = mx.array(0.0)  # the step's running loss, never read here
    samples, seconds, n = 0, 0.0, 0
    for epoch in range(config.epochs):
        start = time.perf_counter()
        for idx in data.batches(len(x), config.batch_size, config.seed, epoch):
            if max_steps and n >= warmup + max_steps:
                break
            if n == warmup and warmup:
                start, samples, seconds = time.perf_counter(), 0, 0.0
            rows = mx.array(idx)
            step(x[rows], y[rows], zero)
            mx.eval(state)
            samples += len(idx)
            n += 1
        seconds += time.perf_counter() - start
    return samples / seconds


def with_trainer(config: MLPConfig | CNNConfig, name: str = "mlp") -> float:
    from trainers import registry

    events = []
    summary = registry.load(name, config.backend)(config, events.append, threading.Event())
    assert summary.status == "finished" and events
    return summary.samples_per_second


def overhead(name: str, config, bare, repeats: int, unit: str = "samples/s") -> None:
    """Trainer against bare loop, alternately, `repeats` times; prints medians and ratios."""
    with_trainer(config, name), bare(config)  # warm-up: imports, first compile
    t_rates, b_rates = [], []
    for i in range(repeats):  # alternate which goes first, so load falls on both
        if i % 2:
            b_rates.append(bare(config))
            t_rates.append(with_trainer(config, name))
        else:
            t_rates.append(with_trainer(config, name))
            b_rates.append(bare(config))
    t, b = statistics.median(t_rates), statistics.median(b_rates)
    paired = sorted(tr / br for tr, br in zip(t_rates, b_rates))
    print(
        f"{config.backend:5}  trainer {t:9,.0f} {unit}   bare {b:9,.0f} {unit}   ratio of medians {t / b:.3f}   "
        f"paired ratios: median {statistics.median(paired):.3f}, range {paired[0]:.2f}-{paired[-1]:.2f}   (goal >= 0.95)"
    )


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


def mlp_part(args) -> None:
    print(f"MLP on digits, hidden {MLPConfig().hidden}, batch {MLPConfig().batch_size}, Adam lr {MLPConfig().lr}, {args.epochs} epochs a sample, device cpu")
    bare = {"torch": bare_torch, "mlx": bare_mlx}
    for backend in ("torch", "mlx"):
        overhead("mlp", MLPConfig(backend=backend, device="cpu", epochs=args.epochs), bare[backend], args.repeats)

    print("\nseconds to 97% test accuracy on digits (training time, test checks excluded; default config):")
    for backend in ("torch", "mlx"):
        rows = [seconds_to(0.97, backend, seed) for seed in (0, 1, 2)]
        cells = ", ".join(f"seed {s}: {sec:.2f} s / {ep} epochs" if sec is not None else f"seed {s}: not within 60 epochs" for s, (sec, ep) in enumerate(rows))
        reached = [sec for sec, _ in rows if sec is not None]
        median = f"median {statistics.median(reached):.2f} s" if reached else "not reached"
        print(f"{backend:5}  {median}   ({cells})")


def cnn_part(args) -> None:
    c = CNNConfig()
    epochs = {"torch": args.cnn_epochs, "mlx": args.cnn_mlx_epochs}
    print(
        f"CNN on digits, channels {c.channels}, hidden {c.hidden}, batch {c.batch_size}, Adam lr {c.lr}, "
        f"{epochs['torch']} epochs a sample (MLX {epochs['mlx']}), device cpu"
    )
    bare = {"torch": bare_cnn_torch, "mlx": bare_cnn_mlx}
    for backend in ("torch", "mlx"):
        overhead("cnn", CNNConfig(backend=backend, device="cpu", epochs=epochs[backend]), bare[backend], args.cnn_repeats, "images/s")

    steps = {"torch": args.cifar_steps, "mlx": args.cifar_mlx_steps}
    print(
        f"\nCNN images/s on synthetic-cifar (random 32x32x3, for benchmarks only, not CIFAR-10), batch 128, "
        f"bare step loops, {steps['torch']} timed steps (MLX {steps['mlx']}) after 1 warm-up, median of 3:"
    )
    config = CNNConfig(dataset="synthetic-cifar", batch_size=128, epochs=1)
    augmented = CNNConfig(dataset="synthetic-cifar", batch_size=128, epochs=1, augment=True)
    probes = [
        ("torch, 1 thread", lambda: bare_cnn_torch(config, steps["torch"], warmup=1, threads=1)),
        ("torch, 2 threads", lambda: bare_cnn_torch(config, steps["torch"], warmup=1, threads=2)),
        ("torch, 1 thread, crops+flips", lambda: bare_cnn_torch(augmented, steps["torch"], warmup=1, threads=1)),
        ("mlx", lambda: bare_cnn_mlx(config, steps["mlx"], warmup=1)),
    ]
    for label, probe in probes:
        rates = sorted(probe() for _ in range(3))
        print(f"  {label:30} {statistics.median(rates):8,.0f} images/s   (range {rates[0]:,.0f}-{rates[-1]:,.0f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--epochs", type=int, default=60, help="epochs of digits per sample")
    parser.add_argument("--cnn-repeats", type=int, default=7, help="CNN trainer/bare pairs per backend")
    parser.add_argument("--cnn-epochs", type=int, default=10, help="epochs of digits per CNN sample, torch")
    parser.add_argument("--cnn-mlx-epochs", type=int, default=3, help="epochs of digits per CNN sample, MLX (slow on the Linux CPU wheel)")
    parser.add_argument("--cifar-steps", type=int, default=20, help="timed steps of the torch images/s probe")
    parser.add_argument("--cifar-mlx-steps", type=int, default=4, help="timed steps of the MLX images/s probe")
    parser.add_argument("--only", choices=["mlp", "cnn"], help="run one family's part only")
    args = parser.parse_args()

    import mlx.core as mx
    import torch

    print(f"torch {torch.__version__}, mlx {mx.__version__}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}\n")
    started = time.perf_counter()
    if args.only != "cnn":
        mlp_part(args)
        print(f"(MLP part: {time.perf_counter() - started:.0f} s)\n")
    if args.only != "mlp":
        cnn_started = time.perf_counter()
        cnn_part(args)
        print(f"(CNN part: {time.perf_counter() - cnn_started:.0f} s)")
    print(f"\nbench took {time.perf_counter() - started:.0f} s, load average now {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
