"""Spaced practice: recording reviews, `/drill practice [topic] [n]`, `practice stats`, and
self-ratings. The rules are in ``bot.domain.reviews``; this module reads and writes the cards.

A practice session is kept in the existing ``practice`` row (item ids, space-separated): the
question being answered, one per kind as before, plus ``next:<item id>`` entries for the rest
of the session, which the library lookup of the older code skips.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.domain import reviews as rules
from bot.domain.items import MultipleChoice, OpenQuestion
from bot.domain.model import Answer, Channel
from bot.domain.reviews import Grade, Review
from bot.messaging.message import Action, Actions, Block, Button, Context, Divider, Message, Section
from bot.services import views
from bot.services.deps import Deps
from bot.services.store import Tx

NEXT = "next:"
MAX_SESSION = 20
"""The most items one `/drill practice n` queues."""

Item = OpenQuestion | MultipleChoice


@dataclass(frozen=True)
class Session:
    current: list[str]
    queued: list[str]

    @classmethod
    def parse(cls, stored: str | None) -> Session:
        words = (stored or "").split()
        return cls(
            [w for w in words if not w.startswith(NEXT)],
            [w[len(NEXT) :] for w in words if w.startswith(NEXT)],
        )

    def dump(self) -> str:
        return " ".join([*self.current, *(NEXT + q for q in self.queued)])


class Practice:
    def __init__(self, deps: Deps) -> None:
        self.d = deps
        self.scheduler = deps.settings.fsrs.scheduler()

    # --- reviews ---------------------------------------------------------------------------
    async def record(
        self, tx: Tx, person_id: int, item: Item, grade: Grade, now: dt.datetime, practice: bool
    ) -> Review:
        """One graded answer, daily or practice, as a review of the person's card."""
        stored = await tx.get_review(person_id, item.id)
        before = stored.card if stored else None
        card = rules.review(self.scheduler, before, grade, now)
        done = Review(
            person_id=person_id,
            item_id=item.id,
            topic=item.topic,
            card=card,
            grade=grade,
            before=before,
            practice_reviews=(stored.practice_reviews if stored else 0) + (1 if practice else 0),
        )
        await tx.save_review(done)
        return done

    async def review_drill(self, tx: Tx, item: Item, answers: Sequence[Answer]) -> int:
        """A revealed drill's answers as reviews of their people's cards, in the transaction
        that marks the reveal: once per drill, and off the answer path (which stays one
        statement). Each review is dated when its answer was first sent and graded as it was
        then (an edit made after reading the feedback would rate what the feedback taught). A
        card reviewed since (a practice answer) is left as it is. Returns the reviews made."""
        if not answers:
            return 0
        stored = await tx.item_reviews(item.id, [a.person_id for a in answers])
        done: list[Review] = []
        for a in sorted(answers, key=lambda a: (a.created_at, a.id)):
            before = stored.get(a.person_id)
            last = before.card.last_review if before else None
            if last is not None and last >= a.created_at:
                continue
            if isinstance(item, MultipleChoice):
                grade = rules.mcq_grade(bool(a.correct))
            else:
                first = a.first_score if a.first_score is not None else a.coverage
                grade = rules.open_grade(first or 0.0)
            card = before.card if before else None
            card = rules.review(self.scheduler, card, grade, a.created_at)
            done.append(
                Review(
                    person_id=a.person_id,
                    item_id=item.id,
                    topic=item.topic,
                    card=card,
                    grade=grade,
                    before=before.card if before else None,
                    practice_reviews=before.practice_reviews if before else 0,
                )
            )
        await tx.save_reviews(done)
        return len(done)

    async def rate(self, tx: Tx, person_id: int, item_id: str | None, grade: Grade) -> Message:
        """A self-rating replaces the last review's grade of the item (the last reviewed one
        when ``item_id`` is None)."""
        if item_id is None:
            mine = [r for r in await tx.reviews(person_id) if r.card.last_review is not None]
            stored = max(mine, key=lambda r: r.card.last_review or r.card.due, default=None)
        else:
            stored = await tx.get_review(person_id, item_id)
        if stored is None:
            return views.error("There is nothing to rate yet: answer a question first.")
        rated = rules.rerate(self.scheduler, stored, grade)
        await tx.save_review(rated)
        item = self.d.library.get(stored.item_id)
        title = _title(item) if isinstance(item, OpenQuestion | MultipleChoice) else stored.item_id
        text = f"Rated *{grade.label}*: “{title}” comes back {_when(rated.card.due, self.d)}."
        return Message(text=text, blocks=(Section(text),), kind="feedback")

    # --- sessions --------------------------------------------------------------------------
    def rotation(self, channel: Channel | None, topic: str | None) -> list[tuple[str, str]]:
        """New items in the channel's topic rotation (its topic filter's order, else the
        library's), interleaved by topic."""
        lib = self.d.library
        items: list[Item] = [*lib.open_questions(), *lib.mcqs()]
        schedule = channel.schedule if channel else None
        if schedule and schedule.topics:
            items = [i for i in items if i.topic in schedule.topics]
        if schedule and schedule.levels:
            items = [i for i in items if i.level in schedule.levels]
        order = list(schedule.topics) if schedule and schedule.topics else list(lib.topics())
        pairs = [(i.id, i.topic) for i in items if topic in (None, i.topic)]
        return rules.rotation_order(pairs, order)

    async def start(
        self, tx: Tx, person_id: int, channel: Channel | None, topic: str | None, count: int
    ) -> Message:
        now = self.d.clock.now()
        mine = await tx.reviews(person_id)
        chosen = rules.next_items(mine, self.rotation(channel, topic), now, count, topic)
        items = [
            i
            for i in (self.d.library.get(c) for c in chosen)
            if isinstance(i, OpenQuestion | MultipleChoice)
        ]
        if not items:
            where = f" in `{topic}`" if topic else ""
            return views.error(f"Nothing to practise{where} right now: no question is due.")
        first, rest = items[0], items[1:]
        await self._ask(tx, person_id, first, [i.id for i in rest], now)
        due = len(rules.due_order(mine, now))
        head = f"Practice: {len(items)} question{'s' if len(items) != 1 else ''}"
        head += f" ({due} due now)." if due else " (nothing due: new ones)."
        return _joined(Message(text=head, blocks=(Context(head),)), self._question(first))

    async def after_answer(
        self, tx: Tx, person_id: int, item: Item, grade: Grade, feedback: Message
    ) -> Message:
        """Record a practice answer, add the rating buttons and the session's next question."""
        now = self.d.clock.now()
        session = Session.parse(await tx.get_practice(person_id))
        if item.id not in session.current:
            # Answered already (a second click on the question's buttons, a platform retry):
            # the feedback again, but one answer is one review.
            return feedback
        await self.record(tx, person_id, item, grade, now, practice=True)
        rating = rating_buttons(item, grade)
        note = Context(
            f"Counted as *{grade.label}*. Rate yourself to change it "
            "(`/drill practice rate again|hard|good|easy`)."
        )
        message = replace(feedback, blocks=(*feedback.blocks, note, rating))
        upcoming = [
            n
            for n in (self.d.library.get(q) for q in session.queued)
            if isinstance(n, OpenQuestion | MultipleChoice)
        ]
        current = [c for c in session.current if c != item.id]
        if not upcoming:
            await tx.set_practice(person_id, " ".join(current) or None, now)
            return message
        following = upcoming[0]
        await self._ask(tx, person_id, following, [u.id for u in upcoming[1:]], now, current)
        return _joined(message, self._question(following))

    async def _ask(
        self,
        tx: Tx,
        person_id: int,
        item: Item,
        queued: list[str],
        now: dt.datetime,
        current: list[str] | None = None,
    ) -> None:
        if current is None:
            current = Session.parse(await tx.get_practice(person_id)).current
        lib = self.d.library
        # One question per kind, as `/drill question` and `/drill mcq` keep them.
        kept = [c for c in current if (o := lib.get(c)) is not None and o.kind != item.kind]
        await tx.set_practice(person_id, Session([*kept, item.id], queued).dump(), now)

    def _question(self, item: Item) -> Message:
        topics = self.d.library.topics()
        return views.drill_message(item, topics.get(item.topic, item.topic), "UTC", drill=None)

    # --- stats -----------------------------------------------------------------------------
    async def stats(self, tx: Tx, person_id: int) -> Message:
        now = self.d.clock.now()
        mine = await tx.reviews(person_id)
        if not mine:
            text = "No reviews yet: answer a drill or try `/drill practice`."
            return Message(text=text, blocks=(Section(text),), kind="info")
        day_end = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), dt.UTC)
        today = sum(1 for r in mine if r.card.due < day_end)
        week = sum(1 for r in mine if r.card.due < day_end + dt.timedelta(days=6))
        estimate = rules.retention(self.scheduler, (r.card for r in mine), now)
        strengths = rules.topic_strengths(self.scheduler, mine, now)
        topics = self.d.library.topics()
        lines = [
            f"Due today: *{today}* · this week: *{week}* · cards: {len(mine)}",
            f"Retention estimate: *{round(100 * (estimate or 0))}%*",
        ]
        if strengths:
            best, worst = strengths[0], strengths[-1]
            lines.append(
                f"Strongest: {topics.get(best.topic, best.topic)} ({round(100 * best.retention)}%)"
            )
            if worst is not best:  # one topic is not both
                lines.append(
                    f"Weakest: {topics.get(worst.topic, worst.topic)} "
                    f"({round(100 * worst.retention)}%)"
                )
        blocks: list[Block] = [Section("*Practice*"), *(Section(line) for line in lines)]
        return Message(text="\n".join(lines), blocks=tuple(blocks), kind="info")

    async def stats_line(self, tx: Tx, person_id: int) -> str | None:
        """`/drill stats`'s practice line: practice answers apart from the daily board."""
        mine = await tx.reviews(person_id)
        if not mine:
            return None
        practised = sum(r.practice_reviews for r in mine)
        due = len(rules.due_order(mine, self.d.clock.now()))
        return f"Practice (kept apart from the board): {practised} answered, {due} due now"


