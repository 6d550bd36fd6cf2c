"""The first questions, the learner's own: goal, time, direction, depth.

They come from the closing questions of the outline the learner was first given, and
they shape the plan: hours per week set the dates, direction marks the weeks to lean
into, depth says how to work through each week. Changeable later with the profile key.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, SelectionList, Static

from ..i18n import t
from ..widgets.keybar import KeyBar

GOALS = ("principles", "apply")
DIRECTIONS = ("vision", "language", "control", "audio")
DEPTHS = ("use-apis", "from-scratch", "reproduce-research")


class OnboardingScreen(Screen[bool]):
    """Dismisses with True once a profile is saved, False when left without saving."""

    BINDINGS = [("escape", "leave", "")]

    def compose(self) -> ComposeResult:
        p = self.app.store.get_profile()
        with VerticalScroll(id="onboarding"):
            yield Static(id="onb-title", classes="title")
            yield Label(id="label-goal")
            with RadioSet(id="goal"):
                for g in GOALS:
                    yield RadioButton(value=(p.goal == g) if p else g == GOALS[0], id=f"goal-{g}")
            yield Label(id="label-goal-detail")
            yield Input(p.goal_detail if p else "", id="goal-detail")
            yield Label(id="label-hours")
            yield Input(f"{p.hours_per_week:g}" if p else "8", id="hours", type="number")
            yield Label(id="label-direction")
            chosen = set(p.direction) if p else set()
            yield SelectionList[str](*[(d, d, d in chosen) for d in DIRECTIONS], id="direction")
            yield Label(id="label-depth")
            with RadioSet(id="depth"):
                for d in DEPTHS:
                    yield RadioButton(value=(p.depth == d) if p else d == DEPTHS[1], id=f"depth-{d}")
            with Horizontal(classes="buttons"):
                yield Button("", id="save", variant="primary")
            yield Static(id="onb-error", classes="error")
        yield KeyBar()

    def apply_lang(self) -> None:
        """Label everything in the app's language; what was typed or chosen stays."""
        lang = self.app.lang
        self.query_one("#onb-title", Static).update(f"[b]{t('onb.title', lang)}[/b]")
        for label_id, key in (
            ("goal", "onb.goal"),
            ("goal-detail", "onb.goal_detail"),
            ("hours", "onb.hours"),
            ("direction", "onb.direction"),
            ("depth", "onb.depth"),
        ):
            self.query_one(f"#label-{label_id}", Label).update(t(key, lang))
        for g in GOALS:
            self.query_one(f"#goal-{g}", RadioButton).label = t(f"onb.goal.{g}", lang)
        for d in DEPTHS:
            self.query_one(f"#depth-{d}", RadioButton).label = t(f"depth.{d}", lang)
        directions = self.query_one("#direction", SelectionList)
        chosen = set(directions.selected)
        highlighted = directions.highlighted
        directions.clear_options()
        directions.add_options([(t(f"dir.{d}", lang), d, d in chosen) for d in DIRECTIONS])
        directions.highlighted = highlighted
        self.query_one("#save", Button).label = t("onb.save", lang)

    def on_mount(self) -> None:
        self.apply_lang()
        self.query_one("#goal").focus()

    def _pressed(self, radio_id: str, choices: tuple[str, ...]) -> str:
        pressed = self.query_one(f"#{radio_id}", RadioSet).pressed_button
        return pressed.id.removeprefix(f"{radio_id}-") if pressed and pressed.id else choices[0]

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.save()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.focus_next()

    def save(self) -> None:
        from ..store import Profile

        lang = self.app.lang
        error = self.query_one("#onb-error", Static)
        try:
            hours = float(self.query_one("#hours", Input).value)
        except ValueError:
            hours = 0
        if not 1 <= hours <= 80:
            error.update(t("onb.bad_hours", lang))
            self.query_one("#hours").focus()
            return
        direction = list(self.query_one("#direction", SelectionList).selected)
        if not direction:
            error.update(t("onb.need_direction", lang))
            self.query_one("#direction").focus()
            return
        old = self.app.store.get_profile()
        profile = Profile(
            goal=self._pressed("goal", GOALS),
            goal_detail=self.query_one("#goal-detail", Input).value.strip(),
            hours_per_week=hours,
            direction=[d for d in DIRECTIONS if d in direction],
            depth=self._pressed("depth", DEPTHS),
            started_on=old.started_on if old else self.app.today,
        )
        self.app.store.save_profile(profile)
        self.app.notify(t("onb.saved", lang))
        self.dismiss(True)

    def action_leave(self) -> None:
        if self.app.store.get_profile() is not None:
            self.dismiss(False)

