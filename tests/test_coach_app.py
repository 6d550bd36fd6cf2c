"""The coach in the app: a prediction committed, the experiment run for real, the gap explained."""

from __future__ import annotations

import time

from tutor.app import TutorApp
from tutor.course import load_tree
from tutor.store import Profile, Store
from tutor.widgets.question_card import QuestionCard


def make_app(tree_dir, home, lang="en") -> TutorApp:
    store = Store.open(home)
    store.save_profile(Profile("principles", "", 8, ["vision"], "from-scratch"))
    store.set_position(1, "devices")
    return TutorApp(load_tree(tree_dir), store, lang)


async def wait_for(pilot, condition, timeout=90.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.1)


def card_of(screen, qid) -> QuestionCard:
    return next(c for c in screen.query(QuestionCard) if c.question.id == qid)


def coach_text(card) -> str:
    return str(card.query_one(".q-coach").render())


async def test_predict_run_explain(mini_tree, home):
    app = make_app(mini_tree, home)
    async with app.run_test(size=(130, 44)) as pilot:
        await pilot.pause()
        screen = app.screen
        card = card_of(screen, "w01.acc")
        card.focus_answer()
        await pilot.press(*"85", "enter")
        await pilot.pause()
        assert "Prediction saved: 85 %" in coach_text(card) and "w01.quick" in coach_text(card)
        assert not card.wants_number  # waiting for the measurement
        # Run the experiment the question names, for real, on the CPU.
        screen.experiment_index = 2
        assert screen.experiment.id == "w01.quick"
        await pilot.press("escape", "r")
        run = app.runs.current
        await wait_for(pilot, lambda: run.summary is not None and "measured" in coach_text(card))
        measured = run.summary.final["test_acc"] * 100
        text = coach_text(card)
        assert "You predicted 85 %" in text and f"{measured:.3g} %" in text
        assert "Explain" in text or "What made you" in text
        assert screen.query_one("#chart").prediction == (0.85, "w01.acc")
        # Explain the gap: judged by the rubric.
        card.focus_answer()
        await pilot.press(*"the dataset is small, only 8x8 digits", "enter")
        await pilot.pause()
        assert "a small dataset" in coach_text(card)  # acknowledged by name
        assert "How many epochs" in coach_text(card)  # the probe for the missing idea
    store = Store.open(home)
    (prediction,) = store.predictions("w01.acc")
    assert prediction.value == 85 and prediction.run_id == run.id
    assert abs(prediction.measured - measured) < 1e-9
    roles = [t.role for t in store.turns("w01.acc")]
    assert roles == ["coach", "learner", "coach"]  # the comparison, the explanation, the probe
    assert store.due_count(app.today) == 0 and store.card("w01.acc") is not None


async def test_conversation_survives_a_relaunch(mini_tree, home):
    app = make_app(mini_tree, home)
    async with app.run_test(size=(130, 44)) as pilot:
        await pilot.pause()
        card = card_of(app.screen, "w01.pick")
        card.focus_answer()
        await pilot.press("enter")  # option a: wrong
        await pilot.pause()
        first = coach_text(card)
        assert first
    app2 = make_app(mini_tree, home)
    async with app2.run_test(size=(130, 44)) as pilot:
        await pilot.pause()
        card = card_of(app2.screen, "w01.pick")
        assert coach_text(card) == first and card.attempts == 1 and card.latest.correct is False


async def test_review_screen_asks_judges_and_reschedules(mini_tree, home):
    from datetime import timedelta

    from tutor.screens.review import ReviewScreen

    app = make_app(mini_tree, home)
    store = app.store
    yesterday = app.today - timedelta(days=1)
    store.ensure_card("w01.pick", yesterday - timedelta(days=1))  # answered two days ago: due yesterday
    store.ensure_card("w01.why", app.today)  # answered today: due tomorrow
    async with app.run_test(size=(130, 44)) as pilot:
        await pilot.press("h")
        await pilot.pause()
        assert "1 due for review (press v)" in str(app.screen.query_one("#home-progress").render())
        await pilot.press("v")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and len(screen.queue) == 1
        card = screen.query_one(QuestionCard)
        assert card.question.id == "w01.pick"
        await pilot.press("down", "enter")  # b, the right answer
        await pilot.pause()
        assert "box 2" in str(screen.query_one("#review-info").render())
        await pilot.press("n")
        await pilot.pause()
        assert "done" in str(screen.query_one("#review-info").render())
    card = Store.open(home).card("w01.pick")
    assert card.box == 2 and card.due == app.today + timedelta(days=3)


