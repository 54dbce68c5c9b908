"""Messages the core sends, built from the platform-neutral model."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from bot.domain import scoring
from bot.domain.grading import Grade
from bot.domain.items import MultipleChoice, OpenQuestion
from bot.domain.model import Answer, AwayPeriod, Drill, DrillStats, LeaderboardRow
from bot.domain.standings import incident_practice, placed
from bot.messaging.message import (
    Action,
    Actions,
    Block,
    Button,
    Context,
    Divider,
    Fields,
    Message,
    Quote,
    Section,
    Table,
    literal,
    moment,
)

PERIOD_TITLES = {
    "this-week": "This week",
    "last-week": "Last week",
    "month": "This month",
    "all": "All time",
}


def _bullets(lines: Sequence[str]) -> str:
    return "\n".join(f"• {line}" for line in lines)


def _local(instant: dt.datetime, zone: str) -> str:
    from zoneinfo import ZoneInfo

    return instant.astimezone(ZoneInfo(zone)).strftime("%a %d %b %H:%M")


def _first_words(text: str, limit: int = 60) -> str:
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    return line[: line.rfind(" ", 0, limit) if " " in line[:limit] else limit].rstrip(",;:") + "…"


def drill_name(drill: Drill, item: OpenQuestion | MultipleChoice) -> str:
    """A posted drill as people can tell it from another open one: number, day, slot, first
    words, e.g. ``#42 (Mon 30 Nov, daily slot): “Which runs first…”``."""
    words = _first_words(item.title if isinstance(item, OpenQuestion) else item.stem)
    return f"#{drill.id} ({drill.local_date:%a %d %b}, {drill.slot} slot): “{words}”"


def which_drill(
    head: str, drills: Sequence[tuple[Drill, OpenQuestion | MultipleChoice]], example: str
) -> Message:
    """Several drills could be meant: list them, each with the command that names it.
    ``example`` is the command with ``{which}`` where the drill's name goes."""
    slots = [drill.slot for drill, _ in drills]
    lines = []
    for drill, item in drills:
        how = f"`{example.format(which=drill.id)}`"
        if slots.count(drill.slot) == 1 and isinstance(item, MultipleChoice):
            how += f" or `{example.format(which=drill.slot)}`"
        lines.append(f"{drill_name(drill, item)}: {how}")
    return Message(text=head, blocks=(Section(head), Section(_bullets(lines))), kind="error")


def drill_message(
    item: OpenQuestion | MultipleChoice,
    topic_title: str,
    zone: str,
    drill: Drill | None,
    answered: int = 0,
) -> Message:
    """A posted drill, or with no drill a private practice question."""
    practice = drill is None
    # Platforms with time zones per reader show the reveal in each reader's own zone.
    closes = moment(drill.reveal_at, _local(drill.reveal_at, zone)) if drill else ""
    heading = (
        "Practice question"
        if practice
        else ("Daily question" if isinstance(item, OpenQuestion) else "Daily MCQ")
    )
    if drill is not None:
        heading += f" #{drill.id}"  # how `pick 42 B` names it when two are open
    meta = f"{topic_title} · {item.level}"
    count = f"{answered} answer{'s' if answered != 1 else ''} so far" if not practice else ""
    if isinstance(item, OpenQuestion):
        blocks: list[Block] = [
            Section(f"*{heading}* · {meta}\n*{item.title}*"),
            Section(item.prompt),
        ]
        if not practice:
            assert drill is not None
            blocks.append(
                Actions((Button(Action.ANSWER_OPEN, "Answer", str(drill.id), primary=True),))
            )
        how = (
            "Reply with `/drill answer <your answer>`."
            if practice
            else f"Answer with the button or `/drill answer <text>` · reveal {closes}"
        )
        blocks.append(Context(how + (f" · {count}" if count else "")))
        text = f"{heading}: {item.title}"
    else:
        value_prefix = f"practice:{item.id}" if drill is None else str(drill.id)
        blocks = [
            Section(f"*{heading}* · {meta}\n{item.stem}"),
            Section("\n".join(f"*{o.key}.* {o.text}" for o in item.options)),
            Actions(
                tuple(Button(Action.PICK, o.key, f"{value_prefix}:{o.key}") for o in item.options)
            ),
            Context(
                "Pick with a button or `/drill pick <letter>` · your first choice counts"
                + ("" if practice else f" · reveal {closes} · {count}")
            ),
        ]
        text = f"{heading}: {item.stem}"
    return Message(text=text, blocks=tuple(blocks), kind="drill")


