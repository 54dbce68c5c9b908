"""Message model → Discord embeds and buttons: every block and kind, the longest content of the
packs, splitting, and every payload inside Discord's limits."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

import discord
import pytest

from bot.adapters.console.render import render as console_render
from bot.adapters.discord import custom_ids, limits
from bot.adapters.discord.escape import markup
from bot.adapters.discord.render import (
    CONTINUED,
    NO_MENTIONS,
    TABLE_CELL,
    DiscordPayload,
    ModalSpec,
    answer_modal,
    drill_answer_modal,
    embed_size,
    incident_answer_modal,
    no_mentions,
    render,
    render_cached,
    render_ephemeral,
    split_text,
)
from bot.adapters.slack.render import message_payload
from bot.content.loader import Library, load_library
from bot.domain import incident_rules as ir
from bot.domain.commands import help_text
from bot.domain.grading import Grade
from bot.domain.items import Incident, MultipleChoice, OpenQuestion
from bot.domain.model import Drill, DrillState, DrillStats, LeaderboardRow, Slot
from bot.messaging.message import (
    Action,
    Actions,
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
from bot.services import incident_views, views

REVEAL_AT = dt.datetime(2026, 11, 30, 16, 0, tzinfo=dt.UTC)
UNIX = int(REVEAL_AT.timestamp())
HOSTILE = "@everyone <@&1> <@123> [click](https://evil.example) **x** `y` ```z```\n# heading"
_FENCE_LINE = re.compile(r"^```", re.M)


def check_limits(payload: DiscordPayload) -> list[str]:
    """Everything Discord would refuse in one payload (an empty list when it would send)."""
    problems: list[str] = []
    if len(payload.content) > limits.CONTENT:
        problems.append(f"content of {len(payload.content)} characters")
    if not payload.content.strip() and not payload.embeds:
        problems.append("neither content nor embeds")
    if len(payload.embeds) > limits.EMBEDS:
        problems.append(f"{len(payload.embeds)} embeds")
    if sum(embed_size(e) for e in payload.embeds) > limits.EMBED_TOTAL:
        problems.append("embeds over the 6,000 characters of a message")
    for n, embed in enumerate(payload.embeds):
        problems += [f"embed {n}: {p}" for p in _embed_problems(embed)]
    if len(payload.rows) > limits.ACTION_ROWS:
        problems.append(f"{len(payload.rows)} action rows")
    ids = [b.custom_id for row in payload.rows for b in row]
    if len(ids) != len(set(ids)):
        problems.append("two buttons share a custom_id")
    for row in payload.rows:
        if not 1 <= len(row) <= limits.BUTTONS_PER_ROW:
            problems.append(f"a row of {len(row)} buttons")
        for button in row:
            if not 1 <= len(button.custom_id) <= limits.CUSTOM_ID:
                problems.append(f"custom_id {button.custom_id!r}")
            if custom_ids.decode(button.custom_id) is None:
                problems.append(f"custom_id {button.custom_id!r} does not decode")
            if not 1 <= len(button.label) <= limits.BUTTON_LABEL:
                problems.append(f"label {button.label!r}")
    if not _balanced(payload.content):
        problems.append("content leaves a code block open")
    return problems


def _embed_problems(embed: dict[str, object]) -> list[str]:
    problems: list[str] = []
    title = str(embed.get("title") or "")
    description = str(embed.get("description") or "")
    fields = embed.get("fields") or []
    assert isinstance(fields, list)
    if len(title) > limits.EMBED_TITLE:
        problems.append(f"title of {len(title)}")
    if len(description) > limits.EMBED_DESCRIPTION:
        problems.append(f"description of {len(description)}")
    if "description" in embed and not description.strip():
        problems.append("a blank description")
    if not (title.strip() or description.strip() or fields):
        problems.append("empty")
    if len(fields) > limits.EMBED_FIELDS:
        problems.append(f"{len(fields)} fields")
    for f in fields:
        if not 1 <= len(f["name"]) <= limits.EMBED_FIELD_NAME:
            problems.append(f"field name {f['name']!r}")
        if not 1 <= len(f["value"]) <= limits.EMBED_FIELD_VALUE:
            problems.append(f"field value of {len(f['value'])}")
    if not _balanced(description):
        problems.append("a code block left open")
    if embed_size(embed) > limits.EMBED_TOTAL:
        problems.append("over 6,000 characters")
    # What the runtime does with it: discord.py must take it as is.
    rebuilt = discord.Embed.from_dict(embed).to_dict()
    rebuilt.pop("type", None)
    if rebuilt.pop("flags", 0) != 0:  # discord.py adds flags 0
        problems.append("flags set by discord.Embed.from_dict")
    if rebuilt != embed:
        problems.append("changed by discord.Embed.from_dict")
    return problems


def _balanced(text: str) -> bool:
    return len(_FENCE_LINE.findall(text)) % 2 == 0


def check_all(payloads: Sequence[DiscordPayload]) -> None:
    assert payloads
    for n, payload in enumerate(payloads):
        assert check_limits(payload) == [], f"payload {n}"
    if any(p.rows for p in payloads[1:]):  # only buttons past the first message's rows
        assert len(payloads[0].rows) == limits.ACTION_ROWS


def text_of(payloads: Iterable[DiscordPayload]) -> str:
    """Every piece of text in the payloads, in order."""
    parts: list[str] = []
    for payload in payloads:
        parts.append(payload.content)
        for embed in payload.embeds:
            parts += [str(embed.get("title") or ""), str(embed.get("description") or "")]
            parts += [f"{f['name']}\n{f['value']}" for f in embed.get("fields") or []]
    return "\n".join(parts)


def words(text: str) -> list[str]:
    return text.split()


def assert_all_words_in_order(source: str, payloads: Sequence[DiscordPayload]) -> None:
    """Nothing was lost or cut mid-word: the words of ``source`` appear, in order."""
    shown = words(text_of(payloads))
    position = 0
    for word in words(source):
        position = shown.index(word, position) + 1


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library()


def a_drill(item: OpenQuestion | MultipleChoice, drill_id: int = 42) -> Drill:
    return Drill(
        id=drill_id,
        workspace_id="G1",
        channel_id=7,
        slot=Slot.DAILY,
        local_date=dt.date(2026, 11, 30),
        item_id=item.id,
        kind="open" if isinstance(item, OpenQuestion) else "mcq",
        scheduled_at=REVEAL_AT - dt.timedelta(hours=8),
        reveal_at=REVEAL_AT,
        state=DrillState.POSTED,
    )


def longest_open(library: Library) -> OpenQuestion:
    return max(library.open_questions(), key=lambda q: len(q.model_answer))


def longest_incident(library: Library) -> Incident:
    return max(library.incidents(), key=lambda i: sum(len(s.strong_answer) for s in i.stages))


def a_debrief(incident: Incident) -> ir.Debrief:
    results = [
        ir.StageResult(
            stage.id,
            0.5,
            covered=tuple(p.id for p in stage.rubric[:1]),
            missed=tuple(p.id for p in stage.rubric[1:]),
            red_flags=tuple(m.id for m in incident.red_flags),
            hinted=True,
        )
        for stage in incident.stages
    ]
    start = dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC)
    return ir.build_debrief(
        incident, results, ir.SessionState.FINISHED, start, start + dt.timedelta(minutes=47)
    )


# --- the drill ----------------------------------------------------------------------------------
def test_the_drill_is_one_embed_with_its_button_and_a_timestamp(library: Library) -> None:
    item = library.open_questions()[0]
    message = views.drill_message(item, "Node.js", "Europe/Berlin", a_drill(item), answered=3)
    payloads = render(message)
    check_all(payloads)
    assert len(payloads) == 1
    (payload,) = payloads
    assert payload.content == ""
    (embed,) = payload.embeds
    assert embed["title"] == f"Daily question #42 · Node.js · {item.level}"
    assert embed["color"] == 0x5865F2
    description = embed["description"]
    assert description.startswith(f"**{markup(item.title)}**\n\n")
    assert markup(item.prompt) in description
    # The reveal in each reader's own zone, and nothing of the channel's zone left.
    assert f"reveal <t:{UNIX}:t> (<t:{UNIX}:R>)" in description
    assert "Mon 30 Nov" not in description
    assert description.splitlines()[-1].startswith("-# Answer with the button")
    assert "3 answers so far" in description
    ((button,),) = payload.rows
    assert button.label == "Answer" and button.primary
    assert custom_ids.decode(button.custom_id) == (Action.ANSWER_OPEN, "42")
    assert payload.components() == [
        {
            "type": 1,
            "components": [
                {"type": 2, "style": 1, "label": "Answer", "custom_id": "drillbot:answer_open:42"}
            ],
        }
    ]


def test_an_mcq_drill_has_one_button_per_option(library: Library) -> None:
    item = max(library.mcqs(), key=lambda m: len(m.options))
    payloads = render(views.drill_message(item, "Node.js", "UTC", a_drill(item, 9)))
    check_all(payloads)
    (row,) = payloads[0].rows
    assert [b.label for b in row] == [o.key for o in item.options]
    assert [custom_ids.decode(b.custom_id) for b in row] == [
        (Action.PICK, f"9:{o.key}") for o in item.options
    ]
    assert not any(b.primary for b in row)
    practice = render_ephemeral(views.drill_message(item, "Node.js", "UTC", None))
    check_all(practice)
    assert custom_ids.decode(practice[0].rows[0][0].custom_id) == (
        Action.PICK,
        f"practice:{item.id}:A",
    )
    assert practice[0].embeds[0]["title"] == f"Practice question · Node.js · {item.level}"


def test_the_moment_renders_per_platform(library: Library) -> None:
    """The port change: the reveal time is an instant, not text, in the drill message."""
    item = library.open_questions()[0]
    message = views.drill_message(item, "Node.js", "Europe/Berlin", a_drill(item))
    slack = str(message_payload(message)["blocks"])
    assert "reveal Mon 30 Nov 17:00 ·" in slack and "\ue010" not in slack
    console = "\n".join(console_render(message))
    assert "reveal Mon 30 Nov 17:00 ·" in console and "\ue010" not in console
    assert moment(REVEAL_AT.replace(tzinfo=None), "x") == moment(REVEAL_AT, "x")


# --- every block ------------------------------------------------------------------------------
def test_every_block_type() -> None:
    message = Message(
        text="all",
        blocks=(
            Section("*Heading* · small\nBody with *bold* and _italic_ and `code`"),
            Quote("what I wrote\n\nsecond paragraph", author="Ann"),
            Context("small print"),
            Fields((("Streak", "3 days"), ("Points", "12"))),
            Section("after the fields"),
            Divider(),
            Section("*Second card*"),
            Table(("#", "name"), (("1", "Ann"), ("2", "Bob"))),
            Actions((Button(Action.PAUSE, "Pause", "5"),)),
        ),
        kind="info",
    )
    (payload,) = render(message)
    assert check_limits(payload) == []
    first, after, second = payload.embeds
    assert first["title"] == "Heading · small"
    assert first["description"] == (
        "Body with **bold** and *italic* and `code`\n\n"
        "**Ann**\n> what I wrote\n> \n> second paragraph\n\n"
        "-# small print"
    )
    assert first["fields"] == [
        {"name": "Streak", "value": "3 days", "inline": True},
        {"name": "Points", "value": "12", "inline": True},
    ]
    assert after == {"description": "after the fields", "color": 0x99AAB5}
    assert second["title"] == "Second card"
    assert second["description"] == "```\n#  name\n1  Ann\n2  Bob\n```"
    assert [[custom_ids.decode(b.custom_id) for b in row] for row in payload.rows] == [
        [(Action.PAUSE, "5")]
    ]


def test_a_message_without_blocks_is_plain_content() -> None:
    (payload,) = render(Message(f"Stats of {literal('*Al*')} @here"))
    assert payload == DiscordPayload("Stats of \\*Al\\* @\u200bhere", (), ())
    (empty,) = render(Message("  ", (Section(" "), Context(""), Quote(""), Divider())))
    assert empty.content == "drillbot" and not empty.embeds


def test_long_content_is_split_into_messages() -> None:
    text = "\n\n".join(f"paragraph {n} " + "word " * 150 for n in range(12))
    payloads = render(Message(text))
    assert len(payloads) > 4
    check_all(payloads)
    assert all(len(p.content) <= limits.CONTENT and not p.embeds for p in payloads)
    assert_all_words_in_order(text, payloads)


# --- every kind the core sends ------------------------------------------------------------------
def core_messages(library: Library) -> list[Message]:
    open_q = longest_open(library)
    mcq = max(library.mcqs(), key=lambda m: sum(len(o.explanation) for o in m.options))
    incident = longest_incident(library)
    grade = Grade(
        score=0.5,
        covered=tuple(p.id for p in open_q.key_points[:2]),
        missed=tuple(p.id for p in open_q.key_points[2:]),
        mistakes=tuple(m.id for m in open_q.mistakes[:1]),
        reason="Reads as a bare list of terms",
    )
    rows = [
        LeaderboardRow(n, f"U{n}", f"{HOSTILE} {n}", 100 - n, 5, 3, 2, 4, incident_points=n)
        for n in range(1, 16)
    ]
    result = ir.grade_stage(incident, incident.stages[0], "I check the pods", hinted=False)
    return [
        views.drill_message(open_q, "Node.js", "UTC", a_drill(open_q)),
        views.drill_message(mcq, "Node.js", "UTC", a_drill(mcq)),
        views.mcq_feedback(mcq, "A", first_choice=False, drill=a_drill(mcq)),
        views.practice_mcq_feedback(mcq, "B"),
        views.open_feedback(open_q, grade, 12, edited=True, drill=a_drill(open_q), first_score=0.3),
        views.open_feedback(open_q, grade, None, full=True),
        views.reveal_message(open_q, DrillStats(3, {}, 0.42), "Node.js"),
        views.reveal_message(mcq, DrillStats(4, {"A": 1, "B": 3}), "Node.js"),
        views.leaderboard_message(rows, "this-week", "#general"),
        views.leaderboard_message([], "all", "the team"),
        views.stats_message(literal(HOSTILE), rows[0], rows[0], 1, ()),
        views.away_list([]),
        views.which_drill("Which one?", [(a_drill(open_q), open_q), (a_drill(mcq, 43), mcq)], "x"),
        views.error("Nope.", "`/drill help`"),
        views.notice("Done."),
        Message("help", (Section(help_text(None, is_admin=True)),), kind="help"),
        incident_views.started(incident, HOSTILE),
        incident_views.stage_prompt(incident, 1, hinted=False, resumed=True),
        incident_views.stage_feedback(incident, 0, result),
        incident_views.hint(incident, 0, again=False),
        incident_views.debrief(a_debrief(incident)),
        incident_views.scenario_list(library.incidents()),
    ]


def test_every_kind_the_core_sends_stays_inside_the_limits(library: Library) -> None:
    messages = core_messages(library)
    kinds = {m.kind for m in messages}
    assert kinds >= {"drill", "feedback", "reveal", "leaderboard", "stats", "help", "error"}
    assert kinds >= {"info", "incident", "debrief"}
    for message in messages:
        payloads = render(message)
        check_all(payloads)
        assert all(not p.content for p in payloads), "every block message is embeds"
        text = text_of(payloads)
        assert "@everyone" not in text
        # Outside code blocks, where Discord renders nothing, nothing is left unescaped.
        text = re.sub(r"^```\n[\s\S]*?\n```$", "", text, flags=re.M)
        assert not re.search(r"(?<!\\)<@|(?<!\\)\]\(", text)


def test_the_longest_model_answer_is_split_without_losing_a_word(library: Library) -> None:
    item = longest_open(library)
    long_item = item.model_copy(update={"model_answer": (item.model_answer + "\n\n") * 4})
    for question in (item, long_item):
        message = views.reveal_message(question, DrillStats(2, {}, 0.5), "Node.js")
        payloads = render(message)
        check_all(payloads)
        assert payloads[0].embeds[0]["title"] == f"Reveal: {markup(item.title)} · Node.js"
        assert_all_words_in_order(markup(question.model_answer), payloads)
        for point in question.key_points:
            assert markup(point.text) in text_of(payloads)
    assert len(render(views.reveal_message(long_item, DrillStats(2), "Node.js"))) > 1


def test_the_longest_debrief_is_split_without_losing_a_word(library: Library) -> None:
    incident = longest_incident(library)
    payloads = render(incident_views.debrief(a_debrief(incident)))
    check_all(payloads)
    assert len(payloads) >= 2, "past 6,000 characters: more than one message"
    assert payloads[0].embeds[0]["title"] == f"Debrief: {markup(incident.title)}"
    for stage in incident.stages:
        assert_all_words_in_order(markup(stage.strong_answer), payloads)
    for line in incident.debrief:
        assert markup(line) in text_of(payloads)


def test_every_incident_and_stage_renders(library: Library) -> None:
    for incident in library.incidents():
        started = render(incident_views.started(incident, "Eve"))
        check_all(started)
        (row,) = started[0].rows
        assert custom_ids.decode(row[0].custom_id) == (
            Action.ANSWER_INCIDENT,
            incident_views.form_value(incident, 0),
        )
        for index in range(len(incident.stages)):
            check_all(render(incident_views.stage_prompt(incident, index, hinted=True)))


# --- escaping in context ------------------------------------------------------------------------
def test_hostile_names_and_answers_are_shown_as_written_and_mention_nobody() -> None:
    message = Message(
        text="x",
        blocks=(
            Section(f"*Your drill stats, {literal(HOSTILE)}*"),
            Quote(HOSTILE + "\n> not a quote\n```\nfence", author="<@123> **Eve**"),
            Fields((("Name", literal(HOSTILE)),)),
            Context(f"Incident practice: {literal(HOSTILE)} 10"),
        ),
    )
    (payload,) = render(message)
    assert check_limits(payload) == []
    embed = payload.embeds[0]
    assert embed["title"].startswith("Your drill stats, @\u200beveryone \\<@&1> \\<@123>")
    assert "\\[click\\](https\\://evil.example)" in embed["title"]
    quote = embed["description"].split("\n\n")[0].split("\n")
    assert quote[0] == "**\\<@123> \\*\\*Eve\\*\\***"
    assert all(line.startswith("> ") for line in quote[1:])
    assert "> \\> not a quote" in quote and "> \\`\\`\\`" in quote
    assert "> \\# heading" in quote
    assert embed["fields"][0]["value"].startswith("@\u200beveryone \\<@&1>")


def test_a_table_cannot_be_broken_out_of() -> None:
    rows = (("1", "```\n@everyone <@1>"), ("2", "x" * 40))
    (payload,) = render(Message("t", (Table(("#", "name"), rows),), kind="leaderboard"))
    description = payload.embeds[0]["description"]
    assert description.count("```") == 2 and description.startswith("```\n")
    assert "\u02cb\u02cb\u02cb @\u200beveryone <@1>" in description  # code shows text as is
    assert "x" * (TABLE_CELL - 1) + "…" in description and "x" * TABLE_CELL not in description
    assert payload.embeds[0]["color"] == 0xEB459E


# --- limits --------------------------------------------------------------------------------------
def test_a_huge_table_keeps_its_code_blocks_balanced() -> None:
    rows = tuple((str(n), f"person number {n}") for n in range(900))
    payloads = render(Message("t", (Section("*Board*"), Table(("#", "name"), rows))))
    check_all(payloads)
    descriptions = [str(e["description"]) for p in payloads for e in p.embeds]
    assert len(descriptions) > 2
    assert all(d.startswith("```\n") and d.endswith("\n```") for d in descriptions)
    assert_all_words_in_order("\n".join(f"{n}  person number {n}" for n in range(900)), payloads)


def test_fields_past_25_and_long_values_go_on() -> None:
    pairs = (*((f"k{n}", f"v{n}") for n in range(30)), ("long", "word " * 400))
    payloads = render(Message("f", (Fields(pairs),)))
    check_all(payloads)
    counts = [len(e.get("fields", [])) for p in payloads for e in p.embeds]
    assert counts[0] == 25 and sum(counts) > 31
    assert_all_words_in_order(" ".join(f"k{n} v{n}" for n in range(30)), payloads)
    assert text_of(payloads).count("word") == 400


def test_a_word_longer_than_an_embed_is_the_only_thing_cut() -> None:
    payloads = render(Message("w", (Section("before " + "y" * 9000 + " after"),)))
    check_all(payloads)
    assert text_of(payloads).count("y") == 9000
    assert_all_words_in_order("before after", payloads)


def test_split_text_prefers_paragraphs_then_lines_then_words() -> None:
    paragraphs = ["a" * 40, "b" * 40, "c" * 40]
    assert split_text("\n\n".join(paragraphs), 90) == ["a" * 40 + "\n\n" + "b" * 40, "c" * 40]
    assert split_text("one two\nthree four", 12) == ["one two", "three four"]
    assert split_text("> " + "word " * 10, 20) == [
        "> word word word",
        "> word word word",
        "> word word word",
        "> word ",
    ]
    assert split_text("ab\\*cd", 3) == ["ab", "\\*c", "d"], "never between \\ and its *"
    fenced = "```\n" + "\n".join(f"row {n}" for n in range(10)) + "\n```"
    for limit in range(16, 60):
        pieces = split_text(fenced, limit)
        assert all(len(p) <= limit for p in pieces)
        assert all(p.startswith("```\n") and p.endswith("\n```") for p in pieces), limit
        assert all(p.count("```") == 2 for p in pieces), "no empty code block"
        assert_all_words_in_order(
            fenced.replace("```", ""), [DiscordPayload(p, (), ()) for p in pieces]
        )
    assert split_text("\\*", 1) == ["\\", "*"], "a limit of 1 still ends"


def test_buttons_stay_on_the_first_message_and_overflow_in_order() -> None:
    buttons = tuple(Button(Action.PICK, f"Option {n} " * 12, "7:A") for n in range(27))
    message = Message("b", (Section("x " * 3000), Actions(buttons), Section("y " * 3000)))
    payloads = render(message)
    check_all(payloads)
    assert len(payloads) >= 2
    assert [len(r) for r in payloads[0].rows] == [5, 5, 5, 5, 5]
    assert [len(r) for r in payloads[1].rows] == [2]
    specs = [b for p in payloads for r in p.rows for b in r]
    assert len({b.custom_id for b in specs}) == 27, "the same action and value: distinct ids"
    assert {custom_ids.decode(b.custom_id) for b in specs} == {(Action.PICK, "7:A")}
    assert all(len(b.label) <= limits.BUTTON_LABEL and b.label.endswith("…") for b in specs)
    alone = render(Message("b", (Section("short"), Actions(buttons))))
    assert len(alone) == 2 and alone[1].content == CONTINUED and not alone[1].embeds
    check_all(alone)


def test_no_mentions() -> None:
    assert NO_MENTIONS == {"parse": []}
    assert dict(no_mentions().to_dict()) == NO_MENTIONS


# --- modals --------------------------------------------------------------------------------------
def check_modal(spec: ModalSpec) -> None:
    assert 1 <= len(spec.title) <= limits.MODAL_TITLE
    assert 1 <= len(spec.label) <= limits.TEXT_INPUT_LABEL
    assert len(spec.placeholder) <= limits.TEXT_INPUT_PLACEHOLDER
    assert len(spec.description) <= limits.LABEL_DESCRIPTION
    assert len(spec.question) <= limits.TEXT_DISPLAY
    assert len(spec.custom_id) <= limits.CUSTOM_ID
    assert spec.field_id == custom_ids.ANSWER_FIELD
    assert 1 <= spec.max_length <= limits.TEXT_INPUT_VALUE


def test_answer_modals(library: Library) -> None:
    item = longest_open(library)
    drill = drill_answer_modal(42, views.drill_message(item, "Node.js", "UTC", a_drill(item)))
    check_modal(drill)
    assert custom_ids.parse_modal_id(drill.custom_id) == (custom_ids.ANSWER_MODAL, "42")
    assert drill.title == "Answer the drill" and drill.max_length == 3000
    assert "a quarter" in drill.description
    assert markup(item.prompt) in drill.question and "Answer with the button" not in drill.question

    incident = max(library.incidents(), key=lambda i: len(i.id))
    value = incident_views.form_value(incident, len(incident.stages) - 1)
    prompt = incident_views.stage_prompt(incident, len(incident.stages) - 1, hinted=False)
    form = incident_answer_modal(value, prompt)
    check_modal(form)
    assert custom_ids.parse_modal_id(form.custom_id) == (custom_ids.INCIDENT_MODAL, value)
    assert markup(incident.stages[-1].prompt) in form.question

    long = answer_modal(
        "A title far longer than the forty-five characters Discord allows",
        "label " * 20,
        "placeholder " * 20,
        custom_id="drillbot-modal:answer:1",
        description="d " * 80,
        question="q " * 3000,
        max_length=10_000,
    )
    check_modal(long)
    assert long.title == "A title far longer than the forty-five…"
    assert long.question.endswith("…") and long.max_length == limits.TEXT_INPUT_VALUE


def test_rendered_feedback_is_remembered_and_the_same_as_rendered_anew() -> None:
    feedback = Message(
        "A is right", (Section("*A* is right."), Context("Your pick for #1")), kind="feedback"
    )
    first = render_cached(feedback)
    assert first == tuple(render(feedback))
    again = Message(
        "A is right", (Section("*A* is right."), Context("Your pick for #1")), kind="feedback"
    )
    assert render_cached(again) is first  # an equal message: rendered once
    other = Message("B is right", (Section("*B* is right."),), kind="feedback")
    assert render_cached(other) == tuple(render(other)) != first
