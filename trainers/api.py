"""The contract every trainer keeps: `train(config, emit, stop) -> Summary`.

- `config` is a pydantic model (a subclass of `TrainConfig`) whose defaults finish in
  seconds on a laptop CPU; every knob has a name.
- `emit(event)` receives `Metric`, `Log` and `Status` events from the training thread.
  It must be cheap, and the trainer calls it sparingly: values are read back from the
  device only every `log_every` steps, never per step.
- `stop` is a `threading.Event` checked between steps. Stopping is prompt and still
  returns a valid `Summary` with status "stopped".

This module imports neither torch nor mlx, so the app can use it at start-up.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Literal

from pydantic import BaseModel, ConfigDict, Field

class TrainerError(Exception):
    """A problem the learner can fix (data not downloaded, no GPU here, a bad setting).

    Its message says what was wrong and what to do; the run manager shows it as it is,
    without a traceback. Any other exception is a bug and keeps its traceback.
    """


Backend = Literal["torch", "mlx"]
DeviceChoice = Literal["auto", "cpu", "gpu"]
RunState = Literal["starting", "running", "finished", "stopped", "failed"]


class TrainConfig(BaseModel):
    """Knobs every trainer has. Families add their own in a subclass."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    backend: Backend = Field("torch", description="torch (PyTorch) or mlx (Apple MLX)")
    device: DeviceChoice = Field("auto", description="auto: the GPU when there is one (MPS / Metal), else the CPU; cpu forces the CPU")
    dataset: str = Field("digits", description="which data to train on")
    epochs: int = Field(5, ge=1, le=1000, description="passes over the training set")
    batch_size: int = Field(64, ge=1, le=65536, description="samples per step")
    lr: float = Field(1e-3, gt=0, le=10, description="learning rate")
    seed: int = Field(0, ge=0, description="seed for weights, shuffling and the validation split")
    threads: int = Field(0, ge=0, le=256, description="CPU threads; 0 chooses from the model size and the free cores")
    log_every: int = Field(20, ge=1, description="steps between reading the loss back from the device")
    max_steps: int = Field(0, ge=0, description="stop after this many steps (0: no limit); for quick checks")


@dataclass(frozen=True, slots=True)
class Metric:
    """One point of one series: train_loss, val_loss, val_acc, samples_per_s …"""

    run: str
    step: int
    epoch: float
    name: str
    value: float
    wall: float = field(default_factory=time.monotonic)


@dataclass(frozen=True, slots=True)
class Log:
    run: str
    message: str
    wall: float = field(default_factory=time.monotonic)


@dataclass(frozen=True, slots=True)
class Status:
    run: str
    state: RunState
    detail: str = ""
    wall: float = field(default_factory=time.monotonic)


Event = Metric | Log | Status
Emit = Callable[[Event], None]


class Summary(BaseModel):
    """What a run did, valid however it ended."""

    run: str
    trainer: str
    status: RunState
    framework: str
    framework_version: str
    device: str = Field(description="the device that actually ran, e.g. cpu, mps, gpu")
    threads: int = 0
    dataset: str = ""
    steps: int = 0
    epochs: float = 0
    samples: int = 0
    wall_seconds: float = 0
    samples_per_second: float = 0
    final: dict[str, float] = Field(default_factory=dict)
    peak_memory_bytes: int | None = Field(None, description="the framework's own peak (MLX peak memory, MPS driver memory); None on the torch CPU path")
    process_peak_rss_bytes: int | None = Field(None, description="the whole process's resident memory at its highest sample, set by the run manager")
    error: str | None = None
    config: dict = Field(default_factory=dict)


def never_stop() -> threading.Event:
    """A stop event nobody sets: for running a trainer from a script."""
    return threading.Event()
