"""Read the structure of an interview guide: sections, Q/A blocks, MCQs and a mock scenario.

The parser works on lines already repaired (see ``repair``). It knows the labels such guides
use (``Q:``, ``A:``, ``Key Points:``, ``Common Mistakes:``, ``Follow-up Questions:``,
``Correct Answer:``, ``Explanation:``, ``Interviewer:``, ``Candidate Response:``) and treats
everything else as text belonging to the block it sits in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.content.importer.repair import Line, Repaired

LEVELS = ("intern", "junior", "mid", "senior", "staff")

_HEADING = re.compile(r"^#{1,6}\s+(.*)$")
_NUMBERED = re.compile(r"^(\d+)[.)]\s+(.*\S)\s*$")
_QUESTION = re.compile(r"^(?:-\s+)?(?:Q\d*|Question(?:\s+\d+)?)\s*[:.]\s*(.*)$", re.IGNORECASE)
_ANSWER = re.compile(r"^(?:-\s+)?(?:A|Answer)\s*:\s*(.*)$", re.IGNORECASE)
_LEVEL = re.compile(r"^(?:-\s+)?(?:Level|Difficulty)\s*:\s*(\w[\w-]*)\s*$", re.IGNORECASE)
_LISTS = {
    "key_points": re.compile(r"^(?:Key (?:Points|Takeaways)|Takeaways)\s*:?\s*$", re.IGNORECASE),
    "mistakes": re.compile(
        r"^(?:Common (?:Mistakes|Pitfalls)|Mistakes(?: to Avoid)?|Pitfalls)\s*:?\s*$",
        re.IGNORECASE,
    ),
    "follow_ups": re.compile(
        r"^(?:Follow[- ]?up(?: Questions)?s?|Follow[- ]?ups)\s*:?\s*$", re.IGNORECASE
    ),
}
_MCQ_REGION = re.compile(
    r"^(?:MCQs?|Multiple[- ]Choice(?: Questions)?)(?: Section| Questions)?\s*:?\s*$", re.IGNORECASE
)
_SCENARIO_REGION = re.compile(
    r"^(?:Mock (?:Interview )?Scenario|(?:Interview )?Scenario)\b\s*:?\s*(.*)$", re.IGNORECASE
)
_END_REGION = re.compile(
    r"^(?:Practical Tips|Summary|References|Resources(?: for Further Study)?|Conclusion|"
    r"Further Reading)\s*:?\s*$",
    re.IGNORECASE,
)
_OPTION = re.compile(r"^(?:-\s+)?\(?([A-Fa-f])[).]\s+(.*)$")
_CORRECT = re.compile(
    r"^(?:-\s+)?(?:Correct(?: Answer)?|Answer)\s*:\s*\(?([A-Za-z])\)?(?:[).:\s].*)?$",
    re.IGNORECASE,
)
_EXPLANATION = re.compile(r"^(?:-\s+)?(?:Explanation|Rationale|Why)\s*:\s*(.*)$", re.IGNORECASE)
_INTERVIEWER = re.compile(r"^(?:-\s+)?Interviewer\s*:\s*(.*)$", re.IGNORECASE)
_FOLLOW_UP = re.compile(r"^(?:-\s+)?Interviewer Follow[- ]?up\s*:\s*(.*)$", re.IGNORECASE)
_CANDIDATE = re.compile(
    r"^(?:-\s+)?(?:Candidate(?: Response)?|Expected (?:Answer|Response))\s*:\s*(.*)$",
    re.IGNORECASE,
)
_RED_FLAGS = re.compile(r"^Red Flags(?: to Avoid)?\s*:?\s*$", re.IGNORECASE)
_SETUP = re.compile(r"^(?:Scenario )?Setup\s*:\s*(.*)$", re.IGNORECASE)
_FLOW = re.compile(r"^(?:Sequential Questions|Expected Flow|Stages)\b.*:\s*$", re.IGNORECASE)
_LEVEL_WORDS = (
    (re.compile(r"\b(?:intern|internship)\b", re.IGNORECASE), "intern"),
    (re.compile(r"\b(?:fundamentals?|basics?|beginner|introduct\w*|junior)\b", re.I), "junior"),
    (re.compile(r"\b(?:intermediate|mid[- ]level)\b", re.IGNORECASE), "mid"),
    (re.compile(r"\b(?:advanced|senior|expert)\b", re.IGNORECASE), "senior"),
    (re.compile(r"\b(?:staff|principal|architect)\b", re.IGNORECASE), "staff"),
)
_LEVEL_TAG = re.compile(
    r"\s*[\[(](?:level\s*:\s*)?(intern|junior|mid|senior|staff)[\])]\s*$", re.IGNORECASE
)


class GuideError(Exception):
    """The guide cannot be imported; the message says where and why."""


@dataclass
class Section:
    number: int
    title: str
    line: int
    level: str | None = None


@dataclass
class GuideQuestion:
    number: int
    line: int
    section: Section | None
    prompt: str
    answer: str = ""
    key_points: list[str] = field(default_factory=list)
    mistakes: list[str] = field(default_factory=list)
    follow_ups: list[str] = field(default_factory=list)
    level: str | None = None


@dataclass
class GuideOption:
    key: str
    text: str


@dataclass
class GuideMcq:
    number: int
    line: int
    stem: str
    options: list[GuideOption]
    correct: str
    explanations: dict[str, str]
    """Explanation lines that name their option ("B) ...")."""
    general: list[str]
    """Explanation lines that name no option."""
    level: str | None = None


@dataclass
class GuideStage:
    number: int
    title: str
    line: int
    prompt: str = ""
    strong_answer: str = ""
    reveal: str = ""
    part: str = "strong_answer"
    """Which part an unlabelled line continues: the last label seen."""


@dataclass
class GuideScenario:
    title: str
    line: int
    setup: list[str]
    opening: str
    stages: list[GuideStage]
    red_flags: list[str]
    level: str | None = None


@dataclass
class Guide:
    questions: list[GuideQuestion]
    mcqs: list[GuideMcq]
    scenario: GuideScenario | None


def level_in(text: str) -> str | None:
    """The level a heading or role names ("Advanced ...", "a Senior engineer"), if any."""
    for pattern, level in _LEVEL_WORDS:
        if pattern.search(text):
            return level
    return None


def parse(repaired: Repaired) -> Guide:
    lines = [Line(ln.no, ln.text.strip()) for ln in repaired.lines]
    lines = [ln for ln in lines if ln.text]
    mcq_at = _find(lines, lambda t: bool(_MCQ_REGION.match(_plain(t))))
    scenario_at = _find(lines, lambda t: bool(_SCENARIO_REGION.match(_plain(t))), mcq_at or 0)
    ends = [i for i in (mcq_at, scenario_at) if i is not None]
    questions = _questions(lines[: min(ends) if ends else len(lines)])
    mcqs: list[GuideMcq] = []
    if mcq_at is not None:
        stop = scenario_at if scenario_at is not None and scenario_at > mcq_at else None
        mcqs = _mcqs(_until_end(lines[mcq_at + 1 : stop]))
    scenario = None
    if scenario_at is not None:
        scenario = _scenario(lines[scenario_at], _until_end(lines[scenario_at + 1 :]))
    if not questions and not mcqs and scenario is None:
        raise GuideError(
            "no questions found: expected lines starting with 'Q:' (each followed by 'A:'), "
            "an 'MCQ Section' heading with numbered questions, or a 'Mock Interview Scenario'"
        )
    return Guide(questions, mcqs, scenario)


def _plain(text: str) -> str:
    heading = _HEADING.match(text)
    return heading.group(1).strip() if heading else text


def _find(lines: list[Line], test: object, start: int = 0) -> int | None:
    assert callable(test)
    for i in range(start, len(lines)):
        if test(lines[i].text):
            return i
    return None


def _until_end(lines: list[Line]) -> list[Line]:
    for i, line in enumerate(lines):
        if _END_REGION.match(_plain(line.text)):
            return lines[:i]
    return lines


def _is_item(text: str) -> bool:
    return text.startswith("- ") or text == "-"


def _item_text(text: str) -> str:
    return text[2:].strip() if text.startswith("- ") else text


def _ends_sentence(text: str) -> bool:
    return text.rstrip().rstrip("\"'").endswith((".", "?", "!"))


def _collect_list(lines: list[Line], start: int, stop: object) -> tuple[list[str], int]:
    """Items from ``start`` until a line ``stop`` accepts or one that is not part of the list.

    A line that is not an item continues the previous one when that item stops mid-sentence or
    the line starts lowercase or with code: that is how inline code broke the item in two.
    """
    assert callable(stop)
    items: list[str] = []
    i = start
    while i < len(lines):
        text = lines[i].text
        if stop(i):
            break
        if _is_item(text) or not items:
            items.append(_item_text(text))
        elif not _ends_sentence(items[-1]):
            items[-1] = f"{items[-1]} {text}".strip()
        elif not text[:1].isupper():
            # A finished item followed by a line starting with code: the next item, whose
            # bullet went missing with the code's markup ("package.json's type field ...").
            items.append(text)
        else:
            break
        i += 1
    return [" ".join(item.split()) for item in items if item.strip()], i


def _section_starts(lines: list[Line]) -> dict[int, Section]:
    """Headings that open a section: Markdown headings, and numbered lines whose next ``Q:``
    comes before any other numbered line (numbered lines inside answers are sub-headings)."""
    starts: dict[int, Section] = {}
    count = 0
    for i, line in enumerate(lines):
        heading = _HEADING.match(line.text)
        numbered = _NUMBERED.match(_plain(line.text))
        if not heading and not numbered:
            continue
        if _QUESTION.match(_plain(line.text)):
            continue
        nxt = next(
            (j for j in range(i + 1, len(lines)) if _QUESTION.match(_plain(lines[j].text))), None
        )
        if nxt is None:
            continue
        between = any(
            _NUMBERED.match(_plain(lines[j].text)) or _HEADING.match(lines[j].text)
            for j in range(i + 1, nxt)
        )
        if between:
            continue
        title = numbered.group(2) if numbered else _plain(line.text)
        count += 1
        number = int(numbered.group(1)) if numbered else count
        level = None
        tag = _LEVEL_TAG.search(title)
        if tag:
            level = tag.group(1).lower()
            title = title[: tag.start()].strip()
        starts[i] = Section(number, title.rstrip(":").strip(), line.no, level or level_in(title))
    return starts


def _questions(lines: list[Line]) -> list[GuideQuestion]:
    sections = _section_starts(lines)
    found: list[GuideQuestion] = []
    section: Section | None = None
    i = 0

    def block_end(j: int) -> bool:
        return j in sections or bool(_QUESTION.match(_plain(lines[j].text)))

    while i < len(lines):
        if i in sections:
            section = sections[i]
            i += 1
            continue
        match = _QUESTION.match(_plain(lines[i].text))
        if not match:
            i += 1
            continue
        question = GuideQuestion(len(found) + 1, lines[i].no, section, match.group(1).strip())
        found.append(question)
        i += 1
        prompt = [question.prompt]
        while i < len(lines) and not block_end(i) and not _ANSWER.match(lines[i].text):
            if _label(lines[i].text):
                break
            level = _LEVEL.match(lines[i].text)
            if level:
                question.level = level.group(1).lower()
            else:
                prompt.append(lines[i].text)
            i += 1
        question.prompt = " ".join(" ".join(prompt).split())
        answer: list[str] = []
        if i < len(lines) and (ans := _ANSWER.match(lines[i].text)):
            answer.append(ans.group(1))
            i += 1
            while i < len(lines) and not block_end(i) and not _label(lines[i].text):
                if level := _LEVEL.match(lines[i].text):
                    question.level = level.group(1).lower()
                else:
                    answer.append(lines[i].text)
                i += 1
        question.answer = "\n".join(a for a in answer if a.strip()).strip()
        while i < len(lines) and not block_end(i) and (name := _label(lines[i].text)):
            items, i = _collect_list(
                lines, i + 1, lambda j: block_end(j) or _label(lines[j].text) is not None
            )
            getattr(question, name).extend(items)
        while i < len(lines) and not block_end(i):
            i += 1
    return found


def _label(text: str) -> str | None:
    plain = _plain(text).removeprefix("- ")
    for name, pattern in _LISTS.items():
        if pattern.match(plain):
            return name
    return None


def _mcqs(lines: list[Line]) -> list[GuideMcq]:
    starts = [
        i
        for i, line in enumerate(lines)
        if (_NUMBERED.match(_plain(line.text)) or _QUESTION.match(_plain(line.text)))
        and not _OPTION.match(line.text)
    ]
    found: list[GuideMcq] = []
    errors: list[str] = []
    for n, start in enumerate(starts):
        block = lines[start : starts[n + 1] if n + 1 < len(starts) else len(lines)]
        try:
            found.append(_mcq(len(found) + 1, block))
        except GuideError as exc:
            errors.append(str(exc))
    if errors:
        raise GuideError("\n".join(errors))
    return found


def _mcq(number: int, block: list[Line]) -> GuideMcq:
    head = _plain(block[0].text)
    numbered = _NUMBERED.match(head)
    asked = _QUESTION.match(head)
    stem_parts = [numbered.group(2) if numbered else asked.group(1) if asked else head]
    options: list[GuideOption] = []
    correct: str | None = None
    correct_line = block[0].no
    explanations: dict[str, str] = {}
    general: list[str] = []
    level: str | None = None
    in_explanation = False
    for line in block[1:]:
        text = line.text
        if (found := _CORRECT.match(text)) and not in_explanation:
            correct, correct_line = found.group(1).upper(), line.no
            continue
        if found := _EXPLANATION.match(text):
            in_explanation = True
            if found.group(1).strip():
                general.append(found.group(1).strip())
            continue
        if lvl := _LEVEL.match(text):
            level = lvl.group(1).lower()
            continue
        option = _OPTION.match(text)
        if in_explanation:
            if option and option.group(1).upper() not in explanations:
                explanations[option.group(1).upper()] = option.group(2).strip()
            elif general or explanations or _is_item(text):
                if not _is_item(text) and (explanations or general):
                    last = list(explanations)[-1] if explanations and not general else None
                    if last is not None:
                        explanations[last] += " " + text
                    else:
                        general[-1] += " " + text
                else:
                    general.append(_item_text(text))
            else:
                general.append(_item_text(text))
        elif option and correct is None:
            options.append(GuideOption(option.group(1).upper(), option.group(2).strip()))
        elif options and correct is None:
            options[-1].text += " " + _item_text(text)
        elif not options:
            stem_parts.append(text)
    where = f"line {block[0].no}: MCQ {number}"
    keys = [o.key for o in options]
    if len(options) < 2:
        raise GuideError(f"{where} has {len(options)} option(s); expected A) to D) (2 to 6)")
    expected = [chr(ord("A") + i) for i in range(len(keys))]
    if keys != expected:
        raise GuideError(f"{where}: options are {', '.join(keys)}; expected {', '.join(expected)}")
    if correct is None:
        raise GuideError(f"{where} has no 'Correct Answer: <letter>' line")
    if correct not in keys:
        raise GuideError(
            f"line {correct_line}: MCQ {number}'s correct answer is {correct}, "
            f"but its options are {', '.join(keys)}"
        )
    stem = " ".join(" ".join(stem_parts).split())
    return GuideMcq(
        number,
        block[0].no,
        stem,
        [GuideOption(o.key, " ".join(o.text.split())) for o in options],
        correct,
        {k: " ".join(v.split()) for k, v in explanations.items()},
        [" ".join(g.split()) for g in general],
        level,
    )


def _scenario(head: Line, lines: list[Line]) -> GuideScenario:
    match = _SCENARIO_REGION.match(_plain(head.text))
    title = match.group(1).strip() if match else ""
    setup: list[str] = []
    opening = ""
    stages: list[GuideStage] = []
    red_flags: list[str] = []
    i = 0
    mode = "setup"
    while i < len(lines):
        text = _plain(lines[i].text)
        if _RED_FLAGS.match(text):
            red_flags, i = _collect_list(lines, i + 1, lambda j: False)
            mode = "done"
            continue
        if mode == "done":
            i += 1
            continue
        if found := _SETUP.match(text):
            if found.group(1).strip():
                setup.append(found.group(1).strip())
            i += 1
            continue
        if _FLOW.match(text):
            mode = "stages"
            i += 1
            continue
        numbered = _NUMBERED.match(text)
        if numbered:
            stage_title, _, inline = numbered.group(2).partition(":")
            # Before the flow heading, only a numbered line that opens with the interviewer's
            # question is a stage; after it, every numbered line is, unless it sits inside a
            # candidate's answer (their own numbered plan) and names no interviewer.
            following = _plain(lines[i + 1].text) if i + 1 < len(lines) else ""
            opens = bool(
                _INTERVIEWER.match(inline.strip().removeprefix("- "))
                or (not inline.strip() and _INTERVIEWER.match(following))
            )
            inside_answer = bool(stages) and stages[-1].part == "strong_answer" and not opens
            if opens or (mode == "stages" and not (inside_answer and stages[-1].strong_answer)):
                mode = "stages"
                stages.append(GuideStage(len(stages) + 1, stage_title.strip(), lines[i].no))
                if inline.strip():
                    _stage_line(stages[-1], inline.strip())
                i += 1
                continue
        if mode == "stages" and stages:
            _stage_line(stages[-1], text)
        elif not stages and (found := _INTERVIEWER.match(text)) and not opening:
            opening = _unquote(found.group(1))
        elif not stages:
            setup.append(text)
        i += 1
    level = level_in(" ".join(setup[:1]))
    return GuideScenario(title, head.no, setup, opening, stages, red_flags, level)


def _stage_line(stage: GuideStage, text: str) -> None:
    """Add a line to the part of the stage it belongs to: the last label seen wins."""
    if found := _FOLLOW_UP.match(text):
        stage.reveal, stage.part = _unquote(found.group(1)), "reveal"
    elif found := _INTERVIEWER.match(text):
        stage.prompt, stage.part = _unquote(found.group(1)), "prompt"
    elif found := _CANDIDATE.match(text):
        stage.strong_answer, stage.part = _unquote(found.group(1)), "strong_answer"
    else:
        joined = f"{getattr(stage, stage.part)}\n{text}".strip()
        setattr(stage, stage.part, _unquote(joined))


def _unquote(text: str) -> str:
    text = text.strip()
    if text.startswith('"'):
        text = text[1:]
    if text.endswith('"'):
        text = text[:-1]
    return text.strip()
