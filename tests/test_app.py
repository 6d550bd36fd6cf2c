"""The app driven by Textual's pilot: onboarding, navigation, answering, relaunching."""

from __future__ import annotations

from datetime import date

from textual.widgets import Input, OptionList

from tutor.app import TutorApp
from tutor.course import load_tree
from tutor.screens.help import HelpScreen
from tutor.screens.home import HomeScreen
from tutor.screens.lesson import LessonScreen
from tutor.screens.onboarding import OnboardingScreen
from tutor.screens.plan import PlanScreen
from tutor.store import Profile, Store
from tutor.widgets.question_card import QuestionCard, parse_number

TODAY = date(2026, 12, 3)
SIZE = (120, 40)


def make_app(tree_dir, home, lang="en", profile=True) -> TutorApp:
    store = Store.open(home)
    if profile:
        store.save_profile(Profile("principles", "", 8, ["vision"], "from-scratch", started_on=TODAY))
    return TutorApp(load_tree(tree_dir), store, lang, today=TODAY)


def body_text(screen) -> str:
    return screen.query_one("#body").source


async def test_first_launch_onboarding_saves_profile(mini_tree, home):
    app = make_app(mini_tree, home, profile=False)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, OnboardingScreen)
        screen = app.screen
        screen.query_one("#goal-detail", Input).value = "识别鸟叫"
        screen.query_one("#hours", Input).value = "5"
        # No direction chosen yet: saving is refused with a message.
        screen.query_one("#save").press()
        await pilot.pause()
        assert isinstance(app.screen, OnboardingScreen)
        assert "direction" in str(screen.query_one("#onb-error").render())
        directions = screen.query_one("#direction")
        directions.focus()
        await pilot.press("down", "down", "down", "space")  # audio
        screen.query_one("#save").press()
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
    profile = Store.open(home).get_profile()
    assert profile.hours_per_week == 5 and profile.direction == ("audio",) and profile.goal_detail == "识别鸟叫"
    assert profile.depth == "from-scratch" and profile.started_on == TODAY


