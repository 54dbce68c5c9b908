"""Messages of mock incident sessions, in the style of ``bot/services/views.py``.

Every message ends with what the person can do next.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain import incident_rules as ir
from bot.domain.items import Incident, Stage
from bot.messaging.message import (
    Action,
    Actions,
    Block,
    Button,
    Context,
    Divider,
    Message,
    Section,
    literal,
)

START = "`/drill incident`"
LIST = "`/drill incident list`"


def _bullets(lines: Sequence[str]) -> str:
    return "\n".join(f"• {line}" for line in lines)


def _stages(n: int) -> str:
    return f"{n} stage{'s' if n != 1 else ''}"


def _points(n: int) -> str:
    return f"{n} point{'s' if n != 1 else ''}"


def next_steps(stage: Stage | None = None, hinted: bool = False) -> str:
    """The line under a stage prompt: where to answer and the commands that apply."""
    steps = ["Reply here with your answer."]
    if stage is not None and stage.hint and not hinted:
        steps.append(f"`/drill hint` for a nudge (−{ir.HINT_COST} points),")
    steps.append("`/drill skip` to move on, `/drill stop` to end with a debrief.")
    return " ".join(steps)


def stage_heading(incident: Incident, index: int) -> str:
    stage = incident.stages[index]
    return f"*Stage {index + 1} of {len(incident.stages)} · {stage.title}*"


def form_value(incident: Incident, index: int) -> str:
    """The answer-form button's value: the stage the form shows, so that an answer sent from
    it after the session moved on is not graded against another stage."""
    return f"{incident.id}:{index}"


def form_stage(value: str) -> tuple[str, int] | None:
    """(scenario id, stage index) from ``form_value``; None for a value without a stage (a
    button posted before stages were named), whose answer goes to the current stage."""
    scenario_id, colon, index = value.rpartition(":")
    if not colon or not scenario_id or not index.isdigit():
        return None
    return scenario_id, int(index)


def stage_prompt(incident: Incident, index: int, hinted: bool, resumed: bool = False) -> Message:
    stage = incident.stages[index]
    blocks: list[Block] = []
    if resumed:
        blocks.append(Section(f"*Back to: {incident.title}*"))
    blocks += [
        Section(f"{stage_heading(incident, index)}\n{stage.prompt}"),
        # Platforms with forms offer one for long answers; writing a message works everywhere.
        Actions((Button(Action.ANSWER_INCIDENT, "Answer in a form", form_value(incident, index)),)),
        Context(next_steps(stage, hinted)),
    ]
    text = f"Stage {index + 1} of {len(incident.stages)}: {stage.prompt}"
    return Message(text=text, blocks=tuple(blocks), kind="incident")


def started(incident: Incident, player: str | None = None) -> Message:
    """The opening: the scene and the first question. ``player`` names whose session it is
    when it runs in a channel thread, where others can read along."""
    setup = incident.setup
    name = literal(player or "")
    whose = f" · {name}'s session (only {name} can answer)" if player else ""
    blocks: list[Block] = [
        Section(
            f"*Mock incident: {incident.title}*{whose}\n"
            f"{incident.level} · {_stages(len(incident.stages))} · up to "
            f"{_points(ir.max_points(incident))}"
        ),
        Section(f"*Your role*\n{setup.role}"),
        Section(f"*The system*\n{setup.system}"),
        Section(f"*The alert*\n{setup.alert}"),
        Section(f"*Interviewer*\n{incident.opening}"),
        Divider(),
    ]
    first = stage_prompt(incident, 0, hinted=False)
    return Message(
        text=f"Mock incident: {incident.title}", blocks=(*blocks, *first.blocks), kind="incident"
    )


def in_thread(incident: Incident) -> Message:
    return notice(
        f"*{incident.title}* is running in a thread in this channel.",
        "Reply in that thread; only your replies count as answers.",
    )


def moved_to_dm(incident: Incident) -> Message:
    text = (
        f"*{incident.title}* is waiting for you in a direct message from me. "
        "Answer there; nobody else sees your answers."
    )
    return Message(text=text, blocks=(Section(text),), kind="info")


def _verdict(score: float) -> str:
    if score >= ir.STRONG_SCORE:
        return "Strong answer."
    if score >= ir.WEAK_SCORE:
        return "Partly there."
    return "This one needs more."


def _stage_points_line(result: ir.StageResult) -> str:
    line = f"{_points(result.points)} of {ir.STAGE_POINTS}"
    if result.hinted:
        line += f" (hint −{ir.HINT_COST})"
    return line


def stage_feedback(incident: Incident, index: int, result: ir.StageResult) -> Message:
    """What the answer to stage ``index`` covered and missed, then the facts it reveals."""
    stage = incident.stages[index]
    texts = {p.id: p.text for p in stage.rubric}
    flags = {m.id: m.text for m in incident.red_flags}
    head = f"{stage_heading(incident, index)} · {_stage_points_line(result)}"
    if result.skipped:
        blocks: list[Block] = [
            Section(f"{head}\nSkipped. What a strong answer covers:"),
            Section(_bullets([texts[i] for i in result.missed if i in texts])),
        ]
    else:
        covered = [texts[i] for i in result.covered if i in texts]
        missed = [texts[i] for i in result.missed if i in texts]
        blocks = [
            Section(
                f"{head}\n{_verdict(result.score)} You covered {len(covered)} of "
                f"{len(stage.rubric)} points."
            )
        ]
        if covered:
            blocks.append(Section("*You covered*\n" + _bullets(covered)))
        if missed:
            blocks.append(Section("*You missed*\n" + _bullets(missed)))
        shown = [flags[i] for i in result.red_flags if i in flags]
        if shown:
            blocks.append(Section("*Red flags*\n" + _bullets(shown)))
    if stage.reveal:
        blocks.append(Section(f"*What you find out*\n{stage.reveal}"))
    last = index + 1 >= len(incident.stages)
    blocks.append(Context("The debrief follows." if last else "Next stage below."))
    text = f"Stage {index + 1}: " + ("skipped" if result.skipped else _points(result.points))
    return Message(text=text, blocks=tuple(blocks), kind="feedback")


def hint(incident: Incident, index: int, again: bool) -> Message:
    stage = incident.stages[index]
    assert stage.hint is not None
    if again:
        head = f"You already took this stage's hint (−{ir.HINT_COST} points, charged once):"
    else:
        head = f"*Hint* for stage {index + 1} (−{ir.HINT_COST} points on this stage):"
    return Message(
        text=f"Hint: {stage.hint}",
        blocks=(Section(f"{head}\n{stage.hint}"), Context(next_steps(stage, hinted=True))),
        kind="incident",
    )


def no_hint(incident: Incident, index: int) -> Message:
    stage = incident.stages[index]
    text = f"Stage {index + 1} ({stage.title}) has no hint, so nothing was charged."
    return Message(text=text, blocks=(Section(text), Context(next_steps(stage))), kind="info")


def _how_it_ended(debrief: ir.Debrief) -> str:
    total = len(debrief.stages)
    took = ir.describe_duration(debrief.duration)
    match debrief.state:
        case ir.SessionState.FINISHED:
            return f"All {_stages(total)} done in {took}."
        case ir.SessionState.EXPIRED:
            return (
                f"Closed after {debrief.done} of {total} stages: no answer for a long while. "
                f"Partial debrief; you spent {took}."
            )
        case _:
            return f"Stopped after {debrief.done} of {total} stages, in {took}. Partial debrief."


def _stage_line(s: ir.StageSummary) -> str:
    if s.state == "not answered":
        return f"{s.number}. {s.title}: not answered"
    if s.state == "skipped":
        return f"{s.number}. {s.title}: skipped · 0 points"
    assert s.score is not None
    line = f"{s.number}. {s.title}: {s.score:.0%} · {_points(s.points)}"
    return line + (f" (hint −{ir.HINT_COST})" if s.hinted else "")


def debrief(debrief: ir.Debrief) -> Message:
    head = f"*Debrief: {debrief.title}*\n{_how_it_ended(debrief)}"
    score = f"*{debrief.points} of {debrief.max_points} points*"
    if debrief.hints:
        score += f" · {debrief.hints} hint{'s' if debrief.hints != 1 else ''}"
    blocks: list[Block] = [
        Section(f"{head}\n{score}"),
        Section("*Stage by stage*\n" + _bullets([_stage_line(s) for s in debrief.stages])),
    ]
    if debrief.red_flags:
        blocks.append(Section("*Red flags you showed*\n" + _bullets(debrief.red_flags)))
    elif debrief.answered:
        blocks.append(Section("*Red flags*\nNone in your answers."))
    blocks.append(Divider())
    blocks.append(Section("*Model walk-through*"))
    blocks += [Section(f"*{s.number}. {s.title}*\n{s.strong_answer}") for s in debrief.stages]
    blocks.append(Section("*Post-mortem checklist*\n" + _bullets(debrief.checklist)))
    where = "incident practice on the leaderboard (apart from daily drill points)"
    blocks.append(
        Context(
            f"{_points(debrief.points)} go to {where}. Another one: {START} for a random "
            f"scenario, or {LIST} to choose."
        )
    )
    text = f"Debrief: {debrief.title} · {debrief.points} of {debrief.max_points} points"
    return Message(text=text, blocks=tuple(blocks), kind="debrief")


def scenario_list(incidents: Sequence[Incident]) -> Message:
    if not incidents:
        text = "There are no incident scenarios in the loaded content packs yet."
        return Message(text=text, blocks=(Section(text),), kind="info")
    lines = [
        f"`{ir.short_name(i)}` *{i.title}* · {i.level} · {_stages(len(i.stages))}"
        for i in incidents
    ]
    return Message(
        text=f"{len(incidents)} incident scenarios",
        blocks=(
            Section("*Mock incident scenarios*\n" + _bullets(lines)),
            Context(
                "Start one with `/drill incident <name>`, or `/drill incident random [level]`."
            ),
        ),
        kind="info",
    )


def names(incidents: Sequence[Incident]) -> str:
    return ", ".join(f"`{ir.short_name(i)}`" for i in incidents)


def error(text: str, then: str) -> Message:
    """A refusal: what is wrong, then (in small print) what to do instead."""
    return Message(text=text, blocks=(Section(text), Context(then)), kind="error")


def notice(text: str, then: str) -> Message:
    return Message(text=text, blocks=(Section(text), Context(then)), kind="info")
