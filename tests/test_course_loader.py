"""The lesson loader on good and broken trees: every problem names file, place and cause."""

from __future__ import annotations

import pytest

from conftest import CURRICULUM, WEEK1, write_tree
from tutor.course import LessonError, check_tree, counts, load_tree
from tutor.runs import check_experiment


def problems_of(root, check=None):
    result = check_tree(root, check)
    assert result.tree is None, "expected the tree to be refused"
    return [str(p) for p in result.problems]


def test_good_tree_loads_with_joined_content(mini_tree):
    tree = load_tree(mini_tree, check_experiment)
    assert [w.number for w in tree.weeks] == [1, 2]
    w1, w2 = tree.weeks
    assert w1.written and not w2.written
    assert [lesson.slug for lesson in w1.lessons] == ["memory", "devices"]
    memory = w1.lessons[0]
    assert [q.id for q in memory.questions] == ["w01.why", "w01.guess"]
    assert memory.body("zh").startswith("# memory\n\n中文")
    assert w1.lessons[1].experiments[0].trainer == "speedtest"
    assert tree.question("w01.pick").answer == "b"
    assert tree.phase_of(2).number == 1


def test_counts_per_language_and_week(mini_tree):
    c = counts(load_tree(mini_tree))
    assert (c["phases"], c["weeks"], c["weeks_written"], c["lessons"]) == (1, 2, 1, 2)
    assert c["questions"] == {"zh": 4, "en": 4}
    assert c["per_week"][0]["checkpoint"] is True
    assert c["per_week"][1] == {"week": 2, "lessons": 0, "questions": {"zh": 0, "en": 0}, "experiments": 0, "checkpoint": False}


def test_unknown_trainer_is_a_note_not_an_error(mini_tree):
    result = check_tree(mini_tree, check_experiment)
    assert result.tree is not None
    assert result.notes == ["lessons/w01/week.toml: experiment w01.bench uses trainer 'speedtest', which is not available yet"]


def test_invalid_toml_names_file_and_line(tmp_path):
    root = write_tree(tmp_path / "lessons", week1=WEEK1 + "\n[[questions]\nid = 1\n")
    (msg,) = problems_of(root)
    assert msg.startswith("lessons/w01/week.toml: not valid TOML:")
    assert "line" in msg


def test_missing_field_and_unknown_key_are_placed(tmp_path):
    broken = WEEK1.replace('explanation = { zh = "因为。", en = "Because." }', 'explanaton = { zh = "因为。", en = "Because." }')
    broken = broken.replace('prompt = { zh = "多少 GB？", en = "How many GB?" }', 'prompt = { zh = "多少 GB？" }')
    root = write_tree(tmp_path / "lessons", week1=broken)
    msgs = problems_of(root)
    assert "lessons/w01/week.toml: questions[0].explanaton (w01.why): unknown key (a typo? see tutor/course/models.py for the keys allowed)" in msgs
    assert "lessons/w01/week.toml: questions[1].prompt.en (w01.guess): Field required" in msgs


def test_choice_answer_must_be_an_option(tmp_path):
    root = write_tree(tmp_path / "lessons", week1=WEEK1.replace('answer = "b"', 'answer = "z"'))
    (msg,) = problems_of(root)
    assert msg.startswith("lessons/w01/week.toml: questions[2] (w01.pick): Value error, answer 'z' is not one of the option ids ['a', 'b']")


def test_cross_file_checks(tmp_path):
    broken = (
        WEEK1.replace('id = "w01.guess"', 'id = "w02.guess"')
        .replace('id = "w01.pick"', 'id = "w01.why"')
        .replace('lesson = "devices"\ntitle', 'lesson = "nowhere"\ntitle')
        .replace('questions = ["w01.why", "w01.pick"]', 'questions = ["w01.why", "w01.nope"]')
    )
    root = write_tree(tmp_path / "lessons", week1=broken)
    msgs = problems_of(root)
    assert "lessons/w01/week.toml: questions[1] (w02.guess): id must start with 'w01.' in this week's file" in msgs
    assert "lessons/w01/week.toml: questions[2] (w01.why): id already used in lessons/w01/week.toml" in msgs
    assert any("experiments[0] (w01.bench): lesson 'nowhere' is not one of this week's lessons" in m for m in msgs)
    assert "lessons/w01/week.toml: checkpoint.questions: 'w01.nope' is not a question of this week" in msgs


