"""The device bench: how fast is each device of this machine, for big work and for small?

Two measurements, on the CPU and on the GPU when there is one (MPS for PyTorch,
Metal for MLX), for the framework in `config.backend`:

1. Matrix multiply, n x n in fp32, for each n in `sizes`: GFLOP/s = 2n³ / seconds.
   Big matrices show the device's peak; small ones show its fixed cost per call.
2. One training step (forward, backward, SGD update) of a small CNN on a batch of
   images (28x28 grey by default; 32x32x3 for CIFAR-sized work), for each width in
   `channels`: milliseconds per step. Tiny models
   are where a GPU can lose to the CPU: every layer is a kernel launch with a fixed
   cost, and there is too little work per launch to hide it.

Timing rules that make the numbers honest: a warm-up call first (the first call
pays for compilation and allocation), then the median of `repeats` calls, and the
device is synchronised before the clock is read (MPS and MLX both run
asynchronously: without a sync you time the queueing, not the work).
"""

from __future__ import annotations

import statistics
import threading
import time
from typing import Callable

from pydantic import Field

from trainers.api import Emit, Log, Metric, Status, Summary, TrainConfig

NAME = "devbench"


class DevBenchConfig(TrainConfig):
    """`device`: auto measures the CPU and the GPU (when there is one); cpu or gpu just that one."""

    dataset: str = Field("", description="not used: the bench makes its own random data")
    sizes: list[int] = Field([128, 256, 512, 1024], min_length=1, description="matrix sizes n for n x n matmul")
    channels: list[int] = Field([4, 16, 64], min_length=1, description="CNN widths for the training-step timing")
    batch_size: int = Field(32, ge=1, le=4096, description="images per CNN training step")
    image_size: int = Field(28, ge=8, le=256, description="side of the square images (28: MNIST, 32: CIFAR-10)")
    image_channels: int = Field(1, ge=1, le=4, description="colour channels of the images (1: grey, 3: RGB)")
    repeats: int = Field(5, ge=1, le=100, description="timed calls per measurement; the median is reported")


def _median_seconds(fn: Callable[[], None], sync: Callable[[], None], repeats: int, stop: threading.Event) -> float | None:
    fn()  # warm-up: compilation, allocation, caches
    sync()
    times = []
    for _ in range(repeats):
        if stop.is_set():
            return None
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# ----------------------------------------------------------------------------- PyTorch


def _torch_devices(choice: str) -> list[tuple[object, str]]:
    import torch

    from trainers.devices import torch_device

    if choice == "auto":
        found = [(torch.device("cpu"), "cpu")]
        if torch.backends.mps.is_available():
            found.append((torch.device("mps"), "mps"))
        return found
    return [torch_device(choice)]


