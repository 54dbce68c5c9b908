"""Mock incident sessions (`/drill incident`) through the engine, on the in-memory fakes.

Commands go through ``Engine.command`` (as every adapter sends them) and plain direct messages
through ``Engine.message``; the tests read the replies as a person would.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from types import MethodType
from typing import Any

import pytest
import yaml

from bot.adapters.console.render import render
from bot.content.loader import Library, Pack, load_library
from bot.domain import commands as cmd
from bot.domain import incident_rules as ir
from bot.domain.items import Incident, Manifest
from bot.messaging.message import Action, Actions, Message, Replies, Visibility
from bot.scheduling.clock import ManualClock
from bot.services.answers import Actor
from bot.services.commands import Where
from bot.services.deps import Deps, EngineSettings
from bot.services.engine import Engine
from bot.services.incident_store import IncidentSession
from bot.services.incidents import Incidents
from bot.testing.fake_chat import FakeChat
from bot.testing.memory_incident_store import MemoryIncidentStore
from bot.testing.memory_store import MemoryStore

WORKSPACE = "T1"
CHANNEL = Where("C1", "team")
DM = Where(None)
START = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
CATALOG = "incident-catalog-latency"
PACK = Path(__file__).resolve().parents[2] / "content" / "nodejs-backend"
SCENARIOS = (CATALOG, "incident-memory-oom", "incident-retry-storm", "incident-5xx-after-deploy")
"""Shipped scenarios the tests use, loaded alone so a scenario being written elsewhere in the
pack cannot break these tests (tests/content checks the whole pack)."""

STRONG = {
    "assess": "I acknowledge the page and post in the incident channel so the team knows I am "
    "on it. Then I confirm the alert on the Grafana dashboard: p99 latency, the error rate, and "
    "which endpoints are affected. I look at the pods: cpu and memory. I check the health "
    "dashboards of our dependencies. And I ask what changed: a recent deploy, since a rollback "
    "is often the quickest fix.",
    "logs": "High cpu with flat memory means synchronous cpu bound work is blocking the event "
    "loop, so it is not a leak. I search the logs in Kibana since the deploy for warnings and "
    "stack traces, and the access logs per route to see which endpoint is slow. The admin "
    "deploy stays a suspect because it runs in the same process and the same event loop, and "
    "the timing correlates. I would confirm with the event loop lag metric or a cpu profile "
    "with a flame graph.",
    "fix": "Node runs our code on a single thread, so while the export runs every other "
    "request waits in the queue. First I roll back the admin deploy, or turn it off with a "
    "feature flag. Scaling out with more pods would only dilute the symptom. The permanent fix "
    "is to move the export to a worker thread or a background job queue like BullMQ, stream "
    "the rows with a cursor, and give the widget a cheap count query.",
    "postmortem": "I would write a blameless post mortem doc with the timeline, the impact, the "
    "root cause and the resolution. Then ask why it was not caught: nobody tested with "
    "production sized data, and the admin route was assumed harmless. Add load tests in the "
    "pipeline and a code review checklist item for synchronous cpu work on the event loop. "
    "Alert on event loop lag and on cpu per pod. Turn the findings into action items with "
    "owners and share the lessons with the engineering org.",
}
WEAK = {
    "assess": "I would restart everything right away, it must be the database.",
    "logs": "Go with my gut and reboot the servers.",
    "fix": "Add more pods.",
    "postmortem": "A post mortem is a waste of time, close the incident and move on.",
}


def graded(incident: Incident, stage_id: str, hinted: bool = False) -> ir.StageResult:
    """What the grader makes of the STRONG answer to a stage (content may be tuned)."""
    stage = next(s for s in incident.stages if s.id == stage_id)
    return ir.grade_stage(incident, stage, STRONG[stage_id], hinted)


def text_of(message: Message) -> str:
    return "\n".join(render(message))


def texts(replies: Replies | None) -> str:
    assert replies is not None
    return "\n\n".join(text_of(r.message) for r in replies.items)


LEASE = dt.timedelta(seconds=60)


class Bed:
    """The engine on in-memory fakes, with the shipped content and a manual clock."""

    def __init__(
        self,
        library: Library,
        store: MemoryStore | None = None,
        incident_store: MemoryIncidentStore | None = None,
        clock: ManualClock | None = None,
        chat: FakeChat | None = None,
        idle_limit: dt.timedelta = ir.DEFAULT_IDLE_LIMIT,
    ) -> None:
        self.library = library
        self.clock = clock or ManualClock(START)
        self.chat = chat or FakeChat()
        self.store = store or MemoryStore()
        self.incident_store = incident_store or MemoryIncidentStore()
        self.deps = Deps(
            store=self.store,
            library=library,
            chat=self.chat,
            clock=self.clock,
            settings=EngineSettings(count_update_delay=0),
        )
        self.incidents = Incidents(
            self.deps, self.incident_store, idle_limit=idle_limit, rng=random.Random(7)
        )
        self.engine = Engine(self.deps, incidents=self.incidents)
        self._deliveries = 0

    def restarted(self) -> Bed:
        """A new process over the same database: new engine and service objects."""
        bed = Bed(self.library, self.store, self.incident_store, self.clock, self.chat)
        bed._deliveries = self._deliveries  # the platform's delivery ids go on, not over
        return bed

    def actor(self, user: str) -> Actor:
        return Actor(WORKSPACE, user, user.capitalize())

    def delivery(self) -> str:
        self._deliveries += 1
        return f"d{self._deliveries}"

    async def command(
        self, user: str, text: str, where: Where = CHANNEL, delivery: str | None = None
    ) -> Replies:
        return await self.engine.command(self.actor(user), where, text, delivery or self.delivery())

    async def dm(self, user: str, text: str, delivery: str | None = None) -> Replies | None:
        return await self.engine.message(self.actor(user), DM, text, delivery or self.delivery())

    async def session(self, user: str) -> IncidentSession | None:
        async with self.store.transaction() as tx:
            person = await tx.find_person(WORKSPACE, user)
        assert person is not None
        async with self.incident_store.transaction() as itx:
            return await itx.active(person.id)

    async def person_id(self, user: str) -> int:
        async with self.store.transaction() as tx:
            person = await tx.find_person(WORKSPACE, user)
        assert person is not None
        return person.id


def shipped(ids: tuple[str, ...] = SCENARIOS) -> Library:
    manifest = Manifest.model_validate(yaml.safe_load((PACK / "pack.yml").read_text()))
    items: dict[str, Incident] = {}
    for item_id in ids:
        data = yaml.safe_load((PACK / "incidents" / f"{item_id}.yml").read_text())
        items[item_id] = Incident.model_validate(data)
    return Library(
        packs=[Pack(manifest, PACK, list(items.values()))],
        items=dict(items),
        pack_of=dict.fromkeys(items, manifest.name),
    )


@pytest.fixture(scope="module")
def library() -> Library:
    return shipped()


@pytest.fixture
def bed(library: Library) -> Bed:
    return Bed(library)


@pytest.fixture
def catalog(library: Library) -> Incident:
    item = library.get(CATALOG)
    assert isinstance(item, Incident)
    return item


# --- starting ----------------------------------------------------------------------------


async def test_start_in_a_channel_sends_the_scenario_as_a_direct_message(
    bed: Bed, catalog: Incident
) -> None:
    replies = await bed.command("alice", "/drill incident catalog-latency")

    kinds = [r.visibility for r in replies.items]
    assert kinds == [Visibility.DIRECT, Visibility.PRIVATE]
    intro = text_of(replies.items[0].message)
    assert catalog.title in intro
    for part in (catalog.setup.role, catalog.setup.system, catalog.setup.alert, catalog.opening):
        assert part.strip() in intro
    assert "Stage 1 of 4 · First look" in intro
    assert catalog.stages[0].prompt in intro
    assert "Reply here with your answer. `/drill hint` for a nudge (−2 points)" in intro
    assert "direct message" in text_of(replies.items[1].message)
    session = await bed.session("alice")
    assert session is not None and session.scenario_id == CATALOG and session.stage_index == 0


async def test_the_full_name_and_a_random_scenario_at_a_level_both_start(bed: Bed) -> None:
    replies = await bed.command("alice", "/drill incident incident-catalog-latency", where=DM)
    assert [r.visibility for r in replies.items] == [Visibility.DIRECT]
    await bed.command("bob", "/drill incident random staff")
    session = await bed.session("bob")
    assert session is not None
    item = bed.library.get(session.scenario_id)
    assert isinstance(item, Incident) and item.level == "staff"


async def test_list_shows_every_scenario_with_title_level_and_stage_count() -> None:
    library = load_library()
    bed = Bed(library)
    shown = texts(await bed.command("alice", "/drill incident list"))
    assert library.incidents()
    for incident in library.incidents():
        short = incident.id.removeprefix("incident-")
        line = f"`{short}` {incident.title} · {incident.level} · {len(incident.stages)} stages"
        assert line in shown
    assert "/drill incident <name>" in shown


async def test_an_unknown_scenario_lists_the_names_and_starts_nothing(
    bed: Bed, library: Library
) -> None:
    replies = await bed.command("alice", "/drill incident kafka-meltdown")
    shown = texts(replies)
    assert "There is no scenario `kafka-meltdown`" in shown
    for incident in library.incidents():
        assert f"`{incident.id.removeprefix('incident-')}`" in shown
    assert replies.items[0].message.kind == "error"
    assert await bed.session("alice") is None


async def test_a_level_without_scenarios_or_a_mismatched_level_is_refused(bed: Bed) -> None:
    shown = texts(await bed.command("alice", "/drill incident random principal"))
    assert "no scenario at level `principal`" in shown
    assert "`senior`" in shown
    shown = texts(await bed.command("alice", "/drill incident catalog-latency mid"))
    assert "is a senior scenario, not mid" in shown
    assert await bed.session("alice") is None


async def test_a_second_start_offers_resume_or_stop_and_changes_nothing(bed: Bed) -> None:
    await bed.command("alice", "/drill incident catalog-latency")
    await bed.dm("alice", STRONG["assess"])
    before = await bed.session("alice")

    replies = await bed.command("alice", "/drill incident memory-oom")

    shown = texts(replies)
    assert "already in" in shown and "(stage 2 of 4)" in shown
    assert "`/drill incident resume`" in shown and "`/drill stop`" in shown
    assert [r.visibility for r in replies.items] == [Visibility.PRIVATE]
    assert await bed.session("alice") == before


# --- answering ---------------------------------------------------------------------------


async def test_a_full_run_with_strong_answers_scores_high_with_no_red_flags(
    bed: Bed, catalog: Incident
) -> None:
    await bed.command("alice", "/drill incident catalog-latency")
    replies: Replies | None = None
    for n, stage in enumerate(catalog.stages):
        bed.clock.advance(dt.timedelta(minutes=5))
        replies = await bed.dm("alice", STRONG[stage.id])
        assert replies is not None
        assert all(r.visibility is Visibility.DIRECT for r in replies.items)
        feedback = text_of(replies.items[0].message)
        expected = graded(catalog, stage.id)
        assert expected.score >= ir.STRONG_SCORE and expected.red_flags == ()
        assert f"Stage {n + 1} of 4 · {stage.title} · {expected.points} points of 10" in feedback
        assert "Strong answer." in feedback
        assert "You missed" not in feedback and "Red flags" not in feedback
        if stage.reveal:
            assert stage.reveal.strip() in feedback
        if n + 1 < len(catalog.stages):
            assert f"Stage {n + 2} of 4" in text_of(replies.items[1].message)

    assert replies is not None and len(replies.items) == 2
    debrief = replies.items[1].message
    assert debrief.kind == "debrief"
    shown = text_of(debrief)
    assert "All 4 stages done in 20 min." in shown
    total = sum(graded(catalog, stage.id).points for stage in catalog.stages)
    assert total >= 35
    assert f"{total} of 40 points" in shown
    first = graded(catalog, "assess")
    assert f"• 1. First look: {first.score:.0%} · {first.points} points" in shown
    assert "Red flags\nNone in your answers." in shown
    for stage in catalog.stages:
        assert stage.strong_answer.strip() in shown
    for item in catalog.debrief:
        assert item in shown
    assert await bed.session("alice") is None
    assert await bed.incidents.points(WORKSPACE, None, None) == {
        await bed.person_id("alice"): total
    }


async def test_weak_answers_score_low_and_name_the_red_flags(bed: Bed, catalog: Incident) -> None:
    await bed.command("alice", "/drill incident catalog-latency")
    first = texts(await bed.dm("alice", WEAK["assess"]))
    assert "This one needs more." in first
    assert "0 points of 10" in first
    assert "You missed" in first
    flags = {m.id: m.text for m in catalog.red_flags}
    assert f"Red flags\n• {flags['blind-restart']}" in first
    for stage in catalog.stages[1:-1]:
        await bed.dm("alice", WEAK[stage.id])
    debrief = texts(await bed.dm("alice", WEAK["postmortem"]))

    assert "0 of 40 points" in debrief
    assert "Red flags you showed" in debrief
    for flag in ("blind-restart", "blame-without-evidence", "ignore-evidence", "skip-postmortem"):
        assert flags[flag] in debrief
    assert "panic" not in debrief.lower()
    assert await bed.incidents.points(WORKSPACE, None, None) == {}


async def test_empty_and_over_long_answers_are_refused_and_change_nothing(
    bed: Bed, catalog: Incident
) -> None:
    await bed.command("alice", "/drill incident catalog-latency")
    before = await bed.session("alice")

    empty = await bed.dm("alice", "   ")
    assert "Your answer is empty: nothing was recorded." in texts(empty)
    too_long = await bed.dm("alice", "x " * 1501)
    assert "3,001 characters; the limit is 3,000" in texts(too_long)
    assert await bed.session("alice") == before

    exactly = (STRONG["assess"] + " ") * 10
    exactly = exactly[:3000]
    graded = texts(await bed.dm("alice", exactly))
    assert "Stage 1 of 4" in graded and "Stage 2 of 4" in graded


async def test_a_retried_delivery_of_an_answer_counts_once(bed: Bed) -> None:
    await bed.command("alice", "/drill incident catalog-latency")
    await bed.dm("alice", STRONG["assess"], delivery="evt-1")
    again = await bed.dm("alice", STRONG["assess"], delivery="evt-1")
    assert again is not None and again.items == []  # the first copy was answered
    session = await bed.session("alice")
    assert session is not None and session.stage_index == 1 and len(session.results) == 1


async def test_a_retry_of_an_earlier_answer_is_recognised_not_graded_again(
    bed: Bed, catalog: Incident
) -> None:
    await bed.command("alice", "/drill incident catalog-latency")
    await bed.dm("alice", STRONG["assess"], delivery="evt-1")
    await bed.dm("alice", STRONG["logs"], delivery="evt-2")
    before = await bed.session("alice")

    # The platform sends the stage-1 answer again, after the stage-2 one (and after a restart).
    for engine in (bed, bed.restarted()):
        for key in ("evt-1", "evt-2"):
            replies = await engine.dm("alice", STRONG["assess"], delivery=key)
            assert replies is not None and replies.items == [], key

    assert await bed.session("alice") == before
    assert before is not None and before.stage_index == 2
    assert [r.stage_id for r in before.results] == ["assess", "logs"]
    # The next real answer is stage 3's.
    assert "Stage 3 of 4 · " in texts(await bed.dm("alice", STRONG["fix"]))


async def test_retries_of_hints_skips_and_stops_change_nothing(bed: Bed) -> None:
    await bed.command("alice", "/drill incident catalog-latency")
    await bed.dm("alice", "hint", delivery="hint-1")
    await bed.dm("alice", STRONG["assess"], delivery="answer-1")
    await bed.command("alice", "/drill skip", delivery="skip-2")
    before = await bed.session("alice")
    assert before is not None and before.stage_index == 2

    # Each, sent again later, would now hint or skip another stage: they must do nothing.
    assert (await bed.dm("alice", "hint", delivery="hint-1") or Replies()).items == []
    assert (await bed.command("alice", "/drill hint", delivery="hint-1")).items == []
    assert (await bed.dm("alice", "skip", delivery="skip-2") or Replies()).items == []
    assert (await bed.command("alice", "/drill skip", delivery="skip-2")).items == []
    after = await bed.session("alice")
    assert after == before and after.hinted_stages == ("assess",)

    # A stop sent again after a new session started does not end the new one.
    await bed.command("alice", "/drill stop", delivery="stop-1")
    await bed.command("alice", "/drill incident memory-oom")
    assert (await bed.dm("alice", "stop", delivery="stop-1") or Replies()).items == []
    session = await bed.session("alice")
    assert session is not None and session.scenario_id == "incident-memory-oom"


async def test_a_retry_after_the_session_ended_says_nothing(bed: Bed, catalog: Incident) -> None:
    await bed.command("alice", "/drill incident catalog-latency")
    for n, stage in enumerate(catalog.stages):
        await bed.dm("alice", STRONG[stage.id], delivery=f"evt-{n}")
    assert await bed.session("alice") is None
    last = await bed.dm("alice", STRONG[catalog.stages[-1].id], delivery=f"evt-{n}")
    assert last is not None and last.items == []
    # A new message still hears that there is nothing to answer; its retry hears nothing.
    assert "no mock incident waiting" in texts(await bed.dm("alice", "hello", delivery="x"))
    assert (await bed.dm("alice", "hello", delivery="x") or Replies()).items == []


async def test_a_refused_answer_is_refused_once_per_delivery(bed: Bed) -> None:
    await bed.command("alice", "/drill incident catalog-latency")
    too_long = "x" * (bed.deps.settings.max_answer_chars + 1)
    assert "the limit is" in texts(await bed.dm("alice", too_long, delivery="long-1"))
    assert (await bed.dm("alice", too_long, delivery="long-1") or Replies()).items == []


async def test_a_delivery_that_crossed_another_update_can_come_again(bed: Bed) -> None:
    await bed.command("alice", "/drill incident catalog-latency")
    store = bed.incident_store
    real = MemoryIncidentStore.transaction

    @asynccontextmanager
    async def crossing(self: MemoryIncidentStore) -> AsyncIterator[Any]:
        async with real(self) as tx:

            async def save(session: IncidentSession) -> IncidentSession | None:
                return None  # another process saved first

            tx.save = save  # type: ignore[method-assign]
            yield tx

    store.transaction = MethodType(crossing, store)  # type: ignore[method-assign]
    crossed = texts(await bed.dm("alice", STRONG["assess"], delivery="evt-1"))
    assert "crossed with another update" in crossed
    del store.transaction  # type: ignore[attr-defined]

    # Nothing was recorded, so the platform's retry of it is taken.
    assert "Stage 1 of 4 · " in texts(await bed.dm("alice", STRONG["assess"], delivery="evt-1"))
    session = await bed.session("alice")
    assert session is not None and session.stage_index == 1


# --- the answer form -----------------------------------------------------------------------


def form_of(replies: Replies | None) -> str:
    """The value of the last answer-form button in the replies (what the form will carry)."""
    assert replies is not None
    values = [
        button.value
        for reply in replies.items
        for block in reply.message.blocks
        if isinstance(block, Actions)
        for button in block.buttons
        if button.action is Action.ANSWER_INCIDENT
    ]
    assert values, "no answer-form button"
    return values[-1]


async def test_a_form_grades_the_stage_it_showed_and_refuses_once_it_passed(
    bed: Bed, catalog: Incident
) -> None:
    opened = await bed.command("alice", "/drill incident catalog-latency")
    stage_1 = form_of(opened)
    stage_2 = form_of(await bed.dm("alice", STRONG["assess"]))
    actor = bed.actor("alice")

    late = await bed.engine.incident_form(actor, stage_1, STRONG["logs"], "view-1")
    shown = texts(late)
    assert "Stage 1 has passed" in shown and "you are on stage 2 of 4 now" in shown
    assert "Stage 2 of 4 · Into the logs" in shown  # the current question, to answer instead
    session = await bed.session("alice")
    assert session is not None and session.stage_index == 1 and len(session.results) == 1

    graded_2 = texts(await bed.engine.incident_form(actor, stage_2, STRONG["logs"], "view-2"))
    assert f"Stage 2 of 4 · Into the logs · {graded(catalog, 'logs').points} points" in graded_2
    # Submitted again (the same view): nothing more.
    again = await bed.engine.incident_form(actor, stage_2, STRONG["logs"], "view-2")
    assert again is not None and again.items == []
    session = await bed.session("alice")
    assert session is not None and session.stage_index == 2


async def test_a_form_from_an_earlier_session_or_without_a_stage(
    bed: Bed, catalog: Incident
) -> None:
    old_form = form_of(await bed.command("alice", "/drill incident memory-oom"))
    await bed.command("alice", "/drill stop")
    await bed.command("alice", "/drill incident catalog-latency")
    actor = bed.actor("alice")

    shown = texts(await bed.engine.incident_form(actor, old_form, STRONG["assess"], "v-1"))
    assert "That form was for an earlier mock incident" in shown
    assert f"you are on stage 1 of 4 of {catalog.title} now" in shown
    session = await bed.session("alice")
    assert session is not None and session.stage_index == 0

    # A button posted before forms named their stage answers the current one.
    shown = texts(await bed.engine.incident_form(actor, CATALOG, STRONG["assess"], "v-2"))
    assert "Stage 1 of 4 · First look" in shown


# --- hints, skips, stops -------------------------------------------------------------------


async def test_a_hint_costs_points_and_is_charged_once_per_stage(
    bed: Bed, catalog: Incident
) -> None:
    await bed.command("alice", "/drill incident catalog-latency")
    hint = await bed.command("alice", "/drill hint")
    assert [r.visibility for r in hint.items] == [Visibility.DIRECT]
    shown = texts(hint)
    assert catalog.stages[0].hint and catalog.stages[0].hint in shown
    assert "−2 points on this stage" in shown
    assert "`/drill hint` for" not in shown  # the next steps no longer offer it

    again = texts(await bed.dm("alice", "hint"))  # a bare word in the DM is the command
    assert "already took this stage's hint" in again

    feedback = texts(await bed.dm("alice", STRONG["assess"]))
    hinted = graded(catalog, "assess", hinted=True).points
    assert hinted == graded(catalog, "assess").points - 2
    assert f"{hinted} points of 10 (hint −2)" in feedback
    assert "`/drill hint` for a nudge" in feedback  # offered again on stage 2
    session = await bed.session("alice")
    assert session is not None
    assert session.hinted_stages == ("assess",) and session.points == 8


async def test_a_hint_never_takes_a_stage_below_zero() -> None:
    assert ir.stage_points(0.1, hinted=True, skipped=False) == 0
    assert ir.stage_points(1.0, hinted=True, skipped=False) == 8
    assert ir.stage_points(1.0, hinted=True, skipped=True) == 0


async def test_skip_reveals_the_stage_and_moves_on(bed: Bed, catalog: Incident) -> None:
    await bed.command("alice", "/drill incident catalog-latency")
    shown = texts(await bed.command("alice", "/drill skip", where=DM))
    assert "Skipped. What a strong answer covers:" in shown
    assert catalog.stages[0].rubric[0].text in shown
    assert catalog.stages[0].reveal and catalog.stages[0].reveal.strip() in shown
    assert "Stage 2 of 4 · Into the logs" in shown
    session = await bed.session("alice")
    assert session is not None and session.stage_index == 1
    assert session.results[0].skipped and session.points == 0


async def test_skipping_the_last_stage_ends_with_the_debrief(bed: Bed, catalog: Incident) -> None:
    await bed.command("alice", "/drill incident catalog-latency")
    for stage in catalog.stages[:-1]:
        await bed.dm("alice", STRONG[stage.id])
    shown = texts(await bed.dm("alice", "skip"))
    assert "Debrief: " in shown
    assert "• 4. Post-mortem and prevention: skipped · 0 points" in shown
    total = sum(graded(catalog, stage.id).points for stage in catalog.stages[:-1])
    assert f"{total} of 40 points" in shown
    assert await bed.session("alice") is None


async def test_stop_gives_a_partial_debrief_and_keeps_the_points(
    bed: Bed, catalog: Incident
) -> None:
    await bed.command("alice", "/drill incident catalog-latency")
    bed.clock.advance(dt.timedelta(minutes=7))
    await bed.dm("alice", STRONG["assess"])

    replies = await bed.command("alice", "/drill stop")

    assert [r.visibility for r in replies.items] == [Visibility.DIRECT]
    shown = texts(replies)
    assert "Stopped after 1 of 4 stages, in 7 min. Partial debrief." in shown
    assert "• 2. Into the logs: not answered" in shown
    earned = graded(catalog, "assess").points
    assert f"{earned} of 40 points" in shown
    for stage in catalog.stages:
        assert stage.strong_answer.strip() in shown
    assert catalog.debrief[0] in shown
    assert await bed.session("alice") is None
    assert await bed.incidents.points(WORKSPACE, None, None) == {
        await bed.person_id("alice"): earned
    }
    # The session is closed: a new answer is not taken, and a new start is allowed.
    assert "no mock incident waiting" in texts(await bed.dm("alice", STRONG["logs"]))
    await bed.command("alice", "/drill incident catalog-latency")
    assert await bed.session("alice") is not None


async def test_commands_and_answers_with_no_session_say_how_to_start(bed: Bed) -> None:
    for command in ("/drill hint", "/drill skip", "/drill stop", "/drill incident stop"):
        replies = await bed.command("alice", command)
        assert "You have no mock incident open." in texts(replies), command
        assert "`/drill incident`" in texts(replies)
    shown = texts(await bed.command("alice", "/drill incident resume", where=DM))
    assert "You have no mock incident open." in shown
    replies = await bed.incidents.handle(bed.actor("alice"), CHANNEL, cmd.Resume(), "d-x")
    assert "Resuming this channel's drills is for admins" in texts(replies)
    answer = await bed.dm("alice", "I would look at the dashboards first.")
    assert "no mock incident waiting for an answer" in texts(answer)
    # Commands typed in a DM without `/drill` are left to the command handler.
    assert await bed.dm("alice", "help") is None


# --- time, restarts and several people ---------------------------------------------------


async def test_an_idle_session_is_closed_after_24_hours_with_a_partial_debrief_dm(
    bed: Bed, catalog: Incident
) -> None:
    await bed.command("alice", "/drill incident catalog-latency")
    bed.clock.advance(dt.timedelta(minutes=3))
    await bed.dm("alice", STRONG["assess"])

    bed.clock.advance(dt.timedelta(hours=23, minutes=59))
    await bed.engine.tick()
    assert await bed.session("alice") is not None
    assert bed.chat.of_kind("debrief") == []

    bed.clock.advance(dt.timedelta(minutes=1))
    await bed.engine.tick()

    assert await bed.session("alice") is None
    [sent] = bed.chat.of_kind("debrief")
    assert sent.method == "direct" and sent.user == "alice" and sent.workspace_id == WORKSPACE
    shown = text_of(sent.message)
    assert "Closed after 1 of 4 stages: no answer for a long while." in shown
    assert "you spent 3 min" in shown
    assert f"{graded(catalog, 'assess').points} of 40 points" in shown
    await bed.engine.tick()
    assert len(bed.chat.of_kind("debrief")) == 1  # closed once


async def test_an_idle_debrief_that_failed_is_sent_once_on_a_later_tick(bed: Bed) -> None:
    await bed.command("alice", "/drill incident catalog-latency")
    bed.clock.advance(dt.timedelta(hours=24))
    bed.chat.failures = 1  # Slack is down when the session is closed
    await bed.engine.tick()
    assert await bed.session("alice") is None  # closed, but its debrief is owed
    assert bed.chat.of_kind("debrief") == []
    bed.clock.advance(dt.timedelta(minutes=1))
    await bed.engine.tick()
    [sent] = bed.chat.of_kind("debrief")
    assert sent.message.key is not None and sent.message.key.startswith("debrief:")
    await bed.engine.tick()
    assert len(bed.chat.of_kind("debrief")) == 1


async def test_an_idle_debrief_that_landed_unanswered_is_not_sent_again(bed: Bed) -> None:
    await bed.command("alice", "/drill incident catalog-latency")
    bed.clock.advance(dt.timedelta(hours=24))
    bed.chat.lost_answers = 1  # Slack kept the DM; its answer was lost
    await bed.engine.tick()
    bed.clock.advance(dt.timedelta(minutes=2))
    await bed.engine.tick()  # looks in the DM, finds it, records it
    bed.clock.advance(dt.timedelta(minutes=2))
    await bed.engine.tick()
    assert len(bed.chat.of_kind("debrief")) == 1


async def test_a_debrief_owed_by_a_dead_process_is_sent_by_the_next(bed: Bed) -> None:
    await bed.command("alice", "/drill incident catalog-latency")
    bed.clock.advance(dt.timedelta(hours=24))
    session = await bed.session("alice")
    assert session is not None
    # The dead process took the debrief's lease and closed the session, then died.
    async with bed.store.transaction() as tx:
        lease = await tx.take_lease(
            f"debrief:{session.id}", "dead", bed.clock.now(), bed.clock.now() + LEASE
        )
    assert lease is not None
    async with bed.incident_store.transaction() as itx:
        await itx.save(replace(session, state=ir.SessionState.EXPIRED, finished_at=bed.clock.now()))
    after = bed.restarted()
    await after.engine.tick()
    assert bed.chat.of_kind("debrief") == []  # its lease still runs
    bed.clock.advance(LEASE + dt.timedelta(seconds=1))
    await after.engine.tick()
    assert len(bed.chat.of_kind("debrief")) == 1


async def test_the_idle_limit_is_configurable(library: Library) -> None:
    bed = Bed(library, idle_limit=dt.timedelta(hours=2))
    await bed.command("alice", "/drill incident catalog-latency")
    bed.clock.advance(dt.timedelta(hours=2))
    await bed.incidents.close_idle(bed.clock.now())
    assert await bed.session("alice") is None
    assert len(bed.chat.of_kind("debrief")) == 1


async def test_a_session_resumes_where_it_was_after_a_restart(bed: Bed, catalog: Incident) -> None:
    await bed.command("alice", "/drill incident catalog-latency")
    await bed.dm("alice", STRONG["assess"])
    await bed.command("alice", "/drill hint")

    after = bed.restarted()
    resumed = await after.command("alice", "/drill incident resume", where=DM)

    shown = texts(resumed)
    assert f"Back to: {catalog.title}" in shown
    assert "Stage 2 of 4 · Into the logs" in shown and catalog.stages[1].prompt in shown
    assert "`/drill hint`" not in shown  # its hint was already taken
    feedback = texts(await after.dm("alice", STRONG["logs"]))
    hinted = graded(catalog, "logs", hinted=True).points
    assert f"Stage 2 of 4 · Into the logs · {hinted} points of 10 (hint −2)" in feedback
    assert "Stage 3 of 4" in feedback


async def test_the_resume_command_shows_the_current_stage(bed: Bed) -> None:
    await bed.command("alice", "/drill incident catalog-latency")
    actor = bed.actor("alice")
    in_dm = await bed.incidents.handle(actor, DM, cmd.Resume(), "d-1")
    assert [r.visibility for r in in_dm.items] == [Visibility.DIRECT]
    assert "Stage 1 of 4" in texts(in_dm)
    in_channel = await bed.incidents.handle(actor, CHANNEL, cmd.Resume(), "d-2")
    assert [r.visibility for r in in_channel.items] == [Visibility.DIRECT, Visibility.PRIVATE]


async def test_plain_resume_reaches_the_session_in_a_dm_and_for_non_admins(bed: Bed) -> None:
    await bed.command("alice", "/drill incident catalog-latency")
    for where in (DM, CHANNEL):
        replies = await bed.command("alice", "/drill resume", where=where)
        assert "Stage 1 of 4" in text_of(replies.items[0].message)
        assert replies.items[0].visibility is Visibility.DIRECT


async def test_two_people_run_scenarios_at_once_without_crossing(bed: Bed) -> None:
    await bed.command("alice", "/drill incident catalog-latency")
    await bed.command("bob", "/drill incident memory-oom")

    alice = texts(await bed.dm("alice", STRONG["assess"]))
    assert "Stage 1 of 4 · First look" in alice
    bob_session = await bed.session("bob")
    assert bob_session is not None and bob_session.stage_index == 0
    assert bob_session.scenario_id == "incident-memory-oom"

    bob = texts(await bed.dm("bob", "skip"))
    assert "Skipped" in bob
    alice_session = await bed.session("alice")
    assert alice_session is not None and alice_session.stage_index == 1
    assert alice_session.scenario_id == CATALOG
    bob_session = await bed.session("bob")
    assert bob_session is not None and bob_session.stage_index == 1

    await bed.command("bob", "/drill stop")
    assert await bed.session("alice") is not None
    # Carol has nothing open, whatever the others do.
    assert "no mock incident waiting" in texts(await bed.dm("carol", STRONG["logs"]))


async def test_points_are_kept_per_person_and_local_date(bed: Bed, catalog: Incident) -> None:
    await bed.command("alice", "/drill incident catalog-latency")
    await bed.dm("alice", STRONG["assess"])
    await bed.command("alice", "/drill stop")
    bed.clock.advance(dt.timedelta(days=7))
    await bed.command("alice", "/drill incident catalog-latency")
    await bed.dm("alice", STRONG["assess"])
    await bed.dm("alice", STRONG["logs"])
    alice = await bed.person_id("alice")

    today = bed.clock.now().date()
    first, second = graded(catalog, "assess").points, graded(catalog, "logs").points
    assert await bed.incidents.points(WORKSPACE, today, today) == {alice: first + second}
    assert await bed.incidents.points(WORKSPACE, None, None) == {alice: 2 * first + second}
    assert await bed.incidents.points("other", None, None) == {}


async def test_the_store_keeps_one_active_session_per_person() -> None:
    store = MemoryIncidentStore()
    kwargs = {
        "workspace_id": WORKSPACE,
        "person_id": 1,
        "user_id": "alice",
        "display_name": "Alice",
        "scenario_id": CATALOG,
        "now": START,
        "local_date": START.date(),
    }
    async with store.transaction() as tx:
        first = await tx.start(**kwargs)  # type: ignore[arg-type]
        assert first is not None
        assert await tx.start(**kwargs) is None  # type: ignore[arg-type]
        stale = first
        saved = await tx.save(first)
        assert saved is not None and saved.version == 2
        assert await tx.save(stale) is None


# --- the pure rules ------------------------------------------------------------------------


def test_scenarios_are_found_with_or_without_their_prefix(library: Library) -> None:
    incidents = library.incidents()
    assert ir.find_scenario(incidents, "catalog-latency") is library.get(CATALOG)
    assert ir.find_scenario(incidents, "Incident-Catalog-Latency") is library.get(CATALOG)
    assert ir.find_scenario(incidents, "catalog") is None
    picked = ir.pick_random(incidents, "mid", random.Random(1))
    assert picked is not None and picked.level == "mid"
    assert ir.pick_random(incidents, "intern") is None
    levels = [i.level for i in ir.ordered(incidents, library.levels())]
    assert levels == sorted(levels, key=library.levels().index)


def test_a_debrief_lists_every_stage_and_the_red_flags_once(catalog: Incident) -> None:
    results = (
        ir.StageResult("assess", 0.5, ("confirm-scope",), ("resources",), ("panic",), True),
        ir.StageResult("logs", 0.2, (), (), ("panic", "blind-restart")),
    )
    debrief = ir.build_debrief(
        catalog, results, ir.SessionState.STOPPED, START, START + dt.timedelta(minutes=75)
    )
    assert [s.state for s in debrief.stages] == [
        "answered",
        "answered",
        "not answered",
        "not answered",
    ]
    assert debrief.points == 3 + 2 and debrief.hints == 1 and debrief.done == 2
    flags = {m.id: m.text for m in catalog.red_flags}
    assert debrief.red_flags == (flags["panic"], flags["blind-restart"])
    assert debrief.stages[0].covered == (catalog.stages[0].rubric[0].text,)
    assert ir.describe_duration(debrief.duration) == "1 h 15 min"
    assert ir.describe_duration(dt.timedelta(seconds=30)) == "under a minute"
    assert ir.describe_duration(dt.timedelta(days=2, hours=3)) == "2 d 3 h"


def test_idleness_is_measured_from_the_last_activity() -> None:
    limit = ir.DEFAULT_IDLE_LIMIT
    assert not ir.is_idle(START, START + limit - dt.timedelta(seconds=1), limit)
    assert ir.is_idle(START, START + limit, limit)
