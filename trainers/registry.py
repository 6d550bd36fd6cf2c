"""Names of trainers and where they live, imported only when a run starts.

Keeping this a table of strings lets the app list and validate trainers without
importing torch or mlx. Each entry names its config class and, per backend, the
"module:function" that trains.

    cfg = config_class("mlp")(backend="mlx", epochs=3)
    summary = load("mlp", cfg.backend)(cfg, emit, stop)
"""

from __future__ import annotations

import importlib
from typing import Any, Callable

from trainers.api import TrainerError

TRAINERS: dict[str, dict[str, Any]] = {
    "mlp": {
        "description": {
            "zh": "多层感知机（MLP）：像素 -> 隐藏层 + ReLU -> 10 类；Adam，PyTorch 与 MLX 逐行对照",
            "en": "Multi-layer perceptron: pixels -> hidden layers + ReLU -> 10 classes; Adam, PyTorch and MLX side by side",
        },
        "config": "trainers.configs:MLPConfig",
        "backends": {
            "torch": "trainers.mlp_torch:train",
            "mlx": "trainers.mlp_mlx:train",
        },
    },
    "cnn": {
        "description": {
            "zh": "小型卷积网络（CNN）：[3x3 卷积 + ReLU ×2 -> 2x2 最大池化] ×2 -> 全连接 -> 10 类；可选随机裁剪/翻转增强；Adam，PyTorch 与 MLX 逐行对照",
            "en": "Small convolutional network: [3x3 conv + ReLU x2 -> 2x2 max-pool] x2 -> dense -> 10 classes; optional crop/flip augmentation; Adam, PyTorch and MLX side by side",
        },
        "config": "trainers.configs:CNNConfig",
        "backends": {
            "torch": "trainers.cnn_torch:train",
            "mlx": "trainers.cnn_mlx:train",
        },
    },
    "devbench": {
        "description": {
            "zh": "设备基准：各种尺寸的矩阵乘法 GFLOP/s 与小 CNN 单步耗时，CPU 与 GPU（有就测）对照",
            "en": "Device bench: matmul GFLOP/s across sizes and a small CNN's step time, CPU beside the GPU when there is one",
        },
        "config": "trainers.devbench:DevBenchConfig",
        "backends": {
            "torch": "trainers.devbench:train",
            "mlx": "trainers.devbench:train",
        },
    },
    "autograd": {
        "description": {
            "zh": "手写标量自动求导：用 SGD 训练 2-4-1 网络拟合生成的二维点，每隔几步与 torch.autograd 或 MLX 核对梯度（CPU，float64）",
            "en": "Autograd by hand: a scalar reverse-mode engine trains a 2-4-1 network on generated 2-D points with SGD, checking its gradients against torch.autograd or MLX (CPU, float64)",
        },
        "config": "trainers.autodiff:AutodiffConfig",
        "backends": {
            "torch": "trainers.autodiff:train",
            "mlx": "trainers.autodiff:train",
        },
    },
}


class UnknownTrainer(TrainerError, KeyError):
    """No trainer (or no such backend for it) by that name."""

    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0]) if self.args else ""


def names() -> set[str]:
    return set(TRAINERS)


def _entry(name: str) -> dict[str, Any]:
    try:
        return TRAINERS[name]
    except KeyError:
        raise UnknownTrainer(f"unknown trainer {name!r}; known: {', '.join(sorted(TRAINERS)) or 'none'}") from None


def _resolve(target: str) -> Any:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def backends(name: str) -> list[str]:
    return list(_entry(name)["backends"])


def config_class(name: str) -> type:
    """The pydantic config class of trainer `name` (light to import)."""
    return _resolve(_entry(name)["config"])


def load(name: str, backend: str) -> Callable:
    """The `train(config, emit, stop)` function of `name` on `backend`. This is where
    torch or mlx gets imported, so call it when a run starts, not at start-up."""
    entry = _entry(name)
    try:
        target = entry["backends"][backend]
    except KeyError:
        raise UnknownTrainer(
            f"trainer {name!r} has no backend {backend!r}; known: {', '.join(entry['backends'])}"
        ) from None
    return _resolve(target)


def _field_type(prop: dict) -> str:
    if "enum" in prop:
        return "choice"
    if prop.get("type") == "array":
        return f"list[{_field_type(prop.get('items', {}))}]"
    if "anyOf" in prop:
        return " | ".join(_field_type(p) for p in prop["anyOf"])
    return {"integer": "int", "number": "float", "string": "str", "boolean": "bool", "null": "None"}.get(prop.get("type", ""), "any")


def describe() -> list[dict]:
    """One dict per trainer for `tutor trainers --json`: name, description (zh, en),
    backends, and each config field with its type, default, choices and description."""
    out = []
    for name in sorted(TRAINERS):
        schema = config_class(name).model_json_schema()
        fields = []
        for field, prop in schema.get("properties", {}).items():
            row = {"name": field, "type": _field_type(prop), "default": prop.get("default"), "description": prop.get("description", "")}
            if "enum" in prop:
                row["choices"] = prop["enum"]
            fields.append(row)
        out.append({"name": name, "description": TRAINERS[name]["description"], "backends": backends(name), "config": fields})
    return out
