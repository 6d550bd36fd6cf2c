"""The coach's side of the conversation: one Socratic move per learner turn.

`next_move` is a pure function of the question, the earlier turns and the judge's
verdict on the latest answer, so the whole policy can be read here and tested without
a screen. The learner asked to be made to think (引导我思考), so the coach asks rather
than tells: it names what the learner already has, asks the probe of the first idea
still missing, climbs the rubric's hint ladder only when they are stuck or ask, and
shows the explanation only after a real attempt.

Coverage is cumulative: an idea said in any turn counts for the whole conversation, so
a learner who builds the answer over three turns gets there, and is never asked again
about something they already said.

Texts come from the rubric's own zh/en strings plus the few fixed phrases in `PHRASES`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .judge import Verdict

KINDS = ("acknowledge-probe", "challenge", "hint", "reveal", "done")
# Turns that show the learner actually tried: only these unlock the explanation.
SUBSTANTIVE = ("correct", "partial", "misconception", "off-topic")

# The coach's own words, brief and warm; everything specific comes from the rubric.
PHRASES: dict[str, dict[str, str]] = {
    "ack": {"zh": "你已经说到了{names}。", "en": "You've got {names}."},
    "ack_earlier": {"zh": "你之前说到的{names}没错。", "en": "What you said earlier about {names} stands."},
    "no_new": {"zh": "这次没有新的要点，换个角度想想：", "en": "Nothing new this time. Try it from another angle:"},
    "next": {"zh": "再往前想一步：", "en": "Now take it one step further:"},
    "restate": {"zh": "这道题问的是：{prompt}", "en": "The question asks: {prompt}"},
    "start_here": {"zh": "先从这里想：", "en": "Start from here:"},
    "blank": {"zh": "还没看到你的回答。", "en": "I don't see an answer yet."},
    "challenge": {"zh": "先停一下，想想这个：", "en": "Hold on a moment. Think about this:"},
    "hint": {"zh": "提示 {n}/{total}：{hint}", "en": "Hint {n}/{total}: {hint}"},
    "attempt_unlocks": {
        "zh": "先试着写一句你的猜想，哪怕不确定也没关系。认真试过一次之后，我就给你看完整的解释。",
        "en": "Try writing one sentence with your best guess, even if you're unsure. "
        "After one honest attempt I'll show you the full explanation.",
    },
    "reveal_give_up": {"zh": "没关系，我们一起来看答案。", "en": "That's all right. Let's look at the answer together."},
    "reveal_ladder": {
        "zh": "你已经想了好几轮，来对照一下完整的解释。",
        "en": "You've worked at this for a while; here is the full explanation to compare with.",
    },
    "reveal_after": {
        "zh": "读完之后，用你自己的话说一说：哪一点是你之前没想到的？",
        "en": "Once you've read it, put it in your own words: which part hadn't you thought of?",
    },
    "done": {"zh": "说得好！你抓住了{names}。", "en": "Well reasoned! You've got {names}."},
    "done_plain": {"zh": "说得好！", "en": "Well reasoned!"},
    "done_more": {"zh": "还想再深入一步的话：{probe}", "en": "If you'd like to go one step further: {probe}"},
    "compare": {"zh": "对照一下参考解释：", "en": "Compare with the model answer:"},
    "key_points": {"zh": "要点：{names}。", "en": "The key points: {names}."},
    "choice_retry": {
        "zh": "你选了 {option}。再读一遍这个选项：它真能解释题目里发生的事吗？其他选项呢？",
        "en": "You chose {option}. Read it once more: does it really explain what the question describes? "
        "What about the others?",
    },
    "choice_pick": {
        "zh": "先选一个你觉得最有可能的选项，并说一句为什么。选错也没关系。",
        "en": "Pick the option you think most likely and say why in a sentence. A wrong pick is fine.",
    },
    "choice_right": {"zh": "对，是 {option}。", "en": "Right, it's {option}."},
    "choice_answer": {"zh": "答案是 {option}。", "en": "The answer is {option}."},
    "recorded": {"zh": "谢谢，你的回答记下了。", "en": "Thanks, your answer is recorded."},
}


def phrase(key: str, lang: str, **fields: str) -> str:
    return PHRASES[key][lang].format(**fields)


def join_names(names: Sequence[str], lang: str) -> str:
    """"A、B 和 C" / "A, B and C"."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    if lang == "zh":
        return "、".join(names[:-1]) + " 和 " + names[-1]
    return ", ".join(names[:-1]) + " and " + names[-1]


