"""A small convolutional network trained with Apple MLX. Read it beside `cnn_torch.py`:
the two files line up, section by section, so the differences are the frameworks' own.

    image -> [conv3x3 -> ReLU -> conv3x3 -> ReLU -> maxpool 2x2] x len(channels)
          -> flatten -> Linear(hidden) -> ReLU -> Linear -> 10 class scores

Loss: cross-entropy. Optimiser: Adam. Data: `trainers/data.py` (the same split, the same
batches in the same order, the same augmented images for both frameworks). Device: the
GPU (Metal) on a Mac, else the CPU.

Layout. MLX's convolutions take a batch of images as (N, H, W, C): "channels last",
the colours of one pixel side by side, the order image files and Apple's GPU prefer.
PyTorch's take (N, C, H, W): "channels first". `data.py` hands both files
(N, H, W, C), so this one uses the images as they come. The weights differ in layout
too (MLX: out, kh, kw, in; torch: out, in, kh, kw), so a torch checkpoint does not load
into this model as it is.

Two things MLX does differently, and this file shows both:
- It is lazy: an operation only records what to compute; `mx.eval` computes it.
- `mx.compile` can fuse the whole training step into one graph, traced once.
"""

from __future__ import annotations

import math
import threading
import time
from functools import partial

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
from mlx.utils import tree_flatten

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
        # Weights start uniform in ±1/sqrt(fan_in) in both frameworks, and MLX's Conv2d
        # starts its biases at zero (cnn_torch.py zeroes torch's to match).
        self.hidden = nn.Linear(c_in * height * width, hidden)
        self.out = nn.Linear(hidden, n_out)

    def __call__(self, x: mx.array) -> mx.array:  # x: (N, H, W, C)
        x = self.features(x)
        x = x.reshape(x.shape[0], -1)  # (N, H*W*C): pixel by pixel
        x = nn.relu(self.hidden(x))
        return self.out(x)  # logits: softmax lives inside the loss


# ----------------------------------------------------------------------------- loss


def loss_fn(model: nn.Module, x: mx.array, y: mx.array) -> mx.array:
    return nn.losses.cross_entropy(model(x), y, reduction="mean")


def evaluate(model: nn.Module, x: mx.array, y: mx.array, chunk: int = 1024) -> tuple[float, float]:
    """(mean loss, accuracy) over a whole set, in chunks so memory stays small (a
    convolution's activations are far bigger than its input).
    No gradient is asked for, so none is computed: MLX needs no `no_grad`."""
    loss_sum = mx.array(0.0)
    correct = mx.array(0)
    for i in range(0, len(x), chunk):
        logits = model(x[i : i + chunk])
        loss_sum = loss_sum + nn.losses.cross_entropy(logits, y[i : i + chunk], reduction="sum")
        correct = correct + (mx.argmax(logits, axis=1) == y[i : i + chunk]).sum()
        mx.eval(loss_sum, correct)  # compute this chunk before building the next
    return (loss_sum / len(x)).item(), (correct / len(x)).item()  # .item(): one read-back each


# ----------------------------------------------------------------------------- step


def make_step(model: nn.Module, optimizer: optim.Optimizer):
    """One training step: forward, backward, update. Returns (step, state): call
    `loss_sum = step(x, y, loss_sum)`, then `mx.eval(state, loss_sum)` to run it."""
    loss_and_grad = nn.value_and_grad(model, loss_fn)  # loss and d(loss)/d(parameters)
    # The step changes the model's and the optimizer's arrays. `mx.compile` must be told
    # (inputs=, outputs=), or the compiled graph would keep the arrays it first saw.
    state = [model.state, optimizer.state]

    @partial(mx.compile, inputs=state, outputs=state)
    def step(x: mx.array, y: mx.array, loss_sum: mx.array) -> mx.array:
        loss, grads = loss_and_grad(model, x, y)
        optimizer.update(model, grads)
        return loss_sum + loss  # the running total stays inside the compiled step, as in mlp_mlx.py

    return step, state


# ----------------------------------------------------------------------------- the run


