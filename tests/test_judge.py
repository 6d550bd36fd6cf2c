"""The judge: phrasings in both languages, normalisation, negation, give-ups, verdicts.

Most tests use a small rubric built here, so a phrasing's effect is visible in the test;
a few run the shipped week 1 rubric (`w01.unified-memory`) with real-sounding answers.
"""

from __future__ import annotations

import pytest

from tutor.coach import judge
from tutor.coach.judge import Verdict, compile_phrasing, detect_lang, normalise
from tutor.course import load_tree
from tutor.course.models import ChoiceQuestion, OpenQuestion, PredictQuestion

RUBRIC = {
    "key_ideas": [
        {
            "id": "capacity",
            "name": {"zh": "显存上限", "en": "the VRAM ceiling"},
            "says": {"zh": ["显存", "装不下", "24 GB"], "en": ["VRAM", "doesn't fit", "data-centre card", "24 GB"]},
            "probe": {"zh": "24 GB 的显卡最多能训练多大的模型？", "en": "How big a model fits on a 24 GB card?"},
        },
        {
            "id": "transfer",
            "name": {"zh": "搬运的代价", "en": "the transfer cost"},
            "says": {"zh": ["PCIe", "拷贝", "带宽"], "en": ["PCIe", "copy", "transfer", "bandwidth"]},
            "probe": {"zh": "放不下的部分每一步要怎么办？", "en": "What happens every step to the part that doesn't fit?"},
        },
        {
            "id": "pool",
            "name": {"zh": "一池内存", "en": "one pool"},
            "says": {"zh": ["同一块内存", "不用拷贝"], "en": ["one pool", "no copy", "same memory"]},
            "probe": {"zh": "Mac 上 GPU 从哪块内存读数据？", "en": "Which memory does the GPU read on a Mac?"},
        },
        {
            "id": "limits",
            "name": {"zh": "剩下的限制", "en": "the limits that remain"},
            "says": {"zh": ["工作集", "75%"], "en": ["working set", "75%", r"re:\bswap(ping|ped|s)?\b"]},
            "probe": {"zh": "GPU 能用全部内存吗？", "en": "Can the GPU use all the RAM?"},
        },
    ],
    "misconceptions": [
        {
            "id": "faster",
            "says": {"zh": ["训练更快"], "en": ["trains faster"]},
            "probe": {"zh": "统一内存改变的是装得下，还是算得快？", "en": "Does unified memory change what fits, or how fast it computes?"},
        },
    ],
    "hints": {"zh": ["想想 24 GB 的显卡。", "放不下时数据走哪条路？", "Mac 上只有一池内存。"], "en": ["Think of a 24 GB card.", "Which path does data take when it doesn't fit?", "A Mac has one pool."]},
}


def open_question(rubric: dict | None = RUBRIC, **extra) -> OpenQuestion:
    data = {
        "id": "w99.memory",
        "kind": "open",
        "prompt": {"zh": "统一内存为什么有帮助？", "en": "Why does unified memory help?"},
        "explanation": {"zh": "因为一池内存。", "en": "Because it is one pool."},
        **extra,
    }
    if rubric is not None:
        data["rubric"] = rubric
    return OpenQuestion.model_validate(data)


Q = open_question()


def covered(answer: str, question=Q) -> tuple[str, ...]:
    return judge(question, answer).covered


@pytest.fixture(scope="module")
def tree():
    return load_tree()


@pytest.fixture(scope="module")
def w01(tree):
    return tree.question("w01.unified-memory")


# ------------------------------------------------------------------ verdicts


def test_full_chinese_answer_is_correct():
    v = judge(Q, "显存装不下的时候要经过 PCIe 拷贝；Mac 上是同一块内存，但只能用 75% 的工作集。")
    assert v == Verdict("correct", ("capacity", "transfer", "pool", "limits"), (), (), 1.0, False, "zh")


def test_full_english_answer_is_correct():
    v = judge(Q, "A model that doesn't fit in VRAM gets copied over PCIe every step; on a Mac it is one pool, capped by the working set.")
    assert v.verdict == "correct"
    assert v.covered == ("capacity", "transfer", "pool", "limits")
    assert v.lang == "en"


def test_correct_at_threshold_and_partial_below():
    assert judge(Q, "显存不够，要拷贝，同一块内存").verdict == "correct"  # 3 of 4 = 0.75
    v = judge(Q, "显存不够，要拷贝")
    assert (v.verdict, v.score, v.missing) == ("partial", 0.5, ("pool", "limits"))


