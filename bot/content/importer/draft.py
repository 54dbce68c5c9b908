"""Turn a parsed guide into draft items: plain mappings in the pack format, plus what is missing.

Every item carries ``draft: true``; anything the guide does not give is filled with a ``TODO``
placeholder (so the item still loads) and listed as a gap, which ``content check --drafts``
refuses until a reviewer fills it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.content.importer.matchers import (
    Salience,
    content_words,
    context_of,
    draft_covered_by,
    draft_signals,
    label_for,
    slug,
)
from bot.content.importer.parse import (
    LEVELS,
    Guide,
    GuideMcq,
    GuideQuestion,
    GuideScenario,
    GuideStage,
    Section,
)
from bot.domain.text import STOPWORDS, stem, words

DEFAULT_LEVEL = "mid"
GENERAL_TOPIC = ("general", "General")
TODO = "TODO"
TITLE_MAX = 80
MAX_RUBRIC_POINTS = 4
_DEBRIEF_STAGE = re.compile(r"post[- ]?mortem|retro|prevent|debrief|follow[- ]?through", re.I)
_ALERT = re.compile(r"alert[^:\"]*:\s*\"?(.+?)\"?\s*$", re.IGNORECASE)
_TOPIC_NOISE = frozenset("node js nodejs".split())


@dataclass(frozen=True)
class Gap:
    item: str
    field: str
    why: str


@dataclass
class Draft:
    manifest: dict[str, Any]
    files: dict[str, dict[str, Any]]
    """Path inside the pack -> the item written there."""
    gaps: list[Gap] = field(default_factory=list)
    notes: list[Gap] = field(default_factory=list)
    """Fields filled by a weaker rule than the guide's own text, worth a closer look."""


def topic_id(title: str) -> str:
    """The topic a section title names: the part after a colon ("Advanced Node.js: Performance &
    Concurrency" -> performance-concurrency), without parentheses, stop words or "Node.js",
    at most four words."""
    text = re.sub(r"\([^)]*\)", " ", title)
    if ":" in text:
        text = text.split(":", 1)[1]
    kept = [w for w in words(text) if w not in STOPWORDS and w not in _TOPIC_NOISE]
    return "-".join(kept[:4])[:40].strip("-") or GENERAL_TOPIC[0]


def build(guide: Guide, pack: str, source: str, licence: str | None = None) -> Draft:
    texts = [
        t for q in guide.questions for t in (*q.key_points, *q.mistakes, *q.answer.splitlines())
    ]
    if guide.scenario:
        texts += guide.scenario.red_flags
        texts += [line for s in guide.scenario.stages for line in _chunks(s.strong_answer)]
    salience = Salience(texts or [""])
    topics: dict[str, str] = {}
    section_topics: list[tuple[str, set[str]]] = []
    for q in guide.questions:
        tid, title = _topic(q.section)
        topics.setdefault(tid, title)
        bag = _stems(" ".join([q.section.title if q.section else "", q.prompt, *q.key_points]))
        section_topics.append((tid, bag))
    draft = Draft(manifest={}, files={})
    id_prefix = pack[:48].strip("-")
    for q in guide.questions:
        draft.files[f"open/q{q.number}.yml"] = _open(q, id_prefix, source, salience, draft)
    for m in guide.mcqs:
        closest = _closest(" ".join([m.stem, *(o.text for o in m.options)]), section_topics)
        if closest is None:
            topics.setdefault(*GENERAL_TOPIC)
        item = _mcq(m, id_prefix, closest or GENERAL_TOPIC[0], draft)
        draft.files[f"mcq/mcq{m.number}.yml"] = item
    if guide.scenario:
        s = guide.scenario
        text = " ".join([*s.setup, *(st.strong_answer for st in s.stages)])
        closest = _closest(text, section_topics)
        if closest is None:
            topics.setdefault(*GENERAL_TOPIC)
        item = _incident(s, id_prefix, closest or GENERAL_TOPIC[0], salience, draft)
        draft.files["incidents/scenario.yml"] = item
    draft.manifest = {
        "name": pack,
        "version": "0.1.0",
        "description": f"Draft pack imported from {source} by drillbot content import; "
        "every item awaits review.",
        "license": licence or "unknown: the source guide states no licence",
        "topics": topics,
        "levels": list(LEVELS),
    }
    if licence is None:
        draft.notes.insert(
            0,
            Gap("pack.yml", "license", "the guide states none; do not publish its wording"),
        )
    return draft