def train(config: CNNConfig, emit: Emit, stop: threading.Event, *, run: str | None = None) -> Summary:
    """Train, reporting through `emit`, until done, `max_steps` or `stop`. `run` names
    the run in events and the summary (the run manager passes its own id)."""
    if not isinstance(config, CNNConfig):
        config = CNNConfig.model_validate(config if isinstance(config, dict) else config.model_dump())
    run = run or f"{NAME}-mlx-{time.strftime('%Y%m%d-%H%M%S')}"
    started = time.perf_counter()

    # Seeds: MLX draws the initial weights; numpy (in data.py) draws the split, the
    # batch order and the augmentation, identically for both frameworks.
    mx.random.seed(config.seed)
    device, device_name = devices.mlx_device(config.device)
    mx.set_default_device(device)
    mx.reset_peak_memory()

    # Data: the whole set goes to the device once, as (N, H, W, C) (on a Mac, unified
    # memory: no copy to a separate GPU memory); each step picks rows by index there.
    # With augmentation the training images stay in numpy instead, and each batch is
    # made on the CPU and sent over.
    split = data.load(config.dataset, config.seed, config.val_fraction)
    shape = split.image_shape  # (H, W, C)
    images = split.x_train.reshape(-1, *shape)  # numpy, (N, H, W, C)
    x_train = None if config.augment else mx.array(images)
    y_train = mx.array(split.y_train)
    x_val, y_val = mx.array(split.x_val.reshape(-1, *shape)), mx.array(split.y_val)
    x_test, y_test = mx.array(split.x_test.reshape(-1, *shape)), mx.array(split.y_test)
    pad = config.crop_padding or data.crop_padding(min(shape[:2]))
    flips = split.flips  # mirror only what a mirror keeps (a photo of a cat, not a 2)

    model = CNN(shape, config.channels, config.hidden, split.n_classes)
    mx.eval(model.parameters())  # lazy: the weights exist only once evaluated
    n_params = sum(p.size for _, p in tree_flatten(model.parameters()))
    # Threads: MLX has no setting for its CPU threads; 0 in the summary says so.
    threads = 0
    if config.threads:
        emit(Log(run, f"threads={config.threads} ignored: MLX chooses its own CPU threads"))

    # MLX's Adam skips bias correction unless asked; torch's always does it. Without it
    # the first steps are larger than torch's, and the two curves would not compare.
    optimizer = optim.Adam(learning_rate=config.lr, bias_correction=True)
    optimizer.init(model.trainable_parameters())  # create its state now, before compiling
    step_fn, state = make_step(model, optimizer)

    emit(Status(run, "running", f"mlx {mx.__version__} on {device_name}"))
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
    loss_sum, loss_count = mx.array(0.0), 0
    final: dict[str, float] = {}
    stopped = limit_hit = False

    def read_loss() -> None:
        nonlocal loss_sum, loss_count
        final["train_loss"] = (loss_sum / loss_count).item()  # mean of the last steps
        emit(Metric(run, step, step / steps_per_epoch, "train_loss", final["train_loss"]))
        loss_sum, loss_count = mx.array(0.0), 0

    for epoch in range(config.epochs):
        epoch_start, epoch_samples = time.perf_counter(), 0
        for idx in data.batches(n, config.batch_size, config.seed, epoch):
            if stop.is_set():
                stopped = True
                break
            if config.max_steps and step >= config.max_steps:
                limit_hit = True
                break
            rows = mx.array(idx)
            if config.augment:  # numpy crops and flips from (seed, epoch, step): the torch run sees the same
                xb = mx.array(data.augment(images[idx], pad, flips, config.seed, epoch, step))
            else:
                xb = x_train[rows]
            loss_sum = step_fn(xb, y_train[rows], loss_sum)
            # Run the step now. Without this MLX would keep recording steps into one
            # ever-growing graph. Evaluating `loss_sum` too keeps it a number on the
            # device, not a chain of additions; reading it is a separate, rarer thing.
            mx.eval(state, loss_sum)
            loss_count += 1
            step += 1
            samples += len(idx)
            epoch_samples += len(idx)
            if step % config.log_every == 0:
                read_loss()
        seconds = time.perf_counter() - epoch_start  # mx.eval waited for every step
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
    summary = Summary(
        run=run,
        trainer=NAME,
        status=status,
        framework="mlx",
        framework_version=mx.__version__,
        device=device_name,
        threads=threads,
        dataset=split.name,
        steps=step,
        epochs=step / steps_per_epoch,
        samples=samples,
        wall_seconds=time.perf_counter() - started,
        samples_per_second=samples / train_seconds if train_seconds > 0 else 0.0,
        final=final,
        peak_memory_bytes=int(mx.get_peak_memory()),  # since reset_peak_memory() above
        config=config.model_dump(),
    )
    emit(Status(run, status, f"{step} steps in {summary.wall_seconds:.1f} s"))
    return summary
