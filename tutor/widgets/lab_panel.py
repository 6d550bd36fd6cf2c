"""The live lab: what is training, on which device, how fast, and the chart of it.

The panel follows the app's current run. It learns about the run only from the
chart's drained events (never from the training thread), and it reads the numbers
it shows from the metric series the chart keeps.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from trainers.api import Log, Status

from ..i18n import t
from ..runs import eta_seconds

ENDED = ("finished", "stopped", "failed")


class LabPanel(Vertical):
    @dataclass
    class RunEnded(Message):
        """The followed run is over; `summary` is what it recorded."""

        summary: object
        experiment_id: str | None

    DEFAULT_CSS = """
    LabPanel { height: 1fr; }
    LabPanel #lab-status { height: auto; }
    LabPanel RunChart { height: 1fr; min-height: 8; }
    LabPanel #lab-log { height: auto; max-height: 4; color: $text-muted; }
    LabPanel #lab-log.-error { color: $error; }
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.state = ""
        self.detail = ""
        self.last_log = ""

    def compose(self) -> ComposeResult:
        # The chart (plotext) is mounted with the first run: a lesson opened only to
        # read costs nothing for it (~25 ms of imports and a first figure).
        yield Static(id="lab-status")
        yield Static(id="lab-log")

    def on_mount(self) -> None:
        run = self.app.runs.current
        if run is not None:
            self.follow(run)
        self.show_status()

    @property
    def chart(self):
        from .run_chart import RunChart

        found = self.query(RunChart)
        if found:
            return found.first()
        chart = RunChart(id="chart")
        self.mount(chart, before=self.query_one("#lab-log"))
        return chart

    def follow(self, run) -> None:
        """Draw this run from now on; points it already saved are loaded first."""
        c = run.config
        self.chart.watch(run, f"{c.backend}·{c.device}")
        for step, epoch, name, value in self.app.store.run_metrics(run.id):
            self.chart.add_point(name, step, epoch, value)
        self.state = "running" if run.running else (run.summary.status if run.summary else "")
        self.detail = ""
        self.last_log = ""
        self.query_one("#lab-log").remove_class("-error")
        self.chart.redraw()
        self.show_status()

    def on_run_chart_run_event(self, event) -> None:
        for e in event.events:
            if isinstance(e, Status):
                self.state, self.detail = e.state, e.detail
                run = self.app.runs.current
                if e.state in ENDED and run is not None and run.id == e.run:
                    self.post_message(self.RunEnded(run.summary, run.experiment_id))
            elif isinstance(e, Log):
                self.last_log = e.message.splitlines()[-1] if e.message else ""
        self.show_status()

    def show_status(self) -> None:
        lang = self.app.lang
        self.border_title = t("lesson.lab", lang)
        status = self.query_one("#lab-status", Static)
        log = self.query_one("#lab-log", Static)
        run = self.app.runs.current
        if run is None:
            status.update(f"[dim]{t('lab.idle', lang)}[/dim]")
            log.update("")
            return
        c = run.config
        summary = run.summary
        # A run that trains on data names it; a bench (no dataset in its summary) does not.
        dataset = summary.dataset if summary is not None else c.dataset
        head = [f"[b]{escape(run.trainer)}[/b]", c.backend, *([dataset] if dataset else []), t("lab.state." + (self.state or "starting"), lang)]
        lines = [" · ".join(head)]
        if summary is not None:
            parts = [t("lab.device", lang, device=summary.device or "?")]
            if summary.samples_per_second:
                parts.append(t("lab.sps", lang, sps=f"{summary.samples_per_second:,.0f}"))
            parts.append(t("lab.seconds", lang, s=f"{summary.wall_seconds:.1f}"))
            lines.append(" · ".join(parts))
            final = "  ".join(f"{k} {v:.3g}" for k, v in summary.final.items())
            if final:
                lines.append(final)
        else:
            lines.append(self._progress_line(run, lang))
        status.update("\n".join(lines))
        if self.state == "failed":
            log.add_class("-error")
            log.update(escape(self.detail or self.last_log))
        else:
            log.remove_class("-error")
            log.update(escape(self.last_log))

    def _progress_line(self, run, lang: str) -> str:
        series = self.chart.series
        parts = []
        last_loss = series.get("train_loss")
        step = int(last_loss.last()[0]) if last_loss and len(last_loss) else 0
        epoch = self.chart.last_epoch
        c = run.config
        parts.append(t("lab.epoch", lang, epoch=f"{epoch:.1f}", epochs=c.epochs))
        sps = series.get("samples_per_s")
        if sps is not None and len(sps):
            parts.append(t("lab.sps", lang, sps=f"{sps.last()[1]:,.0f}"))
        eta = eta_seconds(time.monotonic() - run.started, epoch, c.epochs, step, c.max_steps)
        if eta is not None:
            parts.append(t("lab.eta", lang, s=f"{eta:.0f}"))
        return " · ".join(parts)
