"""The live chart: loss and accuracy of the current run, and the previous run beside it.

The chart never hears from the training thread directly. A timer it owns drains the
run's queue four times a second, appends the points to short series (at most a few
hundred points each, thinned evenly so the curve keeps its shape), and redraws once.
Measured here (FACTS.md): a plotext figure of 100 points costs ~35 ms and one of
10,000 ~260 ms on the UI thread, and a message per point froze the keys for 0.7 s.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from textual.message import Message
from textual_plotext import PlotextPlot

from trainers.api import Log, Metric, Status

from ..i18n import t

MAX_POINTS = 300
DRAIN_HZ = 4
# Drawing shares the GIL with the training thread: keep it under this share of wall time.
DRAW_BUDGET = 0.02
LOSS_SERIES = ("train_loss", "val_loss")
ACC_SERIES = ("val_acc",)
SHORT_NAMES = {"train_loss": "train", "val_loss": "val", "val_acc": "acc→"}


@dataclass
class Series:
    """Points of one curve, at most `limit` (+1) of them, evenly thinned.

    Point number i is kept when i is a multiple of `stride`; when the list is full,
    every other kept point goes and the stride doubles, so the kept points stay evenly
    spaced and the curve keeps its shape. The newest point is always drawn too.
    """

    limit: int = MAX_POINTS
    xs: list[float] = field(default_factory=list)
    ys: list[float] = field(default_factory=list)
    stride: int = 1
    tail: tuple[float, float] | None = None
    _seen: int = 0

    def add(self, x: float, y: float) -> None:
        i = self._seen
        self._seen += 1
        if i % self.stride:
            self.tail = (x, y)
            return
        self.tail = None
        self.xs.append(x)
        self.ys.append(y)
        if len(self.xs) > self.limit:
            self.xs, self.ys = self.xs[::2], self.ys[::2]
            self.stride *= 2

    def points(self) -> tuple[list[float], list[float]]:
        if self.tail is None:
            return self.xs, self.ys
        return self.xs + [self.tail[0]], self.ys + [self.tail[1]]

    def last(self) -> tuple[float, float] | None:
        if self.tail is not None:
            return self.tail
        return (self.xs[-1], self.ys[-1]) if self.xs else None

    def __len__(self) -> int:
        return len(self.xs) + (self.tail is not None)


class RunChart(PlotextPlot):
    """Plots one run's metrics as they arrive; keeps the previous run for comparison."""

    @dataclass
    class RunEvent(Message):
        """Status and log events, passed up to the lab panel after each drain."""

        events: list

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.run = None
        self.series: dict[str, Series] = {}
        self.previous: dict[str, Series] = {}
        self.previous_label = ""
        self.label = ""
        self.last_epoch = 0.0
        self.draws = 0
        self.draw_seconds = 0.0  # time spent building figures, for the budget and the bench
        self._next_draw = 0.0
        self._dirty = False
        self.prediction: tuple[float, str] | None = None  # (value on the accuracy axis, label)

    def on_mount(self) -> None:
        super().on_mount()
        self.set_interval(1 / DRAIN_HZ, self.drain, name="drain-run-events")
        self.redraw()

    def watch(self, run, label: str) -> None:
        """Follow a new run; the one before stays on the chart, dimmed."""
        if self.series:
            self.previous, self.previous_label = self.series, self.label
        self.run, self.label, self.series = run, label, {}
        self.last_epoch = 0.0
        self.prediction = None
        self.redraw()

    def show_prediction(self, question, prediction) -> None:
        """Draw the learner's predicted accuracy as a line beside the measured curve."""
        measure = (question.measure or "").removeprefix("final.")
        if prediction is None or not measure.endswith("acc"):
            return
        value = prediction.value / 100 if question.unit.strip() == "%" else prediction.value
        self.prediction = (value, question.id)
        self.redraw()

    def add_point(self, name: str, step: int, epoch: float, value: float) -> None:
        self.series.setdefault(name, Series()).add(step, value)
        self.last_epoch = max(self.last_epoch, epoch)

    def drain(self) -> None:
        """Take what the run said since last time; redraw if the budget allows."""
        if self.run is None:
            return
        others = []
        for event in self.run.events():
            if isinstance(event, Metric):
                self.add_point(event.name, event.step, event.epoch, event.value)
                self._dirty = True
            elif isinstance(event, (Status, Log)):
                others.append(event)
        ended = any(isinstance(e, Status) and e.state in ("finished", "stopped", "failed") for e in others)
        if self._dirty and (ended or time.monotonic() >= self._next_draw):
            self.redraw()
        if others:
            self.post_message(self.RunEvent(others))

    def redraw(self) -> None:
        """Set the figure's data; the figure itself is built when Textual renders it."""
        self._draw()
        self._dirty = False
        self.refresh()

    def render(self):
        # plotext builds the whole figure here, on the UI thread: time it, and space the
        # next redraw so drawing stays within DRAW_BUDGET of wall time (a 40 ms figure
        # waits 2 s before the next one; a 10 ms figure, 0.5 s).
        started = time.monotonic()
        result = super().render()
        cost = time.monotonic() - started
        self.draw_seconds += cost
        self._next_draw = started + max(1 / DRAIN_HZ, cost / DRAW_BUDGET)
        return result

    def _draw(self) -> None:
        lang = getattr(self.app, "lang", "en")
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        if self.series and not any(name in self.series for name in LOSS_SERIES + ACC_SERIES):
            drew = self._draw_measurements(lang)
        else:
            drew = self._draw_training(lang)
        if not drew:
            plt.text(t("lab.no_data", lang), x=0, y=0)
        self.draws += 1

    def _draw_training(self, lang: str) -> bool:
        """Loss on the left axis, accuracy on the right, against the step."""
        plt = self.plt
        plt.title(t("lab.chart_title", lang))
        plt.xlabel(t("lab.step", lang))
        drew = False
        # With a previous run on the chart, each line names its run; alone, just the series.
        comparing = bool(self.previous)
        runs = ((self.previous, self.previous_label, ("gray", "gray", "gray")), (self.series, self.label, ("cyan", "orange", "green")))
        for source, tag, colors in runs:
            for name, color in zip(LOSS_SERIES + ACC_SERIES, colors):
                s = source.get(name)
                if s is None or len(s) == 0:
                    continue
                side = "right" if name in ACC_SERIES else "left"
                marker = "dot" if source is self.previous else "braille"
                short = SHORT_NAMES[name]
                xs, ys = s.points()
                plt.plot(xs, ys, label=f"{tag} {short}" if comparing else short, color=color, yside=side, marker=marker)
                drew = True
        if drew and self.prediction is not None:
            plt.hline(self.prediction[0], color="magenta", yside="right")
            plt.text(t("lab.your_prediction", lang), x=0, y=self.prediction[0], color="magenta", yside="right")
        return drew

    def _draw_measurements(self, lang: str) -> bool:
        """A bench's series (GFLOP/s by size, ms per step by width): one line each,
        rates on the left axis and times ("… ms") on the right."""
        plt = self.plt
        plt.title(t("lab.bench_title", lang))
        plt.xlabel(t("lab.size", lang))
        colors = ("cyan", "orange", "green", "magenta", "blue", "red")
        runs = [(self.series, self.label)]
        if self.previous and not any(name in self.previous for name in LOSS_SERIES):
            runs.insert(0, (self.previous, self.previous_label))
        i = 0
        for source, tag in runs:
            for name, s in source.items():
                if name == "samples_per_s" or len(s) == 0:
                    continue
                xs, ys = s.points()
                side = "right" if name.endswith(" ms") else "left"
                plt.plot(xs, ys, label=f"{tag} {name}", color=colors[i % len(colors)], yside=side, marker="braille")
                i += 1
        return i > 0
