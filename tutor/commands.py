"""Command-palette entries (ctrl+p) for everything the keys do, plus "open week N"."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from .i18n import t
from .keys import KEYS


class TutorCommands(Provider):
    def _commands(self):
        app = self.app
        lang = app.lang
        for key_id in ("app.help", "app.lang", "app.plan", "app.review", "app.profile", "app.jump", "app.outline", "app.quit"):
            k = KEYS[key_id]
            yield t(k.label, lang), partial(app.run_action, k.action), k.id
        yield t("key.home", lang), app.go_home, "lesson.home"
        for week in app.course.weeks:
            yield t("cmd.week", lang, n=week.number, title=week.info.title(lang)), partial(app.open_week, week.number), week.key

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(f"{name} {help_text}")
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
