"""Names of trainers and where they live, imported only when a run starts.

Keeping this a table of strings lets the app list and validate trainers without
importing torch or mlx. Each entry maps a name to "module:function" per backend.
"""

TRAINERS: dict[str, dict[str, str]] = {}


def names() -> set[str]:
    return set(TRAINERS)