def _torch_bench(config: DevBenchConfig, emit: Emit, stop: threading.Event, run: str, final: dict) -> tuple[str, list[str]]:
    import torch
    import torch.nn as nn

    torch.manual_seed(config.seed)
    if config.threads:
        torch.set_num_threads(config.threads)
    names = []
    for device, name in _torch_devices(config.device):
        names.append(name)

        def sync(device=device):
            if device.type == "mps":
                torch.mps.synchronize()

        for n in config.sizes:
            a = torch.randn(n, n, device=device)
            b = torch.randn(n, n, device=device)
            seconds = _median_seconds(lambda: a @ b, sync, config.repeats, stop)
            if seconds is None:
                return "stopped", names
            gflops = 2 * n**3 / seconds / 1e9
            final[f"{name}_gflops_{n}"] = gflops
            emit(Metric(run, n, 0, f"{name} GFLOP/s", gflops))
        for c in config.channels:
            side, k = config.image_size, config.image_channels
            model = nn.Sequential(
                nn.Conv2d(k, c, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(c, c, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Flatten(), nn.Linear(c * (side // 4) ** 2, 10),
            ).to(device)
            opt = torch.optim.SGD(model.parameters(), lr=0.01)
            x = torch.randn(config.batch_size, k, side, side, device=device)  # NCHW
            y = torch.randint(0, 10, (config.batch_size,), device=device)

            def step(model=model, opt=opt, x=x, y=y):
                opt.zero_grad(set_to_none=True)
                nn.functional.cross_entropy(model(x), y).backward()
                opt.step()

            seconds = _median_seconds(step, sync, config.repeats, stop)
            if seconds is None:
                return "stopped", names
            final[f"{name}_step_ms_c{c}"] = seconds * 1000
            emit(Metric(run, c, 1, f"{name} step ms", seconds * 1000))
    return "finished", names


# ----------------------------------------------------------------------------- MLX


def _mlx_devices(choice: str) -> list[tuple[object, str]]:
    import mlx.core as mx

    from trainers.devices import mlx_device

    if choice == "auto":
        found = [(mx.cpu, "cpu")]
        if mx.metal.is_available():
            found.append((mx.gpu, "gpu"))
        return found
    return [mlx_device(choice)]


def _mlx_bench(config: DevBenchConfig, emit: Emit, stop: threading.Event, run: str, final: dict) -> tuple[str, list[str]]:
    import mlx.core as mx
    import mlx.nn as nn
    import mlx.optimizers as optim

    mx.random.seed(config.seed)
    names = []
    for device, name in _mlx_devices(config.device):
        names.append(name)
        mx.set_default_device(device)
        for n in config.sizes:
            a = mx.random.normal((n, n))
            b = mx.random.normal((n, n))
            mx.eval(a, b)
            # MLX is lazy: `a @ b` only records the work; mx.eval runs it and waits.
            seconds = _median_seconds(lambda: mx.eval(a @ b), lambda: None, config.repeats, stop)
            if seconds is None:
                return "stopped", names
            gflops = 2 * n**3 / seconds / 1e9
            final[f"{name}_gflops_{n}"] = gflops
            emit(Metric(run, n, 0, f"{name} GFLOP/s", gflops))
        for c in config.channels:
            side, k = config.image_size, config.image_channels
            model = nn.Sequential(
                nn.Conv2d(k, c, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(c, c, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                lambda h: h.reshape(h.shape[0], -1), nn.Linear(c * (side // 4) ** 2, 10),
            )
            opt = optim.SGD(learning_rate=0.01)
            x = mx.random.normal((config.batch_size, side, side, k))  # NHWC: MLX puts channels last
            y = mx.random.randint(0, 10, (config.batch_size,))
            loss_and_grad = nn.value_and_grad(model, lambda m, x, y: nn.losses.cross_entropy(m(x), y, reduction="mean"))

            def step(model=model, opt=opt, x=x, y=y, loss_and_grad=loss_and_grad):
                _loss, grads = loss_and_grad(model, x, y)
                opt.update(model, grads)
                mx.eval(model.parameters(), opt.state)

            seconds = _median_seconds(step, lambda: None, config.repeats, stop)
            if seconds is None:
                return "stopped", names
            final[f"{name}_step_ms_c{c}"] = seconds * 1000
            emit(Metric(run, c, 1, f"{name} step ms", seconds * 1000))
    return "finished", names


# ----------------------------------------------------------------------------- the run


def train(config: DevBenchConfig, emit: Emit, stop: threading.Event, *, run: str | None = None) -> Summary:
    run = run or f"{NAME}-{config.backend}-{time.strftime('%Y%m%d-%H%M%S')}"
    started = time.perf_counter()
    final: dict[str, float] = {}
    emit(Status(run, "running", f"device bench, {config.backend}"))
    if config.backend == "torch":
        import torch

        version, (status, names) = torch.__version__, _torch_bench(config, emit, stop, run, final)
        threads = torch.get_num_threads()
    else:
        import mlx.core as mx

        version, (status, names) = mx.__version__, _mlx_bench(config, emit, stop, run, final)
        threads = 0
    gpu = next((n for n in names if n != "cpu"), None)
    smallest, widest = min(config.channels), max(config.channels)
    if gpu and f"{gpu}_step_ms_c{smallest}" in final and f"cpu_step_ms_c{smallest}" in final:
        # Above 1: the CPU wins on the smallest model (launch overhead beats parallelism).
        final["small_step_gpu_over_cpu"] = final[f"{gpu}_step_ms_c{smallest}"] / final[f"cpu_step_ms_c{smallest}"]
        # The GPU's speed-up on the widest model: CPU time / GPU time per step.
        final["cnn_cpu_over_gpu"] = final[f"cpu_step_ms_c{widest}"] / final[f"{gpu}_step_ms_c{widest}"]
    elif not gpu:
        emit(Log(run, "no GPU here: measured the CPU only (the GPU comparison needs a Mac)"))
    return Summary(
        run=run,
        trainer=NAME,
        status=status,
        framework=config.backend,
        framework_version=version,
        device="+".join(names),
        threads=threads,
        wall_seconds=time.perf_counter() - started,
        final=final,
        config=config.model_dump(),
    )
