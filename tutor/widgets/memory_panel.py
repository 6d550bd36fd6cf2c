"""Unified memory, sampled once a second in a thread so the UI never waits on it.

On a Mac a sample runs `vm_stat` and `sysctl` (a few ms); psutil alone costs
40-60 µs. Either way it happens off the UI thread, and the panel only draws text.
"""

from __future__ import annotations

from textual import work
from textual.widgets import Static

from ..i18n import t
from ..memory import MemoryMonitor, MemorySample, panel_lines

SAMPLE_SECONDS = 1.0


class MemoryPanel(Static):
    def __init__(self, monitor: MemoryMonitor, **kwargs):
        super().__init__(**kwargs)
        self.monitor = monitor
        self.last: MemorySample | None = None

    def on_mount(self) -> None:
        self.border_title = t("lesson.memory", self.app.lang)
        self.take_sample()
        self.set_interval(SAMPLE_SECONDS, self.take_sample, name="memory-sample")

    @work(thread=True, exclusive=True, group="memory", exit_on_error=False)
    def take_sample(self) -> None:
        sample = self.monitor.sample()  # never raises; unreadable fields are None
        self.app.call_from_thread(self.show, sample)

    def show(self, sample: MemorySample | None = None) -> None:
        if sample is not None:
            self.last = sample
        if self.last is None:
            return
        lang = self.app.lang
        self.border_title = t("lesson.memory", lang)
        self.update("\n".join(panel_lines(self.last, lang, self.monitor, width=max(20, self.size.width - 2))))
