"""Training runs in the learner's store: one row per run, its metric points beside it.

A run is written when it starts (status "running"), its metrics in small batches as
they arrive, and its summary when it ends. A process killed mid-run leaves a row
still "running" with a pid that no longer exists; the next launch marks it
"interrupted", so the record says what happened instead of pretending it finished.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RunRecord:
    id: str
    trainer: str
    experiment_id: str | None
    backend: str
    status: str
    framework: str | None
    framework_version: str | None
    device: str | None
    config: dict
    summary: dict | None
    peak_memory_bytes: int | None
    error: str | None
    started_at: datetime
    ended_at: datetime | None


_RUN_COLUMNS = (
    "id, trainer, experiment_id, backend, status, framework, framework_version, device,"
    " config, summary, peak_memory_bytes, error, started_at, ended_at"
)


def _run(row: tuple) -> RunRecord:
    (id_, trainer, experiment, backend, status, framework, version, device, config, summary, peak, error, started, ended) = row
    return RunRecord(
        id_,
        trainer,
        experiment,
        backend,
        status,
        framework,
        version,
        device,
        json.loads(config),
        json.loads(summary) if summary else None,
        peak,
        error,
        datetime.fromisoformat(started),
        datetime.fromisoformat(ended) if ended else None,
    )


class RunRecords:
    """Mixed into `Store`: uses its `_execute`, `_execute_many` and `_query`."""

    def begin_run(self, run_id: str, trainer: str, backend: str, config: dict, experiment_id: str | None = None) -> None:
        from .store import _now

        self._execute(
            "INSERT INTO runs (id, trainer, experiment_id, backend, status, config, pid, started_at)"
            " VALUES (?, ?, ?, ?, 'running', ?, ?, ?)",
            (run_id, trainer, experiment_id, backend, json.dumps(config), os.getpid(), _now()),
        )

    def add_metrics(self, run_id: str, points: list[tuple[int, float, str, float, float]]) -> None:
        """Points are (step, epoch, name, value, seconds since the run started)."""
        if points:
            self._execute_many(
                "INSERT INTO run_metrics (run_id, step, epoch, name, value, t) VALUES (?, ?, ?, ?, ?, ?)",
                [(run_id, *p) for p in points],
            )

    def finish_run(self, run_id: str, summary: dict, peak_memory_bytes: int | None) -> None:
        from .store import _now

        self._execute(
            "UPDATE runs SET status = ?, framework = ?, framework_version = ?, device = ?, summary = ?,"
            " peak_memory_bytes = ?, error = ?, ended_at = ? WHERE id = ?",
            (
                summary["status"],
                summary.get("framework"),
                summary.get("framework_version"),
                summary.get("device"),
                json.dumps(summary),
                peak_memory_bytes,
                summary.get("error"),
                _now(),
                run_id,
            ),
        )

    def runs(self, trainer: str | None = None, limit: int = 100) -> list[RunRecord]:
        """Newest first."""
        if trainer is None:
            rows = self._query(f"SELECT {_RUN_COLUMNS} FROM runs ORDER BY started_at DESC LIMIT ?", (limit,))
        else:
            rows = self._query(
                f"SELECT {_RUN_COLUMNS} FROM runs WHERE trainer = ? ORDER BY started_at DESC LIMIT ?", (trainer, limit)
            )
        return [_run(r) for r in rows]

    def run_metrics(self, run_id: str, name: str | None = None) -> list[tuple[int, float, str, float]]:
        """(step, epoch, name, value), in the order they were recorded."""
        if name is None:
            return self._query("SELECT step, epoch, name, value FROM run_metrics WHERE run_id = ? ORDER BY rowid", (run_id,))
        return self._query(
            "SELECT step, epoch, name, value FROM run_metrics WHERE run_id = ? AND name = ? ORDER BY rowid", (run_id, name)
        )

    def mark_interrupted_runs(self, alive=None) -> list[str]:
        """Runs left "running" by a process that is gone become "interrupted"; returns their ids."""
        from .store import _now

        alive = alive or _pid_alive
        rows = self._query("SELECT id, pid FROM runs WHERE status = 'running'")
        gone = [run_id for run_id, pid in rows if pid is None or not alive(pid)]
        for run_id in gone:
            self._execute(
                "UPDATE runs SET status = 'interrupted', ended_at = ?, error = ? WHERE id = ? AND status = 'running'",
                (_now(), "the tutor process ended while this run was training", run_id),
            )
        return gone


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


RUNS_MIGRATION = """
CREATE TABLE runs (
    id                TEXT PRIMARY KEY,
    trainer           TEXT NOT NULL,
    experiment_id     TEXT,
    backend           TEXT NOT NULL,
    status            TEXT NOT NULL,
    framework         TEXT,
    framework_version TEXT,
    device            TEXT,
    config            TEXT NOT NULL,
    summary           TEXT,
    peak_memory_bytes INTEGER,
    error             TEXT,
    pid               INTEGER,
    started_at        TEXT NOT NULL,
    ended_at          TEXT
);
CREATE INDEX runs_by_status ON runs (status);

CREATE TABLE run_metrics (
    run_id TEXT NOT NULL REFERENCES runs (id),
    step   INTEGER NOT NULL,
    epoch  REAL NOT NULL,
    name   TEXT NOT NULL,
    value  REAL NOT NULL,
    t      REAL NOT NULL
);
CREATE INDEX run_metrics_by_run ON run_metrics (run_id, name);
"""
