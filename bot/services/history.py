"""History for everyone (issue 12): your recent drills, your whole answer next to the model
answer once a drill is revealed, and your accuracy per topic.

Everything here is shown only to the person it is about (``bot.domain.privacy``): the
command replies privately, and every read is of the asker's own answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.items import MultipleChoice, OpenQuestion
from bot.domain.model import Answer, Drill
from bot.messaging.message import (
    Block,
    Context,
    Divider,
    Message,
    Quote,
    Section,
    literal,
    moment,
)
from bot.services import views
from bot.services.answers import Actor
from bot.services.deps import Deps
from bot.services.store import ItemResults

FIRST_LINE = 80
"""Characters of an answer's first line a history entry shows."""


@dataclass(frozen=True)
class Entry:
    """One drill the person answered, with its question (None when it left the library)."""

    answer: Answer
    drill: Drill | None
    item: OpenQuestion | MultipleChoice | None


@dataclass(frozen=True)
class TopicLine:
    """The person's results on one topic: MCQ picks right of picks, mean open-answer score."""

    topic: str
    title: str
    picks: int = 0
    right: int = 0
    open_answers: int = 0
    coverage_sum: float = 0.0

    @property
    def accuracy(self) -> float | None:
        return self.right / self.picks if self.picks else None

    @property
    def coverage(self) -> float | None:
        return self.coverage_sum / self.open_answers if self.open_answers else None

    def describe(self) -> str:
        parts = []
        if self.picks:
            parts.append(f"MCQ {self.right}/{self.picks} right ({self.accuracy:.0%})")
        if self.open_answers:
            parts.append(
                f"key points {self.coverage:.0%} on average over "
                f"{views.count(self.open_answers, 'open answer')}"
            )
        return f"{literal(self.title)}: " + " · ".join(parts)


class History:
    def __init__(self, deps: Deps) -> None:
        self.d = deps

    async def entries(self, actor: Actor, limit: int) -> list[Entry]:
        """The person's latest ``limit`` answers with their drills and questions, newest first."""
        async with self.d.store.transaction(read_only=True) as tx:
            person = await tx.find_person(actor.workspace_id, actor.user_id)
            if person is None:
                return []
            answers = await tx.recent_answers(person.id, limit)
            drills = {d.id: d for d in await tx.get_drills([a.drill_id for a in answers])}
        found = []
        for a in answers:
            drill = drills.get(a.drill_id)
            item = self.d.library.get(drill.item_id) if drill else None
            question = item if isinstance(item, OpenQuestion | MultipleChoice) else None
            found.append(Entry(a, drill, question))
        return found

    async def topics(self, actor: Actor) -> list[TopicLine]:
        """Per topic the person answered, weakest first (lowest of accuracy and coverage).

        Summed by the store per item (``Tx.item_results``), then per topic here: an item
        that left the library counts nowhere."""
        async with self.d.store.transaction(read_only=True) as tx:
            person = await tx.find_person(actor.workspace_id, actor.user_id)
            results = await tx.item_results(person.id) if person else []
        return self.topic_lines(results)

    def topic_lines(self, results: Sequence[ItemResults]) -> list[TopicLine]:
        """``topics`` from item sums already read (`/drill stats` and Home read them with the
        standing, in its transaction)."""
        names = self.d.library.topics()
        lines: dict[str, TopicLine] = {}
        for r in results:
            item = self.d.library.get(r.item_id)
            if not isinstance(item, OpenQuestion | MultipleChoice):
                continue
            line = lines.get(item.topic) or TopicLine(item.topic, names.get(item.topic, item.topic))
            lines[item.topic] = TopicLine(
                line.topic,
                line.title,
                line.picks + r.picks,
                line.right + r.right,
                line.open_answers + r.open_answers,
                line.coverage_sum + r.coverage_sum,
            )

        def weakness(line: TopicLine) -> tuple[float, str]:
            shown = [v for v in (line.accuracy, line.coverage) if v is not None]
            return (min(shown) if shown else 1.0, line.topic)

        return sorted((x for x in lines.values() if x.picks or x.open_answers), key=weakness)

    async def listing(self, actor: Actor, count: int) -> Message:
        return history_message(await self.entries(actor, count), count)

    async def detail(self, actor: Actor, drill_id: int) -> Message:
        """The person's whole answer to the drill next to its model answer, after the reveal."""
        async with self.d.store.transaction(read_only=True) as tx:
            person = await tx.find_person(actor.workspace_id, actor.user_id)
            drill = await tx.get_drill(drill_id)
            answer = await tx.get_answer(drill_id, person.id) if person and drill else None
        if drill is None or answer is None or drill.workspace_id != actor.workspace_id:
            # The same words whether the drill does not exist or is someone else's: nothing
            # about other people's answers is given away.
            return views.error(
                f"You have no answer to drill #{drill_id}. `/drill history` lists the drills "
                "you answered, with their numbers."
            )
        item = self.d.library.get(drill.item_id)
        if not isinstance(item, OpenQuestion | MultipleChoice):
            return views.error(f"The question of drill #{drill_id} is no longer in the library.")
        return answer_detail(drill, item, answer)


