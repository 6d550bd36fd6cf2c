"""A small convolutional network trained with PyTorch. Read it beside `cnn_mlx.py`: the
two files line up, section by section, so the differences are the frameworks' own.

    image -> [conv3x3 -> ReLU -> conv3x3 -> ReLU -> maxpool 2x2] x len(channels)
          -> flatten -> Linear(hidden) -> ReLU -> Linear -> 10 class scores

Loss: cross-entropy. Optimiser: Adam. Data: `trainers/data.py` (the same split, the same
batches in the same order, the same augmented images for both frameworks). Device: MPS
on a Mac, else the CPU.

Layout. PyTorch's convolutions take a batch of images as (N, C, H, W): "channels
first", each colour a separate plane. MLX's take (N, H, W, C): "channels last", the
colours of one pixel side by side, the order image files and Apple's GPU prefer.
`data.py` hands both files (N, H, W, C); this one turns the axes round once, when the
images go to the device (`to_nchw`). The weights differ in layout too, so a torch
checkpoint does not load into the MLX model as it is.
"""

from __future__ import annotations

import math
import threading
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from trainers import data, devices
from trainers.api import Emit, Log, Metric, Status, Summary, TrainerError
from trainers.configs import CNNConfig

NAME = "cnn"


# ----------------------------------------------------------------------------- model


class CNN(nn.Module):
    def __init__(self, image_shape: tuple[int, int, int], channels: list[int], hidden: int, n_out: int):
        super().__init__()
        height, width, c_in = image_shape
        if min(height, width) >> len(channels) < 1:
            raise TrainerError(
                f"{len(channels)} conv blocks halve a {height}x{width} image {len(channels)} times, down to nothing: "
                f"use at most {int(math.log2(min(height, width)))} (fewer entries in channels)"
            )
        layers: list[nn.Module] = []
        for c in channels:
            # padding=1: a 3x3 convolution keeps the height and width; the pool halves them.
            layers += [nn.Conv2d(c_in, c, 3, padding=1), nn.ReLU(), nn.Conv2d(c, c, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
            c_in, height, width = c, height // 2, width // 2
        self.features = nn.Sequential(*layers)
        # Weights start uniform in ±1/sqrt(fan_in) in both frameworks. MLX's Conv2d starts
        # its biases at zero, torch's draws them like the weights: zero them here too.
        for layer in self.features:
            if isinstance(layer, nn.Conv2d):
                nn.init.zeros_(layer.bias)
        self.hidden = nn.Linear(c_in * height * width, hidden)
        self.out = nn.Linear(hidden, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (N, C, H, W)
        x = self.features(x)
        x = torch.flatten(x, 1)  # (N, C*H*W): channel by channel
        x = torch.relu(self.hidden(x))
        return self.out(x)  # logits: softmax lives inside the loss


# ----------------------------------------------------------------------------- loss


def loss_fn(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(model(x), y)  # mean over the batch


@torch.no_grad()  # no graph for backward: less memory, less time
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, chunk: int = 1024) -> tuple[float, float]:
    """(mean loss, accuracy) over a whole set, in chunks so memory stays small (a
    convolution's activations are far bigger than its input)."""
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


def to_nchw(images: np.ndarray, device: torch.device) -> torch.Tensor:
    """(N, H, W, C) numpy images -> a (N, C, H, W) tensor on `device`."""
    return torch.from_numpy(images).permute(0, 3, 1, 2).contiguous().to(device)


def _sync(device: torch.device) -> None:
    """MPS runs asynchronously: wait for queued work before reading a clock."""
    if device.type == "mps":
        torch.mps.synchronize()


# ----------------------------------------------------------------------------- the run


def train(config: CNNConfig, emit: Emit, stop: threading.Event, *, run: str | None = None) -> Summary:
    """Train, reporting through `emit`, until done, `max_steps` or `stop`. `run` names
    the run in events and the summary (the run manager passes its own id)."""
    if not isinstance(config, CNNConfig):
        config = CNNConfig.model_validate(config if isinstance(config, dict) else config.model_dump())
    run = run or f"{NAME}-torch-{time.strftime('%Y%m%d-%H%M%S')}"
    started = time.perf_counter()

    # Seeds: torch draws the initial weights; numpy (in data.py) draws the split, the
    # batch order and the augmentation, identically for both frameworks.
    torch.manual_seed(config.seed)
    device, device_name = devices.torch_device(config.device)

    # Data: the whole set goes to the device once, as (N, C, H, W); each step picks rows
    # by index there. With augmentation the training images stay in numpy instead, and
    # each batch is made on the CPU and sent over.
    split = data.load(config.dataset, config.seed, config.val_fraction)
    shape = split.image_shape  # (H, W, C)
    images = split.x_train.reshape(-1, *shape)  # numpy, (N, H, W, C)
    x_train = None if config.augment else to_nchw(images, device)
    y_train = torch.from_numpy(split.y_train).long().to(device)
    x_val, y_val = to_nchw(split.x_val.reshape(-1, *shape), device), torch.from_numpy(split.y_val).long().to(device)
    x_test, y_test = to_nchw(split.x_test.reshape(-1, *shape), device), torch.from_numpy(split.y_test).long().to(device)
    pad = config.crop_padding or data.crop_padding(min(shape[:2]))
    flips = split.flips  # mirror only what a mirror keeps (a photo of a cat, not a 2)

    model = CNN(shape, config.channels, config.hidden, split.n_classes).to(device)
    n_params = sum(p.numel() for p in model.parameters())
    # Threads (process-wide in torch): one for a small model. More threads only add
    # waiting at every layer, and stall badly when another program holds a core.
    threads = devices.choose_threads(config.threads, n_params)
    torch.set_num_threads(threads)

    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)  # bias-corrected, always
    step_fn = make_step(model, optimizer)

    emit(Status(run, "running", f"torch {torch.__version__} on {device_name}, {threads} thread(s)"))
    emit(Log(run, f"{split.name}: {len(images)} train / {len(x_val)} val / {len(x_test)} test images of {shape[0]}x{shape[1]}x{shape[2]}; "
                  f"CNN channels {config.channels}, hidden {config.hidden}, {n_params:,} parameters"))
    if config.augment:
        emit(Log(run, f"augmentation: random crops ±{pad} px" + (", horizontal flips" if flips else " (no flips: a mirrored image would change class)")))

    n = len(images)
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
            if config.augment:  # numpy crops and flips from (seed, epoch, step): the MLX run sees the same
                xb = to_nchw(data.augment(images[idx], pad, flips, config.seed, epoch, step), device)
            else:
                xb = x_train[rows]
            loss_sum += step_fn(xb, y_train[rows])
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
