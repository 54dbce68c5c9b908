"""The modals and the payload translation, without the network."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.adapters.slack import modals, translate
from bot.domain import commands as cmd
from bot.domain import schedule_rules as rules
from bot.domain.model import Schedule
from tests.adapters.slack.fake_slack import check_view


def _state(values: dict[str, str | list[str]]) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for block, value in values.items():
        entry: dict[str, Any]
        if isinstance(value, list):
            entry = {"type": "checkboxes", "selected_options": [{"value": v} for v in value]}
        else:
            entry = {"type": "plain_text_input", "value": value}
        state[block] = {"value": entry}
    return {"state": {"values": state}}


def test_setup_form_becomes_the_command_an_admin_would_type() -> None:
    view = _state(
        {
            "time": "09:30",
            "zone": "Europe/Berlin",
            "days": ["mon", "tue", "wed", "thu", "fri"],
            "mcq_days": ["tue", "thu"],
            "window": "6h",
            "leaderboard": "fri 16:00",
            "topics": "",
            "levels": "junior,mid",
        }
    )
    text = modals.setup_command(view)
    assert text == (
        "setup 09:30 Europe/Berlin mon-fri mcq-days=tue,thu window=6h "
        "leaderboard='fri 16:00' topics=all levels=junior,mid"
    )
    parsed = cmd.parse(text)
    assert isinstance(parsed, cmd.Setup)
    schedule = rules.apply_changes(Schedule(), parsed.all_changes())
    assert schedule.post_time == dt.time(9, 30) and schedule.timezone == "Europe/Berlin"
    assert schedule.mcq_days == ("tue", "thu") and schedule.levels == ("junior", "mid")
    assert schedule.leaderboard_day == "fri" and schedule.topics == ()


def test_setup_form_values_cannot_smuggle_settings() -> None:
    view = _state({"time": "09:30 window=1m", "zone": "UTC", "days": ["mon", "wed"]})
    parsed_text = modals.setup_command(view)
    assert "'09:30 window=1m'" in parsed_text or "time=" in parsed_text
    try:
        parsed = cmd.parse(parsed_text)
    except cmd.CommandError:
        return  # refused: fine
    assert isinstance(parsed, cmd.Setup)
    assert parsed.changes.get("window") is None


def test_setup_modal_prefills_the_current_schedule_and_keeps_to_limits() -> None:
    current = Schedule(
        post_time=dt.time(8, 15),
        timezone="America/New_York",
        days=("mon", "wed", "fri"),
        mcq_days=("wed",),
        answer_window=dt.timedelta(minutes=90),
        topics=("caching",),
    )
    view = modals.setup_modal(modals.SetupContext("C1", "drills"), current)
    assert check_view(view) == []
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert list(inputs) == list(modals.FIELDS)
    assert inputs["time"]["initial_value"] == "08:15"
    assert inputs["window"]["initial_value"] == "90m"
    assert [o["value"] for o in inputs["days"]["initial_options"]] == ["mon", "wed", "fri"]
    assert inputs["topics"]["initial_value"] == "caching"
    assert modals.SetupContext.load(view["private_metadata"]) == modals.SetupContext("C1", "drills")


def test_errors_land_on_the_field_they_are_about() -> None:
    assert modals.error_field("`Mars/Olympus` is not an IANA time zone.") == "zone"
    assert modals.error_field("The answer window must end before the next drill") == "window"
    assert modals.error_field("`25:00` is not a time. Use 24-hour HH:MM") == "time"
    assert modals.error_field("There is no topic `x`.") == "topics"
    assert modals.error_field("mcq-days must be drill days") == "mcq_days"
    assert modals.error_text("`x` is *bad*") == "x is bad"


def test_answer_modal() -> None:
    question: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Daily question*"}},
        {"type": "actions", "elements": []},
    ]
    view = modals.answer_modal(modals.AnswerContext(7, "C1", "1.2"), question)
    assert check_view(view) == []
    assert [b["type"] for b in view["blocks"]] == ["section", "input"]
    element = view["blocks"][-1]["element"]
    assert element["multiline"] is True and element["max_length"] == 3000
    assert len(view["title"]["text"]) <= 24
    assert modals.AnswerContext.load(view["private_metadata"]) == modals.AnswerContext(
        7, "C1", "1.2"
    )
    assert modals.AnswerContext.load("not json") is None
    state = {"state": {"values": {"answer": {"text": {"value": "my answer"}}}}}
    assert modals.answer_text(state) == "my answer"


def test_delivery_keys_are_stable_per_action_and_distinct_across() -> None:
    body = {"user": {"id": "U1"}, "team": {"id": "T1"}}
    click = {"action_ts": "1.5", "action_id": "drillbot.pick.1", "value": "3:B"}
    assert translate.action_delivery(body, click) == translate.action_delivery(body, dict(click))
    again = {**click, "action_ts": "1.6"}
    assert translate.action_delivery(body, click) != translate.action_delivery(body, again)
    view = {"id": "V1", "hash": "h1"}
    assert translate.view_delivery(view) == translate.view_delivery(dict(view))
    assert translate.view_delivery(view) != translate.view_delivery({"id": "V1", "hash": "h2"})
    event = translate.event_delivery({"event_id": "Ev1"}, {})
    assert event == translate.event_delivery({"event_id": "Ev1"}, {"ts": "other"})
    command = translate.command_delivery({"team_id": "T1", "trigger_id": "t.1"})
    assert command.startswith("slack:cmd:") and len(command) < 64
    assert len({event, command, translate.view_delivery(view)}) == 3


def test_where_and_who() -> None:
    assert translate.where_of("D123").direct
    assert translate.where_of("C1", "directmessage").direct
    assert translate.where_of("C1", "drills").channel_id == "C1"
    who = translate.command_who({"team_id": "T1", "user_id": "U1", "user_name": "ann"})
    actor = who.actor()
    assert (actor.workspace_id, actor.user_id, actor.display_name, actor.is_admin) == (
        "T1",
        "U1",
        "ann",
        False,
    )
    body = {"user": {"id": "U2", "name": "bo", "team_id": "T9"}, "team": {"id": "T2"}}
    assert translate.interaction_who(body).team_id == "T2"
    assert translate.interaction_who(body, "T3").team_id == "T3"
