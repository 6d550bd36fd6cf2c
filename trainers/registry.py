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