def test_weights_count_in_the_score():
    rubric = {**RUBRIC, "key_ideas": [{**RUBRIC["key_ideas"][0], "weight": 3.0}, *RUBRIC["key_ideas"][1:]]}
    v = judge(open_question(rubric), "VRAM is the limit")
    assert v.score == 0.5
    assert v.verdict == "partial"


def test_off_topic_when_nothing_is_covered():
    v = judge(Q, "苹果的芯片设计得很漂亮，而且很省电。")
    assert v.verdict == "off-topic"
    assert v.covered == () and v.missing == ("capacity", "transfer", "pool", "limits")
    assert not v.gave_up


def test_misconception_wins_over_covered_ideas_and_still_reports_them():
    v = judge(Q, "显存装不下，而且统一内存训练更快")
    assert v.verdict == "misconception"
    assert v.misconceptions == ("faster",)
    assert v.covered == ("capacity",)
    assert v.score == 0.25


def test_misconception_even_when_the_ideas_would_be_correct():
    v = judge(Q, "It doesn't fit in VRAM, copies cross PCIe, Mac has one pool and it trains faster.")
    assert v.verdict == "misconception"
    assert v.covered == ("capacity", "transfer", "pool")


def test_covered_ids_come_in_rubric_order():
    assert covered("工作集有上限，同一块内存，PCIe 很慢，显存太小") == ("capacity", "transfer", "pool", "limits")


# ------------------------------------------------------------------ empty and giving up


@pytest.mark.parametrize("answer", ["", "   ", "\n\t", "。。。", "！？…", "...", "——"])
def test_blank_or_punctuation_is_empty(answer):
    v = judge(Q, answer)
    assert v.verdict == "empty"
    assert not v.gave_up
    assert v.covered == ()


@pytest.mark.parametrize(
    "answer",
    ["不知道", "我不知道。", "不会", "完全没思路", "放弃", "我放弃了", "真的不清楚", "想不出来", "没头绪啊",
     "?", "？", "??", "I don't know", "i dont know", "I don’t know.", "no idea", "No clue, sorry", "I give up",
     "idk", "not sure", "I'm stuck", "just tell me the answer", "pass"],
)
def test_give_up_alone_is_empty_with_gave_up(answer):
    v = judge(Q, answer)
    assert v.verdict == "empty", answer
    assert v.gave_up, answer


def test_give_up_with_an_idea_is_judged_on_the_idea():
    v = judge(Q, "不知道，可能是带宽不够？")
    assert (v.verdict, v.covered, v.gave_up) == ("partial", ("transfer",), False)
    v = judge(Q, "I don't know, maybe swapping?")
    assert (v.verdict, v.covered, v.gave_up) == ("partial", ("limits",), False)


def test_give_up_with_a_real_guess_is_off_topic_not_empty():
    v = judge(Q, "I don't know, maybe Apple designed the chips to be efficient with batteries in laptops")
    assert v.verdict == "off-topic"


def test_give_up_words_inside_an_answer_are_not_a_give_up():
    v = judge(Q, "GPU 不会因为这个变快，显存还是 24 GB")
    assert v.verdict == "partial"
    assert not v.gave_up


# ------------------------------------------------------------------ normalisation and languages


def test_full_width_letters_digits_and_punctuation():
    assert normalise("ＰＣＩｅ，２４ＧＢ！") == "pcie,24gb!"
    assert covered("要经过ＰＣＩｅ，显卡只有２４ＧＢ，只能用７５％") == ("capacity", "transfer", "limits")


def test_case_and_whitespace_do_not_matter():
    assert covered("  vram\n\n  IS   small ") == ("capacity",)
    assert covered("WORKING   SET") == ("limits",)


def test_mixed_answers_match_both_languages():
    v = judge(Q, "因为 PCIe 带宽 is low, and the working set 有上限")
    assert v.covered == ("transfer", "limits")
    assert v.lang == "mixed"


def test_chinese_phrasings_match_without_spaces_and_with_stray_ones():
    assert covered("因为PCIe带宽低") == ("transfer",)
    assert covered("它们在同一块 内存里") == ("pool",)
    assert covered("显卡只有24GB") == ("capacity",)


@pytest.mark.parametrize(
    "text,lang",
    [("显存不够", "zh"), ("GPU 的显存不够", "zh"), ("VRAM is small", "en"), ("因为 PCIe 带宽 is low", "mixed"), ("24", "en")],
)
def test_language_detection(text, lang):
    assert detect_lang(text) == lang


