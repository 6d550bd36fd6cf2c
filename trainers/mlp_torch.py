"""A multi-layer perceptron trained with PyTorch. Read it beside `mlp_mlx.py`: the two
files line up, section by section, so the differences are the frameworks' own.

    pixels (64 or 784) -> [Linear -> ReLU] x len(hidden) -> Linear -> 10 class scores

Loss: cross-entropy. Optimiser: Adam. Data: `trainers/data.py` (the same split, the same
batches in the same order for both frameworks). Device: MPS on a Mac, else the CPU.
"""

from __future__ import annotations

import math
import threading
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from trainers import data, devices
from trainers.api import Emit, Log, Metric, Status, Summary
from trainers.configs import MLPConfig

NAME = "mlp"


# ----------------------------------------------------------------------------- model


class MLP(nn.Module):
    def __init__(self, n_in: int, hidden: list[int], n_out: int):
        super().__init__()
        sizes = [n_in, *hidden]
        # nn.Linear starts its weights and biases uniform in ±1/sqrt(fan_in): the same
        # scheme as MLX's nn.Linear, so both files start from equally scaled weights.
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.out = nn.Linear(sizes[-1], n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.hidden:
            x = torch.relu(layer(x))
        return self.out(x)  # logits: softmax lives inside the loss


# ----------------------------------------------------------------------------- loss


def loss_fn(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(model(x), y)  # mean over the batch


@torch.no_grad()  # no graph for backward: less memory, less time
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, chunk: int = 4096) -> tuple[float, float]:
    """(mean loss, accuracy) over a whole set, in chunks so memory stays small."""
    loss_sum = torch.zeros((), device=x.device)
    correct = torch.zeros((), device=x.device)
    for i in range(0, len(x), chunk):
        logits = model(x[i : i + chunk])
        loss_sum += F.cross_entropy(logits, y[i : i + chunk], reduction="sum")
        correct += (logits.argmax(dim=1) == y[i : i + chunk]).sum()
    return (loss_sum / len(x)).item(), (correct / len(x)).item()  # .item(): one read-back each


# ----------------------------------------------------------------------------- step


def make_step(model: nn.Module, optimizer: torch.optim.Optimizer):
    """One training step: forward, backward, update. Returns the loss, still on the device."""

    def step(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        loss = loss_fn(model, x, y)
        optimizer.zero_grad(set_to_none=True)  # gradients add up unless cleared
        loss.backward()
        optimizer.step()
        return loss.detach()

    return step


def _sync(device: torch.device) -> None:
    """MPS runs asynchronously: wait for queued work before reading a clock."""
    if device.type == "mps":
        torch.mps.synchronize()


# ----------------------------------------------------------------------------- the run


def train(config: MLPConfig, emit: Emit, stop: threading.Event, *, run: str | None = None) -> Summary:
    """Train, reporting through `emit`, until done, `max_steps` or `stop`. `run` names
    the run in events and the summary (the run manager passes its own id)."""
    if not isinstance(config, MLPConfig):
        config = MLPConfig.model_validate(config if isinstance(config, dict) else config.model_dump())
    run = run or f"{NAME}-torch-{time.strftime('%Y%m%d-%H%M%S')}"
    started = time.perf_counter()

    # Seeds: torch draws the initial weights; numpy (in data.py) draws the split and
    # the batch order, identically for both frameworks.
    torch.manual_seed(config.seed)
    device, device_name = devices.torch_device(config.device)

    # Data: the whole set goes to the device once; each step picks rows by index there.
    split = data.load(config.dataset, config.seed, config.val_fraction)
    x_train, y_train = torch.from_numpy(split.x_train).to(device), torch.from_numpy(split.y_train).long().to(device)
    x_val, y_val = torch.from_numpy(split.x_val).to(device), torch.from_numpy(split.y_val).long().to(device)
    x_test, y_test = torch.from_numpy(split.x_test).to(device), torch.from_numpy(split.y_test).long().to(device)

    model = MLP(split.n_features, config.hidden, split.n_classes).to(device)
    n_params = sum(p.numel() for p in model.parameters())
    # Threads (process-wide in torch): one for a small model. More threads only add
    # waiting at every matmul, and stall badly when another program holds a core.
    threads = devices.choose_threads(config.threads, n_params)
    torch.set_num_threads(threads)

    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)  # bias-corrected, always
    step_fn = make_step(model, optimizer)

    emit(Status(run, "running", f"torch {torch.__version__} on {device_name}, {threads} thread(s)"))
    emit(Log(run, f"{split.name}: {len(x_train)} train / {len(x_val)} val / {len(x_test)} test samples; MLP {config.hidden}, {n_params:,} parameters"))

    n = len(x_train)
    steps_per_epoch = math.ceil(n / config.batch_size)
    step = samples = 0
    train_seconds = 0.0
    # The loss is added up on the device and read back only every `log_every` steps:
    # `.item()` makes the CPU wait for the device, which on a GPU would stall the
    # queue of work every step.
    loss_sum, loss_count = torch.zeros((), device=device), 0
    final: dict[str, float] = {}
    stopped = limit_hit = False

    def read_loss() -> None:
        nonlocal loss_sum, loss_count
        final["train_loss"] = (loss_sum / loss_count).item()  # mean of the last steps
        emit(Metric(run, step, step / steps_per_epoch, "train_loss", final["train_loss"]))
        loss_sum, loss_count = torch.zeros((), device=device), 0

    for epoch in range(config.epochs):
        epoch_start, epoch_samples = time.perf_counter(), 0
        for idx in data.batches(n, config.batch_size, config.seed, epoch):
            if stop.is_set():
                stopped = True
                break
            if config.max_steps and step >= config.max_steps:
                limit_hit = True
                break
            rows = torch.from_numpy(idx).to(device)
            loss_sum += step_fn(x_train[rows], y_train[rows])
            loss_count += 1
            step += 1
            samples += len(idx)
            epoch_samples += len(idx)
            if step % config.log_every == 0:
                read_loss()
        _sync(device)
        seconds = time.perf_counter() - epoch_start
        train_seconds += seconds
        if stopped or not epoch_samples:
            break  # prompt: no evaluation after a stop (or an epoch that never ran)
        # End of an epoch: how the model does on data it does not train on.
        final["val_loss"], final["val_acc"] = evaluate(model, x_val, y_val)
        at = step / steps_per_epoch
        emit(Metric(run, step, at, "val_loss", final["val_loss"]))
        emit(Metric(run, step, at, "val_acc", final["val_acc"]))
        emit(Metric(run, step, at, "samples_per_s", epoch_samples / seconds))
        if limit_hit:
            break

    if loss_count:
        read_loss()  # the last few steps since the previous reading
    if not stopped:  # the test set, once, at the very end
        final["test_loss"], final["test_acc"] = evaluate(model, x_test, y_test)

    status = "stopped" if stopped else "finished"
    peak = torch.mps.driver_allocated_memory() if device.type == "mps" else None  # MPS has no peak counter
    summary = Summary(
        run=run,
        trainer=NAME,
        status=status,
        framework="torch",
        framework_version=torch.__version__,
        device=device_name,
        threads=threads,
        dataset=split.name,
        steps=step,
        epochs=step / steps_per_epoch,
        samples=samples,
        wall_seconds=time.perf_counter() - started,
        samples_per_second=samples / train_seconds if train_seconds > 0 else 0.0,
        final=final,
        peak_memory_bytes=peak,
        config=config.model_dump(),
    )
    emit(Status(run, status, f"{step} steps in {summary.wall_seconds:.1f} s"))
    return summary