# ------------------------------------------------------------------ the data


@dataclass(frozen=True)
class Turn:
    """One learner turn and the coach's reply to it, as the conversation remembers it.

    `hints_shown` is the highest hint rung the learner had seen once the coach replied
    (the reply's own `hint_level` is enough: the ladder position is the maximum over
    the history). `move` is the kind of that reply.
    """

    text: str
    verdict: str
    covered: tuple[str, ...] = ()
    misconceptions: tuple[str, ...] = ()
    gave_up: bool = False
    hints_shown: int = 0
    move: str | None = None
    revealed: bool = False

    @classmethod
    def record(cls, text: str, verdict: Verdict, move: Move | None = None, history: Sequence[Turn] = ()) -> Turn:
        """The turn to append to `history` after `next_move` answered it."""
        shown = max([t.hints_shown for t in history] + [move.hint_level if move else 0])
        return cls(
            text=text,
            verdict=verdict.verdict,
            covered=verdict.covered,
            misconceptions=verdict.misconceptions,
            gave_up=verdict.gave_up,
            hints_shown=shown,
            move=move.kind if move else None,
            revealed=bool(move and move.revealed),
        )


@dataclass(frozen=True)
class Move:
    """What the coach says next.

    `hint_level` is the rung shown in this move (1-based, 0 for none); `revealed` is
    True when the move shows the explanation before the learner reached it. `idea` is
    the key idea probed or the misconception challenged; `covered` the conversation's
    cumulative coverage after this turn, in rubric order.
    """

    kind: str
    text: str
    hint_level: int = 0
    revealed: bool = False
    idea: str | None = None
    covered: tuple[str, ...] = ()


@dataclass(frozen=True)
class _State:
    """The conversation so far, as the policy needs it."""

    covered: tuple[str, ...]  # cumulative, rubric order, this turn included
    new: tuple[str, ...]  # covered for the first time in this turn
    earlier: tuple[str, ...]  # covered before this turn
    missing: tuple[str, ...]
    score: float
    hints_shown: int
    attempted_before: bool
    revealed_before: bool
    miss: bool  # a real attempt that added no idea
    streak: int  # consecutive misses, this turn included
    repeated_misconception: bool  # the misconception challenged last turn is back


def _state(rubric, history: Sequence[Turn], verdict: Verdict) -> _State:
    order = [k.id for k in rubric.key_ideas]
    seen: set[str] = set()
    streak = 0
    last: Turn | None = None
    for turn in history:
        if turn.verdict not in SUBSTANTIVE:
            continue
        fresh = set(turn.covered) - seen
        seen |= fresh
        streak = 0 if fresh else streak + 1
        last = turn
    substantive = verdict.verdict in SUBSTANTIVE
    new = tuple(i for i in order if i in verdict.covered and i not in seen)
    cumulative = seen | set(verdict.covered)
    miss = substantive and not new
    if substantive:
        streak = streak + 1 if miss else 0
    repeated = bool(
        verdict.verdict == "misconception"
        and last is not None
        and last.verdict == "misconception"
        and last.move == "challenge"
        and (not last.misconceptions or set(last.misconceptions) & set(verdict.misconceptions))
    )
    weights = {k.id: k.weight for k in rubric.key_ideas}
    return _State(
        covered=tuple(i for i in order if i in cumulative),
        new=new,
        earlier=tuple(i for i in order if i in seen),
        missing=tuple(i for i in order if i not in cumulative),
        score=sum(weights[i] for i in cumulative if i in weights) / sum(weights.values()),
        hints_shown=max([t.hints_shown for t in history] + [0]),
        attempted_before=any(t.verdict in SUBSTANTIVE and t.text.strip() for t in history),
        revealed_before=any(t.revealed or t.move == "reveal" for t in history),
        miss=miss,
        streak=streak,
        repeated_misconception=repeated,
    )


# ------------------------------------------------------------------ the policy