def _first_line(text: str) -> str:
    line = next((x.strip() for x in text.splitlines() if x.strip()), "")
    return line if len(line) <= FIRST_LINE else line[: FIRST_LINE - 1].rstrip() + "…"


def _missed(item: OpenQuestion, answer: Answer) -> list[str]:
    missed = [p.id for p in item.key_points if p.id not in answer.covered]
    # The labels only (as feedback before the reveal): `history #n` shows the points.
    return views._missed_areas(item, missed)


def entry_line(entry: Entry) -> str:
    a, item = entry.answer, entry.item
    number = f"#{a.drill_id}"
    title = literal(views._first_words(item.summary, 60)) if item else "a retired question"
    head = f"*{a.local_date:%a %d %b}* · {number} · {title}"
    if a.choice is not None:
        verdict = "right" if a.correct else "wrong"
        body = f"You picked {a.choice} ({verdict})"
    else:
        body = f"“{literal(_first_line(a.text or ''))}”"
    tail = f"{views.count(a.points, 'point')}"
    if isinstance(item, OpenQuestion):
        missed = _missed(item, a)
        tail += " · missed: " + (", ".join(literal(m) for m in missed) if missed else "nothing")
    return f"{head}\n{body}\n{tail}"


def history_message(entries: Sequence[Entry], asked: int) -> Message:
    if not entries:
        return views.notice(
            "You have not answered a drill yet. Answer today's with `/drill answer <text>` "
            "(or the buttons on a multiple-choice one); they show up here."
        )
    head = f"Your last {views.count(len(entries), 'drill')}"
    if len(entries) < asked:
        head = f"Your {views.count(len(entries), 'drill')} so far"
    blocks: list[Block] = [Section(f"*{head}*, newest first (only you see this)")]
    blocks += [Section(entry_line(e)) for e in entries]
    blocks.append(
        Context(
            "`/drill history #<drill>` shows your whole answer next to the model answer once "
            "the drill is revealed; `/drill history 20` lists more."
        )
    )
    return Message(text=head, blocks=tuple(blocks), kind="stats")


def answer_detail(drill: Drill, item: OpenQuestion | MultipleChoice, answer: Answer) -> Message:
    name = views.drill_name(drill, item)
    if drill.revealed_at is None:
        when = moment(drill.reveal_at, f"{drill.reveal_at:%a %d %b %H:%M} UTC")
        return views.notice(
            f"Drill {name} is not revealed yet: it reveals {when}, and your answer and the model "
            "answer show here then. "
            "Until then you can still edit your answer."
        )
    head = f"Your answer to {name}"
    blocks: list[Block] = [
        Section(f"*{literal(head)}* · {views.count(answer.points, 'point')}"),
    ]
    if isinstance(item, OpenQuestion):
        blocks.append(Section("*Your answer*"))
        blocks.append(Quote(answer.text or ""))
        missed = [p.text for p in item.key_points if p.id not in answer.covered]
        covered = [p.text for p in item.key_points if p.id in answer.covered]
        blocks.append(
            Context(
                f"{views.coverage_words(len(covered), len(item.key_points))} · "
                f"score {answer.coverage or 0:.0%}"
            )
        )
        if missed:
            blocks.append(Section("*Missed*\n" + views._bullets(missed)))
        blocks += [Divider(), Section("*Model answer*\n" + item.model_answer.strip())]
    else:
        correct = item.correct_key
        picked = item.option(answer.choice or "")
        verdict = "right" if answer.correct else "wrong"
        blocks.append(
            Section(
                f"*Question*\n{item.stem}\n*You picked {answer.choice}* ({verdict})"
                + (f": {picked.text}" if picked else "")
            )
        )
        right = item.option(correct)
        if right is not None:
            blocks.append(Section(f"*The answer is {correct}*: {right.text}\n{right.explanation}"))
    return Message(text=head, blocks=tuple(blocks), kind="stats")
