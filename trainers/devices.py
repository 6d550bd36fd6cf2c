"""Which device and how many CPU threads a run gets, chosen honestly.

- `device="auto"`: the GPU when this machine and this build have one (PyTorch: MPS;
  MLX: Metal), else the CPU.
- `device="cpu"`: the CPU, always.
- `device="gpu"`: the GPU, or a `DeviceUnavailable` error that names what is missing.
  A learner who asked for the GPU and silently got the CPU would draw the wrong
  conclusion from every number the run shows.

The name returned is what actually ran: "mps" or "cpu" for torch, "gpu" or "cpu" for MLX.
Frameworks are imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from trainers.api import TrainerError

if TYPE_CHECKING:
    import mlx.core as mx
    import torch

# Below this many parameters a model is "small": one thread is both fast and steady.
# Measured on a 2-core machine: torch's default 2 threads made an MNIST-size MLP epoch
# go from 0.24 s to 17-32 s when another process held one core (threads waiting for a
# busy core at every matmul); 1 thread held steady. Bigger models amortise that cost.
SMALL_MODEL_PARAMS = 5_000_000
BUSY_PERCENT = 50.0  # a core above this (over a 0.1 s look) counts as busy


class DeviceUnavailable(TrainerError, RuntimeError):
    """The learner asked for a device this machine or this build does not have."""


def torch_device(choice: str) -> tuple["torch.device", str]:
    """(torch.device, name) for `choice` in auto / cpu / gpu."""
    import torch

    if choice == "cpu":
        return torch.device("cpu"), "cpu"
    if torch.backends.mps.is_available():
        return torch.device("mps"), "mps"
    if choice == "gpu":
        why = (
            "this PyTorch build has MPS, but macOS reports no usable Apple GPU (MPS needs Apple Silicon and macOS 12.3+)"
            if torch.backends.mps.is_built()
            else f"this PyTorch build ({torch.__version__}) was built without MPS: the Apple GPU backend exists only in macOS builds"
        )
        raise DeviceUnavailable(f"device='gpu' asks for the Apple GPU (MPS), but {why}. Use device='auto' or 'cpu'.")
    return torch.device("cpu"), "cpu"


def mlx_device(choice: str) -> tuple["mx.Device", str]:
    """(mx.Device, name) for `choice` in auto / cpu / gpu."""
    import mlx.core as mx

    if choice == "cpu":
        return mx.cpu, "cpu"
    if mx.metal.is_available():
        return mx.gpu, "gpu"
    if choice == "gpu":
        raise DeviceUnavailable(
            f"device='gpu' asks for the Apple GPU (Metal), but this MLX build ({mx.__version__}) reports "
            "mx.metal.is_available() == False: the Metal backend runs only on Apple Silicon Macs "
            "(on Linux, `mlx[cpu]` has the CPU only). Use device='auto' or 'cpu'."
        )
    return mx.cpu, "cpu"


def free_cores() -> int:
    """Cores not busy right now (at least 1): a 0.1 s look with psutil."""
    try:
        import psutil

        loads = psutil.cpu_percent(interval=0.1, percpu=True)
        return max(1, sum(1 for load in loads if load < BUSY_PERCENT))
    except Exception:  # psutil can fail on new OS releases; fall back to half the cores
        return max(1, (os.cpu_count() or 2) // 2)


def choose_threads(config_threads: int, params: int) -> int:
    """CPU threads for a run: `config_threads` when given (> 0); else 1 for a small
    model (< SMALL_MODEL_PARAMS parameters); else the cores that are not busy."""
    if config_threads > 0:
        return config_threads
    if params < SMALL_MODEL_PARAMS:
        return 1
    return free_cores()