def next_move(question, history: list[Turn], verdict: Verdict, lang: str, asked_hint: bool = False) -> Move:
    """The coach's reply to the latest answer (judged as `verdict`), given the earlier turns.

    `history` holds the turns before this one, oldest first. `lang` is the language to
    answer in; "mixed" answers get Chinese, since a learner mixing reads Chinese.
    """
    lang = "zh" if lang in ("zh", "mixed") else "en"
    if question.kind == "choice":
        return _choice_move(question, history, verdict, lang, asked_hint)
    if question.rubric is None:
        return _unjudged_move(question, history, verdict, lang)
    rubric = question.rubric
    s = _state(rubric, history, verdict)
    v = verdict.verdict
    exhausted = s.hints_shown >= len(rubric.hints.zh)

    if v == "correct" or (v in ("partial", "off-topic") and s.score >= rubric.correct_at - 1e-9):
        return _done(question, s, lang)
    if v == "empty":
        if verdict.gave_up or asked_hint:
            may_reveal = s.attempted_before or s.revealed_before
            if may_reveal and (verdict.gave_up or exhausted):
                return _reveal(question, s, lang, gave_up=verdict.gave_up)
            return _hint(question, s, lang, unlock=not may_reveal)
        return _blank(question, s, lang)
    if asked_hint:
        return _reveal(question, s, lang) if exhausted else _hint(question, s, lang)
    if s.miss and exhausted:
        return _reveal(question, s, lang)
    if v == "misconception" and not s.repeated_misconception:
        return _challenge(question, s, verdict, lang)
    if s.miss and (s.streak >= 2 or s.repeated_misconception):
        return _hint(question, s, lang)
    if v == "off-topic":
        return _restate(question, s, lang)
    return _acknowledge_probe(question, s, lang)


# ------------------------------------------------------------------ the moves


def _names(rubric, ids: Sequence[str], lang: str) -> str:
    by_id = {k.id: k.name(lang) for k in rubric.key_ideas}
    return join_names([by_id[i] for i in ids if i in by_id], lang)


def _idea(rubric, idea_id: str):
    return next(k for k in rubric.key_ideas if k.id == idea_id)


def _acknowledgement(rubric, s: _State, lang: str) -> str:
    """Name what the learner has: everything so far when this turn added something."""
    if s.new:
        return phrase("ack", lang, names=_names(rubric, s.covered, lang))
    if s.earlier:
        return phrase("ack_earlier", lang, names=_names(rubric, s.earlier, lang))
    return ""


def _join(*parts: str) -> str:
    return "\n\n".join(p for p in parts if p)


def _inline(lang: str, *parts: str) -> str:
    return ("" if lang == "zh" else " ").join(p for p in parts if p)


def _acknowledge_probe(question, s: _State, lang: str) -> Move:
    rubric = question.rubric
    target = s.missing[0] if s.missing else None
    probe = _idea(rubric, target).probe(lang) if target else ""
    lead = phrase("next", lang) if s.new else phrase("no_new", lang)
    text = _join(_acknowledgement(rubric, s, lang), _inline(lang, lead, probe))
    return Move("acknowledge-probe", text, idea=target, covered=s.covered)


def _restate(question, s: _State, lang: str) -> Move:
    rubric = question.rubric
    target = s.missing[0] if s.missing else None
    probe = _idea(rubric, target).probe(lang) if target else ""
    text = _join(
        phrase("restate", lang, prompt=question.prompt(lang)),
        _acknowledgement(rubric, s, lang),
        _inline(lang, phrase("start_here", lang), probe),
    )
    return Move("acknowledge-probe", text, idea=target, covered=s.covered)


def _blank(question, s: _State, lang: str) -> Move:
    """Nothing written: a nudge and the first probe, no hint spent."""
    rubric = question.rubric
    target = s.missing[0] if s.missing else None
    probe = _idea(rubric, target).probe(lang) if target else question.prompt(lang)
    text = _inline(lang, phrase("blank", lang), phrase("start_here", lang), probe)
    return Move("acknowledge-probe", text, idea=target, covered=s.covered)


def _challenge(question, s: _State, verdict: Verdict, lang: str) -> Move:
    rubric = question.rubric
    wrong = next(m for m in rubric.misconceptions if m.id == verdict.misconceptions[0])
    ack = phrase("ack", lang, names=_names(rubric, s.new, lang)) if s.new else ""
    text = _join(ack, _inline(lang, phrase("challenge", lang), wrong.probe(lang)))
    return Move("challenge", text, idea=wrong.id, covered=s.covered)


def _hint(question, s: _State, lang: str, unlock: bool = False) -> Move:
    """The next rung of the ladder (the last one again when it is used up)."""
    hints = question.rubric.hints(lang)
    rung = min(s.hints_shown + 1, len(hints))
    ack = phrase("ack", lang, names=_names(question.rubric, s.new, lang)) if s.new else ""
    text = _join(
        ack,
        phrase("hint", lang, n=str(rung), total=str(len(hints)), hint=hints[rung - 1]),
        phrase("attempt_unlocks", lang) if unlock else "",
    )
    return Move("hint", text, hint_level=rung, idea=s.missing[0] if s.missing else None, covered=s.covered)


