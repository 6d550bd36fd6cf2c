"""The app's own words in Chinese and English, and how the language is chosen.

Lesson content carries its own two languages; this file holds only the interface's.
API names stay in English in both.
"""

from __future__ import annotations

import os

LANGS = ("zh", "en")

STRINGS: dict[str, tuple[str, str]] = {
    # key: (zh, en)
    "app.title": ("tutor · 在 Mac 上动手学机器学习", "tutor · hands-on ML on your Mac"),
    "key.quit": ("退出", "Quit"),
    "key.help": ("帮助", "Help"),
    "key.lang": ("中/英", "中/EN"),
    "key.plan": ("计划", "Plan"),
    "key.profile": ("目标设置", "Profile"),
    "key.jump": ("跳到第 N 周", "Jump to week"),
    "key.outline": ("大纲", "Outline"),
    "key.open": ("打开", "Open"),
    "key.home": ("主页", "Home"),
    "key.next_lesson": ("下一课", "Next lesson"),
    "key.prev_lesson": ("上一课", "Previous lesson"),
    "key.next_week": ("下一周", "Next week"),
    "key.prev_week": ("上一周", "Previous week"),
    "key.next_question": ("下一题", "Next question"),
    "key.text": ("回到正文", "Back to text"),
    "key.palette": ("命令", "Commands"),
    "key.close": ("关闭", "Close"),
    "key.done": ("完成本周", "Finish week"),
    "key.run": ("运行实验", "Run experiment"),
    "key.stop": ("停止", "Stop run"),
    "key.experiment": ("换一个实验", "Next experiment"),
    "lab.chart_title": ("损失（左）与准确率（右）", "loss (left) and accuracy (right)"),
    "lab.step": ("步数", "step"),
    "lab.your_prediction": ("你的预测", "your prediction"),
    "lab.bench_title": ("GFLOP/s（左）与每步毫秒（右）", "GFLOP/s (left) and ms per step (right)"),
    "lab.size": ("矩阵边长 n / 卷积通道数", "matrix size n / CNN channels"),
    "lab.no_data": ("按 r 运行本课的实验", "press r to run this lesson's experiment"),
    "lab.idle": ("还没有运行。按 r 运行本课的实验。", "Nothing running. Press r to run this lesson's experiment."),
    "lab.state.starting": ("启动中", "starting"),
    "lab.state.running": ("训练中", "training"),
    "lab.state.finished": ("完成", "finished"),
    "lab.state.stopped": ("已停止", "stopped"),
    "lab.state.failed": ("失败", "failed"),
    "lab.state.interrupted": ("被中断", "interrupted"),
    "lab.summary": ("设备 {device} · {sps} 样本/秒 · {wall} 秒", "device {device} · {sps} samples/s · {wall} s"),
    "lab.epoch": ("第 {epoch}/{epochs} 轮", "epoch {epoch}/{epochs}"),
    "lab.sps": ("{sps} 样本/秒", "{sps} samples/s"),
    "lab.eta": ("约剩 {s} 秒", "ETA {s} s"),
    "lab.no_experiment": ("本课没有实验。", "This lesson has no experiment."),
    "lab.started": ("开始运行 {id}", "Started {id}"),
    "lab.stopping": ("正在停止…", "Stopping…"),
    "lab.nothing_running": ("没有正在运行的训练。", "Nothing is training."),
    "lab.cannot_start": ("无法开始：{why}", "Cannot start: {why}"),
    "home.heading": ("16 周课程", "The 16-week course"),
    "home.phase": ("第 {n} 阶段", "Phase {n}"),
    "home.week": ("第 {n} 周", "Week {n}"),
    "home.hours": ("约 {h:g} 小时", "about {h:g} h"),
    "home.objectives": ("本周目标", "Objectives"),
    "home.prereq": ("先修：{weeks}", "Before this: {weeks}"),
    "home.not_written": ("本周内容尚在编写；目标与计划已定。", "This week's lessons are still being written; its objectives and place in the plan are set."),
    "home.progress": ("已完成 {done}/{total} 周 · 已回答 {answered} 题", "{done}/{total} weeks done · {answered} questions answered"),
    "home.week_progress": ("{answered}/{total} 题", "{answered}/{total} answered"),
    "home.done": ("已完成", "done"),
    "home.continue": ("上次停在：第 {week} 周 · {lesson}", "You were at: week {week} · {lesson}"),
    "home.emphasis": ("★ 与你的方向相关", "★ matches your direction"),
    "lesson.questions": ("思考题", "Questions to think about"),
    "lesson.experiments": ("实验", "Experiments"),
    "lesson.lab": ("实时训练", "Live training"),
    "lesson.trainer_pending": ("训练器 `{trainer}` 尚未提供", "trainer `{trainer}` is not available yet"),
    "lesson.memory": ("统一内存", "Unified memory"),
    "lesson.of": ("第 {i}/{n} 课", "lesson {i} of {n}"),
    "lesson.checkpoint": ("本周检查点", "Checkpoint"),
    "lesson.checkpoint_todo": ("还需通过：{ids}", "Still to pass: {ids}"),
    "lesson.checkpoint_ready": ("检查点题目都已通过。按 {key} 完成本周。", "All checkpoint questions passed. Press {key} to finish the week."),
    "lesson.week_done": ("本周已完成 ✓", "Week done ✓"),
    "lesson.not_ready": ("还不能完成本周：{ids} 尚未通过。", "Not yet: {ids} not passed yet."),
    "lesson.no_lessons": ("第 {n} 周的课文还在编写中。", "Week {n}'s lessons are still being written."),
    "q.open": ("开放题", "Open question"),
    "q.predict": ("预测", "Prediction"),
    "q.choice": ("选择题", "Choice"),
    "q.placeholder_open": ("写下你的想法，回车保存（输入 ? 要一个提示）", "Write your thinking, Enter saves (type ? for a hint)"),
    "q.placeholder_predict": ("一个数字（单位：{unit}），回车保存", "A number (unit: {unit}), Enter saves"),
    "q.placeholder_explain": ("解释预测和实测之间的差距，回车保存（? 要提示）", "Explain the gap between prediction and measurement, Enter saves (? for a hint)"),
    "q.local_model": ("本地模型改写", "reworded by your local model"),
    "q.saved": ("已保存 {time}", "saved {time}"),
    "q.attempts": ("第 {n} 次作答", "attempt {n}"),
    "q.your_answer": ("你的回答：{text}", "Your answer: {text}"),
    "q.not_a_number": ("需要一个数字，例如 13 或 1.5e3", "Needs a number, such as 13 or 1.5e3"),
    "q.empty": ("先写点什么再保存", "Write something before saving"),
    "q.correct": ("✓ 正确", "✓ correct"),
    "q.wrong": ("✗ 再想想", "✗ think again"),
    "q.partial": ("◐ 说对了一部分", "◐ partly there"),
    "q.misconception": ("✗ 有个误解", "✗ a misconception"),
    "q.off_topic": ("○ 还没碰到要点", "○ not on the point yet"),
    "q.explanation": ("解析", "Explanation"),
    "plan.title": ("你的学习计划", "Your study plan"),
    "plan.header": (
        "每周 {hours:g} 小时 · 方向：{direction} · 深度：{depth}",
        "{hours:g} h a week · direction: {direction} · depth: {depth}",
    ),
    "plan.total": ("共 {hours:g} 小时，预计 {end} 完成", "{hours:g} h in all, finishing around {end}"),
    "plan.none_cli": ("还没有计划：先运行 `tutor`，回答开始时的几个问题。", "No plan yet: run `tutor` and answer the first questions."),
    "plan.none": ("还没有计划：先完成开始时的几个问题（按 {key}）。", "No plan yet: answer the first questions (press {key})."),
    "onb.title": ("开始之前：你想学成什么样？", "Before we start: what do you want from this?"),
    "onb.goal": ("你的目标", "Your goal"),
    "onb.goal.principles": ("深入理解原理", "Understand the principles deeply"),
    "onb.goal.apply": ("尽快用起来", "Apply it quickly"),
    "onb.goal_detail": ("最终想解决什么问题？", "What problem do you want to solve in the end?"),
    "onb.hours": ("每周能投入几小时？", "Hours per week you can give"),
    "onb.direction": ("方向（可多选，空格选择）", "Direction (several allowed, space selects)"),
    "onb.depth": ("深度", "Depth"),
    "onb.save": ("保存并开始", "Save and start"),
    "onb.bad_hours": ("每周小时数需要是 1 到 80 之间的数字", "Hours per week must be a number from 1 to 80"),
    "onb.need_direction": ("至少选一个方向", "Choose at least one direction"),
    "onb.saved": ("已保存你的目标与计划", "Your goals and plan are saved"),
    "dir.vision": ("计算机视觉（图像/视频）", "Computer vision (images/video)"),
    "dir.language": ("自然语言处理（文本/语音）", "Language (text/speech)"),
    "dir.control": ("决策控制（机器人/游戏 AI）", "Control (robots/game AI)"),
    "dir.audio": ("音频", "Audio"),
    "depth.use-apis": ("调用 API 封装使用", "Use APIs and libraries"),
    "depth.from-scratch": ("从零实现核心算法", "Implement core algorithms from scratch"),
    "depth.reproduce-research": ("参与前沿研究复现", "Reproduce research"),
    "jump.prompt": ("跳到第几周？(1-{n})", "Jump to which week? (1-{n})"),
    "jump.bad": ("请输入 1 到 {n} 之间的周数", "Enter a week from 1 to {n}"),
    "review.due_count": ("今天有 {n} 道题到期复习。", "{n} question(s) due for review today."),
    "review.use_app": ("今天有 {n} 道题到期：在 tutor 里按 v 开始复习。", "{n} due today: press v in tutor to review them."),
    "review.title": ("复习", "Review"),
    "review.none": ("今天没有到期的题。明天再来。", "Nothing due today. Come back tomorrow."),
    "review.progress": ("第 {i}/{n} 题 · 盒子 {box}", "question {i} of {n} · box {box}"),
    "review.next_due": ("下次复习：{date}（盒子 {box}）", "Next review: {date} (box {box})"),
    "review.done": ("今天的复习完成了。", "Today's review is done."),
    "home.due": ("待复习 {n} 题（按 v）", "{n} due for review (press v)"),
    "key.review": ("复习", "Review"),
    "key.next_card": ("下一题", "Next card"),
    "help.title": ("快捷键", "Keys"),
    "help.global": ("全局", "Everywhere"),
    "help.screen": ("本页", "This screen"),
    "help.hint": ("Esc 关闭 · Ctrl+P 命令面板", "Esc closes · Ctrl+P opens the command palette"),
    "outline.title": ("课程大纲", "Course outline"),
    "cmd.week": ("打开第 {n} 周：{title}", "Open week {n}: {title}"),
    "notice.corrupt": ("数据库无法读取，已另存；已新建一个空的。", "The database could not be read; it was set aside and a new one started."),
    "lang.switched": ("界面语言：中文", "Language: English"),
}


def t(key: str, lang: str, /, **fmt) -> str:
    zh, en = STRINGS[key]
    text = zh if lang == "zh" else en
    return text.format(**fmt) if fmt else text


def locale_lang(environ: dict | None = None) -> str:
    """`zh` when the locale asks for Chinese, else `en` (LC_ALL wins over LANG, as in POSIX)."""
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"