async def test_local_model_rewords_the_move_and_falls_back(mini_tree, home, monkeypatch):
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    replies = ["How many epochs did your run get, and is that a lot?", "An MLP learns the small set fast. How many epochs?"]
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append(body)
            text = replies[min(len(seen) - 1, len(replies) - 1)]
            data = json.dumps({"choices": [{"message": {"role": "assistant", "content": text}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("TUTOR_LLM_URL", f"http://127.0.0.1:{server.server_port}/v1")
    monkeypatch.setenv("TUTOR_LLM_TIMEOUT", "5")
    try:
        app = make_app(mini_tree, home)
        app.store.record_prediction("w01.acc", 90, "%")
        prediction = app.store.predictions("w01.acc")[0]
        app.store.attach_measurement(prediction.id, None, 96.0)
        async with app.run_test(size=(130, 44)) as pilot:
            await pilot.pause()
            card = card_of(app.screen, "w01.acc")
            assert not card.wants_number  # measured: the card takes the explanation
            card.focus_answer()
            await pilot.press(*"small dataset", "enter")
            await wait_for(pilot, lambda: "local model" in coach_text(card), timeout=10)
            assert replies[0] in coach_text(card)
            # The second reply gives the model answer away: the authored move stays.
            card.focus_answer()
            await pilot.press(*"it is about the optimizer", "enter")
            await pilot.pause(1.0)
            assert len(seen) == 2 and "local model" not in coach_text(card)
    finally:
        server.shutdown()
    # The model was never shown the withheld explanation.
    assert all("An MLP learns the small set fast" not in json.dumps(body) for body in seen)


def test_a_measure_the_run_did_not_take_is_said_plainly(tmp_path):
    from tutor.coach.session import Conversation

    tree = load_tree()
    question = tree.question("w01.tiny-model-ratio")  # needs a GPU beside the CPU
    store = Store.open(tmp_path)
    conversation = Conversation(question, store, "en")
    conversation.predict("3", 3.0)
    reply = conversation.measured({"final": {"cpu_step_ms_c4": 2.5}, "status": "finished"}, "run-1")
    assert reply.kind == "unmeasured" and "small_step_gpu_over_cpu" in reply.text and "Mac" in reply.text
    assert conversation.awaiting_measurement  # still waiting for a run that measures it
    reply = conversation.measured({"final": {"small_step_gpu_over_cpu": 1.5}}, "run-2")
    assert reply.kind == "compared" and "off by 2.0×" in reply.text


def test_checkpoint_counts_passes_not_attempts(tmp_path):
    from tutor.coach.session import Conversation
    from tutor.report import checkpoint_missing, passed

    tree = load_tree()
    week = tree.week(1)
    store = Store.open(tmp_path)
    assert checkpoint_missing(week, store) == week.checkpoint.questions
    open_q = tree.question("w01.unified-memory")
    talk = Conversation(open_q, store, "en")
    talk.answer("the GPU reads the same memory pool")  # one idea of four: not a pass
    assert not passed(open_q, store)
    talk.answer("I give up")  # revealed, still not a pass
    assert not passed(open_q, store)
    talk.answer(
        "With a separate card everything must fit in its VRAM, 24 GB; what doesn't fit is offloaded over PCIe, "
        "a slow copy every step. On the Mac the GPU uses the same memory pool as the CPU, no copies, "
        "up to the working set of about 75% of RAM, and it does not make training faster."
    )
    assert passed(open_q, store)
    choice = next(q for q in week.questions() if q.kind == "choice")
    wrong = next(o.id for o in choice.options if o.id != choice.answer)
    Conversation(choice, store, "en").answer(f"{wrong})", choice=wrong)
    assert not passed(choice, store)
    Conversation(choice, store, "en").answer(f"{choice.answer})", choice=choice.answer)
    assert passed(choice, store)
    assert open_q.id not in checkpoint_missing(week, store)
