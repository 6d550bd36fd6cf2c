"""Judge a free-text answer against its question's rubric: which key ideas it states,
which misconceptions it voices, and one verdict for the coach to act on.

Deterministic and offline on purpose: the same answer always gets the same verdict, a
lesson author can predict what a phrasing will catch, and a test can pin it down.

How an answer is read:

- Normalised first (`normalise`): Unicode NFKC (full-width letters, digits and
  punctuation become half-width), curly apostrophes made straight, case folded,
  whitespace collapsed.
- Every phrasing of both languages is tried on every answer: learners mix them
  ("因为 PCIe 带宽 is low"). How a phrasing matches depends on what it is written in,
  not on the list it sits in: Chinese characters match anywhere (Chinese has no spaces,
  so spaces around them are optional); Latin words and numbers match on word
  boundaries, with simple inflections of English words ("copy" also catches "copies",
  "copied", "copying"), hyphen or space between words ("warm-up" ~ "warm up"), and
  "does not" ~ "doesn't" ~ "doesnt". An entry starting `re:` is a regular expression,
  case-insensitive, run on the normalised answer.
- A match preceded in its clause by a negator does not count ("不是因为带宽",
  "not about PCIe"), nor one followed by "无关" or "is irrelevant". Only the text
  before a match is searched for negators, so phrasings that contain one themselves
  ("不用拷贝", "no copy", "doesn't fit") match as written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

VERDICTS = ("correct", "partial", "misconception", "off-topic", "empty")

# ------------------------------------------------------------------ the result


@dataclass(frozen=True)
class Verdict:
    """What the judge found in one answer.

    `covered` and `missing` are key idea ids in rubric order; `misconceptions` are the
    ids of the misconceptions voiced (for a choice question: the option picked, when
    wrong; `covered` then holds the option picked, when right). `score` is the covered
    share of the key ideas' weight. `gave_up` means the learner said they don't know
    and offered nothing the rubric recognises.
    """

    verdict: str
    covered: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    misconceptions: tuple[str, ...] = ()
    score: float = 0.0
    gave_up: bool = False
    lang: str = "en"


# ------------------------------------------------------------------ normalising

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{CJK}]")
# Letters and digits of a Latin "word"; anything else (CJK included) is a boundary.
_W = "0-9a-z_\u00c0-\u024f"
_LATIN_WORD = re.compile(f"[{_W}]+")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})


def normalise(text: str) -> str:
    """The form both answers and phrasings are compared in.

    NFKC turns full-width "ＰＣＩｅ，２４ＧＢ" into "PCIe,24GB"; casefold makes "VRAM" and
    "vram" one word; apostrophes are unified so "don’t" is "don't".
    """
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).casefold()
    # NFKC makes "2³⁰" into "230"; "2^30" gets the same treatment so both spellings meet.
    text = re.sub(r"(?<=\d)\^(?=\d)", "", text)
    return re.sub(r"\s+", " ", text).strip()


def _has_content(norm: str) -> bool:
    return bool(_CJK_CHAR.search(norm) or _LATIN_WORD.search(norm))


# A few English words that show an answer's Latin part is English prose, not just the
# technical terms (GPU, PCIe, batch) a Chinese answer normally carries.
_ENGLISH_PROSE = frozenset(
    "is are was were the a an because it its of to and or but so not no can cannot has have does do did "
    "this that with for in on be when which there they we you i if than then more less too very only "
    "low high slow fast much need needs just all same".split()
)


def detect_lang(text: str, hint: str | None = None) -> str:
    """"zh", "en" or "mixed". Chinese with English technical terms is still "zh";
    it is "mixed" once English prose appears ("因为 PCIe 带宽 is low")."""
    norm = normalise(text)
    has_cjk = bool(_CJK_CHAR.search(norm))
    words = re.findall(r"[a-z']+", norm)
    if has_cjk:
        return "mixed" if any(w in _ENGLISH_PROSE for w in words) else "zh"
    if words:
        return "en"
    return hint if hint in ("zh", "en", "mixed") else "en"


# ------------------------------------------------------------------ phrasings as patterns

_STOPWORDS = frozenset(
    "the a an is are was were be been of to in on at by for with and or not no nor it its as from into "
    "than that this these those there their they we you i my your our so but if then also only just very "
    "too much more most less least all any each same one two own other such can could will would should "
    "may might must do does did has have had per via vs".split()
)
_VOWELS = "aeiou"
# Endings a phrasing's last word may carry beyond inflection: "synchron" catches
# "synchronize" and "synchronous", "augment" catches "augmentation".
_DERIVED = ("ize", "ise", "ized", "ised", "izes", "ises", "izing", "ising", "ization", "isation",
            "ous", "ation", "ations", "ly", "ness", "nce", "ment")
_NEGATED_AUX = "do|does|did|is|are|was|were|has|have|had|could|would|should|must|need"
# "the weights don't fit" should meet the phrasing "doesn't fit".
_AUX_GROUPS = (("do", "does", "did"), ("is", "are", "was", "were"), ("has", "have", "had"))


def _bases(word: str) -> set[str]:
    """Crude de-inflection, so a phrasing written as "trains" also catches "train"."""
    out = {word}
    if len(word) < 4:
        return out
    if word.endswith("ies"):
        out.add(word[:-3] + "y")
    elif word.endswith("es"):
        out |= {word[:-2], word[:-1]}
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        out.add(word[:-1])
    if word.endswith("ied"):
        out.add(word[:-3] + "y")
    elif word.endswith("ed"):
        out |= {word[:-2], word[:-1]}
        if word[-3] == word[-4]:
            out.add(word[:-3])
    if word.endswith("ing") and len(word) > 5:
        out |= {word[:-3], word[:-3] + "e"}
        if word[-4] == word[-5]:
            out.add(word[:-4])
    return {b for b in out if len(b) >= 2}


def _consonant_vowel_consonant(word: str) -> bool:
    """"transfer", "fit": the last consonant doubles before -ed/-ing."""
    if len(word) < 3:
        return False
    a, b, c = word[-3:]
    return a not in _VOWELS and b in _VOWELS and c not in _VOWELS + "wxy"


def _inflections(base: str) -> set[str]:
    forms = {base, base + "s", base + "es", base + "ed", base + "ing"}
    if base.endswith("e"):
        forms |= {base + "d", base[:-1] + "ing"}
    if base.endswith("y") and len(base) > 2 and base[-2] not in _VOWELS:
        forms |= {base[:-1] + "ies", base[:-1] + "ied"}
    if _consonant_vowel_consonant(base):
        forms |= {base + base[-1] + "ed", base + base[-1] + "ing"}
    return forms


def _word_pattern(word: str, *, inflect: bool, last: bool) -> str:
    """One word of a phrasing as a regex: itself, a contraction, or its word family."""
    if word.endswith("n't"):
        stem = word[:-3]
        if stem == "ca":
            return r"(?:can'?t|can\s*not)"
        if stem == "wo":
            return r"(?:won'?t|will\s+not)"
        stems = next((group for group in _AUX_GROUPS if stem in group), (stem,))
        return rf"(?:(?:{'|'.join(stems)})(?:n'?t|\s+not))"
    if not inflect or not word.isalpha() or len(word) < 3 or word in _STOPWORDS:
        return re.escape(word)
    forms = set()
    for base in _bases(word):
        forms |= _inflections(base)
        if last and len(base) >= 5:
            forms |= {base + end for end in _DERIVED}
            if base.endswith("e"):
                forms |= {base[:-1] + end for end in _DERIVED if end[0] in _VOWELS}
    # British and American spellings: -ise/-ize, -isation/-ization.
    spelled = {re.sub(r"i[sz](?=e|ing|ation)", "i[sz]", form) for form in forms}
    return "(?:" + "|".join(sorted(spelled, key=lambda f: (-len(f), f))) + ")"


_TOKEN = re.compile(
    rf"(?P<num>\d+(?:[.,]\d+)*(?![{_W}]))"
    rf"|(?P<word>[{_W}]+(?:'[a-z]+)?)"
    rf"|(?P<cjk>[{CJK}])"
    r"|(?P<gap>[\s\-]+)"
    r"|(?P<punct>\S)"
)
_CODE_LIKE = re.compile(r"[._()=/\[\]<>*]")
# Between two Chinese characters of a phrasing, a learner may slip in an adverb or two,
# or a 的: "算力更强" said as "算力也更强", "Python 对象" as "Python 的对象".
_CJK_FILLER = r"\s*(?:[也都就还会要很更再的]\s*){0,2}"
# Between two English words of a phrasing, one more word: "fixed cost" said as
# "fixed startup cost", "fewer channels" as "fewer conv channels".
_LATIN_FILLER = rf"(?:[\s\-]+[{_W}']+)?[\s\-]*"


def _tokens(phrase: str) -> list[tuple[str, str, bool]]:
    """(kind, text, hyphen_or_space_before) for each token of a normalised phrase."""
    out: list[tuple[str, str, bool]] = []
    gap = False
    for m in _TOKEN.finditer(phrase):
        kind = m.lastgroup or "punct"
        if kind == "gap":
            gap = True
            continue
        out.append((kind, m.group(), gap))
        gap = False
    return out


def _expand_negated_aux(phrase: str) -> str:
    """"does not fit" -> "doesn't fit", so one pattern serves every spelling."""
    phrase = re.sub(rf"(?<![{_W}])({_NEGATED_AUX}) not(?![{_W}])", r"\1n't", phrase)
    phrase = re.sub(rf"(?<![{_W}])(?:cannot|can not)(?![{_W}])", "can't", phrase)
    return re.sub(rf"(?<![{_W}])will not(?![{_W}])", "won't", phrase)


@lru_cache(maxsize=None)
def compile_phrasing(entry: str) -> re.Pattern[str]:
    """The regex for one rubric entry, to run on a `normalise`d answer."""
    if entry.startswith("re:"):
        return re.compile(entry[3:], re.IGNORECASE)
    phrase = _expand_negated_aux(normalise(entry))
    tokens = _tokens(phrase)
    if not tokens:  # only hyphens: nothing a learner could say
        return re.compile(r"(?!)")
    inflect = not _CODE_LIKE.search(phrase)
    latin = ("word", "num")
    parts: list[str] = []
    for i, (kind, text, gap) in enumerate(tokens):
        if i:
            both_latin = kind in latin and tokens[i - 1][0] in latin
            both_cjk = kind == "cjk" and tokens[i - 1][0] == "cjk"
            if both_cjk:
                parts.append(_CJK_FILLER)
            elif both_latin and kind == "word" and tokens[i - 1][0] == "word" and inflect:
                parts.append(_LATIN_FILLER)
            elif "cjk" in (kind, tokens[i - 1][0]) and inflect:
                parts.append(r"\s*(?:的\s*)?")  # "Python 对象" said as "Python 的对象"
            else:
                parts.append(r"[\s\-]*" if gap or both_latin else r"\s*")
        if kind == "word":
            last = i == len(tokens) - 1
            parts.append(_word_pattern(text, inflect=inflect, last=last))
        else:
            parts.append(re.escape(text))
    first, final = tokens[0][0], tokens[-1][0]
    start = {"word": f"(?<![{_W}])", "num": r"(?<![0-9])(?<![0-9][.,])"}.get(first, "")
    end = {"word": f"(?![{_W}])", "num": r"(?![0-9])(?![.,][0-9])"}.get(final, "")
    if not inflect and final == "word":
        end = ""  # code is quoted by its beginning: "softmax(QK" catches "softmax(QKᵀ/√d)V"
    return re.compile(start + "".join(parts) + end)


# ------------------------------------------------------------------ negation

# Clause boundaries: sentence punctuation (after NFKC, full-width marks are ASCII), a
# comma not inside a number, a full stop not inside "mx.eval" or "1.3".
_CLAUSE_END = re.compile(r"[。;!?\n:]|(?<![0-9]),|,(?![0-9])|\.(?=\s|$)|\.(?=[" + CJK + "])")
# Words that start a new clause: "不是带宽而是容量", "not bandwidth but capacity", and
# the end of a condition: "没有统一内存的话需要拷贝".
_CLAUSE_RESET = re.compile(
    r"但是|但|而是|因为|所以|而且|不过|只是|可是|然而|其实|反而|的话|的时候|情况下|就要|就得|就需要|就会"
    rf"|(?<![{_W}])(?:but|because|since|so|however|instead(?!\s+of)|whereas|although|though|yet|and|then|which)(?![{_W}])"
)
_COMPLEMENTS = "(?:[下进动起完住够到开出上来去]|了(?!解))"
_NEG_ZH = re.compile(
    "并非|并不|无需|无须|无法|没有|没(?!错)|不是|不会|不用|不需要|不必|不能"
    "|(?<!差)(?<!要)(?<!不得)不(?!仅|只|但|管|论|过|同|断|少|止|错|光|然|久|得不|了解|" + _COMPLEMENTS + ")"
)
# "装不下", "用不了", "不够": this "cannot" reaches only the object right after it
# ("用不了全部内存"), not the next predicate ("装不下就要走 PCIe", "不够用就得拷贝").
_NEG_ZH_POTENTIAL = re.compile("不(?=" + _COMPLEMENTS + ")")
_NEG_EN = re.compile(
    rf"(?<![{_W}])(?:not(?!\s+(?:only|just|merely|simply)(?![{_W}]))|no(?!\s+matter)|never|without|cannot"
    rf"|neither|nor|nothing\s+to\s+do\s+with|rather\s+than|instead\s+of"
    rf"|(?:{_NEGATED_AUX}|ca|wo|ai)n'?t|[a-z]+n't)(?![{_W}])"
)
# Denials that follow what they deny: "与带宽无关", "带宽不是瓶颈", "PCIe is irrelevant".
_NEG_AFTER = re.compile(
    r"无关|没关系|没有关系|不相关|不重要|不是(?:问题|原因|关键|重点|瓶颈|主要)"
    r"|(?:is|are|was|were)\s+(?:irrelevant|not\s+the\s+(?:issue|problem|point|reason|cause|bottleneck))"
    r"|(?:does|do|did)\s*(?:n'?t|\s+not)\s+matter|(?:has|have)\s+nothing\s+to\s+do"
)
# "与 … 无关" may put a few words between the phrase and its denial.
_WITH = re.compile(rf"与|和|跟|同|(?<![{_W}])with(?![{_W}])")
_EN_WINDOW = 4  # words allowed between an English negator and the phrase
_ZH_WINDOW = 8  # characters (or Latin words) allowed between a Chinese negator and the phrase
_POTENTIAL_WINDOW = 1  # the complement itself: "用不了全部内存"


def _units(text: str) -> int:
    """Distance in 'words': each Chinese character and each Latin word counts one."""
    return len(_CJK_CHAR.findall(text)) + len(_LATIN_WORD.findall(text))


def _clause_start(text: str, start: int) -> int:
    """Where the clause holding position `start` begins."""
    begin = 0
    for m in _CLAUSE_END.finditer(text, 0, start):
        begin = m.end()
    for m in _CLAUSE_RESET.finditer(text, begin, start):
        before = text[begin : m.start()].rstrip()
        # "不是因为带宽", "not because of PCIe": the negator governs what follows.
        if not (_ends_with(before, _NEG_ZH) or _ends_with(before, _NEG_EN)):
            begin = m.end()
    return begin


def _ends_with(text: str, negator: re.Pattern[str]) -> bool:
    return any(m.end() == len(text) for m in negator.finditer(text))


def is_negated(text: str, start: int, end: int) -> bool:
    """Whether the phrase found at text[start:end] is denied in its clause.

    Only the text before the phrase (and a few "…无关" / "… is irrelevant" endings
    after it) is searched, so a phrasing carrying its own negator still counts.
    """
    begin = _clause_start(text, start)
    before = text[begin:start]
    for pattern, window in ((_NEG_ZH, _ZH_WINDOW), (_NEG_ZH_POTENTIAL, _POTENTIAL_WINDOW), (_NEG_EN, _EN_WINDOW)):
        for m in pattern.finditer(before):
            if _units(before[m.end() :]) <= window:
                return True
    return _denied_after(text, begin, start, end)


def _denied_after(text: str, begin: int, start: int, end: int) -> bool:
    """"带宽无关" right after the phrase, or "与 PCIe 带宽无关" a few words on."""
    after = text[end:]
    stop = _CLAUSE_END.search(after)
    after = after[: stop.start() if stop else len(after)]
    m = _NEG_AFTER.search(after)
    if not m:
        return False
    gap = _units(after[: m.start()])
    return gap <= 1 or (gap <= 4 and bool(_WITH.search(text, begin, start)))


# A phrasing that starts with a negation, split into the negation and what it denies.
_LEADING_NEGATION = re.compile(
    r"^(?:不需要|不用|不必|无需|无须|不是|并不|并非|没有|不能|不会)\s*(?P<zh>.+)$"
    rf"|^(?:no|not|never|without|cannot|(?:{_NEGATED_AUX}|ca|wo)n't)\s+(?P<en>.+)$"
)


@lru_cache(maxsize=None)
def denied_rest(entry: str) -> re.Pattern[str] | None:
    """For "不用拷贝" or "no copy": the pattern of what it denies ("拷贝", "copy").

    Learners put words between the negation and what it denies ("不需要像独显那样拷贝",
    "there is no need to copy"); the phrasing still means the same thing then. None
    when the phrasing does not start with a negation or what follows is too short
    to be safe (a single Chinese character, a two-letter word).
    """
    if entry.startswith("re:"):
        return None
    m = _LEADING_NEGATION.match(_expand_negated_aux(normalise(entry)))
    if not m:
        return None
    rest = m.group("zh") or m.group("en")
    if len(_CJK_CHAR.findall(rest)) < 2 and not re.search(r"[a-z]{3,}", rest):
        return None
    return compile_phrasing(rest)


def says(entries: Iterable[str], norm: str, *, denied: bool = False) -> bool:
    """Whether a normalised answer states any of the entries, not negated.

    With `denied`, a phrasing that is itself a denial ("不用拷贝") also matches its
    remainder wherever the answer negates it ("不需要像独显那样拷贝"). Key ideas use
    this; misconceptions do not, since a wrongly flagged misconception costs more.
    """
    for entry in entries:
        for m in compile_phrasing(entry).finditer(norm):
            if m.end() > m.start() and not is_negated(norm, m.start(), m.end()):
                return True
        rest = denied_rest(entry) if denied else None
        if rest is not None:
            for m in rest.finditer(norm):
                if m.end() > m.start() and is_negated(norm, m.start(), m.end()):
                    return True
    return False


# ------------------------------------------------------------------ giving up

# Said anywhere, these mean "I don't know" (the answer must still say nothing else).
_GIVE_UP = re.compile(
    r"不知道|不晓得|不清楚|不明白|不太懂|不懂|没想法|没有想法|没思路|没有思路|没头绪|没有头绪|想不出来?|想不到"
    r"|放弃|不会做|不太会|完全不会|告诉我答案|直接告诉我|给我答案|看答案|答案是什么|求提示|跳过"
    rf"|(?<![{_W}])(?:i\s+)?(?:do\s*n'?t|do\s+not)\s+know|(?<![{_W}])(?:idk|dunno|no\s+idea|no\s+clue|clueless"
    rf"|(?:i\s+)?give\s+up|giving\s+up|not\s+sure|(?:i'?m\s+)?stuck|just\s+tell\s+me|tell\s+me\s+the\s+answer"
    rf"|show\s+me\s+the\s+answer|what'?s\s+the\s+answer|have\s+no\s+idea)(?![{_W}])"
)
# Said alone, these are give-ups too; inside an answer they are ordinary words.
_GIVE_UP_ALONE = re.compile(r"^(?:不会|不懂|算了|随便|pass|skip|help)$")
_FILLER = re.compile(
    r"我|真的|真|完全|也|还是|啊|呀|吧|呢|了|嗯|额|呃|哈|这个|这道|这|道|题|就|是|的|有点|太|好难|很难|难"
    r"|抱歉|对不起|唉|哎|老师|请|吗|什么|啥|一点|都|呀|哦|喔|目前|暂时|现在"
    rf"|(?<![{_W}])(?:i|i'm|im|am|really|honestly|sorry|just|um+|uh+|hm+|the|answer|me|please|ok|okay|well"
    rf"|have|this|one|quite|totally|at|all|it|what|is|to|how|hard|too|so|very|a|yet|any|actually|really)(?![{_W}])"
)
_SHORT_REST = 6  # units left after removing the give-up and filler: still "nothing else"


def _gave_up(norm: str) -> bool:
    """Whether the answer is a give-up and (nearly) nothing else."""
    compact = re.sub(r"[\s\W_]+", "", norm)
    if _GIVE_UP_ALONE.match(compact) or re.fullmatch(r"[\s?]+", norm):
        return True
    if not _GIVE_UP.search(norm):
        return False
    rest = _FILLER.sub(" ", _GIVE_UP.sub(" ", norm))
    return _units(rest) <= _SHORT_REST


# ------------------------------------------------------------------ judging


def judge(question, answer: str, lang_hint: str | None = None) -> Verdict:
    """The verdict on one answer to a question (open, predict or choice).

    Precedence: empty (or a bare give-up) > misconception (even beside covered ideas:
    a wrong belief is what the coach must address first) > correct (covered weight at
    least `correct_at`) > partial > off-topic. Without a rubric an open or predict
    answer cannot be judged: any real answer is "partial" with nothing covered.
    """
    norm = normalise(answer or "")
    lang = detect_lang(norm, lang_hint)
    if not _has_content(norm):
        rubric = getattr(question, "rubric", None)
        missing = tuple(k.id for k in rubric.key_ideas) if rubric and question.kind != "choice" else ()
        return Verdict("empty", missing=missing, gave_up=bool(norm) and _gave_up(norm), lang=lang)
    if getattr(question, "kind", None) == "choice":
        return _judge_choice(question, norm, lang)
    rubric = getattr(question, "rubric", None)
    if rubric is None:
        gave_up = _gave_up(norm)
        return Verdict("empty" if gave_up else "partial", gave_up=gave_up, lang=lang)
    return _judge_rubric(rubric, norm, lang)


def _judge_rubric(rubric, norm: str, lang: str) -> Verdict:
    covered = tuple(k.id for k in rubric.key_ideas if says((*k.says.zh, *k.says.en), norm, denied=True))
    missing = tuple(k.id for k in rubric.key_ideas if k.id not in covered)
    wrong = tuple(m.id for m in rubric.misconceptions if says((*m.says.zh, *m.says.en), norm))
    total = sum(k.weight for k in rubric.key_ideas)
    score = sum(k.weight for k in rubric.key_ideas if k.id in covered) / total
    if not covered and not wrong and _gave_up(norm):
        return Verdict("empty", missing=missing, gave_up=True, lang=lang)
    if wrong:
        verdict = "misconception"
    elif score >= rubric.correct_at - 1e-9:
        verdict = "correct"
    elif covered:
        verdict = "partial"
    else:
        verdict = "off-topic"
    return Verdict(verdict, covered, missing, wrong, round(score, 4), False, lang)


_CHOICE = re.compile(
    r"^(?P<marker>(?:我|i\s*)?(?:选择?|选项|答案是?|答|answer(?:\s+is)?|option|choose|choice|pick)\s*[:：]?\s*)?"
    r"[(\[]?(?P<letter>[a-z])(?![a-z0-9])(?P<rest>.*)$",
    re.DOTALL,
)


def _chosen_option(question, norm: str) -> str | None:
    """The option id the answer starts with ("b", "B)", "选 b"), or whose text it quotes."""
    ids = {o.id for o in question.options}
    m = _CHOICE.match(norm)
    if m and m.group("letter") in ids:
        # "a GPU is…" is English, not option a.
        prose = not m.group("marker") and re.match(r"\s+(?!because|since|as\b)[a-z]{2,}", m.group("rest"))
        if not prose or m.group("letter") not in ("a", "i"):
            return m.group("letter")
    for option in question.options:
        if normalise(option.text.zh) in norm or normalise(option.text.en) in norm:
            return option.id
    return None


def _judge_choice(question, norm: str, lang: str) -> Verdict:
    chosen = _chosen_option(question, norm)
    if chosen is None:
        if _gave_up(norm):
            return Verdict("empty", gave_up=True, lang=lang)
        return Verdict("off-topic", lang=lang)
    if chosen == question.answer:
        return Verdict("correct", covered=(chosen,), score=1.0, lang=lang)
    return Verdict("misconception", misconceptions=(chosen,), lang=lang)