def test_language_hint_decides_only_when_the_text_cannot():
    assert judge(Q, "？", lang_hint="zh").lang == "zh"
    assert judge(Q, "显存", lang_hint="en").lang == "zh"


# ------------------------------------------------------------------ English word forms


@pytest.mark.parametrize("answer", ["it copies", "copying data", "data is copied", "one copy per step", "we copy it"])
def test_copy_inflections(answer):
    assert "transfer" in covered(answer)


@pytest.mark.parametrize("answer", ["it transfers", "transferred over", "transferring weights", "a transfer"])
def test_transfer_inflections(answer):
    assert "transfer" in covered(answer)


def test_word_boundaries_hold():
    assert covered("copyright notices and transferable skills") == ()
    assert covered("the vramdisk") == ()
    assert covered("a 124 GB server") == ()


def test_inflection_of_every_word_and_plural_phrases():
    q = open_question({**RUBRIC, "misconceptions": [{"id": "faster", "says": {"zh": ["训练更快"], "en": ["trains faster"]}, "probe": {"zh": "？", "en": "?"}}]})
    assert judge(q, "it will train faster").misconceptions == ("faster",)
    assert judge(q, "training faster").misconceptions == ("faster",)


def test_hyphen_and_space_variants():
    assert covered("a data centre card has more memory") == ("capacity",)
    assert covered("a data-centre card") == ("capacity",)
    q = open_question({**RUBRIC, "key_ideas": [{**RUBRIC["key_ideas"][0], "says": {"zh": ["预热"], "en": ["warm up"]}}]})
    assert judge(q, "do a warm-up first").covered == ("capacity",)
    assert judge(q, "warmup runs").covered == ("capacity",)


@pytest.mark.parametrize("answer", ["the model doesn't fit", "the model doesn’t fit", "it does not fit", "it doesnt fit", "the weights don't fit"])
def test_apostrophes_and_contractions(answer):
    assert covered(answer) == ("capacity",)


def test_british_and_american_spellings():
    q = open_question({**RUBRIC, "key_ideas": [{**RUBRIC["key_ideas"][0], "says": {"zh": ["同步"], "en": ["synchronize"]}}]})
    assert judge(q, "you must synchronise first").covered == ("capacity",)


def test_regex_entries_are_case_insensitive():
    assert covered("macOS starts SWAPPING") == ("limits",)
    assert covered("it swaps to disk") == ("limits",)
    assert covered("swapfile") == ()


def test_regex_entry_compiles_as_written():
    assert compile_phrasing(r"re:piles? up").search("gradients pile up") is not None


def test_code_phrasings_match_literally():
    rubric = {**RUBRIC, "key_ideas": [{**RUBRIC["key_ideas"][0], "says": {"zh": ["mx.eval", ".item()"], "en": ["mx.eval", ".item()"]}}]}
    q = open_question(rubric)
    assert judge(q, "call mx.eval(state) each step").covered == ("capacity",)
    assert judge(q, "loss.item() forces a sync").covered == ("capacity",)
    assert judge(q, "mx evaluation").covered == ()


# ------------------------------------------------------------------ negation


def test_chinese_negation_cancels_the_phrase():
    assert covered("不是因为带宽") == ()
    assert covered("并不是带宽的问题") == ()
    assert covered("跟显存没有关系") == ()
    assert covered("和 PCIe 带宽无关") == ()
    assert covered("带宽不是瓶颈") == ()


def test_english_negation_cancels_the_phrase():
    assert covered("it is not about PCIe bandwidth, it is one pool") == ("pool",)
    assert covered("never about VRAM") == ()
    assert covered("without any bandwidth") == ()
    assert covered("it has nothing to do with bandwidth") == ()
    assert covered("it is about the working set rather than PCIe") == ("limits",)
    assert covered("PCIe is irrelevant here") == ()


def test_negation_stops_at_the_clause():
    assert covered("不是因为带宽，而是显存装不下") == ("capacity",)
    assert covered("不是带宽而是显存") == ("capacity",)
    assert covered("not because of bandwidth but because VRAM is small") == ("capacity",)
    assert covered("没有统一内存的话，每一步都要拷贝") == ("transfer",)


def test_negator_far_before_the_phrase_does_not_count():
    assert covered("without unified memory you always end up having to copy the data") == ("transfer",)