def rating_buttons(item: Item, counted: Grade | None = None) -> Actions:
    """Again/Hard/Good/Easy for the item (``counted``, the rating given, stands out)."""
    return Actions(
        tuple(
            Button(Action.RATE, g.label, f"{item.id}:{g.name.lower()}", primary=g is counted)
            for g in Grade
        )
    )


def with_self_rating(reveal: Message, item: Item) -> Message:
    """A reveal with the rating buttons: each person who answered may say how well they knew
    it, which replaces the rating their answer gave (the reply is private to them)."""
    note = Context(
        "Answered it? Rate how well you knew it: that sets when it comes back to you in "
        "`/drill practice`."
    )
    return replace(reveal, blocks=(*reveal.blocks, note, rating_buttons(item)))


def _title(item: Item) -> str:
    return item.title if isinstance(item, OpenQuestion) else views._first_words(item.stem)


def _when(due: dt.datetime, deps: Deps) -> str:
    days = (due - deps.clock.now()).total_seconds() / 86400
    if days < 1:
        return "within a day"
    return f"in {round(days)} day{'s' if round(days) != 1 else ''}"


def _joined(first: Message, second: Message) -> Message:
    return Message(
        text=first.text + "\n" + second.text,
        blocks=(*first.blocks, Divider(), *second.blocks),
        kind=first.kind,
    )