def mcq_feedback(
    item: MultipleChoice, choice: str, first_choice: bool = True, drill: Drill | None = None
) -> Message:
    option = item.option(choice)
    assert option is not None
    right = option.correct
    verdict = f"✅ *{choice}* is right." if right else f"❌ *{choice}* is not right."
    blocks: list[Block] = [Section(verdict), Section(option.explanation)]
    if drill is not None:
        # Two MCQs can be open at once: say which one this pick went to.
        blocks.insert(1, Context(f"Your pick for {drill_name(drill, item)}"))
    if not first_choice:
        blocks.insert(
            0, Context("You had already answered; your first choice is the one that counts.")
        )
    blocks.append(Context("The correct option and every explanation come with the reveal."))
    return Message(
        text=("Right! " if right else "Not quite. ") + option.explanation,
        blocks=tuple(blocks),
        kind="feedback",
    )


def practice_mcq_feedback(item: MultipleChoice, choice: str) -> Message:
    option = item.option(choice)
    assert option is not None
    correct = item.option(item.correct_key)
    assert correct is not None
    lines = [f"✅ *{choice}* is right." if option.correct else f"❌ *{choice}* is not right."]
    lines.append(option.explanation)
    if not option.correct:
        lines.append(f"The answer is *{correct.key}*: {correct.explanation}")
    blocks: list[Block] = [Section(line) for line in lines]
    blocks.insert(1, Context(f"Your pick for the practice MCQ “{_first_words(item.stem)}”"))
    return Message(text=lines[0], blocks=tuple(blocks), kind="feedback")


def coverage_words(covered: int, total: int) -> str:
    """How many key points an answer covers, in the words every message uses."""
    return f"key points covered: {covered} of {total}"


def lowered_because(grade: Grade) -> str | None:
    """The grader's one line on why the score is below the key points covered (a bare list
    of terms, a stated mistake), as every message puts it; None when nothing lowered it."""
    reason = grade.reason
    if not reason:
        return None
    return f"Score lowered: {reason[0].lower()}{reason[1:]}"


def _missed_areas(item: OpenQuestion, missed: Sequence[str]) -> list[str]:
    """The missed key points by their area label only: before the reveal, feedback must not
    hand over the points themselves, or a second version could simply paste them back."""
    by_id = {p.id: p for p in item.key_points}
    labels = [by_id[i].label.strip() for i in missed if i in by_id]
    named = [label for label in labels if label]
    unnamed = len(labels) - len(named)
    if unnamed:
        named.append("one more key point" if unnamed == 1 else f"{unnamed} more key points")
    return named


def _edit_line(grade: Grade, points: int, first_score: float | None) -> str:
    """Exactly how this version counts for points (see ``bot.domain.scoring``)."""
    share = scoring.EDIT_SHARE_WORDS
    if first_score is None:
        return (
            "You can edit your answer until the reveal: your points are this first answer's "
            f"score plus {share} of any improvement a later version makes."
        )
    scored = f"Your first answer scored {first_score:.0%} and this version {grade.score:.0%}"
    if grade.score <= first_score:
        return f"{scored}: an edit never lowers your points, so they stay {points}."
    counted = scoring.counted_score(first_score, grade.score)
    return (
        f"{scored}: {share} of the improvement counts, so your points use a score of "
        f"{counted:.0%}: {points} points. You can still edit until the reveal."
    )


def open_feedback(
    item: OpenQuestion,
    grade: Grade,
    points: int | None,
    edited: bool = False,
    drill: Drill | None = None,
    first_score: float | None = None,
    full: bool = False,
) -> Message:
    """Feedback on an open answer. ``points`` None means practice; ``full`` shows the missed
    key points themselves (practice, which shows the model answer anyway), else only their
    labels. ``first_score`` is the first answer's score when this version is an edit."""
    points_by_id = {p.id: p for p in item.key_points}
    mistakes_by_id = {m.id: m for m in item.mistakes}
    covered = [points_by_id[i].text for i in grade.covered]
    shown = [mistakes_by_id[i].text for i in grade.mistakes]
    verb = "Answer updated" if edited else "Answer recorded"
    head = (
        f"{verb} · {coverage_words(len(covered), len(item.key_points))} · score {grade.score:.0%}"
    )
    if points is not None:
        head += f" · {points} points"
    blocks: list[Block] = [Section(f"*{head}*")]
    reason = lowered_because(grade)
    if reason:
        blocks.append(Context(reason))
    if drill is not None:
        blocks.append(Context(f"Your answer to {drill_name(drill, item)}"))
    if covered:
        blocks.append(Section("*Covered*\n" + _bullets(covered)))
    if grade.missed:
        if full:
            missed = [points_by_id[i].text for i in grade.missed]
            blocks.append(Section("*Not covered*\n" + _bullets(missed)))
        else:
            blocks.append(
                Section("*Not covered yet*\n" + _bullets(_missed_areas(item, grade.missed)))
            )
    if shown:
        blocks.append(Section("*Watch out*\n" + _bullets(shown)))
    if points is not None:
        blocks.append(Context(_edit_line(grade, points, first_score if edited else None)))
        if grade.missed and not full:
            blocks.append(Context("The full key points come with the reveal."))
    return Message(text=head, blocks=tuple(blocks), kind="feedback")


