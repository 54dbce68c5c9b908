"""The Slack app running for real on 127.0.0.1, a fake Slack Web API, and a Slack-side client
that sends it signed requests built from Slack's own payload shapes.

``SlackHarness`` owns: ``fake`` (the Web API and response_url), ``runtime`` (the app: Bolt over
aiohttp, the same code ``drillbot run --platform slack`` runs), ``engine`` (the core on a
SQLite file, moved by a manual clock), and helpers that click, type and submit like a person.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import aiohttp
import jsonschema  # type: ignore[import-untyped]

from bot.adapters.slack.chat import RetryPolicy
from bot.adapters.slack.main import SlackConfig, SlackRuntime
from bot.content.loader import Library
from bot.db.sql_store import SqlStore
from bot.scheduling.clock import ManualClock
from bot.scheduling.virtual import VirtualTime
from bot.services.deps import Deps, EngineSettings
from bot.services.engine import Engine
from bot.services.incident_port import IncidentHandler
from bot.services.store import Store
from bot.testing.library import tiny_library
from tests.adapters.slack.fake_slack import SPECS, Call, FakeSlack

JSON = dict[str, Any]

TEAM = "T0TEAM"
TOKEN = "xoxb-test-token-1234567890"
SECRET = "signing-secret-0123456789abcdef"
CLIENT_ID = "1111.2222"
CLIENT_SECRET = "client-secret-abcdef0123"
CHANNEL = "C0DRILLS"
CHANNEL_NAME = "drills"
ZONE = "Europe/Berlin"
RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
"""The headers Slack adds when it sends a request again."""
FAST = RetryPolicy(
    rate_limited=2, server_errors=2, connection_errors=1, backoff=0.01, jitter=0.01, timeout=5
)
"""Retries as in production, without the waiting (Retry-After is still obeyed)."""


@cache
def shape(name: str) -> JSON:
    data: JSON = json.loads((SPECS / "payload-shapes" / f"{name}.json").read_text())
    return data


@cache
def event_wrapper_schema() -> JSON:
    schema: JSON = json.loads((SPECS / "slack_common_event_wrapper_schema.json").read_text())
    return schema


def sign(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack adds: v0 HMAC-SHA256 of ``v0:<timestamp>:<body>``."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class Reply:
    status: int
    text: str
    elapsed: float

    def json(self) -> JSON:
        data: JSON = json.loads(self.text) if self.text else {}
        return data


@dataclass
class SlackHarness:
    fake: FakeSlack
    store: Store
    library: Library = field(default_factory=tiny_library)
    start: str = "2026-11-30T08:00"
    """A Monday."""
    incidents: IncidentHandler | None = None
    real_incidents: bool = False
    """Run real mock incident sessions (stored beside everything else) instead of ``incidents``."""
    mode: str = "http"
    runtime: SlackRuntime = field(init=False)
    engine: Engine = field(init=False)
    clock: ManualClock = field(init=False)
    time: VirtualTime = field(init=False)
    session: aiohttp.ClientSession = field(init=False)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    async def __aenter__(self) -> SlackHarness:
        config = SlackConfig(
            mode=self.mode,  # type: ignore[arg-type]
            api_url=self.fake.api_url,
            port=0,
            host="127.0.0.1",
            bot_token=None if self.mode == "oauth" else TOKEN,
            app_token=self.fake.app_token if self.mode == "socket" else None,
            signing_secret=SECRET,
            client_id=CLIENT_ID if self.mode == "oauth" else None,
            client_secret=CLIENT_SECRET if self.mode == "oauth" else None,
        )
        self.runtime = SlackRuntime(config, self.store, policy=FAST)
        self.clock = ManualClock(
            dt.datetime.fromisoformat(self.start).replace(tzinfo=ZoneInfo(ZONE))
        )
        deps = Deps(
            store=self.store,
            library=self.library,
            chat=self.runtime.chat,
            clock=self.clock,
            settings=EngineSettings(count_update_delay=0.0, retry_delay=0.01),
        )
        if self.real_incidents:
            from bot.db.incident_store import SqlIncidentStore
            from bot.services.incidents import Incidents

            assert isinstance(self.store, SqlStore)
            self.incidents = Incidents(deps, SqlIncidentStore.over(self.store))
        self.engine = Engine(deps, incidents=self.incidents)
        self.time = VirtualTime(self.clock, self.engine)
        try:
            await self.runtime.start(self.engine)
        except BaseException:
            await self.runtime.stop()
            raise
        self.session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.session.close()
        await self.runtime.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.runtime.port}"

    def next_id(self) -> int:
        return next(self._ids)

    # --- time ----------------------------------------------------------------------------
    async def at(self, local: str) -> None:
        """Move the clock to a local time in the channel's zone, firing what comes due."""
        target = dt.datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(ZONE))
        await self.time.advance_to(target)
        await self.settle()

    async def settle(self) -> None:
        await self.runtime.drain(10)

    # --- raw requests --------------------------------------------------------------------
    async def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[Reply, Any]:
        started = time.perf_counter()
        async with self.session.get(
            f"{self.url}{path}", headers=headers or {}, allow_redirects=False
        ) as response:
            text = await response.text()
            found = (Reply(response.status, text, time.perf_counter() - started), response.headers)
        return found

    async def post(
        self,
        body: str,
        content_type: str = "application/x-www-form-urlencoded",
        headers: dict[str, str] | None = None,
        signed: bool = True,
        timestamp: int | None = None,
        secret: str = SECRET,
    ) -> Reply:
        all_headers = {"Content-Type": content_type}
        if signed:
            all_headers.update(sign(secret, body, timestamp))
        all_headers.update(headers or {})
        started = time.perf_counter()
        async with self.session.post(
            f"{self.url}/slack/events", data=body.encode(), headers=all_headers
        ) as response:
            text = await response.text()
        return Reply(response.status, text, time.perf_counter() - started)

    # --- what people do ------------------------------------------------------------------
    def command_body(
        self,
        user: str,
        text: str,
        channel: str = CHANNEL,
        channel_name: str = CHANNEL_NAME,
        response_url: str | None = None,
        team: str = TEAM,
    ) -> JSON:
        body = copy.deepcopy(shape("SlashCommandPayload"))
        body.update(
            {
                "token": "legacy-verification-token",
                "api_app_id": "A0DRILL",
                "team_id": team,
                "team_domain": "team",
                "enterprise_id": "",
                "enterprise_name": "",
                "channel_id": channel,
                "channel_name": channel_name,
                "user_id": user,
                "user_name": user.lower(),
                "command": "/drill",
                "text": text,
                "response_url": response_url or self.fake.response_url(f"cmd-{self.next_id()}"),
                "trigger_id": f"{self.next_id()}.{user}.trigger",
                "is_enterprise_install": "false",
            }
        )
        return body

    async def command(self, user: str, text: str, settle: bool = True, **kw: Any) -> Reply:
        body = self.command_body(user, text, **kw)
        reply = await self.post(urlencode(body))
        if settle:
            await self.settle()
        return reply

    def replies_to(self, body: JSON) -> list[Call]:
        name = str(body["response_url"]).rsplit("/", 1)[-1]
        return self.fake.responses_to(name)

    def action_body(
        self,
        user: str,
        message: Call,
        *,
        value: str | None = None,
        label: str | None = None,
        action_ts: str | None = None,
        team: str = TEAM,
    ) -> JSON:
        """A click on a button of a posted message (found by its value or its label)."""
        button, block_id = _find_button(message.get("blocks") or [], value, label)
        ts = message.response.get("ts") or message.get("ts")
        body = copy.deepcopy(shape("BlockActionPayload"))
        action = {k: v for k, v in body["actions"][0].items() if k in _BUTTON_ACTION_KEYS}
        action.update(
            {
                "type": "button",
                "action_id": button["action_id"],
                "block_id": block_id,
                "text": button["text"],
                "value": button["value"],
                "style": button.get("style", ""),
                "action_ts": action_ts or f"{time.time():.6f}",
            }
        )
        body.update(
            {
                "type": "block_actions",
                "enterprise": None,
                **_sender(user, team),
                "container": {
                    "type": "message",
                    "message_ts": ts,
                    "channel_id": message["channel"],
                    "is_ephemeral": False,
                },
                "trigger_id": f"{self.next_id()}.{user}.trigger",
                "channel": {"id": message["channel"], "name": CHANNEL_NAME},
                "message": {
                    "type": "message",
                    "user": "UBOT",
                    "ts": ts,
                    "text": message.get("text", ""),
                    "blocks": message.get("blocks") or [],
                },
                "response_url": self.fake.response_url(f"act-{self.next_id()}"),
                "state": {"values": {}},
                "actions": [action],
                "is_enterprise_install": False,
            }
        )
        for key in ("view", "app_unfurl", "function_data", "interactivity", "bot_access_token"):
            body.pop(key, None)
        return body

    def home_action_body(self, user: str, view: JSON, value: str, team: str = TEAM) -> JSON:
        """A click on a button of a published Home tab."""
        button, block_id = _find_button(view.get("blocks") or [], value, None)
        body = copy.deepcopy(shape("BlockActionPayload"))
        body.update(
            {
                "type": "block_actions",
                "enterprise": None,
                **_sender(user, team),
                "container": {"type": "view", "view_id": "VHOME"},
                "trigger_id": f"{self.next_id()}.{user}.trigger",
                "view": {
                    **body["view"],
                    **view,
                    "id": "VHOME",
                    "team_id": team,
                    "app_installed_team_id": team,  # as Slack sends it (the shape has "")
                    "type": "home",
                },
                "actions": [
                    {
                        "type": "button",
                        "action_id": button["action_id"],
                        "block_id": block_id,
                        "text": button["text"],
                        "value": button["value"],
                        "action_ts": f"{time.time():.6f}",
                    }
                ],
                "is_enterprise_install": False,
            }
        )
        for key in (
            "channel",
            "message",
            "response_url",
            "app_unfurl",
            "function_data",
            "interactivity",
            "bot_access_token",
            "state",
        ):
            body.pop(key, None)
        return body

    async def send_action(
        self, body: JSON, settle: bool = True, headers: dict[str, str] | None = None
    ) -> Reply:
        reply = await self.post(urlencode({"payload": json.dumps(body)}), headers=headers)
        if settle:
            await self.settle()
        return reply

    async def click(self, user: str, message: Call, **kw: Any) -> tuple[Reply, JSON]:
        body = self.action_body(user, message, **kw)
        return await self.send_action(body), body

    def submission_body(
        self, user: str, opened: Call, values: JSON, view_hash: str | None = None, team: str = TEAM
    ) -> JSON:
        """Submitting a modal the app opened (views.open), with values keyed by block id:
        strings for text inputs, lists for checkboxes."""
        view = dict(opened.response.get("view") or opened["view"])
        state: JSON = {}
        for block in view.get("blocks", []):
            if block.get("type") != "input" or block["block_id"] not in values:
                continue
            element = block["element"]
            given = values[block["block_id"]]
            if element["type"] == "checkboxes":
                options = [o for o in element["options"] if o["value"] in given]
                entry: JSON = {"type": "checkboxes", "selected_options": options}
            else:
                entry = {"type": "plain_text_input", "value": given}
            state[block["block_id"]] = {element["action_id"]: entry}
        body = copy.deepcopy(shape("ViewSubmissionPayload"))
        body.update(
            {
                "type": "view_submission",
                "enterprise": None,
                **_sender(user, team),
                "trigger_id": f"{self.next_id()}.{user}.trigger",
                "is_enterprise_install": False,
            }
        )
        body["view"].update(
            {
                **{k: v for k, v in view.items() if k in body["view"] or k == "blocks"},
                "team_id": team,
                "app_installed_team_id": team,  # as Slack sends it (the shape has "")
                "state": {"values": state},
                "hash": view_hash or view.get("hash") or "h1",
                "app_id": "A0DRILL",
            }
        )
        for key in ("function_data", "interactivity", "bot_access_token"):
            body.pop(key, None)
        return body

    async def submit(
        self, body: JSON, settle: bool = True, headers: dict[str, str] | None = None
    ) -> Reply:
        """A form submission travels exactly like a button click: a signed ``payload=`` body."""
        return await self.send_action(body, settle, headers)

    def event_body(self, event: JSON, team: str = TEAM, event_id: str | None = None) -> JSON:
        body = copy.deepcopy(shape("AppHomeOpenedPayload"))
        body.update(
            {
                "token": "legacy-verification-token",
                "team_id": team,
                "enterprise_id": None,
                "api_app_id": "A0DRILL",
                "type": "event_callback",
                "authed_users": ["UBOT"],
                "authed_teams": [team],
                "authorizations": [
                    {
                        "enterprise_id": None,
                        "team_id": team,
                        "user_id": "UBOT",
                        "is_bot": True,
                        "is_enterprise_install": False,
                    }
                ],
                "event_id": event_id or f"Ev{self.next_id():08d}",
                "event_time": int(time.time()),
                "event_context": f"ctx-{self.next_id()}",
                "event": event,
            }
        )
        jsonschema.validate(body, event_wrapper_schema())
        return body

    def home_opened_body(self, user: str, **kw: Any) -> JSON:
        event = copy.deepcopy(shape("AppHomeOpenedPayload")["event"])
        event.update(
            {"user": user, "channel": f"D{user}", "tab": "home", "event_ts": f"{time.time():.6f}"}
        )
        event.pop("view", None)
        return self.event_body(event, **kw)

    def direct_message_body(self, user: str, text: str, **kw: Any) -> JSON:
        event = {
            k: v
            for k, v in copy.deepcopy(shape("MessagePayload")["event"]).items()
            if not isinstance(v, dict | list)
        }
        stamp = f"{time.time():.6f}"
        event.update(
            {
                "type": "message",
                "channel_type": "im",
                "channel": f"D{user}",
                "user": user,
                "text": text,
                "ts": stamp,
                "event_ts": stamp,
                "team": kw.get("team", TEAM),
            }
        )
        for key in ("bot_id", "thread_ts", "parent_user_id"):
            event.pop(key, None)
        return self.event_body(event, **kw)

    def thread_reply_body(self, user: str, text: str, thread_ts: str, **kw: Any) -> JSON:
        """A reply in the team channel, in the thread under the message ``thread_ts``."""
        body = self.direct_message_body(user, text, **kw)
        body["event"].update(
            {"channel_type": "channel", "channel": CHANNEL, "thread_ts": thread_ts}
        )
        return body

    async def send_event(
        self, body: JSON, settle: bool = True, headers: dict[str, str] | None = None
    ) -> Reply:
        reply = await self.post(json.dumps(body), "application/json", headers=headers)
        if settle:
            await self.settle()
        return reply


_BUTTON_ACTION_KEYS = frozenset(
    {"action_id", "block_id", "text", "value", "type", "style", "action_ts"}
)


def _find_button(blocks: list[JSON], value: str | None, label: str | None) -> tuple[JSON, str]:
    for n, block in enumerate(blocks):
        if block.get("type") != "actions":
            continue
        for element in block.get("elements", []):
            if (value is not None and element.get("value") == value) or (
                label is not None and element.get("text", {}).get("text") == label
            ):
                return element, str(block.get("block_id") or f"b{n}")
    raise AssertionError(f"no button with value {value!r} / label {label!r} in {blocks}")


def _sender(user: str, team: str) -> JSON:
    """The fields every interaction payload carries about who sent it, and to which app."""
    return {
        "team": {"id": team, "domain": "team", "enterprise_id": "", "enterprise_name": ""},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team},
        "api_app_id": "A0DRILL",
        "token": "legacy-verification-token",
    }