def _explanation(question, lang: str) -> str:
    if question.explanation is not None:
        return question.explanation(lang).strip()
    rubric = question.rubric
    if rubric is None:
        return ""
    names = join_names([k.name(lang) for k in rubric.key_ideas], lang)
    return _join(phrase("key_points", lang, names=names), rubric.hints(lang)[-1])


def _reveal(question, s: _State, lang: str, gave_up: bool = False) -> Move:
    rubric = question.rubric
    ack = phrase("ack", lang, names=_names(rubric, s.covered, lang)) if s.covered else ""
    text = _join(
        phrase("reveal_give_up" if gave_up else "reveal_ladder", lang),
        ack,
        _explanation(question, lang),
        phrase("reveal_after", lang),
    )
    return Move("reveal", text, revealed=True, covered=s.covered)


def _done(question, s: _State, lang: str) -> Move:
    """Correct: name what they got, offer the one idea left (if any), and the model answer."""
    rubric = question.rubric
    head = phrase("done", lang, names=_names(rubric, s.covered, lang)) if s.covered else phrase("done_plain", lang)
    more = phrase("done_more", lang, probe=_idea(rubric, s.missing[0]).probe(lang)) if s.missing else ""
    explanation = _explanation(question, lang)
    compare = _join(phrase("compare", lang), explanation) if explanation else ""
    return Move("done", _join(head, more, compare), covered=s.covered)


# ------------------------------------------------------------------ choice and unjudged questions


def _option_label(question, option_id: str, lang: str) -> str:
    """"b（MLX 只记录了运算……）" / "b (MLX only recorded …)"."""
    option = next((o for o in question.options if o.id == option_id), None)
    if option is None:
        return option_id
    return f"{option_id}（{option.text(lang)}）" if lang == "zh" else f"{option_id} ({option.text(lang)})"


def _choice_move(question, history: Sequence[Turn], verdict: Verdict, lang: str, asked_hint: bool) -> Move:
    """Kept simple: one retry after a wrong pick, then the answer with its explanation."""
    attempted = any(t.verdict in SUBSTANTIVE and t.text.strip() for t in history)
    wrong_before = any(t.verdict == "misconception" for t in history)
    answer = _option_label(question, question.answer, lang)
    explanation = _explanation(question, lang)
    v = verdict.verdict
    if v == "correct":
        return Move("done", _join(phrase("choice_right", lang, option=answer), explanation))
    if v == "misconception" and not wrong_before:
        picked = _option_label(question, verdict.misconceptions[0], lang)
        return Move("challenge", phrase("choice_retry", lang, option=picked), idea=verdict.misconceptions[0])
    if v == "misconception" or (v == "empty" and verdict.gave_up and attempted):
        give_up = phrase("reveal_give_up", lang) if v == "empty" else ""
        return Move("reveal", _join(give_up, phrase("choice_answer", lang, option=answer), explanation), revealed=True)
    gave_up = v == "empty" and verdict.gave_up
    if (asked_hint or gave_up) and question.rubric is not None:
        shown = max([t.hints_shown for t in history] + [0])
        hints = question.rubric.hints(lang)
        rung = min(shown + 1, len(hints))
        text = phrase("hint", lang, n=str(rung), total=str(len(hints)), hint=hints[rung - 1])
        return Move("hint", _join(text, phrase("attempt_unlocks", lang) if gave_up else ""), hint_level=rung)
    if gave_up:
        return Move("hint", _join(phrase("choice_pick", lang), phrase("attempt_unlocks", lang)))
    return Move("acknowledge-probe", phrase("choice_pick", lang))


def _unjudged_move(question, history: Sequence[Turn], verdict: Verdict, lang: str) -> Move:
    """No rubric: the coach cannot judge, so after a real attempt it shows the explanation."""
    attempted = any(t.verdict in SUBSTANTIVE and t.text.strip() for t in history)
    if verdict.verdict == "empty" and not (verdict.gave_up and attempted):
        text = _inline(lang, phrase("blank", lang) if not verdict.gave_up else "", phrase("attempt_unlocks", lang))
        return Move("hint" if verdict.gave_up else "acknowledge-probe", text)
    explanation = _explanation(question, lang)
    if not explanation:
        return Move("done", phrase("recorded", lang))
    head = phrase("reveal_give_up", lang) if verdict.verdict == "empty" else phrase("compare", lang)
    return Move("reveal", _join(head, explanation, phrase("reveal_after", lang)), revealed=True)