def _topic(section: Section | None) -> tuple[str, str]:
    if section is None:
        return GENERAL_TOPIC
    return topic_id(section.title), section.title


def _stems(text: str) -> set[str]:
    return {stem(w) for w in content_words(text)}


def _closest(text: str, sections: Sequence[tuple[str, set[str]]]) -> str | None:
    """The section whose question shares most words with ``text``: MCQs and the scenario sit in
    sections of their own, so they take the topic of the question they are closest to."""
    mine = _stems(text)
    best: tuple[float, str] | None = None
    for tid, bag in sections:
        score = len(mine & bag) / (len(mine) or 1)
        if best is None or score > best[0]:
            best = (score, tid)
    if best is None or best[0] == 0:
        return None
    return best[1]


def _level(stated: str | None, section: Section | None = None) -> str:
    for level in (stated, section.level if section else None):
        if level in LEVELS:
            return level
    return DEFAULT_LEVEL


def _title(prompt: str) -> str:
    first = re.split(r"(?<=[.?!])\s+", prompt.strip(), maxsplit=1)[0].rstrip(".")
    if len(first) <= TITLE_MAX:
        return first
    cut = first[: TITLE_MAX - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def _unique(base: str, taken: set[str]) -> str:
    out, n = base, 2
    while out in taken:
        suffix = f"-{n}"
        out = base[: 64 - len(suffix)] + suffix
        n += 1
    taken.add(out)
    return out


def _key_points(
    texts: Sequence[str],
    salience: Salience,
    context: Counter[str],
    where: str,
    field_name: str,
    draft: Draft,
) -> list[dict[str, Any]]:
    taken: set[str] = set()
    points: list[dict[str, Any]] = []
    for text in texts:
        rules = draft_covered_by(text, salience, context)
        if not rules:
            draft.gaps.append(Gap(where, field_name, f"no rule could be drafted for {text!r}"))
            rules = ["todo"]
        points.append(
            {
                "id": _unique(slug(label_for(text) or text), taken),
                "label": label_for(text) or TODO,
                "text": text,
                "covered_by": rules,
            }
        )
    return points


def _mistakes(
    texts: Sequence[str],
    salience: Salience,
    context: Counter[str],
    where: str,
    field_name: str,
    draft: Draft,
) -> list[dict[str, Any]]:
    taken: set[str] = set()
    out: list[dict[str, Any]] = []
    for text in texts:
        rules = draft_signals(text, salience, context)
        if not rules:
            draft.gaps.append(Gap(where, field_name, f"no rule could be drafted for {text!r}"))
            rules = ["todo"]
        out.append({"id": _unique(slug(text), taken), "text": text, "signals": rules})
    return out


def _placeholder_point(what: str) -> dict[str, Any]:
    return {"id": "todo", "label": "todo", "text": f"{TODO}: {what}", "covered_by": ["todo"]}


def _open(
    q: GuideQuestion, prefix: str, source: str, salience: Salience, draft: Draft
) -> dict[str, Any]:
    where = f"open/q{q.number}.yml"
    tid, _ = _topic(q.section)
    if not q.answer:
        draft.gaps.append(Gap(where, "model_answer", "no 'A:' answer follows the question"))
    context = context_of(q.prompt, q.answer)
    key_points = _key_points(q.key_points, salience, context, where, "key_points", draft)
    if not key_points:
        draft.gaps.append(Gap(where, "key_points", "the guide lists no 'Key Points:'"))
        key_points = [_placeholder_point("the points a strong answer covers")]
    if not q.mistakes:
        draft.gaps.append(Gap(where, "mistakes", "the guide lists no 'Common Mistakes:'"))
    if not q.follow_ups:
        draft.gaps.append(Gap(where, "follow_ups", "the guide lists no 'Follow-up Questions:'"))
    if q.level is None and (q.section is None or q.section.level is None):
        draft.notes.append(Gap(where, "level", f"not stated; the default {DEFAULT_LEVEL}"))
    section = f"section {q.section.number} ({q.section.title})" if q.section else "no section"
    item: dict[str, Any] = {
        "kind": "open",
        "id": f"{prefix}-q{q.number}",
        "draft": True,
        "topic": tid,
        "level": _level(q.level, q.section),
        "origin": f"guide:q{q.number}",
        "title": _title(q.prompt),
        "prompt": q.prompt,
        "model_answer": q.answer or f"{TODO}: the guide gives no answer",
        "key_points": key_points,
        "mistakes": _mistakes(q.mistakes, salience, context, where, "mistakes", draft),
        "follow_ups": q.follow_ups,
        "notes": f"Imported from {source}, {section}, line {q.line}. The text is the guide's "
        "own: rewrite it in your own words and review the drafted rules before deleting "
        "the draft line.",
    }
    return item


def _mcq(m: GuideMcq, prefix: str, topic: str, draft: Draft) -> dict[str, Any]:
    where = f"mcq/mcq{m.number}.yml"
    general = " ".join(m.general)
    options: list[dict[str, Any]] = []
    for option in m.options:
        explanation = m.explanations.get(option.key)
        if explanation is None and general:
            if option.key == m.correct:
                explanation = general
            else:
                explanation = f"Not the best answer; {m.correct} is. {general}"
            draft.notes.append(
                Gap(where, f"options[{option.key}].explanation", "drafted from the general one")
            )
        if explanation is None:
            draft.gaps.append(
                Gap(where, f"options[{option.key}].explanation", "the guide explains no option")
            )
            explanation = (
                f"{TODO}: why {option.key} is {'right' if option.key == m.correct else 'wrong'}"
            )
        entry: dict[str, Any] = {"key": option.key, "text": option.text}
        if option.key == m.correct:
            entry["correct"] = True
        entry["explanation"] = explanation
        options.append(entry)
    if m.level is None:
        draft.notes.append(Gap(where, "level", f"not stated; the default {DEFAULT_LEVEL}"))
    return {
        "kind": "mcq",
        "id": f"{prefix}-mcq{m.number}",
        "draft": True,
        "topic": topic,
        "level": _level(m.level),
        "origin": f"guide:mcq{m.number}",
        "stem": m.stem,
        "options": options,
        "notes": f"Imported from the guide's MCQ {m.number}, line {m.line}; topic chosen by the "
        "question it shares most words with. Rewrite in your own words before deleting the "
        "draft line.",
    }


def _chunks(text: str) -> list[str]:
    """A candidate's answer cut into the statements it makes, for rubric points and debriefs."""
    pieces = re.split(r"\n|\s(?=\d+\.\s+[A-Z])|(?<=[.!?])\s+(?=[A-Z])|\s-\s(?=[A-Z])", text)
    out: list[str] = []
    for piece in pieces:
        piece = re.sub(r"^(?:-\s+|\d+\.\s+)", "", piece.strip()).strip()
        if len(content_words(piece)) >= 3:
            out.append(piece)
    return out


def _stage(
    stage: GuideStage,
    taken: set[str],
    salience: Salience,
    context: Counter[str],
    where: str,
    draft: Draft,
) -> dict[str, Any]:
    here = f"{where} stage {stage.number}"
    rubric_texts = _chunks(stage.strong_answer)[:MAX_RUBRIC_POINTS]
    rubric = _key_points(rubric_texts, salience, context, here, "rubric", draft)
    if rubric:
        draft.notes.append(Gap(here, "rubric", "drafted from the candidate response"))
    else:
        draft.gaps.append(Gap(here, "rubric", "no candidate response to draft it from"))
        rubric = [_placeholder_point("what a strong answer covers at this stage")]
    if not stage.prompt:
        draft.gaps.append(Gap(here, "prompt", "no 'Interviewer:' question"))
    if not stage.strong_answer:
        draft.gaps.append(Gap(here, "strong_answer", "no 'Candidate Response:'"))
    out: dict[str, Any] = {
        "id": _unique(slug(stage.title, 3) if stage.title else f"stage-{stage.number}", taken),
        "title": stage.title or f"{TODO}: stage {stage.number}",
        "prompt": stage.prompt or f"{TODO}: the interviewer's question",
        "rubric": rubric,
        "strong_answer": stage.strong_answer or f"{TODO}: a strong answer",
    }
    if stage.reveal:
        out["reveal"] = stage.reveal
    return out


def _incident(
    s: GuideScenario, prefix: str, topic: str, salience: Salience, draft: Draft
) -> dict[str, Any]:
    where = "incidents/scenario.yml"
    first = s.setup[0] if s.setup else ""
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", first, maxsplit=1)
    role = sentences[0] if first else ""
    alert_line = next((line for line in s.setup if _ALERT.search(line)), "")
    alert = _ALERT.search(alert_line)
    system = " ".join(
        [*sentences[1:], *(line for line in s.setup[1:] if line != alert_line)]
    ).strip()
    for name, value in (("setup.role", role), ("setup.system", system), ("setup.alert", alert)):
        if not value:
            draft.gaps.append(Gap(where, name, "not found in the scenario setup"))
    if not s.opening:
        draft.gaps.append(Gap(where, "opening", "no opening 'Interviewer:' line before stage 1"))
    taken: set[str] = set()
    context = context_of(*s.setup, *(f"{st.prompt} {st.strong_answer}" for st in s.stages))
    stages = [_stage(st, taken, salience, context, where, draft) for st in s.stages]
    if not stages:
        draft.gaps.append(Gap(where, "stages", "no numbered stages with 'Interviewer:' lines"))
        stages = [
            {
                "id": "todo",
                "title": TODO,
                "prompt": TODO,
                "rubric": [_placeholder_point("the stage's points")],
                "strong_answer": TODO,
            }
        ]
    debrief: list[str] = []
    if s.stages and _DEBRIEF_STAGE.search(s.stages[-1].title):
        debrief = _chunks(s.stages[-1].strong_answer)
        # "I would lead a review to:" introduces the list; it is not a point of it.
        debrief = [c for c in debrief if not c.endswith(":")]
    if debrief:
        draft.notes.append(Gap(where, "debrief", "drafted from the last stage's answer"))
    else:
        draft.gaps.append(Gap(where, "debrief", "no post-mortem stage to draft it from"))
        debrief = [f"{TODO}: what the debrief should cover"]
    if s.level is None:
        draft.notes.append(Gap(where, "level", f"not stated; the default {DEFAULT_LEVEL}"))
    return {
        "kind": "incident",
        "id": f"incident-{prefix}",
        "draft": True,
        "topic": topic,
        "level": _level(s.level),
        "origin": "guide:scenario",
        "title": s.title or f"{TODO}: a title that sets the scene",
        "setup": {
            "role": role or f"{TODO}: who the candidate is",
            "system": system or f"{TODO}: the system",
            "alert": alert.group(1) if alert else f"{TODO}: the alert",
        },
        "opening": s.opening or (s.stages[0].prompt if s.stages else "") or TODO,
        "stages": stages,
        "red_flags": _mistakes(s.red_flags, salience, context, where, "red_flags", draft),
        "debrief": debrief,
        "notes": f"Imported from the guide's mock interview scenario, line {s.line}. Titles "
        "must not name the diagnosis, and the scenario's numbers must add up (see "
        "content/README.md); rewrite in your own words before deleting the draft line.",
    }
