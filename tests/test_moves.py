"""The coach's policy: one Socratic move per turn, from first answer to reveal."""

from __future__ import annotations

import itertools

import pytest

from tutor.coach import Move, Turn, judge, next_move
from tutor.coach.moves import KINDS, PHRASES, join_names
from tutor.course import load_tree

from test_judge import RUBRIC, open_question

Q = open_question()
IDEAS = {k["id"]: k for k in RUBRIC["key_ideas"]}
HINTS = RUBRIC["hints"]


def name(idea: str, lang: str = "zh") -> str:
    return IDEAS[idea]["name"][lang]


def probe(idea: str, lang: str = "zh") -> str:
    return IDEAS[idea]["probe"][lang]


class Conversation:
    """Plays answers through judge and next_move the way the app does."""

    def __init__(self, question=Q, lang: str = "zh"):
        self.question, self.lang = question, lang
        self.history: list[Turn] = []

    def say(self, text: str, asked_hint: bool = False) -> Move:
        verdict = judge(self.question, text, self.lang)
        move = next_move(self.question, self.history, verdict, self.lang, asked_hint)
        assert move.kind in KINDS
        self.history.append(Turn.record(text, verdict, move, self.history))
        return move


# ------------------------------------------------------------------ one conversation, start to end


def test_partial_then_misses_climb_to_hints_then_reveal():
    c = Conversation()
    m = c.say("显存装不下")
    assert m.kind == "acknowledge-probe"
    assert name("capacity") in m.text and probe("transfer") in m.text
    assert (m.idea, m.covered, m.hint_level, m.revealed) == ("transfer", ("capacity",), 0, False)

    m = c.say("嗯，GPU 比较强？")  # a miss: nothing new
    assert m.kind == "acknowledge-probe"
    assert probe("transfer") in m.text and name("capacity") in m.text

    for rung in (1, 2, 3):  # the second miss in a row and every miss after it climbs a rung
        m = c.say("苹果的芯片好")
        assert (m.kind, m.hint_level, m.revealed) == ("hint", rung, False)
        assert HINTS["zh"][rung - 1] in m.text

    m = c.say("还是苹果的芯片好")
    assert m.kind == "reveal" and m.revealed
    assert "因为一池内存。" in m.text and name("capacity") in m.text


def test_a_new_idea_resets_the_streak():
    c = Conversation()
    c.say("显存装不下")
    c.say("不对吗")
    m = c.say("要经过 PCIe")  # new idea after one miss
    assert m.kind == "acknowledge-probe"
    assert probe("pool") in m.text
    m = c.say("是的")
    assert m.kind == "acknowledge-probe"  # one miss since the new idea: no hint yet
    assert c.say("就是这样").kind == "hint"


def test_off_topic_first_restates_the_question_then_probes():
    m = Conversation().say("苹果芯片很省电")
    assert m.kind == "acknowledge-probe"
    assert "统一内存为什么有帮助？" in m.text and probe("capacity") in m.text
    assert not m.revealed


def test_two_off_topic_answers_bring_the_first_hint():
    c = Conversation(lang="en")
    c.say("Apple chips are pretty")
    m = c.say("They are efficient")
    assert (m.kind, m.hint_level) == ("hint", 1)
    assert HINTS["en"][0] in m.text


# ------------------------------------------------------------------ giving up


def test_give_up_first_gets_a_hint_and_no_reveal():
    c = Conversation()
    m = c.say("不知道")
    assert (m.kind, m.hint_level, m.revealed) == ("hint", 1, False)
    assert HINTS["zh"][0] in m.text and PHRASES["attempt_unlocks"]["zh"] in m.text
    m = c.say("还是不知道")
    assert (m.kind, m.hint_level, m.revealed) == ("hint", 2, False)


def test_give_up_after_an_attempt_reveals():
    c = Conversation(lang="en")
    c.say("Apple chips are fast")
    m = c.say("I give up")
    assert m.kind == "reveal" and m.revealed
    assert "Because it is one pool." in m.text
    assert PHRASES["reveal_give_up"]["en"] in m.text


def test_blank_answers_never_count_as_attempts():
    c = Conversation()
    m = c.say("   ")
    assert m.kind == "acknowledge-probe" and not m.revealed
    assert probe("capacity") in m.text
    assert c.say("不知道").kind == "hint"  # still no attempt: no reveal


@pytest.mark.parametrize("steps", list(itertools.product(["", "不知道", "?", "HINT"], repeat=4)))
def test_never_reveal_without_a_substantive_attempt(steps):
    c = Conversation()
    for step in steps:
        m = c.say("", asked_hint=True) if step == "HINT" else c.say(step)
        assert not m.revealed and m.kind != "reveal", steps


# ------------------------------------------------------------------ asking for hints


def test_asked_hint_climbs_the_ladder():
    c = Conversation()
    levels = [c.say("", asked_hint=True).hint_level for _ in range(3)]
    assert levels == [1, 2, 3]
    m = c.say("", asked_hint=True)  # ladder used up, no attempt yet: last rung again
    assert (m.kind, m.hint_level, m.revealed) == ("hint", 3, False)
    assert PHRASES["attempt_unlocks"]["zh"] in m.text


