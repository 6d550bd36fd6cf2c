"""The run manager: a trainer in a background thread, its events in a queue, its record in the store.

The training thread only ever puts events on a queue (cheap, thread-safe) and, about
once a second, writes the metric points gathered so far to the store. The UI (or the
`tutor train` progress bar) drains the queue a few times a second and draws what it
finds. Whatever the trainer does, crash, run out of memory, or stop on request, the
run ends with a `Summary` in the store and a final `Status` on the queue; nothing
escapes the thread.

No Textual here: the app and the shell share this code.
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime

from trainers.api import Event, Log, Metric, Status, Summary, TrainConfig, TrainerError

FLUSH_SECONDS = 1.0
_counter = itertools.count(1)


class RunError(Exception):
    """A run that cannot start: unknown trainer, bad setting. The message says what to do."""


def make_config(trainer: str, overrides: dict) -> TrainConfig:
    """The trainer's config with `overrides` applied and checked, or RunError naming the problem."""
    from pydantic import ValidationError

    from trainers.registry import UnknownTrainer, config_class

    try:
        cls = config_class(trainer)
    except UnknownTrainer as e:
        raise RunError(str(e.args[0] if e.args else e)) from None
    unknown = sorted(set(overrides) - set(cls.model_fields))
    if unknown:
        raise RunError(f"{trainer} has no setting {', '.join(unknown)}; its settings are: {', '.join(cls.model_fields)}")
    try:
        return cls(**overrides)
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors())
        raise RunError(f"bad setting for {trainer}: {problems}") from None


def check_experiment(trainer: str, overrides: dict) -> tuple[str, str]:
    """For the lesson loader: ("ok", ""), ("pending", why) for a trainer not written
    yet, or ("bad", why) for a setting the trainer does not have or a bad value."""
    from trainers.registry import names

    if trainer not in names():
        return "pending", f"unknown trainer {trainer!r}"
    try:
        make_config(trainer, overrides)
    except RunError as e:
        return "bad", str(e)
    return "ok", ""


def eta_seconds(elapsed: float, epoch: float, epochs: int, step: int = 0, max_steps: int = 0) -> float | None:
    """Time left from the fraction done so far: epochs, or steps when capped."""
    fractions = [epoch / epochs if epochs else 0.0]
    if max_steps:
        fractions.append(step / max_steps)
    done = max(fractions)
    if done <= 0 or elapsed <= 0:
        return None
    return max(0.0, elapsed * (1 - done) / done)


def explain_failure(exc: BaseException) -> str:
    """A message a learner can act on, for the panel and the store."""
    if isinstance(exc, TrainerError):
        return str(exc)
    text = f"{type(exc).__name__}: {exc}"
    lowered = str(exc).lower()
    if isinstance(exc, MemoryError) or "out of memory" in lowered or "insufficient memory" in lowered:
        return (
            f"out of memory: {exc}. Try a smaller batch_size or model, close other apps, "
            "or (MLX) lower the memory limit; your earlier runs and answers are safe."
        )
    return text


@dataclass
class Run:
    """One training run in flight. `events()` drains what the trainer has said so far."""

    id: str
    trainer: str
    config: TrainConfig
    experiment_id: str | None
    stop: threading.Event = field(default_factory=threading.Event)
    summary: Summary | None = None
    started: float = field(default_factory=time.monotonic)
    _queue: queue.SimpleQueue = field(default_factory=queue.SimpleQueue)
    _thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def events(self, limit: int = 10_000) -> list[Event]:
        out = []
        try:
            while len(out) < limit:
                out.append(self._queue.get_nowait())
        except queue.Empty:
            pass
        return out

    def request_stop(self) -> None:
        self.stop.set()

    def join(self, timeout: float | None = None) -> Summary | None:
        if self._thread is not None:
            self._thread.join(timeout)
        return self.summary


def process_rss() -> int | None:
    """This process's resident memory (about 50 µs with psutil); None when unreadable."""
    try:
        import psutil

        return psutil.Process().memory_info().rss
    except Exception:
        return None


class RunManager:
    """Starts runs and records them. One run at a time per manager: the learner watches one chart."""

    def __init__(self, store, rss=None):
        self.store = store
        self.rss = rss or process_rss  # sampled at each flush for the run's peak
        self.current: Run | None = None

    def start(self, trainer: str, overrides: dict | None = None, experiment_id: str | None = None) -> Run:
        if self.current is not None and self.current.running:
            raise RunError(f"a run is already training ({self.current.id}); stop it first")
        config = make_config(trainer, dict(overrides or {}))
        run_id = f"{trainer}-{datetime.now():%Y%m%d-%H%M%S}-{next(_counter)}"
        run = Run(run_id, trainer, config, experiment_id)
        self.store.begin_run(run_id, trainer, config.backend, config.model_dump(), experiment_id)
        run._thread = threading.Thread(target=self._work, args=(run,), name=f"run:{run_id}", daemon=True)
        self.current = run
        run._thread.start()
        return run

    def _work(self, run: Run) -> None:
        """The training thread. Never raises: every ending becomes a summary."""
        pending: list[tuple] = []
        last_flush = time.monotonic()
        peak = 0

        def emit(event: Event) -> None:
            nonlocal last_flush
            run._queue.put(event)
            if isinstance(event, Metric):
                pending.append((event.step, event.epoch, event.name, event.value, event.wall - run.started))
                now = time.monotonic()
                if now - last_flush >= FLUSH_SECONDS:
                    flush()
                    last_flush = now

        def flush() -> None:
            nonlocal peak
            batch = pending[:]
            pending.clear()
            try:
                self.store.add_metrics(run.id, batch)
            except Exception as e:  # the chart still has the points; say so once
                run._queue.put(Log(run.id, f"could not save metrics: {e}"))
            peak = max(peak, self.rss() or 0)

        emit(Status(run.id, "starting", f"{run.trainer} on {run.config.backend}"))
        try:
            from trainers.registry import load

            train = load(run.trainer, run.config.backend)
            summary = train(run.config, emit, run.stop)
            summary = summary.model_copy(update={"run": run.id})
        except BaseException as exc:  # noqa: BLE001 - one failing run never takes the app down
            detail = explain_failure(exc)
            if not isinstance(exc, TrainerError):
                run._queue.put(Log(run.id, "".join(traceback.format_exception(exc)).rstrip()))
            summary = Summary(
                run=run.id,
                trainer=run.trainer,
                status="failed",
                framework=run.config.backend,
                framework_version="",
                device="",
                wall_seconds=time.monotonic() - run.started,
                error=detail,
                config=run.config.model_dump(),
            )
        flush()
        summary = summary.model_copy(update={"process_peak_rss_bytes": peak or None})
        peak_bytes = summary.peak_memory_bytes or summary.process_peak_rss_bytes
        try:
            self.store.finish_run(run.id, summary.model_dump(), peak_bytes)
        except Exception as e:
            run._queue.put(Log(run.id, f"could not save the run's summary: {e}"))
        run.summary = summary
        run._queue.put(Status(run.id, summary.status, summary.error or ""))