def test_and_starts_a_new_clause_for_negation():
    assert covered("no copies and way more VRAM for the GPU") == ("capacity", "pool")


def test_chinese_phrasings_allow_an_adverb_inside():
    assert judge(Q, "统一内存训练也更快").verdict == "misconception"
    assert judge(Q, "训练就会更快").verdict == "misconception"


def test_code_phrasings_match_as_a_prefix():
    rubric = {**RUBRIC, "key_ideas": [{**RUBRIC["key_ideas"][0], "says": {"zh": ["softmax(QK"], "en": ["softmax(QK"]}}]}
    assert judge(open_question(rubric), "就是 softmax(QKᵀ/√d)V").covered == ("capacity",)


def test_not_only_is_not_a_negation():
    assert covered("not only VRAM but also bandwidth") == ("capacity", "transfer")
    assert covered("不仅显存，还有带宽") == ("capacity", "transfer")


def test_phrasings_that_contain_a_negation_match_as_written():
    assert covered("统一内存不用拷贝") == ("pool",)  # "拷贝" is negated, "不用拷贝" is the idea
    assert covered("on a Mac there is no copy") == ("pool",)
    assert covered("the model doesn't fit") == ("capacity",)


def test_a_negated_phrasing_matches_its_denial_with_words_between():
    # "不用拷贝" / "no copy" are ideas; so is denying "拷贝" / "copy" in other words.
    assert covered("统一内存不需要像独立显卡那样拷贝") == ("pool",)
    assert covered("there is no need to copy anything") == ("pool",)
    assert covered("it shares memory rather than copying") == ("pool",)
    assert covered("without any copy") == ("pool",)
    # ...but only when the denial is close enough to count.
    assert covered("没有统一内存的时候总是需要拷贝") == ("transfer",)


def test_denials_do_not_widen_misconceptions():
    q = open_question({**RUBRIC, "misconceptions": [{"id": "no-limit", "says": {"zh": ["没有上限"], "en": ["no limit"]}, "probe": {"zh": "？", "en": "?"}}]})
    assert judge(q, "it doesn't remove the limit").verdict != "misconception"
    assert judge(q, "there is no limit").verdict == "misconception"


def test_potential_complements_negate_only_their_object():
    assert covered("显存装不下就要走 PCIe 拷贝") == ("capacity", "transfer")
    assert covered("不够用就得拷贝") == ("transfer",)
    assert covered("放不进显存") == ()  # "cannot put into VRAM": the object itself is denied


def test_a_negated_misconception_is_not_a_misconception():
    v = judge(Q, "统一内存不会让训练更快，只是显存不再是上限")
    assert v.verdict == "partial"
    assert v.misconceptions == ()
    v = judge(Q, "It never trains faster; it just isn't limited by VRAM... wait, it is one pool")
    assert v.misconceptions == ()


def test_a_phrase_counts_if_any_occurrence_is_not_negated():
    assert covered("不是带宽。其实还是带宽") == ("transfer",)


# ------------------------------------------------------------------ other question kinds


def test_predict_questions_judge_the_explanation():
    q = PredictQuestion.model_validate(
        {"id": "w99.predict", "kind": "predict", "unit": "GB", "prompt": {"zh": "多少？", "en": "How much?"}, "rubric": RUBRIC}
    )
    v = judge(q, "14 GB, because it doesn't fit in VRAM and is copied over PCIe")
    assert (v.verdict, v.covered) == ("partial", ("capacity", "transfer"))


def test_without_a_rubric_any_answer_is_partial():
    q = open_question(None)
    assert judge(q, "随便说点什么").verdict == "partial"
    assert judge(q, "").verdict == "empty"
    assert judge(q, "不知道").gave_up


@pytest.fixture(scope="module")
def lazy(tree):
    return tree.question("w01.lazy-timing")  # answer "b"


@pytest.mark.parametrize("answer", ["b", "B", "B)", "(b)", "b.", "选 b", "选B", "我选b，因为 MLX 是惰性的", "答案是 B", "answer: b", "b because MLX is lazy", "Ｂ"])
def test_choice_right_option(lazy, answer):
    v = judge(lazy, answer)
    assert v.verdict == "correct", answer
    assert v.covered == ("b",) and v.score == 1.0


@pytest.mark.parametrize("answer,option", [("a", "a"), ("C)", "c"), ("选 d", "d"), ("a because the GPU is fast", "a")])
def test_choice_wrong_option_is_a_misconception(lazy, answer, option):
    v = judge(lazy, answer)
    assert (v.verdict, v.misconceptions) == ("misconception", (option,))


