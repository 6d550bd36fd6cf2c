"""The stop check every trainer's tests share: stop after the first loss, time the return."""

from __future__ import annotations

import threading
import time

from trainers.api import Metric


def stop_after_first_loss(train, config, timeout: float = 60.0):
    """Run `train(config, emit, stop)` in a thread, set `stop` once the first train_loss
    arrives, and return (summary, events, seconds from stop to return)."""
    stop, first = threading.Event(), threading.Event()
    events: list = []

    def emit(event):
        events.append(event)
        if isinstance(event, Metric) and event.name == "train_loss":
            first.set()

    result: dict = {}

    def run():
        result["summary"] = train(config, emit, stop)
        result["returned"] = time.perf_counter()

    thread = threading.Thread(target=run)
    thread.start()
    assert first.wait(timeout), "no train_loss arrived"
    stopped_at = time.perf_counter()
    stop.set()
    thread.join(30)
    assert not thread.is_alive(), "the trainer ignored stop"
    return result["summary"], events, result["returned"] - stopped_at