async def test_onboarding_switches_language_and_keeps_input(mini_tree, home):
    app = make_app(mini_tree, home, profile=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        screen.query_one("#goal-detail", Input).value = "keep me"
        screen.query_one("#goal").focus()
        await pilot.press("l")
        assert str(screen.query_one("#label-hours").render()) == "每周能投入几小时？"
        assert screen.query_one("#goal-detail", Input).value == "keep me"


async def test_navigate_answer_quit_and_relaunch(mini_tree, home):
    app = make_app(mini_tree, home)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("enter")  # week 1 is highlighted
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        assert "English text." in body_text(screen)
        await pilot.press("a")  # first unanswered question
        card = screen.query_one(QuestionCard)
        assert card.question.id == "w01.why" and card.has_focus_within
        await pilot.press(*"because the GPU can read it directly", "enter")
        await pilot.pause()
        assert card.latest is not None and card.latest.text == "because the GPU can read it directly"
        assert card.query_one(Input).value == ""
        await pilot.press("escape", "n")  # next lesson: devices
        await pilot.pause()
        assert screen.lesson.slug == "devices"
    # Relaunch: back on the devices lesson, the answer kept.
    app2 = make_app(mini_tree, home, profile=False)
    async with app2.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app2.screen
        assert isinstance(screen, LessonScreen) and screen.lesson.slug == "devices"
        await pilot.press("b")
        await pilot.pause()
        card = screen.query(QuestionCard).first()
        assert card.latest.text == "because the GPU can read it directly" and card.attempts == 1
        assert "Because." in str(card.query_one(".q-coach").render())


async def test_prediction_needs_a_number(mini_tree, home):
    app = make_app(mini_tree, home)
    async with app.run_test(size=SIZE) as pilot:
        app.open_week(1)
        await pilot.pause()
        card = app.screen.query(QuestionCard)[1]
        assert card.question.kind == "predict"
        card.focus_answer()
        await pilot.press(*"lots", "enter")
        await pilot.pause()
        assert card.latest is None and "number" in str(card.query_one(".q-status").render())
        await pilot.press("ctrl+a", "ctrl+k", *"约 13.5 GB", "enter")
        await pilot.pause()
        assert card.latest.value == 13.5 and card.latest.unit == "GB"


async def test_choice_and_checkpoint_finish_week(mini_tree, home):
    app = make_app(mini_tree, home)
    async with app.run_test(size=SIZE) as pilot:
        app.open_week(1)
        await pilot.pause()
        await pilot.press("d")  # nothing answered: refused
        await pilot.pause()
        assert app.store.weeks_done() == set()
        await pilot.press("a", *"why answer", "enter", "escape", "n")
        await pilot.pause()
        screen = app.screen
        card = screen.query_one(QuestionCard)
        assert card.question.id == "w01.pick"
        card.focus_answer()
        await pilot.press("down", "enter")  # option b, the right one
        await pilot.pause()
        assert card.latest.choice == "b" and card.latest.correct is True
        assert "Press d to finish" in str(screen.query_one("#checkpoint").render())
        await pilot.press("escape", "d")
        await pilot.pause()
        assert app.store.weeks_done() == {1}


async def test_week_keys_jump_and_unwritten_week(mini_tree, home):
    app = make_app(mini_tree, home)
    async with app.run_test(size=SIZE) as pilot:
        app.open_week(1)
        await pilot.pause()
        await pilot.press("right_square_bracket")
        await pilot.pause()
        screen = app.screen
        assert screen.week_number == 2 and screen.lesson is None
        assert "still being written" in body_text(screen)
        await pilot.press("g", "1", "enter")
        await pilot.pause()
        assert app.screen.week_number == 1 and app.screen.index == 0
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


async def test_help_lists_every_binding_and_plan_opens(mini_tree, home):
    app = make_app(mini_tree, home)
    async with app.run_test(size=SIZE) as pilot:
        app.open_week(1)
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        from rich.console import Console

        console = Console(record=True, width=100)
        console.print(app.screen._table())
        listed = console.export_text()
        from tutor.i18n import t
        from tutor.keys import KEYS

        for k in KEYS.values():
            if k.id.startswith(("app.", "lesson.")) and k.id != "lesson.text":
                assert t(k.label, "en") in listed, k.id
        await pilot.press("escape", "p")
        await pilot.pause()
        assert isinstance(app.screen, PlanScreen)
        assert "2026-12-03 → 2026-12-08" in str(app.screen.query_one("#plan-text").render())


async def test_language_toggle_relabels_and_is_remembered(mini_tree, home):
    app = make_app(mini_tree, home)
    async with app.run_test(size=SIZE) as pilot:
        app.open_week(1)
        await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        assert app.lang == "zh"
        assert "中文正文" in body_text(app.screen)
        assert "下一课" in str(app.screen.query_one("KeyBar").render())
    assert Store.open(home).get_setting("lang") == "zh"


async def test_home_week_list_shows_progress(mini_tree, home):
    app = make_app(mini_tree, home)
    app.store.record_answer("w01.why", "open", "x", "en")
    async with app.run_test(size=SIZE):
        weeks = app.screen.query_one("#weeks", OptionList)
        prompts = [str(weeks.get_option_at_index(i).prompt) for i in range(weeks.option_count)]
        assert any("W01" in p and "1/4" in p for p in prompts)
        assert any("★ W02" in p for p in prompts)  # vision matches the profile's direction


def test_parse_number():
    assert parse_number("13") == 13
    assert parse_number(" ~1.5e3 s") == 1500
    assert parse_number("１３ GB") == 13
    assert parse_number("1,024") == 1024
    assert parse_number("about 13") is None


async def test_command_palette_opens_a_week(mini_tree, home):
    app = make_app(mini_tree, home)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Open week 2")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen) and app.screen.week_number == 2


async def test_damaged_database_is_announced_in_the_app(mini_tree, home):
    home.mkdir(parents=True)
    (home / "tutor.db").write_bytes(b"\x00garbage" * 500)
    app = make_app(mini_tree, home, profile=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("tutor.db.corrupt-" in m for m in messages), messages
        assert isinstance(app.screen, OnboardingScreen)  # a fresh start, the old file kept
    assert len(list(home.glob("tutor.db.corrupt-*"))) == 1


async def test_a_position_from_another_lesson_tree_starts_at_home(mini_tree, home):
    app = make_app(mini_tree, home)
    app.store.set_position(12, "policy-gradients")  # the mini tree has two weeks
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