def test_choice_without_an_option(lazy):
    assert judge(lazy, "a GPU is just fast").verdict == "off-topic"
    assert judge(lazy, "").verdict == "empty"
    v = judge(lazy, "不知道")
    assert (v.verdict, v.gave_up) == ("empty", True)


def test_choice_quoting_an_option_text():
    q = ChoiceQuestion.model_validate(
        {
            "id": "w99.choice",
            "kind": "choice",
            "prompt": {"zh": "哪个？", "en": "Which?"},
            "answer": "b",
            "options": [{"id": "a", "text": {"zh": "甲", "en": "Apples"}}, {"id": "b", "text": {"zh": "乙", "en": "Bananas"}}],
        }
    )
    assert judge(q, "I'd say bananas").verdict == "correct"


# ------------------------------------------------------------------ the shipped week 1 rubric


def misconception_saying(question, phrase: str) -> str:
    return next(m.id for m in question.rubric.misconceptions if phrase in m.says.zh + m.says.en)


def test_w01_chinese_answers(w01):
    v = judge(w01, "PC 上显存只有 24 GB，装不下就要走 PCIe 拷贝，带宽很低；Mac 上 CPU 和 GPU 用同一块内存，不过 GPU 只能用工作集那么多，算力也没变强。")
    assert v.verdict == "correct"
    assert v.covered == ("vram-ceiling", "transfer-cost", "one-pool", "limits-remain")
    assert v.lang == "zh"
    v = judge(w01, "因为显存不够大。")
    assert (v.verdict, v.covered) == ("partial", ("vram-ceiling",))


def test_w01_english_answers(w01):
    v = judge(w01, "A 24 GB card caps the model; anything beyond it is copied over PCIe each step. A Mac has one pool, though the GPU only gets the working set.")
    assert v.verdict == "correct"
    v = judge(w01, "Because the model doesn't fit in VRAM.")
    assert (v.verdict, v.covered) == ("partial", ("vram-ceiling",))


def test_w01_mixed_and_full_width(w01):
    v = judge(w01, "因为 PCIe 带宽 is low，显卡只有２４ＧＢ")
    assert v.covered == ("vram-ceiling", "transfer-cost")
    assert v.lang == "mixed"


def test_w01_negation(w01):
    assert "transfer-cost" not in judge(w01, "不是因为带宽").covered
    v = judge(w01, "It is not about PCIe bandwidth, it is one pool.")
    assert "one-pool" in v.covered and "transfer-cost" not in v.covered


def test_w01_misconception(w01):
    v = judge(w01, "统一内存让 GPU 可以用全部内存")
    assert v.verdict == "misconception"
    assert v.misconceptions == (misconception_saying(w01, "全部内存"),)
    v = judge(w01, "GPU 不能用全部内存，只能用工作集")
    assert v.verdict != "misconception"
    assert "limits-remain" in v.covered


def test_w01_give_up_and_off_topic(w01):
    assert judge(w01, "不知道").gave_up
    assert judge(w01, "I have no idea").verdict == "empty"
    assert judge(w01, "苹果的设计很好看").verdict == "off-topic"


def test_every_shipped_phrasing_matches_itself(tree):
    """A phrasing that cannot catch its own words is a bug in the judge (or the lesson)."""
    failures = []
    for week in tree.weeks:
        for q in week.questions():
            if q.rubric is None:
                continue
            for item in (*q.rubric.key_ideas, *q.rubric.misconceptions):
                for entry in (*item.says.zh, *item.says.en):
                    if entry.startswith("re:"):
                        continue
                    if compile_phrasing(entry).search(normalise(entry)) is None:
                        failures.append(f"{q.id} {item.id}: {entry!r}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "entry, text, found",
    [
        ("fixed cost", "a fixed startup cost per kernel", True),  # one word slipped in
        ("fewer channels", "use fewer conv channels", True),
        ("fixed cost", "fixed and then a big variable cost", False),  # two words: a different thing
        ("Python 对象", "每个元素都是 Python 的对象", True),  # a 的 slipped in
        ("softmax(QK", "softmax(QKᵀ/√d)V", True),  # code keeps its exact form
        ("softmax(QK", "softmax of the QK product", False),
    ],
)
def test_a_phrase_tolerates_one_slipped_in_word(entry, text, found):
    assert bool(compile_phrasing(entry).search(normalise(text))) is found