def test_missing_and_stray_markdown(mini_tree):
    (mini_tree / "w01" / "devices.zh.md").unlink()
    (mini_tree / "w01" / "notes.en.md").write_text("stray", encoding="utf-8")
    msgs = problems_of(mini_tree)
    assert "lessons/w01/devices.zh.md: missing: lesson 'devices' needs its zh text" in msgs
    assert "lessons/w01/notes.en.md: Markdown file that no lesson in week.toml names" in msgs


def test_objectives_must_pair_up_and_weeks_run_in_order(tmp_path):
    cur = CURRICULUM.replace('objectives = { zh = ["训练"], en = ["Train"] }', 'objectives = { zh = ["训练", "评估"], en = ["Train"] }')
    cur = cur.replace("prerequisites = [1]", "prerequisites = [2]")
    root = write_tree(tmp_path / "lessons", curriculum=cur)
    msgs = problems_of(root)
    assert any(m.startswith("lessons/curriculum.toml: weeks[1].objectives (2): Value error, zh has 2 items but en has 1") for m in msgs)


def test_prerequisite_must_be_earlier(tmp_path):
    root = write_tree(tmp_path / "lessons", curriculum=CURRICULUM.replace("prerequisites = [1]", "prerequisites = [2]"))
    assert problems_of(root) == ["lessons/curriculum.toml: weeks[1].prerequisites: week 2 cannot require week 2: only earlier weeks"]


def test_phases_must_cover_every_week_once(tmp_path):
    root = write_tree(tmp_path / "lessons", curriculum=CURRICULUM.replace("weeks = [1, 2]", "weeks = [1, 1]"))
    assert problems_of(root) == ["lessons/curriculum.toml: phases: the phases must list every week exactly once; they list [1, 1]"]


def test_folder_for_unlisted_week(mini_tree):
    (mini_tree / "w07").mkdir()
    assert problems_of(mini_tree) == ["lessons/w07: folder for week 7, which curriculum.toml does not list"]


def test_load_tree_raises_with_every_problem(tmp_path):
    root = tmp_path / "empty"
    root.mkdir()
    with pytest.raises(LessonError) as err:
        load_tree(root)
    assert "empty/curriculum.toml: file is missing" in str(err.value)


def test_not_a_folder(tmp_path):
    assert problems_of(tmp_path / "nope") == [f"{tmp_path / 'nope'}: not a folder"]


def test_code_blocks_must_name_their_language(mini_tree):
    (mini_tree / "w01" / "memory.en.md").write_text("# m\n\ntext\n\n    indented\n\n```\nbare\n```\n\n```python\nok\n```\n", encoding="utf-8")
    assert problems_of(mini_tree) == [
        "lessons/w01/memory.en.md: line 5: indented code block: use a fence with a language, e.g. ```text",
        "lessons/w01/memory.en.md: line 7: code fence without a language: write ```python, ```bash or ```text",
    ]


def test_experiment_settings_are_checked_against_the_trainer(tmp_path):
    week = WEEK1.replace("config = { epochs = 400 }", 'config = { epochs = 0, colour = "red" }')
    root = write_tree(tmp_path / "lessons", week1=week)
    (msg,) = problems_of(root, check_experiment)
    assert msg == (
        "lessons/w01/week.toml: experiments[1] (w01.mlp).config: mlp has no setting colour; its settings are: "
        "backend, device, dataset, epochs, batch_size, lr, seed, threads, log_every, max_steps, hidden, val_fraction"
    )
    root2 = write_tree(tmp_path / "lessons2", week1=WEEK1.replace("config = { epochs = 400 }", "config = { epochs = 0 }"))
    (msg,) = problems_of(root2, check_experiment)
    assert "experiments[1] (w01.mlp).config: bad setting for mlp: epochs: Input should be greater than or equal to 1" in msg