def test_asked_hint_after_the_ladder_with_an_attempt_reveals():
    c = Conversation()
    c.say("显存装不下")
    for rung in (1, 2, 3):
        assert c.say("", asked_hint=True).hint_level == rung
    assert c.say("", asked_hint=True).kind == "reveal"


def test_asked_hint_with_an_answer_acknowledges_it():
    c = Conversation()
    m = c.say("要经过 PCIe", asked_hint=True)
    assert (m.kind, m.hint_level) == ("hint", 1)
    assert name("transfer") in m.text


def test_a_miss_after_the_ladder_is_used_up_reveals():
    c = Conversation()
    for _ in range(3):
        c.say("", asked_hint=True)
    m = c.say("苹果好")
    assert m.kind == "reveal"


# ------------------------------------------------------------------ correct, cumulative


def test_correct_closes_naming_the_ideas():
    m = Conversation().say("显存装不下要走 PCIe 拷贝，Mac 是同一块内存，有工作集上限")
    assert m.kind == "done" and not m.revealed
    for idea in IDEAS:
        assert name(idea) in m.text
    assert "因为一池内存。" in m.text  # the model answer, to compare with


def test_correct_with_an_idea_left_offers_it():
    m = Conversation(lang="en").say("It doesn't fit in VRAM, is copied over PCIe, and a Mac has one pool.")
    assert m.kind == "done"
    assert probe("limits", "en") in m.text


def test_coverage_accumulates_across_turns():
    c = Conversation()
    c.say("显存装不下")
    m = c.say("经过 PCIe 拷贝")
    assert name("capacity") in m.text and name("transfer") in m.text
    assert probe("pool") in m.text and probe("capacity") not in m.text
    assert m.covered == ("capacity", "transfer")
    m = c.say("Mac 上是同一块内存")  # 3 of 4 over three turns
    assert m.kind == "done"
    assert m.covered == ("capacity", "transfer", "pool")


def test_probe_asks_for_the_first_idea_missing_across_the_whole_history():
    c = Conversation()
    c.say("同一块内存")
    m = c.say("显存")
    assert m.idea == "transfer"


# ------------------------------------------------------------------ misconceptions


def test_misconception_is_challenged_with_its_probe():
    m = Conversation().say("统一内存训练更快")
    assert m.kind == "challenge" and m.idea == "faster"
    assert RUBRIC["misconceptions"][0]["probe"]["zh"] in m.text
    assert not m.revealed


def test_misconception_with_ideas_acknowledges_and_challenges():
    m = Conversation().say("显存装不下，而且统一内存训练更快")
    assert m.kind == "challenge"
    assert name("capacity") in m.text


def test_the_same_misconception_twice_gets_a_hint():
    c = Conversation()
    c.say("训练更快")
    m = c.say("就是训练更快")
    assert (m.kind, m.hint_level) == ("hint", 1)


# ------------------------------------------------------------------ language, records, other kinds


def test_moves_speak_the_requested_language():
    m = Conversation(lang="en").say("VRAM is the limit")
    assert name("capacity", "en") in m.text and probe("transfer", "en") in m.text
    verdict = judge(Q, "因为 PCIe 带宽 is low")
    assert verdict.lang == "mixed"
    m = next_move(Q, [], verdict, verdict.lang)
    assert name("transfer", "zh") in m.text  # mixed answers get Chinese


def test_turn_record_keeps_the_ladder_position():
    c = Conversation()
    c.say("", asked_hint=True)
    c.say("苹果好")
    assert [t.hints_shown for t in c.history] == [1, 1]
    assert c.history[0].move == "hint" and c.history[1].verdict == "off-topic"


def test_join_names():
    assert join_names(["甲"], "zh") == "甲"
    assert join_names(["甲", "乙", "丙"], "zh") == "甲、乙 和 丙"
    assert join_names(["a", "b", "c"], "en") == "a, b and c"


def test_choice_question_moves():
    lazy = load_tree().question("w01.lazy-timing")
    c = Conversation(lazy)
    assert c.say("不知道").kind == "hint"
    m = c.say("a")
    assert m.kind == "challenge" and not m.revealed
    m = c.say("c")
    assert m.kind == "reveal" and "b（" in m.text
    assert Conversation(lazy, "en").say("B").kind == "done"


def test_question_without_rubric_reveals_after_an_attempt():
    q = open_question(None)
    c = Conversation(q)
    assert c.say("不知道").kind == "hint"
    m = c.say("我猜是内存大")
    assert m.kind == "reveal" and "因为一池内存。" in m.text


def test_w01_conversation_in_english():
    q = load_tree().question("w01.unified-memory")
    c = Conversation(q, "en")
    m = c.say("The model doesn't fit in VRAM.")
    assert m.kind == "acknowledge-probe" and m.idea == "transfer-cost"
    assert q.rubric.key_ideas[0].name("en") in m.text
    assert q.rubric.key_ideas[1].probe("en") in m.text
    m = c.say("It gets copied over PCIe, and a Mac has one pool of memory.")
    assert m.kind == "done"