def reveal_message(
    item: OpenQuestion | MultipleChoice,
    stats: DrillStats,
    topic_title: str,
    best: tuple[str, str] | None = None,
) -> Message:
    """``best``: (answer text, author) to quote, given only where the channel shares answers
    (``bot.domain.privacy``); otherwise no answer text is ever part of a reveal."""
    answered = f"{stats.answered} answer{'s' if stats.answered != 1 else ''}"
    if isinstance(item, OpenQuestion):
        blocks: list[Block] = [
            Section(f"*Reveal: {item.title}* · {topic_title}"),
            Section("*Model answer*\n" + item.model_answer.strip()),
            Section("*Key points*\n" + _bullets([p.text for p in item.key_points])),
        ]
        if item.mistakes:
            blocks.append(
                Section("*Common mistakes*\n" + _bullets([m.text for m in item.mistakes]))
            )
        if item.follow_ups:
            blocks.append(Section("*Follow-up prompts*\n" + _bullets(item.follow_ups)))
        # The mean of the answers' scores (key points covered, less any deductions), in the
        # same words as each person's feedback.
        average = (
            f" · average score {stats.average_coverage:.0%}"
            if stats.average_coverage is not None
            else ""
        )
        if best is not None:
            blocks.append(Section("*Best answer* (this channel shares answers)"))
            blocks.append(quoted(*best))
        blocks.append(Context(answered + average))
        text = f"Reveal: {item.title}"
    else:
        correct = item.correct_key
        lines = []
        for o in item.options:
            mark = "✅" if o.key == correct else "▫️"
            n = stats.choices.get(o.key, 0)
            lines.append(
                f"{mark} *{o.key}.* {o.text} — {n} pick{'s' if n != 1 else ''}\n{o.explanation}"
            )
        blocks = [
            Section(f"*Reveal: the answer is {correct}* · {topic_title}\n{item.stem}"),
            *[Section(line) for line in lines],
            Context(answered),
        ]
        text = f"Reveal: the answer is {correct}"
    return Message(text=text, blocks=tuple(blocks), kind="reveal")


POINTS_LEGEND = (
    f"Points: {scoring.ANSWER_POINTS} for an answer, plus up to {scoring.OPEN_COVERAGE_POINTS} "
    "by an open answer's score (its first version's, plus "
    f"{scoring.EDIT_SHARE_WORDS} of what edits add) or {scoring.MCQ_CORRECT_POINTS} for a "
    "right MCQ pick. Accuracy: right picks and open answers scoring "
    f"{scoring.OPEN_CORRECT_THRESHOLD:.0%} or more."
)
"""Under every board: what its numbers mean, in the feedback's terms."""


def accuracy_text(row: LeaderboardRow | None) -> str:
    """A row's accuracy, or a dash with no answers (there is nothing to be accurate about)."""
    accuracy = row.accuracy if row is not None else None
    return "—" if accuracy is None else f"{accuracy:.0%}"


def leaderboard_message(
    rows: Sequence[LeaderboardRow], period: str, scope: str, limit: int = 10
) -> Message:
    title = f"{PERIOD_TITLES.get(period, period)} · {scope}"
    places = placed(rows)[:limit]
    incident = incident_practice(rows)[:limit]
    if not places:
        blocks: list[Block] = [Section(f"*Leaderboard — {title}*\nNo answers yet in this period.")]
    else:
        table_rows = tuple(
            (
                str(n),
                row.display_name,
                str(row.points),
                str(row.answers),
                accuracy_text(row),
                str(row.current_streak),
                str(row.best_streak),
            )
            for n, row in places
        )
        blocks = [
            Section(f"*Leaderboard — {title}*"),
            Table(("#", "name", "points", "answers", "accuracy", "streak", "best"), table_rows),
        ]
    if incident:
        # Apart from the drill points, as the incident debrief tells people.
        blocks.append(
            Context(
                "Incident practice (kept apart): "
                + ", ".join(f"{literal(r.display_name)} {r.incident_points}" for r in incident)
            )
        )
    if places:
        blocks.append(Context(POINTS_LEGEND))
    text = f"Leaderboard — {title}" + ("" if places else ": no answers yet.")
    return Message(text=text, blocks=tuple(blocks), kind="leaderboard")


