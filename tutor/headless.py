"""`tutor train`, `tutor trainers` and `tutor data`: the lab without the screen.

The same trainers and the same run manager as the app: a run started here is
recorded in the learner's store like any other, and its metrics can be written as
JSON lines for a notebook or a spreadsheet.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from trainers.api import Log, Metric


def parse_settings(pairs: list[str]) -> dict:
    """`--set key=value`: the value is read as JSON when it can be (numbers, lists,
    true/false), else taken as text, so `lr=0.01`, `hidden=[256,128]` and
    `dataset=mnist` all work."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set takes key=value, got {pair!r}")
        try:
            out[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[key.strip()] = value
    return out


class ProgressLine:
    """One line on stderr, redrawn at most ten times a second: steps, loss, speed, ETA."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.last_draw = 0.0
        self.values: dict[str, float] = {}
        self.step = 0
        self.epoch = 0.0

    def update(self, event: Metric, run) -> None:
        self.values[event.name] = event.value
        self.step = max(self.step, event.step)
        self.epoch = max(self.epoch, event.epoch)
        now = time.monotonic()
        if now - self.last_draw >= (0.1 if self.tty else 2.0):
            self.last_draw = now
            self.draw(run)

    def draw(self, run) -> None:
        from .runs import eta_seconds

        c = run.config
        parts = [f"step {self.step}", f"epoch {self.epoch:.1f}/{c.epochs}"]
        for name in ("train_loss", "val_loss", "val_acc", "samples_per_s"):
            if name in self.values:
                parts.append(f"{name} {self.values[name]:.4g}")
        eta = eta_seconds(time.monotonic() - run.started, self.epoch, c.epochs, self.step, c.max_steps)
        if eta is not None:
            parts.append(f"ETA {eta:.0f}s")
        line = "  ".join(parts)
        if self.tty:
            self.stream.write("\r\033[K" + line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def train(store, trainer: str, overrides: dict, metrics_path: Path | None, as_json: bool) -> int:
    from .runs import RunError, RunManager

    manager = RunManager(store)
    try:
        run = manager.start(trainer, overrides)
    except RunError as e:
        print(f"tutor: {e}", file=sys.stderr)
        return 2
    metrics_file = None
    if metrics_path is not None:
        try:
            metrics_file = metrics_path.open("w", encoding="utf-8")
        except OSError as e:
            run.request_stop()
            run.join()
            print(f"tutor: cannot write {metrics_path}: {e.strerror or e}", file=sys.stderr)
            return 2
    progress = ProgressLine()
    print(f"{run.id}: {trainer} on {run.config.backend}, device {run.config.device}", file=sys.stderr)
    def handle(events) -> None:
        for event in events:
            if isinstance(event, Metric):
                progress.update(event, run)
                if metrics_file:
                    record = {"run": run.id, "step": event.step, "epoch": event.epoch, "name": event.name, "value": event.value}
                    metrics_file.write(json.dumps(record) + "\n")
            elif isinstance(event, Log):
                progress.close()
                print(event.message, file=sys.stderr)

    try:
        try:
            while run.running:
                handle(run.events())
                time.sleep(0.05)
        except KeyboardInterrupt:
            run.request_stop()
            run.join()
        handle(run.events())  # what it said after the last look, up to its final status
    finally:
        if metrics_file:
            metrics_file.close()
    summary = run.join()
    if progress.values:
        progress.draw(run)
        progress.close()
    if as_json:
        out = {
            "run": run.id,
            "trainer": trainer,
            "status": summary.status,
            "framework": summary.framework,
            "framework_version": summary.framework_version,
            "device": summary.device,
            "threads": summary.threads,
            "dataset": summary.dataset,
            "steps": summary.steps,
            "epochs": summary.epochs,
            "final": summary.final,
            "samples_per_second": summary.samples_per_second,
            "peak_memory_bytes": summary.peak_memory_bytes,
            "process_peak_rss_bytes": summary.process_peak_rss_bytes,
            "wall_seconds": summary.wall_seconds,
            "error": summary.error,
        }
        print(json.dumps(out, ensure_ascii=False))
    elif summary.status == "failed":
        print(f"failed after {summary.wall_seconds:.1f} s: {summary.error}", file=sys.stderr)
    else:
        threads = f" ({summary.threads} CPU thread(s))" if summary.threads else ""
        print(
            f"{summary.status}: {summary.framework} {summary.framework_version} on {summary.device or '?'}{threads},"
            f" {summary.steps} steps, {summary.samples_per_second:,.0f} samples/s, {summary.wall_seconds:.1f} s"
        )
        if summary.final:
            print("  " + "  ".join(f"{k} {v:.4g}" for k, v in summary.final.items()))
        memory = []
        if summary.peak_memory_bytes:
            memory.append(f"{summary.framework} peak {summary.peak_memory_bytes / 2**20:,.1f} MiB")
        if summary.process_peak_rss_bytes:
            memory.append(f"process RSS peak {summary.process_peak_rss_bytes / 2**20:,.0f} MiB")
        if memory:
            print("  " + " · ".join(memory))
    return 1 if summary.status == "failed" else 0


def list_trainers(as_json: bool, lang: str) -> int:
    from trainers.registry import describe

    items = describe()
    if as_json:
        print(json.dumps(items, ensure_ascii=False, indent=2))
        return 0
    for item in items:
        desc = item["description"]
        print(f"{item['name']}  [{', '.join(item['backends'])}]  {desc.get(lang, desc.get('en', '')) if isinstance(desc, dict) else desc}")
        for f in item["config"]:
            print(f"    {f['name']:<13} {str(f['default']):<10} {f.get('description', '')}")
    return 0


def list_data(as_json: bool, lang: str = "en") -> int:
    from trainers import data

    items = data.describe()
    if as_json:
        print(json.dumps({"cache": str(data.cache_dir()), "datasets": items}, ensure_ascii=False, indent=2))
        return 0
    print(f"cache: {data.cache_dir()}")
    for item in items:
        state = "bundled" if item.get("bundled") else ("cached" if item["cached"] else "not cached")
        size = f"{item['size_bytes'] / 2**20:,.1f} MiB" if item.get("size_bytes") else ""
        desc = item.get("description") or {}
        print(f"  {item['name']:<14} {size:>10}  {state:<11} {desc.get(lang, '') if isinstance(desc, dict) else desc}")
    return 0


def fetch_data(name: str) -> int:
    from trainers import data

    try:
        path = data.fetch(name, progress=True)
    except data.DataError as e:
        print(f"tutor: {e}", file=sys.stderr)
        return 1
    print(f"{name}: ready in {path}")
    return 0
