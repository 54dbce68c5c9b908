"""The three kinds of item a content pack holds: open questions, MCQs and incident scenarios.

Matchers (`covered_by`, `signals`) are small rules a person writes by hand:
``"libuv | thread pool + offload | hand off"`` means *(libuv or thread pool) and (offload or
hand off)*. An item lists several rules; any one that matches is enough. See
``content/README.md`` for the full format.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

ID_PATTERN = r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$"

Identifier = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=64)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def parse_rule(rule: str) -> tuple[tuple[str, ...], ...]:
    """Split a matcher rule into AND-groups of OR-alternatives; raise ValueError when empty."""
    if not rule.strip():
        raise ValueError("empty matcher rule")
    groups: list[tuple[str, ...]] = []
    for raw_group in rule.split("+"):
        alternatives = tuple(a.strip() for a in raw_group.split("|"))
        if not raw_group.strip() or any(not a for a in alternatives):
            raise ValueError(f"empty alternative in matcher rule {rule!r}")
        if any(not re.search(r"\w", a) for a in alternatives):
            raise ValueError(f"alternative without letters or digits in matcher rule {rule!r}")
        groups.append(alternatives)
    return tuple(groups)


def _check_rules(rules: list[str]) -> list[str]:
    if not rules:
        raise ValueError("needs at least one matcher rule")
    for rule in rules:
        parse_rule(rule)
    return rules


class KeyPoint(Strict):
    id: Identifier
    text: Text
    label: str = ""
    """A short area label ("status codes for conflicts"): what feedback names for a missed point
    before the reveal, without handing over the point itself."""
    weight: float = Field(default=1.0, gt=0, le=5)
    covered_by: list[str]

    _rules = field_validator("covered_by")(_check_rules)


class Mistake(Strict):
    id: Identifier
    text: Text
    signals: list[str]

    _rules = field_validator("signals")(_check_rules)


def _unique_ids(things: list[KeyPoint] | list[Mistake] | list[Stage], what: str) -> None:
    seen: set[str] = set()
    for thing in things:
        if thing.id in seen:
            raise ValueError(f"duplicate {what} id {thing.id!r}")
        seen.add(thing.id)


class ItemBase(Strict):
    id: Identifier
    topic: Identifier
    level: Identifier
    origin: str | None = None
    notes: str | None = None
    """Where the source material is loose or wrong, and what this item follows instead."""
    draft: bool = False
    """Written by `drillbot content import` and not yet reviewed: never posted or offered for
    practice. A reviewer clears it by deleting the line."""


class OpenQuestion(ItemBase):
    kind: Literal["open"]
    title: Text
    prompt: Text
    model_answer: Text
    key_points: list[KeyPoint] = Field(min_length=1)
    mistakes: list[Mistake] = Field(default_factory=list)
    follow_ups: list[Text] = Field(default_factory=list)
    references: list[Text] = Field(default_factory=list)

    @field_validator("key_points")
    @classmethod
    def _key_point_ids(cls, v: list[KeyPoint]) -> list[KeyPoint]:
        _unique_ids(v, "key point")
        return v

    @field_validator("mistakes")
    @classmethod
    def _mistake_ids(cls, v: list[Mistake]) -> list[Mistake]:
        _unique_ids(v, "mistake")
        return v

    @property
    def summary(self) -> str:
        return self.title


class Option(Strict):
    key: Annotated[str, StringConstraints(pattern=r"^[A-F]$")]
    text: Text
    correct: bool = False
    explanation: Text


class MultipleChoice(ItemBase):
    kind: Literal["mcq"]
    stem: Text
    options: list[Option] = Field(min_length=2, max_length=6)

    @field_validator("options")
    @classmethod
    def _one_correct(cls, options: list[Option]) -> list[Option]:
        keys = [o.key for o in options]
        if len(set(keys)) != len(keys):
            raise ValueError(f"option keys repeat: {', '.join(keys)}")
        expected = [chr(ord("A") + i) for i in range(len(keys))]
        if keys != expected:
            raise ValueError(
                f"option keys must be {', '.join(expected)} in order, not {', '.join(keys)}"
            )
        correct = [o.key for o in options if o.correct]
        if len(correct) != 1:
            raise ValueError(
                f"exactly one option must be correct, found {len(correct)}"
                + (f" ({', '.join(correct)})" if correct else "")
            )
        return options

    @property
    def correct_key(self) -> str:
        return next(o.key for o in self.options if o.correct)

    def option(self, key: str) -> Option | None:
        return next((o for o in self.options if o.key == key.upper()), None)

    @property
    def summary(self) -> str:
        return self.stem


class Setup(Strict):
    role: Text
    system: Text
    alert: Text


class Stage(Strict):
    id: Identifier
    title: Text
    prompt: Text
    """What the interviewer asks at this stage."""
    rubric: list[KeyPoint] = Field(min_length=1)
    """What a strong answer covers."""
    strong_answer: Text
    """The model walk-through for this stage, shown in the debrief."""
    reveal: Text | None = None
    """Facts the interviewer gives after the answer; the last stage may have none."""
    hint: Text | None = None

    @field_validator("rubric")
    @classmethod
    def _rubric_ids(cls, v: list[KeyPoint]) -> list[KeyPoint]:
        _unique_ids(v, "rubric point")
        return v


class Incident(ItemBase):
    kind: Literal["incident"]
    title: Text
    setup: Setup
    opening: Text
    stages: list[Stage] = Field(min_length=1)
    red_flags: list[Mistake] = Field(default_factory=list)
    debrief: list[Text] = Field(min_length=1)
    """The post-mortem checklist and the points a debrief should make."""

    @field_validator("stages")
    @classmethod
    def _stage_ids(cls, v: list[Stage]) -> list[Stage]:
        _unique_ids(v, "stage")
        return v

    @field_validator("red_flags")
    @classmethod
    def _red_flag_ids(cls, v: list[Mistake]) -> list[Mistake]:
        _unique_ids(v, "red flag")
        return v

    @property
    def summary(self) -> str:
        return self.title


Item = Annotated[OpenQuestion | MultipleChoice | Incident, Field(discriminator="kind")]
AnyItem = OpenQuestion | MultipleChoice | Incident


class Manifest(Strict):
    name: Identifier
    version: Text
    description: Text
    license: Text
    topics: dict[Identifier, Text] = Field(min_length=1)
    """Topic id -> the title people see."""
    levels: list[Identifier] = Field(min_length=1)
    """Ordered from the most junior to the most senior."""