def stats_message(
    name: str,
    week: LeaderboardRow | None,
    total: LeaderboardRow | None,
    rank: int | None,
    recent: Sequence[tuple[Answer, str]],
    key_points: Mapping[int, int] | None = None,
    topics: Sequence[str] = (),
) -> Message:
    """``key_points``: how many key points each recent open answer's question has, by drill id
    (to say "k of n"); ``topics``: one line per topic (``bot.services.history.TopicLine``),
    weakest first."""

    def fmt(row: LeaderboardRow | None) -> str:
        if row is None or not row.answers:
            return "0 points · no answers"
        return (
            f"{count(row.points, 'point')} · {count(row.answers, 'answer')} · "
            f"{accuracy_text(row)} accuracy"
        )

    streak = total.current_streak if total else 0
    best = total.best_streak if total else 0
    pairs: tuple[tuple[str, str], ...] = (
        ("This week", fmt(week) + (f" · rank {rank}" if rank else "")),
        ("All time", fmt(total)),
        ("Streak", f"{streak} day{'s' if streak != 1 else ''} (best {best})"),
    )
    if total is not None and total.incident_points:
        this_week = week.incident_points if week else 0
        pairs += (
            (
                "Incident practice",
                f"{total.incident_points} points ({this_week} this week), apart from drills",
            ),
        )
    blocks: list[Block] = [Section(f"*Your drill stats, {literal(name)}*"), Fields(pairs)]
    if recent:
        lines = []
        for answer, title in recent:
            if answer.choice:
                verdict = "right" if answer.correct else "wrong"
                lines.append(
                    f"{answer.local_date:%d %b} · {title} · picked {answer.choice} ({verdict})"
                )
            else:
                # The same terms as the feedback: key points covered, the (latest) score, and
                # the points, which count edits from the first answer.
                of = (key_points or {}).get(answer.drill_id)
                covered = (
                    coverage_words(len(answer.covered), of)
                    if of
                    else f"key points covered: {len(answer.covered)}"
                )
                lines.append(
                    f"{answer.local_date:%d %b} · {title} · {covered} · "
                    f"score {answer.coverage or 0:.0%} · {count(answer.points, 'point')}"
                )
        blocks += [Divider(), Section("*Recent answers*\n" + _bullets(lines))]
    if topics:
        blocks += [Section("*By topic* (weakest first)\n" + _bullets(topics))]
    return Message(text=f"Your drill stats: {fmt(total)}", blocks=tuple(blocks), kind="stats")


def count(n: int, noun: str) -> str:
    """``n`` with its noun, e.g. "1 day", "11 days", "1,200 answers"."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def away_period(start: dt.date, end: dt.date) -> str:
    """An away period as every away reply writes it: "Mon 21 Dec–Thu 31 Dec 2026 (11 days)"."""
    n = count((end - start).days + 1, "day")
    if start == end:
        return f"{start:%a %d %b %Y} ({n})"
    first = f"{start:%a %d %b}" if start.year == end.year else f"{start:%a %d %b %Y}"
    return f"{first}–{end:%a %d %b %Y} ({n})"


def away_lines(periods: Sequence[AwayPeriod]) -> str:
    """The periods numbered as `away cancel <n>` takes them."""
    return "\n".join(f"{n}. {away_period(p.start, p.end)}" for n, p in enumerate(periods, 1))


def away_list(periods: Sequence[AwayPeriod]) -> Message:
    head = f"Your away days ({count(len(periods), 'period')} not over yet)"
    blocks: list[Block] = [
        Section(f"*{head}*"),
        Section(away_lines(periods)),
        Context(
            "`/drill away cancel <n>` removes one by its number, `/drill away cancel <day>` "
            "the one with that day. Cancelling a period under way keeps the days already past."
        ),
    ]
    return Message(text=head, blocks=tuple(blocks), kind="info")


def notice(text: str, kind: str = "info") -> Message:
    return Message(text=text, blocks=(Section(text),), kind=kind)


def error(text: str, usage: str | None = None) -> Message:
    blocks: list[Block] = [Section(text)]
    if usage:
        blocks.append(Context(usage))
    return Message(text=text, blocks=tuple(blocks), kind="error")


def quoted(text: str, author: str) -> Quote:
    return Quote(text=text, author=author)
