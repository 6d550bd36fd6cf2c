"""Shared fixtures: a small lesson tree written for real, and a learner home per test."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

CURRICULUM = """
[course]
id = "mini"
title = { zh = "迷你课程", en = "Mini course" }
summary = { zh = "两周。", en = "Two weeks." }

[[phases]]
number = 1
title = { zh = "基础", en = "Basics" }
summary = { zh = "开始。", en = "Start." }
weeks = [1, 2]

[[weeks]]
number = 1
title = { zh = "第一周", en = "First week" }
objectives = { zh = ["理解内存"], en = ["Understand memory"] }
hours = 6
tracks = ["core"]

[[weeks]]
number = 2
title = { zh = "第二周", en = "Second week" }
objectives = { zh = ["训练"], en = ["Train"] }
hours = 8
prerequisites = [1]
tracks = ["vision"]
"""

WEEK1 = """
[[lessons]]
slug = "memory"
title = { zh = "内存", en = "Memory" }

[[lessons]]
slug = "devices"
title = { zh = "设备", en = "Devices" }

[[questions]]
id = "w01.why"
lesson = "memory"
kind = "open"
prompt = { zh = "为什么？", en = "Why?" }
explanation = { zh = "因为。", en = "Because." }

[[questions]]
id = "w01.guess"
lesson = "memory"
kind = "predict"
unit = "GB"
prompt = { zh = "多少 GB？", en = "How many GB?" }

[[questions]]
id = "w01.pick"
lesson = "devices"
kind = "choice"
prompt = { zh = "选一个", en = "Pick one" }
answer = "b"
options = [
  { id = "a", text = { zh = "甲", en = "A" } },
  { id = "b", text = { zh = "乙", en = "B" } },
]

[[experiments]]
id = "w01.bench"
lesson = "devices"
title = { zh = "测速", en = "Speed test" }
trainer = "speedtest"

[[experiments]]
id = "w01.mlp"
lesson = "devices"
title = { zh = "训练 MLP", en = "Train an MLP" }
trainer = "mlp"
config = { epochs = 400 }

[[experiments]]
id = "w01.quick"
lesson = "devices"
title = { zh = "快速训练", en = "A quick run" }
trainer = "mlp"
config = { epochs = 3 }

[[questions]]
id = "w01.acc"
lesson = "devices"
kind = "predict"
unit = "%"
experiment = "w01.quick"
measure = "test_acc"
prompt = { zh = "三轮之后测试准确率是多少？", en = "Test accuracy after three epochs?" }
explanation = { zh = "小数据集上 MLP 很快学会。", en = "An MLP learns the small set fast." }

[questions.rubric]
hints = { zh = ["想想数据多小。", "8x8 的数字很简单。"], en = ["Think how small the data is.", "8x8 digits are easy."] }

[[questions.rubric.key_ideas]]
id = "small-data"
name = { zh = "数据集小", en = "a small dataset" }
says = { zh = ["数据少", "数据集小"], en = ["small dataset", "little data", 're:\\bsmall\\b'] }
probe = { zh = "数据集有多大？", en = "How big is the dataset?" }

[[questions.rubric.key_ideas]]
id = "few-epochs"
name = { zh = "轮数少", en = "few epochs" }
says = { zh = ["轮数少", "只训练了三轮"], en = ["few epochs", "only three epochs", "not enough epochs"] }
probe = { zh = "训练了几轮？", en = "How many epochs did it train?" }

[checkpoint]
questions = ["w01.why", "w01.pick"]
summary = { zh = "答完两题。", en = "Answer both." }
"""


def write_tree(root: Path, curriculum: str = CURRICULUM, week1: str | None = WEEK1) -> Path:
    """A real lesson tree on disk: week 1 written, week 2 not yet."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "curriculum.toml").write_text(textwrap.dedent(curriculum), encoding="utf-8")
    if week1 is not None:
        w1 = root / "w01"
        w1.mkdir(exist_ok=True)
        (w1 / "week.toml").write_text(textwrap.dedent(week1), encoding="utf-8")
        for slug in ("memory", "devices"):
            (w1 / f"{slug}.zh.md").write_text(f"# {slug}\n\n中文正文。\n", encoding="utf-8")
            (w1 / f"{slug}.en.md").write_text(f"# {slug}\n\nEnglish text.\n", encoding="utf-8")
    return root


@pytest.fixture
def mini_tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "lessons")


@pytest.fixture
def home(tmp_path: Path, monkeypatch) -> Path:
    """A fresh TUTOR_HOME, so no test touches the real learner's data."""
    path = tmp_path / "home"
    monkeypatch.setenv("TUTOR_HOME", str(path))
    return path
