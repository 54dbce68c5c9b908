"""A local fake of Discord (REST API v10 and the gateway websocket), for tests and benches.

The real discord.py client talks to it: ``point_discord_py_at(fake)`` sets
``discord.http.Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY`` to this server on
127.0.0.1 (port 0). It records every REST call and gateway frame, keeps the messages, threads,
DMs and application commands the bot made, and dispatches what a test asks for (slash commands,
autocomplete, button clicks, modal submits, messages, joining and leaving servers) built the way
Discord builds them.

Every request body is checked against Discord's OpenAPI description (the trimmed copy in
``tests/specs/discord/``, whose README says how it was cut) and against the documented limits the
description does not carry (content 2,000 characters, embed totals, rows of buttons, modal sizes,
command names, ``allowed_mentions`` set to none on every message). Anything wrong lands in
``violations`` and is answered 400 / 50035 "Invalid Form Body". Interactions follow Discord's
rules: a callback more than 3 s after the event went out gets 404 / 10062, a second one
400 / 40060. Failures are injected per route: 429 with Discord's headers, 5xx, any error code,
latency, and holds (a call that lands but whose answer never comes back).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import copy
import itertools
import json
import math
import re
import secrets
import time
import unicodedata
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import discord
import jsonschema  # type: ignore[import-untyped]
import yarl
from aiohttp import WSMsgType, web

REPO = Path(__file__).resolve().parents[3]
SPEC_PATH = REPO / "tests" / "specs" / "discord" / "openapi_subset.json"
"""Discord's OpenAPI description cut down to the routes served here, kept in the repository so a
clone anywhere runs the tests."""
API_PREFIX = "/api/v10"
BACKLOG = 1024
"""The REST and gateway listener's backlog (``start``)."""

JSON = dict[str, Any]
T = TypeVar("T")

DISCORD_EPOCH_MS = 1_420_070_400_000

# Gateway intents.
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
DIRECT_MESSAGES = 1 << 12
MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT
ALL_INTENTS = (1 << 26) - 1

# Permissions.
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_APPLICATION_COMMANDS = 1 << 31
MANAGE_THREADS = 1 << 34
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL_PERMISSIONS = (1 << 51) - 1
EVERYONE_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | ADD_REACTIONS
    | USE_APPLICATION_COMMANDS
    | CREATE_PUBLIC_THREADS
    | SEND_MESSAGES_IN_THREADS
)
BOT_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | CREATE_PUBLIC_THREADS
    | SEND_MESSAGES_IN_THREADS
    | USE_APPLICATION_COMMANDS
)

# Message flags.
HAS_THREAD = 1 << 5
EPHEMERAL = 1 << 6
LOADING = 1 << 7
IS_COMPONENTS_V2 = 1 << 15

# Channel types.
GUILD_TEXT = 0
DM = 1
GUILD_CATEGORY = 4
GUILD_ANNOUNCEMENT = 5
PUBLIC_THREAD = 11

# Application flags: a privileged intent switched on in the Developer Portal of an unverified bot.
APP_PRESENCE_LIMITED = 1 << 13
APP_MEMBERS_LIMITED = 1 << 15
APP_MESSAGE_CONTENT_LIMITED = 1 << 19

# Documented limits (discord.com/developers/docs) the OpenAPI description does not all carry.
MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TITLE = 256
MAX_EMBED_DESCRIPTION = 4096
MAX_EMBED_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_AUTHOR_NAME = 256
MAX_EMBED_TOTAL = 6000
MAX_ROWS = 5
MAX_BUTTONS_PER_ROW = 5
MAX_BUTTON_LABEL = 80
MAX_CUSTOM_ID = 100
MAX_SELECT_OPTIONS = 25
MAX_MODAL_TITLE = 45
MAX_MODAL_COMPONENTS = 5
MAX_INPUT_LABEL = 45
MAX_INPUT_LENGTH = 4000
MAX_INPUT_PLACEHOLDER = 100
MAX_COMMAND_NAME = 32
MAX_COMMAND_DESCRIPTION = 100
MAX_OPTIONS = 25
MAX_CHOICES = 25
MAX_CHOICE_NAME = 100
MAX_CHOICE_VALUE = 100
MAX_GLOBAL_COMMANDS = 100
MAX_COMMAND_TOTAL = 4000
INTERACTION_DEADLINE = 3.0
INTERACTION_TOKEN_TTL = 15 * 60.0
ENFORCED_NONCE_WINDOW = 5 * 60.0
"""How long Discord remembers a nonce sent with ``enforce_nonce`` ("the past few minutes")."""
LARGE_THRESHOLD = 250
MEMBERS_PER_CHUNK = 1000
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024

CLOSE_MESSAGES = {
    4001: "Unknown opcode.",
    4002: "Decode error.",
    4003: "Not authenticated.",
    4004: "Authentication failed.",
    4005: "Already authenticated.",
    4010: "Invalid shard.",
    4011: "Sharding required.",
    4012: "Invalid API version.",
    4013: "Invalid intent(s).",
    4014: "Disallowed intent(s).",
}


# --- ids and times --------------------------------------------------------------------------------
def snowflake_at(seconds: float) -> int:
    return (int(seconds * 1000) - DISCORD_EPOCH_MS) << 22


def snowflake_time(value: int) -> datetime:
    return datetime.fromtimestamp(((value >> 22) + DISCORD_EPOCH_MS) / 1000, UTC)


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord routes a guild's events to."""
    return (guild_id >> 22) % shard_count


class Snowflakes:
    """Ids like Discord's: milliseconds since 2015 in the top bits, so they sort by time and
    ``before``/``after`` paging works on them."""

    def __init__(self) -> None:
        self._last = 0

    def next(self, shard: tuple[int, int] | None = None) -> int:
        value = max(snowflake_at(time.time()), self._last + 1)
        if shard is not None:
            shard_id, count = shard
            while shard_of(value, count) != shard_id:
                value = ((value >> 22) + 1) << 22
        self._last = value
        return value


def iso(moment: datetime) -> str:
    return moment.isoformat()


# --- problems -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """One thing Discord would refuse, at a path in the request body."""

    path: tuple[str | int, ...]
    message: str
    code: str = "BASE_TYPE_INVALID"

    def __str__(self) -> str:
        where = ".".join(str(part) for part in self.path)
        return f"{where}: {self.message}" if where else self.message


def form_errors(problems: Sequence[Problem]) -> JSON:
    """Discord's nested ``errors`` object, which discord.py flattens into its exception text."""
    errors: JSON = {}
    for problem in problems:
        node = errors
        for part in problem.path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": problem.code, "message": problem.message})
    return errors


def _too_long(path: tuple[str | int, ...], value: Any, limit: int, what: str) -> list[Problem]:
    if isinstance(value, str) and len(value) > limit:
        return [
            Problem(
                path,
                f"{what} of {len(value)} characters (limit {limit:,})",
                "BASE_TYPE_MAX_LENGTH",
            )
        ]
    return []


# --- the OpenAPI description ----------------------------------------------------------------------
@cache
def openapi() -> JSON:
    spec: JSON = json.loads(SPEC_PATH.read_text())
    return spec


NOT_IN_SPEC: dict[str, JSON] = {
    "RichEmbed": {"flags": {"type": ["integer", "null"]}},
    "ApplicationCommandUpdateRequest": {"nsfw": {"type": ["boolean", "null"]}},
    "MessageEditRequestPartial": {"tts": {"type": ["boolean", "null"]}},
    "IncomingWebhookUpdateRequestPartial": {"tts": {"type": ["boolean", "null"]}},
    "IncomingWebhookUpdateForInteractionCallbackRequestPartial": {
        "tts": {"type": ["boolean", "null"]}
    },
}
"""Properties discord.py 2.7 sends that the description does not list, and Discord takes:
``Embed.to_dict()`` always carries ``flags``; every command its ``nsfw`` (a documented
parameter of "Bulk Overwrite Global Application Commands"); every edit (``Message.edit``,
``edit_original_response``, ``response.edit_message``) a ``tts: false``, which Discord ignores
on an edit."""


def _close_objects(node: Any) -> None:
    """Objects refuse properties they do not list. Discord silently ignores them; here they are
    a typo or a field the bot believes does something."""
    if isinstance(node, dict):
        if isinstance(node.get("properties"), dict) and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                for sub in value.values():
                    _close_objects(sub)
            else:
                _close_objects(value)
    elif isinstance(node, list):
        for item in node:
            _close_objects(item)


@cache
def schema_root() -> JSON:
    """The description's schemas as the fake checks them: objects closed, extra properties from
    ``NOT_IN_SPEC``, and a snowflake may be a JSON integer (Discord accepts one, and discord.py
    sends ``recipient_id`` and reply ids as integers)."""
    schemas: JSON = copy.deepcopy(openapi()["components"]["schemas"])
    for name, extra in NOT_IN_SPEC.items():
        schemas[name]["properties"].update(extra)
    _close_objects(schemas)
    schemas["SnowflakeType"] = {
        "anyOf": [schemas["SnowflakeType"], {"type": "integer", "minimum": 0}]
    }
    return {"components": {"schemas": schemas}}


_validators: dict[str, Any] = {}


def _validator(label: str, schema: JSON) -> Any:
    found = _validators.get(label)
    if found is None:
        found = jsonschema.Draft202012Validator({**schema, **schema_root()})
        _validators[label] = found
    return found


_checked: dict[tuple[str, str], tuple[Problem, ...]] = {}
"""Bodies already checked: a burst of clicks sends the same callback body hundreds of times,
and the schema walk would otherwise be most of the fake's CPU."""


def schema_problems(label: str, schema: JSON, instance: Any) -> list[Problem]:
    key = (label, json.dumps(instance, sort_keys=True))
    known = _checked.get(key)
    if known is not None:
        return list(known)
    problems = _schema_problems(label, schema, instance)
    if len(_checked) < 10_000:
        _checked[key] = tuple(problems)
    return problems


def _schema_problems(label: str, schema: JSON, instance: Any) -> list[Problem]:
    problems = []
    for error in _validator(label, schema).iter_errors(instance):
        best = jsonschema.exceptions.best_match([error])
        path = tuple(best.absolute_path)
        if best.validator == "additionalProperties" and isinstance(best.instance, dict):
            known = set(best.schema.get("properties", {}))
            problems += [
                Problem((*path, name), "not a property Discord describes here", "UNKNOWN_FIELD")
                for name in sorted(set(best.instance) - known)
            ]
            continue
        message = str(best.message)
        if len(message) > 300:
            message = message[:300] + "…"
        problems.append(Problem(path, message))
    return problems


@dataclass(frozen=True)
class RouteSpec:
    """One operation of the description: ``GET /channels/{channel_id}/messages``."""

    method: str
    template: str
    operation: JSON
    path_parameters: tuple[JSON, ...]

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.template.strip("/").split("/"))

    @property
    def needs_bot_token(self) -> bool:
        return {} not in self.operation.get("security", [])

    @property
    def parameters(self) -> list[JSON]:
        return [*self.path_parameters, *self.operation.get("parameters", [])]

    @property
    def body_schema(self) -> JSON | None:
        body = self.operation.get("requestBody")
        if body is None:
            return None
        schema: JSON = body["content"]["application/json"]["schema"]
        return schema

    def match(self, segments: Sequence[str]) -> dict[str, str] | None:
        if len(segments) != len(self.segments):
            return None
        found: dict[str, str] = {}
        for want, got in zip(self.segments, segments, strict=True):
            if want.startswith("{"):
                found[want[1:-1]] = got
            elif want != got:
                return None
        return found


@cache
def routes() -> tuple[RouteSpec, ...]:
    found = [
        RouteSpec(method.upper(), template, operation, tuple(item.get("parameters", [])))
        for template, item in openapi()["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
    ]
    # Literal segments win over parameters: /messages/@original before /messages/{message_id}.
    return tuple(sorted(found, key=lambda r: -sum(not s.startswith("{") for s in r.segments)))


def match_route(method: str, path: str) -> tuple[RouteSpec, dict[str, str]] | None:
    segments = path.strip("/").split("/")
    for route in routes():
        if route.method == method:
            found = route.match(segments)
            if found is not None:
                return route, found
    return None


def _ref_name(schema: JSON) -> str | None:
    ref = schema.get("$ref")
    return str(ref).rsplit("/", 1)[1] if ref else None


def _branch(schema: JSON, body: Any) -> tuple[str, JSON]:
    """A union of request shapes told apart by ``type`` (interaction callbacks) is checked
    against the one the body names, so the errors point at the field at fault."""
    branches = schema.get("anyOf") or schema.get("oneOf")
    if not branches or not isinstance(body, dict) or "type" not in body:
        return "", schema
    schemas = schema_root()["components"]["schemas"]
    chosen = []
    for branch in branches:
        name = _ref_name(branch)
        kinds = schemas[name]["properties"].get("type", {}).get("enum", []) if name else []
        if body["type"] in kinds:
            chosen.append((name or "", branch))
    return chosen[0] if len(chosen) == 1 else ("", schema)


def _coerce_query(raw: str, schema: JSON) -> tuple[Any, str | None]:
    kind = schema.get("type")
    if kind == "integer":
        try:
            return int(raw), None
        except ValueError:
            return raw, f"{raw!r} is not an integer"
    if kind == "boolean":
        lowered = raw.lower()
        if lowered in ("true", "1"):
            return True, None
        if lowered in ("false", "0"):
            return False, None
        return raw, f"{raw!r} is not a boolean"
    return raw, None


def request_problems(
    route: RouteSpec, path_params: Mapping[str, str], query: Mapping[str, str], body: Any
) -> list[Problem]:
    """What the description says about this request: path snowflakes, query parameters, body."""
    problems: list[Problem] = []
    declared = {p["name"]: p for p in route.parameters}
    for name, value in path_params.items():
        schema = declared.get(name, {}).get("schema", {})
        if _ref_name(schema) == "SnowflakeType" and not value.isdigit():
            problems.append(
                Problem((name,), f"Value {value!r} is not snowflake.", "NUMBER_TYPE_COERCE")
            )
    for name, raw in query.items():
        parameter = declared.get(name)
        if parameter is None or parameter.get("in") != "query":
            problems.append(Problem((name,), "query parameter not in Discord's description"))
            continue
        value, error = _coerce_query(raw, parameter["schema"])
        if error:
            problems.append(Problem((name,), error))
        else:
            label = f"{route.key}?{name}"
            problems += schema_problems(label, parameter["schema"], value)
    schema = route.body_schema
    if schema is not None:
        if body is None:
            problems.append(Problem((), "a JSON body is required", "BASE_TYPE_REQUIRED"))
        else:
            name, chosen = _branch(schema, body)
            problems += schema_problems(f"{route.key}#{name}", chosen, body)
    return problems


# --- documented limits ----------------------------------------------------------------------------
def allowed_mentions_problems(body: Mapping[str, Any]) -> list[Problem]:
    """drillbot's rule: every message it sends pings nobody (``AllowedMentions.none()``)."""
    mentions = body.get("allowed_mentions")
    if not isinstance(mentions, dict):
        return [Problem(("allowed_mentions",), "missing: every message must set it to none")]
    pings = [key for key in ("parse", "users", "roles") if mentions.get(key) not in (None, [])]
    if mentions.get("replied_user") is True:
        pings.append("replied_user")
    if pings:
        return [Problem(("allowed_mentions",), f"must be none, but allows {pings}: {mentions}")]
    return []


def embed_problems(embeds: Any) -> list[Problem]:
    if not isinstance(embeds, list):
        return []
    problems: list[Problem] = []
    if len(embeds) > MAX_EMBEDS:
        problems.append(Problem(("embeds",), f"{len(embeds)} embeds (limit {MAX_EMBEDS})"))
    total = 0
    for n, embed in enumerate(embeds):
        if not isinstance(embed, dict):
            continue
        at: tuple[str | int, ...] = ("embeds", n)
        title = embed.get("title") or ""
        description = embed.get("description") or ""
        problems += _too_long((*at, "title"), title, MAX_EMBED_TITLE, "title")
        problems += _too_long(
            (*at, "description"), description, MAX_EMBED_DESCRIPTION, "description"
        )
        total += len(title) + len(description)
        fields = embed.get("fields") or []
        if len(fields) > MAX_EMBED_FIELDS:
            problems.append(Problem((*at, "fields"), f"{len(fields)} fields (limit 25)"))
        for f, item in enumerate(fields):
            name, value = item.get("name") or "", item.get("value") or ""
            if not name or not value:
                problems.append(
                    Problem(
                        (*at, "fields", f), "a field needs a name and a value", "BASE_TYPE_REQUIRED"
                    )
                )
            problems += _too_long((*at, "fields", f, "name"), name, MAX_FIELD_NAME, "field name")
            problems += _too_long(
                (*at, "fields", f, "value"), value, MAX_FIELD_VALUE, "field value"
            )
            total += len(name) + len(value)
        footer = (embed.get("footer") or {}).get("text") or ""
        author = (embed.get("author") or {}).get("name") or ""
        problems += _too_long((*at, "footer", "text"), footer, MAX_FOOTER, "footer")
        problems += _too_long((*at, "author", "name"), author, MAX_AUTHOR_NAME, "author name")
        total += len(footer) + len(author)
    if total > MAX_EMBED_TOTAL:
        problems.append(
            Problem(("embeds",), f"{total:,} characters of embed text (limit 6,000 a message)")
        )
    return problems


def _custom_ids(
    node: Any, path: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(node, dict):
        if isinstance(node.get("custom_id"), str):
            yield (*path, "custom_id"), node["custom_id"]
        for key in ("components", "component", "accessory"):
            if key in node:
                yield from _custom_ids(node[key], (*path, key))
    elif isinstance(node, list):
        for n, item in enumerate(node):
            yield from _custom_ids(item, (*path, n))


def _unique_custom_ids(components: Any, root: str) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, tuple[str | int, ...]] = {}
    for path, custom_id in _custom_ids(components, (root,)):
        problems += _too_long(path, custom_id, MAX_CUSTOM_ID, "custom_id")
        if not custom_id:
            problems.append(Problem(path, "custom_id is empty", "BASE_TYPE_REQUIRED"))
        if custom_id in seen:
            problems.append(
                Problem(
                    path,
                    f"custom_id {custom_id!r} is used twice in one message",
                    "COMPONENT_CUSTOM_ID_DUPLICATED",
                )
            )
        seen[custom_id] = path
    return problems


def component_problems(components: Any, *, v2: bool = False) -> list[Problem]:
    """Rows of buttons and selects: 5 rows, 5 buttons a row, a select alone in its row, labels
    of 80 characters, a ``custom_id`` of 1 to 100 characters used once in the message."""
    if not isinstance(components, list):
        return []
    problems = _unique_custom_ids(components, "components")
    if v2:
        return problems
    if len(components) > MAX_ROWS:
        problems.append(Problem(("components",), f"{len(components)} rows (limit {MAX_ROWS})"))
    for r, row in enumerate(components):
        at: tuple[str | int, ...] = ("components", r)
        if not isinstance(row, dict) or row.get("type") != 1:
            problems.append(Problem(at, "a message's top-level components must be action rows"))
            continue
        items = row.get("components") or []
        buttons = [c for c in items if c.get("type") == 2]
        selects = [c for c in items if c.get("type") in (3, 5, 6, 7, 8)]
        if not items:
            problems.append(Problem(at, "an empty action row"))
        if len(buttons) > MAX_BUTTONS_PER_ROW:
            problems.append(Problem(at, f"{len(buttons)} buttons in a row (limit 5)"))
        if selects and len(items) > 1:
            problems.append(Problem(at, "a select menu must be alone in its row"))
        for c, item in enumerate(items):
            where: tuple[str | int, ...] = (*at, "components", c)
            if item.get("type") == 2:
                problems += _too_long(
                    (*where, "label"), item.get("label"), MAX_BUTTON_LABEL, "label"
                )
                if item.get("style") == 5:
                    if not item.get("url") or item.get("custom_id"):
                        problems.append(Problem(where, "a link button has a url and no custom_id"))
                elif item.get("style") != 6 and not item.get("custom_id"):
                    problems.append(
                        Problem(where, "a button needs a custom_id", "BASE_TYPE_REQUIRED")
                    )
                if not item.get("label") and not item.get("emoji"):
                    problems.append(Problem(where, "a button needs a label or an emoji"))
            elif item.get("type") == 3:
                options = item.get("options") or []
                if not 1 <= len(options) <= MAX_SELECT_OPTIONS:
                    problems.append(
                        Problem((*where, "options"), f"{len(options)} options (1 to 25)")
                    )
    return problems


def message_problems(body: Any, *, creating: bool) -> list[Problem]:
    """A message body (channel post, interaction reply, followup, or an edit): the documented
    limits, and ``allowed_mentions`` set to none on every message created and every edit that
    sets content."""
    if not isinstance(body, dict):
        return []
    problems: list[Problem] = []
    content = body.get("content")
    problems += _too_long(("content",), content, MAX_CONTENT, "content")
    problems += embed_problems(body.get("embeds"))
    flags = body.get("flags") or 0
    problems += component_problems(body.get("components"), v2=bool(flags & IS_COMPONENTS_V2))
    if creating or content:
        problems += allowed_mentions_problems(body)
    if creating and not any(
        body.get(key)
        for key in ("content", "embeds", "components", "attachments", "sticker_ids", "poll")
    ):
        problems.append(Problem((), "Cannot send an empty message", "MESSAGE_EMPTY"))
    return problems


def _text_input_problems(item: JSON, at: tuple[str | int, ...], *, labelled: bool) -> list[Problem]:
    problems: list[Problem] = []
    if item.get("type") != 4:
        return problems
    if labelled:
        if item.get("label") is not None:
            problems.append(
                Problem((*at, "label"), "a text input inside a label has no label of its own")
            )
    elif not item.get("label"):
        problems.append(Problem((*at, "label"), "a text input needs a label", "BASE_TYPE_REQUIRED"))
    problems += _too_long((*at, "label"), item.get("label"), MAX_INPUT_LABEL, "label")
    problems += _too_long(
        (*at, "placeholder"), item.get("placeholder"), MAX_INPUT_PLACEHOLDER, "placeholder"
    )
    problems += _too_long((*at, "value"), item.get("value"), MAX_INPUT_LENGTH, "value")
    low, high = item.get("min_length"), item.get("max_length")
    for key, value in (("min_length", low), ("max_length", high)):
        if isinstance(value, int) and not 0 <= value <= MAX_INPUT_LENGTH:
            problems.append(Problem((*at, key), f"{key} {value} (0 to {MAX_INPUT_LENGTH:,})"))
    if isinstance(low, int) and isinstance(high, int) and low > high:
        problems.append(Problem((*at, "min_length"), "min_length is over max_length"))
    return problems


def modal_problems(data: Any) -> list[Problem]:
    """A modal: title of 45 characters, 1 to 5 components, text inputs with labels of 45 and
    lengths up to 4,000, ``custom_id``s of 100 used once."""
    if not isinstance(data, dict):
        return [Problem(("data",), "a modal needs data", "BASE_TYPE_REQUIRED")]
    problems: list[Problem] = []
    title = data.get("title") or ""
    if not title:
        problems.append(Problem(("data", "title"), "a modal needs a title", "BASE_TYPE_REQUIRED"))
    problems += _too_long(("data", "title"), title, MAX_MODAL_TITLE, "modal title")
    problems += _too_long(("data", "custom_id"), data.get("custom_id"), MAX_CUSTOM_ID, "custom_id")
    components = data.get("components") or []
    if not 1 <= len(components) <= MAX_MODAL_COMPONENTS:
        problems.append(Problem(("data", "components"), f"{len(components)} components (1 to 5)"))
    problems += [
        Problem(("data", *p.path), p.message, p.code)
        for p in _unique_custom_ids(components, "components")
    ]
    for n, top in enumerate(components):
        at: tuple[str | int, ...] = ("data", "components", n)
        if top.get("type") == 1:
            inner = top.get("components") or []
            if len(inner) != 1:
                problems.append(Problem(at, "a modal row holds exactly one text input"))
            for i, item in enumerate(inner):
                problems += _text_input_problems(item, (*at, "components", i), labelled=False)
        elif top.get("type") == 18:
            problems += _too_long((*at, "label"), top.get("label"), MAX_INPUT_LABEL, "label")
            problems += _too_long((*at, "description"), top.get("description"), 100, "description")
            problems += _text_input_problems(
                top.get("component") or {}, (*at, "component"), labelled=True
            )
    return problems


NAME_RULE = "^[-_\\p{L}\\p{N}]{1,32}$ in lower case"


def _is_command_name(name: str) -> bool:
    """``^[-_\\p{L}\\p{N}]{1,32}$`` (Python's ``re`` has no ``\\p``)."""
    return 1 <= len(name) <= MAX_COMMAND_NAME and all(
        ch in "-_" or unicodedata.category(ch)[0] in "LN" for ch in name
    )


def _command_text(command: JSON) -> int:
    """Discord's combined length of a command: names, descriptions, choice names and values."""
    total = len(command.get("name") or "") + len(command.get("description") or "")
    for choice in command.get("choices") or []:
        total += len(str(choice.get("name") or "")) + len(str(choice.get("value") or ""))
    for option in command.get("options") or []:
        total += _command_text(option)
    return total


def _option_problems(options: Any, at: tuple[str | int, ...], level: str) -> list[Problem]:
    if not isinstance(options, list):
        return []
    problems: list[Problem] = []
    if len(options) > MAX_OPTIONS:
        problems.append(Problem(at, f"{len(options)} options (limit {MAX_OPTIONS})"))
    kinds = {o.get("type") for o in options}
    nesting = kinds & {1, 2}
    if nesting and kinds - {1, 2}:
        problems.append(Problem(at, "subcommands cannot sit beside plain options"))
    if level == "group" and kinds - {1}:
        problems.append(Problem(at, "a subcommand group holds only subcommands"))
    if level == "subcommand" and nesting:
        problems.append(Problem(at, "a subcommand cannot hold subcommands"))
    names: set[str] = set()
    optional_seen = False
    for n, option in enumerate(options):
        where: tuple[str | int, ...] = (*at, n)
        name = str(option.get("name") or "")
        if not _is_command_name(name) or name != name.lower():
            problems.append(
                Problem(
                    (*where, "name"),
                    f"option name {name!r} is not {NAME_RULE}",
                )
            )
        if name in names:
            problems.append(Problem((*where, "name"), f"option name {name!r} is used twice"))
        names.add(name)
        description = str(option.get("description") or "")
        if not 1 <= len(description) <= MAX_COMMAND_DESCRIPTION:
            problems.append(
                Problem(
                    (*where, "description"),
                    f"description of {len(description)} characters (1 to 100)",
                )
            )
        kind = option.get("type")
        if kind in (1, 2):
            problems += _option_problems(
                option.get("options") or [],
                (*where, "options"),
                "group" if kind == 2 else "subcommand",
            )
            continue
        if option.get("required"):
            if optional_seen:
                problems.append(Problem(where, "required options must come before optional ones"))
        else:
            optional_seen = True
        choices = option.get("choices") or []
        if len(choices) > MAX_CHOICES:
            problems.append(Problem((*where, "choices"), f"{len(choices)} choices (limit 25)"))
        if choices and option.get("autocomplete"):
            problems.append(Problem(where, "an option cannot have both choices and autocomplete"))
        for c, choice in enumerate(choices):
            choice_name = str(choice.get("name") or "")
            if not 1 <= len(choice_name) <= MAX_CHOICE_NAME:
                problems.append(
                    Problem(
                        (*where, "choices", c, "name"),
                        f"choice name of {len(choice_name)} characters (1 to 100)",
                    )
                )
            value = choice.get("value")
            problems += _too_long(
                (*where, "choices", c, "value"), value, MAX_CHOICE_VALUE, "choice value"
            )
    return problems


def command_problems(commands: Any) -> list[Problem]:
    """Application commands as a bulk overwrite: names, descriptions, options, choices."""
    if not isinstance(commands, list):
        return []
    problems: list[Problem] = []
    chat_input = [c for c in commands if (c.get("type") or 1) == 1]
    if len(chat_input) > MAX_GLOBAL_COMMANDS:
        problems.append(Problem((), f"{len(chat_input)} slash commands (limit 100)"))
    seen: set[tuple[int, str]] = set()
    for n, command in enumerate(commands):
        at: tuple[str | int, ...] = (n,)
        kind = command.get("type") or 1
        name = str(command.get("name") or "")
        if (kind, name) in seen:
            problems.append(Problem((*at, "name"), f"command {name!r} is defined twice"))
        seen.add((kind, name))
        description = str(command.get("description") or "")
        if kind == 1:
            if not _is_command_name(name) or name != name.lower():
                problems.append(
                    Problem(
                        (*at, "name"),
                        f"command name {name!r} is not {NAME_RULE}",
                    )
                )
            if not 1 <= len(description) <= MAX_COMMAND_DESCRIPTION:
                problems.append(
                    Problem(
                        (*at, "description"),
                        f"description of {len(description)} characters (1 to 100)",
                    )
                )
            problems += _option_problems(command.get("options") or [], (*at, "options"), "command")
        else:
            if not 1 <= len(name) <= MAX_COMMAND_NAME:
                problems.append(Problem((*at, "name"), f"name of {len(name)} characters (1 to 32)"))
            if description:
                problems.append(
                    Problem((*at, "description"), "user and message commands have no description")
                )
        total = _command_text(command)
        if total > MAX_COMMAND_TOTAL:
            problems.append(
                Problem(
                    at, f"{total:,} characters of names, descriptions and choices (limit 4,000)"
                )
            )
    return problems


def autocomplete_problems(data: Any) -> list[Problem]:
    choices = (data or {}).get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list):
        return [
            Problem(
                ("data", "choices"),
                "autocomplete answers with a list of choices",
                "BASE_TYPE_REQUIRED",
            )
        ]
    problems: list[Problem] = []
    if len(choices) > MAX_CHOICES:
        problems.append(Problem(("data", "choices"), f"{len(choices)} choices (limit 25)"))
    for n, choice in enumerate(choices):
        name = str((choice or {}).get("name") or "")
        if not 1 <= len(name) <= MAX_CHOICE_NAME:
            problems.append(
                Problem(
                    ("data", "choices", n, "name"),
                    f"choice name of {len(name)} characters (1 to 100)",
                )
            )
        problems += _too_long(
            ("data", "choices", n, "value"),
            (choice or {}).get("value"),
            MAX_CHOICE_VALUE,
            "choice value",
        )
    return problems


UNESCAPED = re.compile(r"@everyone|@here|<@[!&]?\d+>|<#\d+>|\]\(https?:")
"""Markup that pings or links: a broadcast, a user or role mention, a channel link, a masked
link. Not enforced (the bot may mean some of it); ``unescaped_markup`` finds it for tests."""


def unescaped_markup(text: str) -> list[str]:
    return UNESCAPED.findall(text)


# --- the world: users, servers, channels ----------------------------------------------------------
@dataclass
class FakeUser:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    accepts_dms: bool = True
    """False: the person closed DMs from server members, so posting into the DM gets 50007."""
    locale: str = "en-US"

    def payload(self) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.global_name,
            "discriminator": "0",
            "avatar": None,
            "public_flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "collectibles": None,
            "primary_guild": None,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass
class FakeRole:
    id: int
    name: str
    permissions: int
    position: int = 0
    bot_id: int | None = None

    def payload(self) -> JSON:
        return {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.bot_id is not None,
            "mentionable": False,
            "flags": 0,
            "tags": {"bot_id": str(self.bot_id)} if self.bot_id is not None else {},
        }


@dataclass
class FakeChannel:
    id: int
    name: str
    type: int = GUILD_TEXT
    guild_id: int | None = None
    parent_id: int | None = None
    """A thread's channel, or a channel's category."""
    position: int = 0
    topic: str | None = None
    bot_denied: int = 0
    """Permissions an overwrite on the bot's role takes away here (``CREATE_PUBLIC_THREADS``
    for "threads are not allowed", ``SEND_MESSAGES`` for a read-only channel)."""
    recipient: FakeUser | None = None
    """The person in a DM."""
    owner_id: int | None = None
    """Who started a thread."""
    message_count: int = 0
    archived: bool = False

    @property
    def is_thread(self) -> bool:
        return self.type in (10, 11, 12)


@dataclass
class FakeMember:
    user: FakeUser
    roles: list[int] = field(default_factory=list)
    joined_at: str = field(default_factory=lambda: iso(datetime.now(UTC)))
    nick: str | None = None

    def payload(self, *, with_user: bool = True) -> JSON:
        data: JSON = {
            "roles": [str(r) for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
            "unusual_dm_activity_until": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        return data


@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int
    bot_role_id: int
    roles: list[FakeRole] = field(default_factory=list)
    channels: list[FakeChannel] = field(default_factory=list)
    """Text channels, categories and threads, in the order they were made."""
    members: dict[int, FakeMember] = field(default_factory=dict)
    joined: bool = True
    """The bot is in the server (``leave_guild`` makes it False)."""
    joined_at: str = field(default_factory=lambda: iso(datetime.now(UTC)))

    def channel(self, name: str = "") -> FakeChannel:
        """The text channel called ``name``; the first text channel without one."""
        for channel in self.channels:
            if channel.type == GUILD_TEXT and (not name or channel.name == name):
                return channel
        raise LookupError(f"no text channel {name!r} in {self.name}")

    def role(self, role_id: int) -> FakeRole:
        return next(r for r in self.roles if r.id == role_id)

    def permissions(self, user_id: int) -> int:
        """Server-wide permissions: @everyone and the member's roles; owners and
        administrators have all."""
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        member = self.members.get(user_id)
        value = self.role(self.id).permissions
        for role_id in member.roles if member else []:
            value |= self.role(role_id).permissions
        return ALL_PERMISSIONS if value & ADMINISTRATOR else value


# --- what was recorded ----------------------------------------------------------------------------
@dataclass(frozen=True)
class SentFile:
    """A file part (``files[n]``) of a multipart/form-data request."""

    field: str
    filename: str
    content_type: str
    data: bytes


MAX_ATTACHMENTS = 10
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
"""A message's attachments at most, and the size of each (a server without boosts)."""
_FILE_FIELD = re.compile(r"files\[(\d+)\]")


def attachment_problems(body: Any, files: Sequence[SentFile]) -> list[Problem]:
    """The file parts against ``payload_json.attachments``, as Discord pairs them: each
    ``files[n]`` has an attachment with ``id`` n, and the other way round."""
    problems: list[Problem] = []
    if len(files) > MAX_ATTACHMENTS:
        problems.append(Problem(("files",), f"more than {MAX_ATTACHMENTS} files"))
    ids: set[int] = set()
    for sent in files:
        found = _FILE_FIELD.fullmatch(sent.field)
        if found is None:
            problems.append(Problem((sent.field,), "a file part must be named files[n]"))
            continue
        ids.add(int(found[1]))
        if len(sent.data) > MAX_ATTACHMENT_BYTES:
            problems.append(Problem((sent.field,), "file too large", "BASE_TYPE_MAX_LENGTH"))
    declared = body.get("attachments") if isinstance(body, dict) else None
    listed = {int(a["id"]) for a in declared or [] if isinstance(a, dict) and "id" in a}
    if ids - listed:
        problems.append(Problem(("attachments",), f"files without an attachment: {ids - listed}"))
    if listed - ids:
        problems.append(Problem(("attachments",), f"attachments without a file: {listed - ids}"))
    return problems


@dataclass
class Call:
    """One REST request and what the fake answered."""

    method: str
    path: str
    """After /api/v10, with the query string cut off."""
    route: str
    """``POST /channels/{channel_id}/messages``; empty for a route Discord does not have."""
    path_params: dict[str, str]
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    """Every request header but Authorization."""
    authorized: bool = False
    """Authorization was ``Bot <the fake's token>``."""
    at: float = field(default_factory=time.time)
    mono: float = field(default_factory=time.monotonic)
    """When it arrived, on the monotonic clock the interaction deadlines use."""
    status: int = 0
    response: Any = None
    note: str = ""
    """Why the fake answered as it did, where that is not plain: "late", "acknowledged",
    "deduplicated by nonce", "injected", "held"."""
    files: list[SentFile] = field(default_factory=list)
    """The file parts of a multipart/form-data request (``files[n]``), in order."""

    @property
    def json(self) -> JSON:
        return self.body if isinstance(self.body, dict) else {}

    def __getitem__(self, key: str) -> Any:
        return self.json[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.json.get(key, default)

    @property
    def error_code(self) -> int | None:
        if self.status >= 400 and isinstance(self.response, dict):
            code = self.response.get("code")
            return int(code) if isinstance(code, int) else None
        return None


@dataclass
class StoredMessage:
    data: JSON
    """The message as Discord returns it (edits applied)."""
    channel_id: int
    ephemeral: bool = False
    interaction_id: int | None = None
    nonce: str | None = None
    created: float = field(default_factory=time.monotonic)
    edits: list[Call] = field(default_factory=list)
    deleted: bool = False


@dataclass
class SentInteraction:
    """An INTERACTION_CREATE the fake sent, and everything the bot did with it."""

    id: int
    token: str
    type: int
    payload: JSON
    user: FakeUser
    guild_id: int | None
    channel_id: int
    sent_at: float = 0.0
    """Monotonic time the event went out on the socket; the 3 s start here."""
    callback: Call | None = None
    """The accepted callback."""
    attempts: list[Call] = field(default_factory=list)
    """Every callback POST, accepted or refused (late, twice, invalid)."""
    followups: list[Call] = field(default_factory=list)
    edits: list[Call] = field(default_factory=list)
    message_ids: list[int] = field(default_factory=list)
    """Messages made through this interaction: the reply, then each followup."""
    original_message_id: int | None = None
    deferred_open: bool = False
    """A type-5 "thinking" message still waiting for its content."""
    modal: JSON | None = None
    acknowledged: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def latency(self) -> float | None:
        """Seconds from the event to the accepted callback."""
        return None if self.callback is None else self.callback.mono - self.sent_at

    @property
    def late(self) -> list[Call]:
        return [c for c in self.attempts if c.note == "late"]

    @property
    def refused(self) -> list[Call]:
        return [c for c in self.attempts if c.status >= 400]


@dataclass
class Failure:
    route: str
    status: int
    times: int = 1
    retry_after: float = 0.05
    is_global: bool = False
    code: int = 0
    message: str = ""
    match: Callable[[Call], bool] | None = None


@dataclass
class Hold:
    """Requests on ``route`` (that ``match``) wait here until released: before anything is
    stored (``landed`` False: the post never happened, answered 503 once released) or after
    (``landed`` True: Discord has it, the answer is late). ``reached`` is set when one waits."""

    route: str
    landed: bool
    match: Callable[[Call], bool] = lambda call: True
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)
    limit: float = 60.0


@dataclass
class _Bucket:
    reset_at: float
    used: int = 0


@dataclass
class GatewayFrame:
    """A frame the bot sent on the gateway (IDENTIFY's token replaced by ``[token]``)."""

    session_id: str | None
    op: int
    data: Any
    at: float = field(default_factory=time.monotonic)


@dataclass
class GatewaySession:
    session_id: str
    shard_id: int
    shard_count: int
    intents: int
    guild_ids: list[int]
    ws: web.WebSocketResponse | None = None
    seq: int = 0
    frames: collections.deque[tuple[int, str]] = field(
        default_factory=lambda: collections.deque(maxlen=10_000)
    )
    """Dispatches sent, kept for a RESUME."""
    invalidated: bool = False
    resumes: int = 0
    close_codes: list[int] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def _json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    # Exactly application/json (no charset): discord.py parses a body as JSON only then.
    return web.Response(
        body=json.dumps(body).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


class FakeDiscord:
    """Discord's REST API and gateway on 127.0.0.1, for one bot application.

    Configure the world (``add_guild``, ``add_member``, ``add_channel``), start it
    (``async with FakeDiscord() as fake`` or ``await fake.start()``), point discord.py at it
    (``point_discord_py_at``), then drive the bot with the dispatch helpers and read what it did.
    """

    def __init__(
        self,
        *,
        token: str = "fake-discord-bot-token",
        bot_name: str = "drillbot",
        shard_count: int = 1,
        privileged_intents: int = PRIVILEGED_INTENTS,
        interaction_deadline: float = INTERACTION_DEADLINE,
        heartbeat_interval_ms: int = 41_250,
        validate: bool = True,
    ) -> None:
        self.token = token
        self.shard_count = shard_count
        """What ``GET /gateway/bot`` recommends (AutoShardedClient uses it)."""
        self.privileged_intents = privileged_intents
        """The privileged intents switched on in the Developer Portal; asking for another one
        closes the gateway with 4014."""
        self.interaction_deadline = interaction_deadline
        self.interaction_token_ttl = INTERACTION_TOKEN_TTL
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.validate = validate
        """Check bodies against the OpenAPI description (the documented limits are always
        checked); a bench may turn it off to keep the fake's CPU out of its figures."""
        self.identify_close_code: int | None = None
        """Close every IDENTIFY with this code (4004, 4014, ...) whatever it carries."""
        self.ack_heartbeats = True
        self.echo_own_messages = True
        """Send the bot MESSAGE_CREATE/UPDATE for its own posts and edits, as Discord does."""
        self.dispatch_timeout = 10.0
        """How long a dispatch helper waits for the bot's gateway connection."""
        self.latency = 0.0
        """Seconds every REST call takes."""
        self.route_latency: dict[str, float] = {}
        self.route_limits: dict[str, tuple[int, float]] = {}
        """Route -> (requests, window seconds): answered with X-RateLimit headers and a real
        429 past the limit, per channel/guild/webhook like Discord's buckets. Without an entry a
        route sends no rate-limit headers (discord.py then never waits before a request)."""

        self.ids = Snowflakes()
        self.application_id = self.ids.next()
        self.bot = FakeUser(self.application_id, bot_name, bot=True)
        self.users: dict[int, FakeUser] = {self.bot.id: self.bot}
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, FakeChannel] = {}
        self._dms: dict[int, int] = {}

        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.failures: list[Failure] = []
        self.holds: list[Hold] = []
        self.rate_limited: list[Call] = []
        """Calls answered 429 because they went past a ``route_limits`` bucket."""
        self.identifies: list[JSON] = []
        self.gateway_frames: list[GatewayFrame] = []
        self.gateway_queries: list[dict[str, str]] = []
        self.sessions: list[GatewaySession] = []
        self.interactions: dict[int, SentInteraction] = {}
        self._interactions_by_token: dict[str, SentInteraction] = {}
        self.command_syncs: list[Call] = []
        self._commands: dict[int | None, list[JSON]] = {}
        self._messages: dict[int, StoredMessage] = {}
        self.attachments: dict[int, bytes] = {}
        """The bytes of every file attached to a message, by attachment id."""
        self._channel_messages: dict[int, list[int]] = {}
        self.threads: list[FakeChannel] = []
        """Threads the bot started, in order."""
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._changed = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed_by_fake: set[int] = set()
        self._runner: web.AppRunner | None = None
        self.url = ""

    # --- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> FakeDiscord:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/gateway/", self._gateway)
        app.router.add_get("/_fake/recorded", self._recorded)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        # aiohttp listens with a backlog of 128: a burst of callbacks from a client that opens a
        # connection per request would overflow it, and each dropped SYN costs a 1 s retry that
        # Discord's edge would not add (the kernel caps it at net.core.somaxconn).
        site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=BACKLOG)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for session in self.sessions:
            if session.ws is not None and not session.ws.closed:
                await self._close(session.ws, 1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_url(self) -> str:
        return self.url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return "ws" + self.url[4:] + "/gateway"

    # --- configuring the world ---------------------------------------------------------------
    def add_user(
        self, username: str, *, global_name: str | None = None, bot: bool = False
    ) -> FakeUser:
        user = FakeUser(self.ids.next(), username, global_name=global_name, bot=bot)
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str = "Test server",
        *,
        channels: Sequence[str] = ("general",),
        owner: FakeUser | None = None,
        shard: int | None = None,
        bot_permissions: int = BOT_PERMISSIONS,
        everyone_permissions: int = EVERYONE_PERMISSIONS,
        joined: bool = True,
    ) -> FakeGuild:
        """A server with text ``channels``, an owner, and the bot in it. ``shard`` picks an id
        that lands on that shard of ``shard_count``."""
        guild_id = self.ids.next((shard, self.shard_count) if shard is not None else None)
        owner = owner or self.add_user(f"{name.lower().replace(' ', '-')}-owner")
        bot_role = FakeRole(
            self.ids.next(), self.bot.username, bot_permissions, 1, bot_id=self.bot.id
        )
        guild = FakeGuild(
            guild_id,
            name,
            owner.id,
            bot_role.id,
            roles=[FakeRole(guild_id, "@everyone", everyone_permissions), bot_role],
            joined=joined,
        )
        guild.members[owner.id] = FakeMember(owner)
        guild.members[self.bot.id] = FakeMember(self.bot, [bot_role.id])
        self.guilds[guild_id] = guild
        for channel_name in channels:
            self.add_channel(guild, channel_name)
        return guild

    def add_channel(
        self,
        guild: FakeGuild | int,
        name: str,
        *,
        type: int = GUILD_TEXT,
        bot_denied: int = 0,
        parent: FakeChannel | None = None,
    ) -> FakeChannel:
        guild = self.guild(guild)
        channel = FakeChannel(
            self.ids.next(),
            name,
            type,
            guild.id,
            parent_id=parent.id if parent else None,
            position=len(guild.channels),
            bot_denied=bot_denied,
        )
        guild.channels.append(channel)
        self.channels[channel.id] = channel
        return channel

    def add_role(self, guild: FakeGuild | int, name: str, permissions: int) -> FakeRole:
        guild = self.guild(guild)
        role = FakeRole(self.ids.next(), name, permissions, len(guild.roles))
        guild.roles.append(role)
        return role

    def add_member(
        self,
        guild: FakeGuild | int,
        user: FakeUser | str,
        *,
        permissions: int = 0,
        roles: Sequence[FakeRole] = (),
    ) -> FakeUser:
        """Put a person in a server. ``permissions`` beyond @everyone's come through a role
        (``MANAGE_GUILD`` for a server admin)."""
        guild = self.guild(guild)
        person = self.add_user(user) if isinstance(user, str) else user
        role_ids = [r.id for r in roles]
        if permissions:
            role = next(
                (
                    r
                    for r in guild.roles[2:]
                    if r.permissions == permissions and r.name.startswith("perms-")
                ),
                None,
            ) or self.add_role(guild, f"perms-{permissions:x}", permissions)
            role_ids.append(role.id)
        guild.members[person.id] = FakeMember(person, role_ids)
        return person

    def guild(self, guild: FakeGuild | int) -> FakeGuild:
        return guild if isinstance(guild, FakeGuild) else self.guilds[int(guild)]

    def channel(self, channel: FakeChannel | int) -> FakeChannel:
        return channel if isinstance(channel, FakeChannel) else self.channels[int(channel)]

    def user(self, user: FakeUser | int) -> FakeUser:
        return user if isinstance(user, FakeUser) else self.users[int(user)]

    def dm_channel(self, user: FakeUser | int) -> FakeChannel:
        """The DM between the bot and this person (the same one every time)."""
        person = self.user(user)
        channel_id = self._dms.get(person.id)
        if channel_id is None:
            channel = FakeChannel(self.ids.next(), "", DM, recipient=person)
            self.channels[channel.id] = channel
            self._dms[person.id] = channel.id
            return channel
        return self.channels[channel_id]

    def fail(
        self,
        route: str,
        status: int = 429,
        *,
        times: int = 1,
        retry_after: float = 0.05,
        is_global: bool = False,
        code: int = 0,
        message: str = "",
        match: Callable[[Call], bool] | None = None,
    ) -> Failure:
        """The next ``times`` requests on ``route`` (``"POST /channels/{channel_id}/messages"``,
        and that ``match``) fail: 429 with ``retry_after`` and Discord's headers, 5xx, or any
        status with a Discord error ``code``."""
        if not any(r.key == route for r in routes()):
            raise LookupError(f"{route!r} is not a route the fake serves")
        failure = Failure(route, status, times, retry_after, is_global, code, message, match)
        self.failures.append(failure)
        return failure

    def hold(
        self,
        route: str,
        *,
        landed: bool,
        match: Callable[[Call], bool] | None = None,
        limit: float = 60.0,
    ) -> Hold:
        """Hold the next matching request (see ``Hold``); ``hold.released.set()`` ends it."""
        hold = Hold(route, landed, match or (lambda call: True), limit=limit)
        self.holds.append(hold)
        return hold

    # --- reading what happened ---------------------------------------------------------------
    def of(self, route: str, status: int | None = None) -> list[Call]:
        """Calls on a route (``"POST /channels/{channel_id}/messages"``), optionally only those
        answered ``status``."""
        return [
            c for c in self.calls if c.route == route and (status is None or c.status == status)
        ]

    def messages(self, channel: FakeChannel | int) -> list[JSON]:
        """What a channel (or thread, or DM) holds, oldest first, as Discord returns it; no
        ephemeral messages."""
        channel_id = channel.id if isinstance(channel, FakeChannel) else int(channel)
        return [
            self._messages[m].data
            for m in self._channel_messages.get(channel_id, [])
            if not self._messages[m].deleted
        ]

    def message(self, message_id: int | str) -> JSON:
        return self._messages[int(message_id)].data

    def stored(self, message_id: int | str) -> StoredMessage:
        """A message with what the fake knows about it: nonce, edits, ephemeral, interaction."""
        return self._messages[int(message_id)]

    def dm_messages(self, user: FakeUser | int) -> list[JSON]:
        return self.messages(self.dm_channel(user))

    def edits(self, message_id: int | str | None = None) -> list[Call]:
        """Accepted edits (channel PATCH, webhook PATCH, callback type 7), of one message or all."""
        if message_id is not None:
            return list(self._messages[int(message_id)].edits)
        return [c for m in self._messages.values() for c in m.edits]

    def thread_for(self, message_id: int | str) -> FakeChannel | None:
        """The thread started from a message (Discord gives it the message's id)."""
        return next((t for t in self.threads if t.id == int(message_id)), None)

    def commands(self, guild: FakeGuild | int | None = None) -> list[JSON]:
        """The application commands as last synced, global or for one server."""
        key = None if guild is None else self.guild(guild).id
        return copy.deepcopy(self._commands.get(key, []))

    def interaction(self, interaction: SentInteraction | int) -> SentInteraction:
        return (
            interaction
            if isinstance(interaction, SentInteraction)
            else self.interactions[int(interaction)]
        )

    def ephemeral(self, interaction: SentInteraction | int) -> list[JSON]:
        """The messages only the person saw: an ephemeral reply and ephemeral followups."""
        record = self.interaction(interaction)
        return [
            self._messages[m].data
            for m in record.message_ids
            if self._messages[m].ephemeral and not self._messages[m].deleted
        ]

    def texts(self) -> str:
        """Every body the bot sent anywhere, for assertions on what people would read."""
        return "\n".join(
            json.dumps(c.body, ensure_ascii=False) for c in self.calls if c.body is not None
        )

    def clear(self) -> None:
        self.calls.clear()
        self.gateway_frames.clear()

    async def wait_until(self, predicate: Callable[[], T | None], timeout: float = 5.0) -> T:
        """Wait until ``predicate()`` is truthy (re-checked whenever the fake records
        something); return its value."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"the fake Discord waited {timeout} s for {predicate}")
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, 0.05))

    async def wait_for_callback(
        self, interaction: SentInteraction | int, timeout: float = 5.0
    ) -> Call:
        """The accepted callback of an interaction."""
        record = self.interaction(interaction)
        await asyncio.wait_for(record.acknowledged.wait(), timeout)
        assert record.callback is not None
        return record.callback

    async def wait_for_followups(
        self, interaction: SentInteraction | int, count: int = 1, timeout: float = 5.0
    ) -> list[Call]:
        """The first ``count`` accepted followups of an interaction."""
        record = self.interaction(interaction)

        def done() -> list[Call] | None:
            accepted = [c for c in record.followups if c.status < 300]
            return accepted[:count] if len(accepted) >= count else None

        return await self.wait_until(done, timeout)

    async def wait_for_message(
        self,
        channel: FakeChannel | int,
        predicate: Callable[[JSON], bool] | None = None,
        timeout: float = 5.0,
    ) -> JSON:
        def found() -> JSON | None:
            return next(
                (m for m in self.messages(channel) if predicate is None or predicate(m)), None
            )

        return await self.wait_until(found, timeout)

    async def wait_until_connected(
        self, shards: int | None = None, timeout: float = 10.0
    ) -> list[GatewaySession]:
        """Wait until the bot has IDENTIFYed on ``shards`` shards (all of ``shard_count``
        by default) and got their GUILD_CREATEs."""
        want = shards or self.shard_count

        def connected() -> list[GatewaySession] | None:
            live = [s for s in self.sessions if s.ws is not None and not s.invalidated]
            return live if len({s.shard_id for s in live}) >= want else None

        return await self.wait_until(connected, timeout)

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # --- REST ---------------------------------------------------------------------------------
    async def _read_body(self, request: web.Request, files: list[SentFile]) -> Any:
        if not request.can_read_body:
            return None
        if request.content_type == "multipart/form-data":
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    files.append(
                        SentFile(name, value.filename, value.content_type, value.file.read())
                    )
            payload = form.get("payload_json")
            return json.loads(str(payload)) if payload is not None else {}
        raw = await request.read()
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode(errors="replace")

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        files: list[SentFile] = []
        body = await self._read_body(request, files)
        matched = match_route(request.method, path)
        route, params = matched if matched else (None, {})
        call = Call(
            method=request.method,
            path=path,
            route=route.key if route else "",
            path_params=params,
            query=dict(request.query),
            body=body,
            headers={k: v for k, v in request.headers.items() if k.lower() != "authorization"},
            authorized=request.headers.get("Authorization") == f"Bot {self.token}",
            files=files,
        )
        self.calls.append(call)
        try:
            response = await self._serve(request, call, route)
        except Exception as exc:  # a bug in the fake must show, not hang the client
            self.violations.append(f"{call.method} {call.path}: the fake failed: {exc!r}")
            response = _json_response({"message": f"fake failure: {exc!r}", "code": 0}, 500)
        call.status = response.status
        if call.response is None and isinstance(response, web.Response) and response.body:
            with contextlib.suppress(ValueError, TypeError):
                call.response = json.loads(bytes(response.body))  # type: ignore[arg-type]
        self._notify()
        return response

    def _error(
        self,
        call: Call,
        status: int,
        code: int,
        message: str,
        *,
        errors: JSON | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> web.Response:
        body: JSON = {"message": message, "code": code}
        if errors:
            body["errors"] = errors
        call.response = body
        return _json_response(body, status, headers)

    def _ok(self, call: Call, body: Any, status: int = 200) -> web.Response:
        call.response = body
        return _json_response(body, status)

    def _violate(self, call: Call, problems: Sequence[Problem]) -> web.Response:
        where = call.route or f"{call.method} {call.path}"
        self.violations += [f"{where}: {p}" for p in problems]
        return self._error(call, 400, 50035, "Invalid Form Body", errors=form_errors(problems))

    async def _serve(
        self, request: web.Request, call: Call, route: RouteSpec | None
    ) -> web.Response:
        delay = self.latency + self.route_latency.get(call.route, 0.0)
        if delay:
            await asyncio.sleep(delay)
        if route is None:
            self.violations.append(
                f"{call.method} {call.path}: not a route Discord has (or the fake serves)"
            )
            return self._error(call, 404, 0, "404: Not Found")
        if route.needs_bot_token and not call.authorized:
            return self._error(call, 401, 0, "401: Unauthorized")
        failure = self._next_failure(call)
        if failure is not None:
            call.note = "injected"
            return self._failure(call, failure)
        headers, exceeded = self._bucket(call)
        if exceeded is not None:
            self.rate_limited.append(call)
            return self._rate_limit(call, exceeded, headers)
        problems = (
            request_problems(route, call.path_params, call.query, call.body)
            if self.validate
            else []
        )
        problems += self._limits(call)
        if problems:
            return self._violate(call, problems)
        hold = next((h for h in self.holds if h.route == call.route and h.match(call)), None)
        if hold is not None:
            self.holds.remove(hold)
            call.note = "held"
            if not hold.landed:
                # Released once the test is done with it; the client is gone by then, and the
                # request must not land late as if it had gone through.
                await self._wait(hold)
                return self._error(call, 503, 0, "held and dropped")
        response = await self._handle(call)
        if hold is not None:
            await self._wait(hold)
        for key, value in headers.items():
            response.headers[key] = value
        return response

    @staticmethod
    async def _wait(hold: Hold) -> None:
        hold.reached.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(hold.released.wait(), hold.limit)

    def _next_failure(self, call: Call) -> Failure | None:
        for failure in self.failures:
            if failure.route == call.route and (failure.match is None or failure.match(call)):
                failure.times -= 1
                if failure.times <= 0:
                    self.failures.remove(failure)
                return failure
        return None

    def _rate_limit(
        self, call: Call, retry_after: float, headers: Mapping[str, str], *, is_global: bool = False
    ) -> web.Response:
        # discord.py takes a 429 without Via, or whose body is not JSON, for a Cloudflare ban.
        extra = {
            **headers,
            "Retry-After": str(max(1, math.ceil(retry_after))),
            "Via": "1.1 google",
            "X-RateLimit-Scope": "global" if is_global else "user",
        }
        if not headers:
            extra.update(
                {
                    "X-RateLimit-Bucket": _bucket_hash(call.route),
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                    "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                }
            )
        if is_global:
            extra["X-RateLimit-Global"] = "true"
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": is_global,
        }
        call.response = body
        return _json_response(body, 429, extra)

    def _failure(self, call: Call, failure: Failure) -> web.Response:
        if failure.status == 429:
            return self._rate_limit(call, failure.retry_after, {}, is_global=failure.is_global)
        if failure.status >= 500:
            return self._error(
                call,
                failure.status,
                failure.code,
                failure.message or f"{failure.status}: Server Error",
            )
        return self._error(
            call, failure.status, failure.code, failure.message or f"{failure.status}: injected"
        )

    def _bucket(self, call: Call) -> tuple[dict[str, str], float | None]:
        """(rate-limit headers, seconds to wait if this call went past its bucket)."""
        limit = self.route_limits.get(call.route)
        if limit is None:
            return {}, None
        count, window = limit
        major = "+".join(
            call.path_params[k]
            for k in (
                "channel_id",
                "guild_id",
                "webhook_id",
                "webhook_token",
                "interaction_id",
                "interaction_token",
            )
            if k in call.path_params
        )
        now = time.monotonic()
        bucket = self._buckets.get((call.route, major))
        if bucket is None or now >= bucket.reset_at:
            bucket = self._buckets[(call.route, major)] = _Bucket(now + window)
        bucket.used += 1
        reset_after = max(0.0, bucket.reset_at - now)
        headers = {
            "X-RateLimit-Bucket": _bucket_hash(call.route),
            "X-RateLimit-Limit": str(count),
            "X-RateLimit-Remaining": str(max(0, count - bucket.used)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        }
        return headers, (reset_after if bucket.used > count else None)

    def _limits(self, call: Call) -> list[Problem]:
        """The documented limits for this route's body, and its file parts."""
        problems = self._body_limits(call)
        if call.files:
            body = call.body
            if call.route.endswith("/callback") and isinstance(body, dict):
                body = body.get("data") or {}
            problems += attachment_problems(body, call.files)
        return problems

    def _body_limits(self, call: Call) -> list[Problem]:
        body = call.body
        match call.route:
            case (
                "POST /channels/{channel_id}/messages"
                | "POST /webhooks/{webhook_id}/{webhook_token}"
            ):
                return message_problems(body, creating=True)
            case (
                "PATCH /channels/{channel_id}/messages/{message_id}"
                | "PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original"
                | "PATCH /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"
            ):
                return message_problems(body, creating=False)
            case (
                "PUT /applications/{application_id}/commands"
                | "PUT /applications/{application_id}/guilds/{guild_id}/commands"
            ):
                return command_problems(body)
            case "POST /interactions/{interaction_id}/{interaction_token}/callback":
                return _callback_problems(body)
        return []

    async def _handle(self, call: Call) -> web.Response:
        p = call.path_params
        match call.route:
            case "GET /gateway":
                return self._ok(call, {"url": self.gateway_url})
            case "GET /gateway/bot":
                return self._ok(
                    call,
                    {
                        "url": self.gateway_url,
                        "shards": self.shard_count,
                        "session_start_limit": {
                            "total": 1000,
                            "remaining": 999,
                            "reset_after": 14_400_000,
                            "max_concurrency": 1,
                        },
                    },
                )
            case "GET /users/@me":
                return self._ok(call, self._me())
            case "GET /users/{user_id}":
                found = self.users.get(int(p["user_id"]))
                if found is None:
                    return self._error(call, 404, 10013, "Unknown User")
                return self._ok(call, found.payload())
            case "GET /oauth2/applications/@me" | "GET /applications/@me":
                return self._ok(call, self._application())
            case (
                "GET /applications/{application_id}/commands"
                | "GET /applications/{application_id}/guilds/{guild_id}/commands"
            ):
                return self._get_commands(call)
            case (
                "PUT /applications/{application_id}/commands"
                | "PUT /applications/{application_id}/guilds/{guild_id}/commands"
            ):
                return self._put_commands(call)
            case "GET /channels/{channel_id}":
                channel = self.channels.get(int(p["channel_id"]))
                if channel is None:
                    return self._error(call, 404, 10003, "Unknown Channel")
                return self._ok(call, self._channel_payload(channel))
            case "POST /channels/{channel_id}/messages":
                return self._create_message(call)
            case "GET /channels/{channel_id}/messages":
                return self._history(call)
            case "GET /channels/{channel_id}/messages/{message_id}":
                stored = self._messages.get(int(p["message_id"]))
                if (
                    stored is None
                    or stored.deleted
                    or stored.ephemeral
                    or stored.channel_id != int(p["channel_id"])
                ):
                    return self._error(call, 404, 10008, "Unknown Message")
                return self._ok(call, stored.data)
            case "PATCH /channels/{channel_id}/messages/{message_id}":
                return self._edit_channel_message(call)
            case "DELETE /channels/{channel_id}/messages/{message_id}":
                return self._delete_channel_message(call)
            case "POST /channels/{channel_id}/messages/{message_id}/threads":
                return self._start_thread(call)
            case "POST /users/@me/channels":
                return self._open_dm(call)
            case "GET /guilds/{guild_id}":
                guild = self.guilds.get(int(p["guild_id"]))
                if guild is None:
                    return self._error(call, 404, 10004, "Unknown Guild")
                if not guild.joined:
                    return self._error(call, 403, 50001, "Missing Access")
                return self._ok(call, self._guild_payload(guild, full=False))
            case "GET /guilds/{guild_id}/members/{user_id}":
                guild = self.guilds.get(int(p["guild_id"]))
                if guild is None:
                    return self._error(call, 404, 10004, "Unknown Guild")
                member = guild.members.get(int(p["user_id"]))
                if member is None:
                    return self._error(call, 404, 10007, "Unknown Member")
                return self._ok(call, member.payload())
            case "POST /interactions/{interaction_id}/{interaction_token}/callback":
                return self._callback(call)
            case "POST /webhooks/{webhook_id}/{webhook_token}":
                return self._followup(call)
            case (
                "GET /webhooks/{webhook_id}/{webhook_token}/messages/@original"
                | "GET /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"
                | "PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original"
                | "PATCH /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"
                | "DELETE /webhooks/{webhook_id}/{webhook_token}/messages/@original"
                | "DELETE /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"
            ):
                return self._webhook_message(call)
        self.violations.append(f"{call.route}: described but not served by the fake")
        return self._error(call, 404, 0, "404: Not Found")

    # --- users and the application -------------------------------------------------------------
    def _me(self) -> JSON:
        return {
            **self.bot.payload(),
            "flags": 0,
            "bot": True,
            "mfa_enabled": False,
            "locale": "en-US",
            "premium_type": 0,
            "email": None,
            "verified": True,
            "bio": "",
            "banner_color": None,
        }

    def _application(self) -> JSON:
        flags = 0
        for intent, flag in (
            (GUILD_PRESENCES, APP_PRESENCE_LIMITED),
            (GUILD_MEMBERS, APP_MEMBERS_LIMITED),
            (MESSAGE_CONTENT, APP_MESSAGE_CONTENT_LIMITED),
        ):
            if self.privileged_intents & intent:
                flags |= flag
        owner = next((self.users[g.owner_id] for g in self.guilds.values()), self.bot)
        return {
            "id": str(self.application_id),
            "name": self.bot.username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot": self.bot.payload(),
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": flags,
            "owner": owner.payload(),
            "team": None,
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "tags": [],
            "install_params": {
                "scopes": ["bot", "applications.commands"],
                "permissions": str(BOT_PERMISSIONS),
            },
            "integration_types_config": {"0": {}},
            "approximate_guild_count": len(self.guilds),
        }

    # --- application commands ----------------------------------------------------------------
    def _command_scope(self, call: Call) -> tuple[int | None, web.Response | None]:
        if int(call.path_params["application_id"]) != self.application_id:
            return None, self._error(call, 403, 50001, "Missing Access")
        if "guild_id" not in call.path_params:
            return None, None
        guild = self.guilds.get(int(call.path_params["guild_id"]))
        if guild is None or not guild.joined:
            return None, self._error(call, 403, 50001, "Missing Access")
        return guild.id, None

    def _get_commands(self, call: Call) -> web.Response:
        scope, refused = self._command_scope(call)
        if refused is not None:
            return refused
        return self._ok(call, self._commands.get(scope, []))

    def _put_commands(self, call: Call) -> web.Response:
        scope, refused = self._command_scope(call)
        if refused is not None:
            return refused
        before = {(c["type"], c["name"]): c["id"] for c in self._commands.get(scope, [])}
        stored = []
        for command in call.body or []:
            kind = command.get("type") or 1
            data = _without_nulls(command)
            permissions = command.get("default_member_permissions")
            data.update(
                {
                    "id": before.get((kind, command["name"])) or str(self.ids.next()),
                    "application_id": str(self.application_id),
                    "version": str(self.ids.next()),
                    "type": kind,
                    "default_member_permissions": None if permissions is None else str(permissions),
                    "nsfw": bool(command.get("nsfw")),
                    "description": command.get("description") or "",
                }
            )
            if scope is not None:
                data["guild_id"] = str(scope)
            stored.append(data)
        self._commands[scope] = stored
        self.command_syncs.append(call)
        return self._ok(call, stored)

    def find_command(self, name: str, guild: FakeGuild | int | None = None) -> JSON | None:
        """A synced chat-input command by name: the server's own first, then the global one."""
        scopes: list[int | None] = [None] if guild is None else [self.guild(guild).id, None]
        for scope in scopes:
            for command in self._commands.get(scope, []):
                if command["name"] == name and command["type"] == 1:
                    found: JSON = command
                    return found
        return None

    # --- channels and messages ---------------------------------------------------------------
    def _bot_permissions(self, channel: FakeChannel) -> int:
        if channel.guild_id is None:
            return VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_MESSAGE_HISTORY
        guild = self.guilds[channel.guild_id]
        base = guild.permissions(self.bot.id)
        where = (
            self.channels[channel.parent_id] if channel.is_thread and channel.parent_id else channel
        )
        return base & ~where.bot_denied

    def _overwrites(self, channel: FakeChannel) -> list[JSON]:
        if not channel.bot_denied or channel.guild_id is None:
            return []
        guild = self.guilds[channel.guild_id]
        return [
            {"id": str(guild.bot_role_id), "type": 0, "allow": "0", "deny": str(channel.bot_denied)}
        ]

    def _channel_payload(self, channel: FakeChannel) -> JSON:
        last = self._channel_messages.get(channel.id) or []
        last_id = str(last[-1]) if last else None
        if channel.type == DM:
            assert channel.recipient is not None
            return {
                "id": str(channel.id),
                "type": DM,
                "last_message_id": last_id,
                "flags": 0,
                "recipients": [channel.recipient.payload()],
            }
        data: JSON = {
            "id": str(channel.id),
            "type": channel.type,
            "guild_id": str(channel.guild_id),
            "name": channel.name,
            "parent_id": str(channel.parent_id) if channel.parent_id else None,
            "last_message_id": last_id,
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        if channel.is_thread:
            created = iso(snowflake_time(channel.id))
            data.update(
                {
                    "owner_id": str(channel.owner_id),
                    "message_count": channel.message_count,
                    "total_message_sent": channel.message_count,
                    "member_count": 1,
                    "thread_metadata": {
                        "archived": channel.archived,
                        "auto_archive_duration": 1440,
                        "archive_timestamp": created,
                        "locked": False,
                        "create_timestamp": created,
                    },
                }
            )
        else:
            data.update(
                {
                    "position": channel.position,
                    "permission_overwrites": self._overwrites(channel),
                    "nsfw": False,
                    "topic": channel.topic,
                    "default_thread_rate_limit_per_user": 0,
                }
            )
        return data

    def _writable(self, call: Call, channel: FakeChannel | None) -> web.Response | None:
        """Discord's refusal to post into a channel, if any."""
        if channel is None:
            return self._error(call, 404, 10003, "Unknown Channel")
        if channel.type == DM:
            assert channel.recipient is not None
            if not channel.recipient.accepts_dms:
                return self._error(call, 403, 50007, "Cannot send messages to this user")
            return None
        guild = self.guilds[channel.guild_id] if channel.guild_id else None
        if guild is None or not guild.joined:
            return self._error(call, 403, 50001, "Missing Access")
        needed = VIEW_CHANNEL | (SEND_MESSAGES_IN_THREADS if channel.is_thread else SEND_MESSAGES)
        if self._bot_permissions(channel) & needed != needed:
            return self._error(call, 403, 50013, "Missing Permissions")
        return None

    def _new_message(
        self,
        channel: FakeChannel,
        body: JSON,
        *,
        author: FakeUser,
        kind: int = 0,
        flags: int = 0,
        interaction: SentInteraction | None = None,
        files: Sequence[SentFile] = (),
    ) -> StoredMessage:
        message_id = self.ids.next()
        data: JSON = {
            "type": kind,
            "content": body.get("content") or "",
            "mentions": [],
            "mention_roles": [],
            "attachments": self._attachments_out(body, files),
            "embeds": [_embed_out(e) for e in body.get("embeds") or []],
            "timestamp": iso(snowflake_time(message_id)),
            "edited_timestamp": None,
            "flags": flags,
            "components": _components_out(body.get("components") or []),
            "id": str(message_id),
            "channel_id": str(channel.id),
            "author": author.payload(),
            "pinned": False,
            "mention_everyone": False,
            "tts": bool(body.get("tts")),
        }
        if body.get("nonce") is not None:
            data["nonce"] = body["nonce"]
        if channel.is_thread:
            data["position"] = channel.message_count
            channel.message_count += 1
        if interaction is not None:
            data["webhook_id"] = str(self.application_id)
            data["application_id"] = str(self.application_id)
            data["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": interaction.user.payload(),
                "authorizing_integration_owners": interaction.payload[
                    "authorizing_integration_owners"
                ],
            }
            if interaction.type == 3 and "message" in interaction.payload:
                data["interaction_metadata"]["interacted_message_id"] = interaction.payload[
                    "message"
                ]["id"]
        stored = StoredMessage(
            data,
            channel.id,
            ephemeral=bool(flags & EPHEMERAL),
            interaction_id=interaction.id if interaction else None,
            nonce=str(body["nonce"]) if body.get("nonce") is not None else None,
        )
        self._messages[message_id] = stored
        if not stored.ephemeral:
            self._channel_messages.setdefault(channel.id, []).append(message_id)
            if author.id == self.bot.id:
                self._echo("MESSAGE_CREATE", stored)
        return stored

    def _attachments_out(self, body: JSON, files: Sequence[SentFile]) -> list[JSON]:
        """Attachments as Discord returns them; the bytes are kept in ``attachments``."""
        declared = {
            int(a["id"]): a
            for a in body.get("attachments") or []
            if isinstance(a, dict) and "id" in a
        }
        out: list[JSON] = []
        for sent in files:
            found = _FILE_FIELD.fullmatch(sent.field)
            meta = declared.get(int(found[1])) if found else None
            attachment_id = self.ids.next()
            self.attachments[attachment_id] = sent.data
            item: JSON = {
                "id": str(attachment_id),
                "filename": (meta or {}).get("filename") or sent.filename,
                "size": len(sent.data),
                "url": f"{self.url}/attachments/{attachment_id}/{sent.filename}",
                "proxy_url": f"{self.url}/attachments/{attachment_id}/{sent.filename}",
                "content_type": sent.content_type,
            }
            if meta and meta.get("description"):
                item["description"] = meta["description"]
            out.append(item)
        return out

    def _echo(self, event: str, stored: StoredMessage) -> None:
        if not self.echo_own_messages:
            return
        channel = self.channels[stored.channel_id]
        data = self._gateway_message(stored.data, channel)
        task = asyncio.get_running_loop().create_task(self._broadcast(channel, event, data))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _gateway_message(self, data: JSON, channel: FakeChannel) -> JSON:
        out = dict(data)
        if channel.guild_id is not None:
            out["guild_id"] = str(channel.guild_id)
            guild = self.guilds[channel.guild_id]
            member = guild.members.get(int(data["author"]["id"]))
            if member is not None:
                out["member"] = member.payload(with_user=False)
        return out

    def _edit(self, stored: StoredMessage, body: JSON, call: Call) -> None:
        data = stored.data
        if "content" in body:
            data["content"] = body["content"] or ""
        if "embeds" in body:
            data["embeds"] = [_embed_out(e) for e in body["embeds"] or []]
        if "components" in body:
            data["components"] = _components_out(body["components"] or [])
        if call.files:
            data["attachments"] = self._attachments_out(body, call.files)
        if body.get("flags") is not None:
            # Only SUPPRESS_EMBEDS can change; the rest stays as created.
            data["flags"] = (data["flags"] & ~4) | (int(body["flags"]) & 4)
        if data["flags"] & LOADING:
            # Filling in a "thinking" message is its first content, not an edit people see.
            data["flags"] &= ~LOADING
        else:
            data["edited_timestamp"] = iso(datetime.now(UTC))
        stored.edits.append(call)
        if not stored.ephemeral and data["author"]["id"] == str(self.bot.id):
            self._echo("MESSAGE_UPDATE", stored)

    def _create_message(self, call: Call) -> web.Response:
        channel = self.channels.get(int(call.path_params["channel_id"]))
        refused = self._writable(call, channel)
        if refused is not None:
            return refused
        assert channel is not None
        body = call.json
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            now = time.monotonic()
            for message_id in reversed(self._channel_messages.get(channel.id, [])):
                earlier = self._messages[message_id]
                if earlier.nonce == str(nonce) and now - earlier.created < ENFORCED_NONCE_WINDOW:
                    call.note = "deduplicated by nonce"
                    return self._ok(call, earlier.data)
        reference = body.get("message_reference")
        kind = 0
        referenced: StoredMessage | None = None
        if isinstance(reference, dict):
            referenced = self._messages.get(int(reference.get("message_id") or 0))
            if referenced is None or referenced.channel_id != channel.id:
                if reference.get("fail_if_not_exists", True):
                    return self._violate(
                        call,
                        [
                            Problem(
                                ("message_reference",), "Unknown message", "REPLIES_UNKNOWN_MESSAGE"
                            )
                        ],
                    )
                referenced = None
            else:
                kind = 19
        if (
            call.files
            and channel.guild_id is not None
            and not self._bot_permissions(channel) & ATTACH_FILES
        ):
            return self._error(call, 403, 50013, "Missing Permissions")
        stored = self._new_message(
            channel,
            body,
            author=self.bot,
            kind=kind,
            flags=int(body.get("flags") or 0),
            files=call.files,
        )
        if referenced is not None:
            stored.data["message_reference"] = {
                "type": 0,
                "channel_id": str(channel.id),
                "message_id": referenced.data["id"],
                **({"guild_id": str(channel.guild_id)} if channel.guild_id else {}),
            }
            stored.data["referenced_message"] = referenced.data
        return self._ok(call, stored.data)

    def _history(self, call: Call) -> web.Response:
        channel = self.channels.get(int(call.path_params["channel_id"]))
        if channel is None:
            return self._error(call, 404, 10003, "Unknown Channel")
        if channel.guild_id is not None and not self.guilds[channel.guild_id].joined:
            return self._error(call, 403, 50001, "Missing Access")
        ids = [
            m for m in self._channel_messages.get(channel.id, []) if not self._messages[m].deleted
        ]
        limit = int(call.query.get("limit") or 50)
        if "after" in call.query:
            after = int(call.query["after"])
            page = [m for m in ids if m > after][:limit]
        elif "around" in call.query:
            around = int(call.query["around"])
            older = [m for m in ids if m < around][-(limit // 2) :] if limit > 1 else []
            newer = [m for m in ids if m >= around][: limit - len(older)]
            page = older + newer
        else:
            before = int(call.query["before"]) if "before" in call.query else None
            page = [m for m in ids if before is None or m < before][-limit:]
        # Newest first whatever the direction, as Discord pages them.
        return self._ok(call, [self._messages[m].data for m in reversed(page)])

    def _edit_channel_message(self, call: Call) -> web.Response:
        channel = self.channels.get(int(call.path_params["channel_id"]))
        if channel is None:
            return self._error(call, 404, 10003, "Unknown Channel")
        stored = self._messages.get(int(call.path_params["message_id"]))
        if stored is None or stored.deleted or stored.ephemeral or stored.channel_id != channel.id:
            return self._error(call, 404, 10008, "Unknown Message")
        if stored.data["author"]["id"] != str(self.bot.id):
            return self._error(call, 403, 50005, "Cannot edit a message authored by another user")
        self._edit(stored, call.json, call)
        return self._ok(call, stored.data)

    def _delete_channel_message(self, call: Call) -> web.Response:
        stored = self._messages.get(int(call.path_params["message_id"]))
        if stored is None or stored.deleted or stored.ephemeral:
            return self._error(call, 404, 10008, "Unknown Message")
        if stored.channel_id != int(call.path_params["channel_id"]):
            return self._error(call, 404, 10008, "Unknown Message")
        if stored.data["author"]["id"] != str(self.bot.id):
            # Deleting someone else's message needs Manage Messages, which the bot never asks for.
            return self._error(call, 403, 50013, "Missing Permissions")
        stored.deleted = True
        return web.Response(status=204)

    def _start_thread(self, call: Call) -> web.Response:
        channel = self.channels.get(int(call.path_params["channel_id"]))
        if channel is None:
            return self._error(call, 404, 10003, "Unknown Channel")
        if channel.type not in (GUILD_TEXT, GUILD_ANNOUNCEMENT):
            return self._error(call, 400, 50024, "Cannot execute action on this channel type")
        assert channel.guild_id is not None
        if not self.guilds[channel.guild_id].joined:
            return self._error(call, 403, 50001, "Missing Access")
        message_id = int(call.path_params["message_id"])
        stored = self._messages.get(message_id)
        if stored is None or stored.deleted or stored.channel_id != channel.id:
            return self._error(call, 404, 10008, "Unknown Message")
        if self.thread_for(message_id) is not None:
            return self._error(
                call, 400, 160004, "A thread has already been created for this message"
            )
        if not self._bot_permissions(channel) & CREATE_PUBLIC_THREADS:
            return self._error(call, 403, 50013, "Missing Permissions")
        # A thread started from a message takes the message's id.
        thread = FakeChannel(
            message_id,
            call.json["name"],
            PUBLIC_THREAD,
            channel.guild_id,
            parent_id=channel.id,
            owner_id=self.bot.id,
        )
        self.channels[thread.id] = thread
        self.guilds[channel.guild_id].channels.append(thread)
        self.threads.append(thread)
        payload = self._channel_payload(thread)
        stored.data["thread"] = payload
        stored.data["flags"] |= HAS_THREAD
        event = {**payload, "newly_created": True}
        task = asyncio.get_running_loop().create_task(
            self._broadcast(channel, "THREAD_CREATE", event, intent=GUILDS)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return self._ok(call, payload, 201)

    def _open_dm(self, call: Call) -> web.Response:
        recipient = str(call.json.get("recipient_id"))
        person = self.users.get(int(recipient)) if recipient.isdigit() else None
        if person is None or person.bot:
            return self._error(call, 400, 50033, "Invalid Recipient(s)")
        return self._ok(call, self._channel_payload(self.dm_channel(person)))

    # --- interactions --------------------------------------------------------------------------
    def _callback(self, call: Call) -> web.Response:
        record = self.interactions.get(int(call.path_params["interaction_id"]))
        if record is None or record.token != call.path_params["interaction_token"]:
            return self._error(call, 404, 10062, "Unknown interaction")
        record.attempts.append(call)
        if record.callback is not None:
            call.note = "acknowledged"
            return self._error(call, 400, 40060, "Interaction has already been acknowledged.")
        if call.mono - record.sent_at > self.interaction_deadline:
            call.note = "late"
            return self._error(call, 404, 10062, "Unknown interaction")
        body = call.json
        kind = int(body.get("type") or 0)
        allowed = {
            2: {4, 5, 9},
            3: {4, 5, 6, 7, 9},
            4: {8},
            5: {4, 5, 6, 7} if "message" in record.payload else {4, 5},
        }[record.type]
        if kind not in allowed:
            return self._violate(
                call,
                [
                    Problem(
                        ("type",),
                        f"callback type {kind} cannot answer an interaction of type "
                        f"{record.type} (allowed: {sorted(allowed)})",
                    )
                ],
            )
        data = body.get("data") or {}
        channel = self.channels[record.channel_id]
        message: StoredMessage | None = None
        if kind in (4, 5):
            flags = int(data.get("flags") or 0) & (EPHEMERAL | 4 | 4096 | IS_COMPONENTS_V2)
            if kind == 5:
                data = {}
                flags |= LOADING
            message = self._new_message(
                channel,
                data,
                author=self.bot,
                kind=20 if record.type == 2 else 0,
                flags=flags,
                interaction=record,
                files=call.files,
            )
            record.original_message_id = int(message.data["id"])
            record.message_ids.append(record.original_message_id)
            record.deferred_open = kind == 5
        elif kind in (6, 7):
            source = record.payload.get("message")
            if source is not None:
                message = self._messages.get(int(source["id"]))
                record.original_message_id = int(source["id"])
            if kind == 7 and message is not None:
                self._edit(message, data, call)
        elif kind == 9:
            record.modal = copy.deepcopy(data)
        record.callback = call
        record.acknowledged.set()
        if str(call.query.get("with_response", "")).lower() not in ("1", "true"):
            call.response = None
            return web.Response(status=204)
        answer: JSON = {"id": str(record.id), "type": record.type}
        resource: JSON = {"type": kind}
        if message is not None and kind != 6:
            answer["response_message_id"] = message.data["id"]
            answer["response_message_loading"] = kind == 5
            answer["response_message_ephemeral"] = message.ephemeral
            resource["message"] = message.data
        return self._ok(call, {"interaction": answer, "resource": resource})

    def _webhook_interaction(
        self, call: Call
    ) -> tuple[SentInteraction | None, web.Response | None]:
        if int(call.path_params["webhook_id"]) != self.application_id:
            return None, self._error(call, 404, 10015, "Unknown Webhook")
        record = self._interactions_by_token.get(call.path_params["webhook_token"])
        if record is None or call.mono - record.sent_at > self.interaction_token_ttl:
            return None, self._error(call, 401, 50027, "Invalid Webhook Token")
        if record.callback is None:
            return None, self._error(call, 404, 10015, "Unknown Webhook")
        return record, None

    def _followup(self, call: Call) -> web.Response:
        record, refused = self._webhook_interaction(call)
        if refused is not None:
            if record is not None:
                record.followups.append(call)
            return refused
        assert record is not None
        record.followups.append(call)
        body = call.json
        if record.deferred_open and record.original_message_id is not None:
            # The first followup after a "thinking" defer fills that message in; whether it is
            # ephemeral was decided by the defer.
            stored = self._messages[record.original_message_id]
            self._edit(stored, body, call)
            record.deferred_open = False
        else:
            flags = int(body.get("flags") or 0) & (EPHEMERAL | 4 | 4096 | IS_COMPONENTS_V2)
            stored = self._new_message(
                self.channels[record.channel_id],
                body,
                author=self.bot,
                flags=flags,
                interaction=record,
                files=call.files,
            )
            record.message_ids.append(int(stored.data["id"]))
        if str(call.query.get("wait", "")).lower() not in ("1", "true"):
            call.response = None
            return web.Response(status=204)
        return self._ok(call, stored.data)

    def _webhook_message(self, call: Call) -> web.Response:
        record, refused = self._webhook_interaction(call)
        if refused is not None:
            return refused
        assert record is not None
        wanted = call.path_params.get("message_id")
        if wanted is None:
            message_id = record.original_message_id
        elif wanted.isdigit() and int(wanted) in record.message_ids:
            message_id = int(wanted)
        else:
            message_id = None
        stored = self._messages.get(message_id) if message_id is not None else None
        if stored is None or stored.deleted:
            return self._error(call, 404, 10008, "Unknown Message")
        if call.method == "GET":
            return self._ok(call, stored.data)
        if call.method == "DELETE":
            stored.deleted = True
            return web.Response(status=204)
        record.edits.append(call)
        self._edit(stored, call.json, call)
        if stored.data["id"] == str(record.original_message_id):
            record.deferred_open = False
        return self._ok(call, stored.data)

    async def _recorded(self, request: web.Request) -> web.Response:
        """What was recorded, for a test or bench whose fake runs in another process."""
        return _json_response(
            {
                "calls": [f"{c.method} {c.path} {c.status}" for c in self.calls],
                "violations": self.violations,
            }
        )

    # --- the gateway ---------------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        query = dict(request.query)
        self.gateway_queries.append(query)
        session: GatewaySession | None = None
        if query.get("v", "10") != "10":
            await self._close(ws, 4012)
            return ws
        if query.get("encoding", "json") != "json":
            await self._close(ws, 4002)
            return ws
        # Plain-text JSON frames: discord.py reads them though it asked for zlib-stream.
        await ws.send_str(
            json.dumps(
                {
                    "op": 10,
                    "d": {"heartbeat_interval": self.heartbeat_interval_ms},
                    "s": None,
                    "t": None,
                }
            )
        )
        try:
            async for frame in ws:
                if frame.type != WSMsgType.TEXT:
                    continue
                try:
                    payload = json.loads(frame.data)
                    op = int(payload["op"])
                except (ValueError, KeyError, TypeError):
                    await self._close(ws, 4002)
                    break
                data = payload.get("d")
                self._record_frame(session, op, data)
                if op == 1:
                    if self.ack_heartbeats:
                        await _send(ws, {"op": 11, "d": None, "s": None, "t": None})
                elif op == 2:
                    if session is not None:
                        await self._close(ws, 4005)
                        break
                    session = await self._identify(ws, data)
                    if session is None:
                        break
                elif op == 6:
                    session = await self._resume(ws, data)
                    if session is None:
                        continue
                elif session is None:
                    await self._close(ws, 4003)
                    break
                elif op == 8:
                    await self._members_chunk(session, data)
                elif op not in (3, 4):
                    await self._close(ws, 4001)
                    break
        finally:
            if session is not None and session.ws is ws:
                session.ws = None
                code = ws.close_code
                if code is not None:
                    session.close_codes.append(int(code))
                # The bot closing with 1000 or 1001 ends the session (no RESUME), as on Discord;
                # after the fake's own close the code is the bot's reply, which says nothing.
                if code in (1000, 1001) and id(ws) not in self._closed_by_fake:
                    session.invalidated = True
                self._closed_by_fake.discard(id(ws))
            self._notify()
        return ws

    def _record_frame(self, session: GatewaySession | None, op: int, data: Any) -> None:
        if isinstance(data, dict) and "token" in data:
            data = {**data, "token": "[token]"}
        self.gateway_frames.append(GatewayFrame(session.session_id if session else None, op, data))

    async def _close(self, ws: web.WebSocketResponse, code: int) -> None:
        self._closed_by_fake.add(id(ws))
        await ws.close(code=code, message=CLOSE_MESSAGES.get(code, "").encode())

    async def _identify(self, ws: web.WebSocketResponse, data: Any) -> GatewaySession | None:
        data = data if isinstance(data, dict) else {}
        intents = data.get("intents")
        shard = data.get("shard") or [0, 1]
        self.identifies.append(
            {
                "token_ok": data.get("token") == self.token,
                "intents": intents,
                "shard": shard,
                "properties": data.get("properties"),
                "compress": data.get("compress"),
                "large_threshold": data.get("large_threshold"),
                "presence": data.get("presence"),
            }
        )
        code = self.identify_close_code
        if code is None and data.get("token") != self.token:
            code = 4004
        if code is None and (not isinstance(intents, int) or intents & ~ALL_INTENTS):
            code = 4013
        if (
            code is None
            and isinstance(intents, int)
            and intents & PRIVILEGED_INTENTS & ~self.privileged_intents
        ):
            code = 4014
        valid_shard = (
            isinstance(shard, list)
            and len(shard) == 2
            and all(isinstance(x, int) for x in shard)
            and 0 <= shard[0] < shard[1]
        )
        if code is None and not valid_shard:
            code = 4010
        if code is not None:
            await self._close(ws, code)
            return None
        shard_id, shard_count = shard
        guild_ids = [
            g.id
            for g in self.guilds.values()
            if g.joined and shard_of(g.id, shard_count) == shard_id
        ]
        session = GatewaySession(
            secrets.token_hex(16), shard_id, shard_count, int(intents), guild_ids, ws
        )
        self.sessions.append(session)
        ready = {
            "v": 10,
            "user": self._me(),
            "guilds": [{"id": str(g), "unavailable": True} for g in guild_ids],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "shard": [shard_id, shard_count],
            "application": {"id": str(self.application_id), "flags": self._application()["flags"]},
            "private_channels": [],
            "relationships": [],
            "user_settings": {},
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "auth": {},
        }
        await self._send_dispatch(session, "READY", ready)
        for guild_id in guild_ids:
            guild_data = self._guild_payload(self.guilds[guild_id], full=True)
            guild_data["unavailable"] = False
            await self._send_dispatch(session, "GUILD_CREATE", guild_data)
        self._notify()
        return session

    async def _resume(self, ws: web.WebSocketResponse, data: Any) -> GatewaySession | None:
        data = data if isinstance(data, dict) else {}
        session = next((s for s in self.sessions if s.session_id == data.get("session_id")), None)
        if session is None or session.invalidated or data.get("token") != self.token:
            await _send(ws, {"op": 9, "d": False, "s": None, "t": None})
            return None
        old = session.ws
        if old is not None and old is not ws and not old.closed:
            await self._close(old, 4000)
        async with session.lock:
            session.ws = ws
            session.resumes += 1
            since = int(data.get("seq") or 0)
            for seq, text in list(session.frames):
                if seq > since:
                    await ws.send_str(text)
        await self._send_dispatch(session, "RESUMED", {})
        self._notify()
        return session

    async def _members_chunk(self, session: GatewaySession, data: Any) -> None:
        data = data if isinstance(data, dict) else {}
        guild = self.guilds.get(int(data.get("guild_id") or 0))
        if guild is None or not session.intents & GUILD_MEMBERS:
            return
        members = list(guild.members.values())
        wanted = data.get("user_ids")
        if wanted:
            ids = {int(u) for u in (wanted if isinstance(wanted, list) else [wanted])}
            members = [m for m in members if m.user.id in ids]
        elif data.get("query"):
            members = [m for m in members if m.user.username.startswith(str(data["query"]))]
        chunks = [
            members[i : i + MEMBERS_PER_CHUNK] for i in range(0, len(members), MEMBERS_PER_CHUNK)
        ] or [[]]
        for index, chunk in enumerate(chunks):
            payload: JSON = {
                "guild_id": str(guild.id),
                "members": [m.payload() for m in chunk],
                "chunk_index": index,
                "chunk_count": len(chunks),
                "not_found": [],
            }
            if data.get("nonce") is not None:
                payload["nonce"] = data["nonce"]
            await self._send_dispatch(session, "GUILD_MEMBERS_CHUNK", payload)

    async def _send_dispatch(self, session: GatewaySession, event: str, data: JSON) -> float:
        """Send (or keep for a RESUME, if the bot is not connected) one dispatch; return when it
        went onto the socket."""
        async with session.lock:
            session.seq += 1
            text = json.dumps({"op": 0, "t": event, "s": session.seq, "d": data})
            session.frames.append((session.seq, text))
            sent = time.monotonic()
            if session.ws is not None and not session.ws.closed:
                with contextlib.suppress(ConnectionResetError, RuntimeError):
                    await session.ws.send_str(text)
            return sent

    def _shard_count(self) -> int:
        live = [s for s in self.sessions if not s.invalidated]
        return live[-1].shard_count if live else self.shard_count

    def _sessions_for(self, guild_id: int | None) -> list[GatewaySession]:
        count = self._shard_count()
        shard = 0 if guild_id is None else shard_of(guild_id, count)
        return [
            s
            for s in self.sessions
            if not s.invalidated and s.shard_id == shard and s.shard_count == count
        ]

    async def _connected_sessions(self, guild_id: int | None) -> list[GatewaySession]:
        def connected() -> list[GatewaySession] | None:
            found = self._sessions_for(guild_id)
            return found if any(s.ws is not None for s in found) else None

        try:
            return await self.wait_until(connected, self.dispatch_timeout)
        except TimeoutError:
            raise TimeoutError(
                f"no gateway connection for the shard of guild {guild_id} "
                f"after {self.dispatch_timeout} s"
            ) from None

    async def _broadcast(
        self, channel: FakeChannel | None, event: str, data: JSON, *, intent: int = 0
    ) -> None:
        """A dispatch the bot gets only if it is connected (its own echoes, thread creation)."""
        guild_id = channel.guild_id if channel else None
        for session in self._sessions_for(guild_id):
            if intent and not session.intents & intent:
                continue
            if event.startswith("MESSAGE_"):
                shown = self._visible(data, session, channel)
                if shown is None:
                    continue
                data = shown
            await self._send_dispatch(session, event, data)

    def _visible(
        self, message: JSON, session: GatewaySession, channel: FakeChannel | None
    ) -> JSON | None:
        """The message as this session sees it: not at all without GUILD_MESSAGES (or
        DIRECT_MESSAGES), and without its content in a server unless the session has
        MESSAGE_CONTENT, the bot wrote it or it mentions the bot (Discord's exemptions)."""
        in_guild = channel is not None and channel.guild_id is not None
        if not session.intents & (GUILD_MESSAGES if in_guild else DIRECT_MESSAGES):
            return None
        mentioned = any(u.get("id") == str(self.bot.id) for u in message.get("mentions", []))
        own = message.get("author", {}).get("id") == str(self.bot.id)
        if not in_guild or session.intents & MESSAGE_CONTENT or own or mentioned:
            return message
        return {**message, "content": "", "embeds": [], "attachments": [], "components": []}

    # --- dispatching to the bot ----------------------------------------------------------------
    async def dispatch(
        self, event: str, data: JSON, *, guild: FakeGuild | int | None = None
    ) -> None:
        """Send any dispatch to the shard of ``guild`` (shard 0 without one)."""
        guild_id = None if guild is None else self.guild(guild).id
        for session in await self._connected_sessions(guild_id):
            await self._send_dispatch(session, event, data)

    async def join_guild(self, guild: FakeGuild) -> None:
        """The bot is added to a server: GUILD_CREATE without ``unavailable`` (on_guild_join)."""
        guild.joined = True
        for session in await self._connected_sessions(guild.id):
            session.guild_ids.append(guild.id)
            await self._send_dispatch(
                session, "GUILD_CREATE", self._guild_payload(guild, full=True)
            )

    async def leave_guild(self, guild: FakeGuild) -> None:
        """The bot is removed from a server: GUILD_DELETE (on_guild_remove)."""
        sessions = await self._connected_sessions(guild.id)
        guild.joined = False
        for session in sessions:
            if guild.id in session.guild_ids:
                session.guild_ids.remove(guild.id)
            await self._send_dispatch(session, "GUILD_DELETE", {"id": str(guild.id)})

    async def close_gateway(self, shard_id: int = 0, code: int = 4000) -> None:
        """Drop the bot's connection on a shard (4000: it may RESUME)."""
        for session in self.sessions:
            if session.shard_id == shard_id and session.ws is not None and not session.ws.closed:
                await self._close(session.ws, code)

    async def send_reconnect(self, shard_id: int = 0) -> None:
        """Op 7: Discord asks the bot to reconnect and RESUME."""
        for session in self.sessions:
            if session.shard_id == shard_id and session.ws is not None:
                await _send(session.ws, {"op": 7, "d": None, "s": None, "t": None})

    async def invalidate_session(self, shard_id: int = 0, *, resumable: bool = False) -> None:
        """Op 9: the session is gone (the bot IDENTIFYs again, after discord.py's 5 s wait)."""
        for session in self.sessions:
            if session.shard_id == shard_id and session.ws is not None and not session.invalidated:
                session.invalidated = not resumable
                await _send(session.ws, {"op": 9, "d": resumable, "s": None, "t": None})

    def _guild_payload(self, guild: FakeGuild, *, full: bool) -> JSON:
        text = [c for c in guild.channels if c.type == GUILD_TEXT]
        data: JSON = {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "icon_hash": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "widget_enabled": False,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": [r.payload() for r in guild.roles],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": str(text[0].id) if text else None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_members": 500_000,
            "max_presences": None,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "nsfw_level": 0,
            "nsfw": False,
            "premium_progress_bar_enabled": False,
            "incidents_data": None,
        }
        if not full:
            return data
        large = len(guild.members) > LARGE_THRESHOLD
        # A large server comes with the bot only; the rest are asked for (op 8) when needed.
        members = [guild.members[self.bot.id]] if large else list(guild.members.values())
        data.update(
            {
                "joined_at": guild.joined_at,
                "large": large,
                "member_count": len(guild.members),
                "voice_states": [],
                "members": [m.payload() for m in members],
                "channels": [
                    {k: v for k, v in self._channel_payload(c).items() if k != "guild_id"}
                    for c in guild.channels
                    if not c.is_thread
                ],
                "threads": [
                    self._channel_payload(c)
                    for c in guild.channels
                    if c.is_thread and not c.archived
                ],
                "presences": [],
                "stage_instances": [],
                "guild_scheduled_events": [],
                "soundboard_sounds": [],
                "lazy": True,
            }
        )
        return data

    def _interaction(
        self,
        kind: int,
        user: FakeUser | int,
        guild: FakeGuild | int | None,
        channel: FakeChannel | int | None,
        *,
        member_permissions: int | None = None,
        locale: str = "en-US",
    ) -> SentInteraction:
        person = self.user(user)
        interaction_id = self.ids.next()
        token = f"aW50ZXJhY3Rpb246{interaction_id}:{secrets.token_urlsafe(48)}"
        payload: JSON = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "token": token,
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if guild is not None:
            server = self.guild(guild)
            place = self.channel(channel) if channel is not None else server.channel()
            member = server.members.get(person.id)
            if member is None:
                raise LookupError(
                    f"{person.username} is not a member of {server.name}: add_member first"
                )
            permissions = (
                server.permissions(person.id) if member_permissions is None else member_permissions
            )
            payload.update(
                {
                    "guild_id": str(server.id),
                    "guild": {"id": str(server.id), "locale": "en-US", "features": []},
                    "guild_locale": "en-US",
                    "channel_id": str(place.id),
                    "channel": {**self._channel_payload(place), "permissions": str(permissions)},
                    "member": {**member.payload(), "permissions": str(permissions)},
                    "app_permissions": str(self._bot_permissions(place)),
                    "authorizing_integration_owners": {"0": str(server.id)},
                    "context": 0,
                }
            )
            guild_id: int | None = server.id
        else:
            place = self.channel(channel) if channel is not None else self.dm_channel(person)
            payload.update(
                {
                    "channel_id": str(place.id),
                    "channel": self._channel_payload(place),
                    "user": person.payload(),
                    "app_permissions": str(self._bot_permissions(place)),
                    # A server install used in the bot's DM: the owner id is "0".
                    "authorizing_integration_owners": {"0": "0"},
                    "context": 1,
                }
            )
            guild_id = None
        record = SentInteraction(interaction_id, token, kind, payload, person, guild_id, place.id)
        self.interactions[interaction_id] = record
        self._interactions_by_token[token] = record
        return record

    async def _send_interaction(self, record: SentInteraction) -> SentInteraction:
        sessions = await self._connected_sessions(record.guild_id)
        times = [
            await self._send_dispatch(s, "INTERACTION_CREATE", record.payload) for s in sessions
        ]
        record.sent_at = min(times)
        self._notify()
        return record

    async def redeliver(self, interaction: SentInteraction | int) -> None:
        """Send the same INTERACTION_CREATE again (a replay after a RESUME, or a second
        process): the deadline still counts from the first delivery."""
        record = self.interaction(interaction)
        for session in await self._connected_sessions(record.guild_id):
            await self._send_dispatch(session, "INTERACTION_CREATE", record.payload)

    def _command_options(
        self,
        definition: list[JSON] | None,
        options: Mapping[str, Any],
        focused: str | None,
        resolved: JSON,
        guild: FakeGuild | None,
    ) -> list[JSON]:
        declared = {o["name"]: o for o in definition or []}
        out = []
        for name, value in options.items():
            option = declared.get(name)
            if definition is not None and option is None:
                raise ValueError(
                    f"option {name!r} is not in the synced command ({sorted(declared)})"
                )
            kind = option["type"] if option else _option_type(value)
            choices = [c["value"] for c in option.get("choices") or []] if option else []
            if choices and name != focused and value not in choices:
                raise ValueError(
                    f"{value!r} is not a choice of {name!r}: Discord would not send it"
                )
            item: JSON = {"type": kind, "name": name, "value": _option_value(value)}
            if name == focused:
                item["value"] = str(value)
                item["focused"] = True
            out.append(item)
            self._resolve(value, resolved, guild)
        return out

    def _resolve(self, value: Any, resolved: JSON, guild: FakeGuild | None) -> None:
        if isinstance(value, FakeUser):
            resolved.setdefault("users", {})[str(value.id)] = value.payload()
            member = guild.members.get(value.id) if guild else None
            if member is not None and guild is not None:
                resolved.setdefault("members", {})[str(value.id)] = {
                    **member.payload(with_user=False),
                    "permissions": str(guild.permissions(value.id)),
                }
        elif isinstance(value, FakeChannel):
            resolved.setdefault("channels", {})[str(value.id)] = {
                **self._channel_payload(value),
                "permissions": str(ALL_PERMISSIONS),
            }
        elif isinstance(value, FakeRole):
            resolved.setdefault("roles", {})[str(value.id)] = value.payload()

    def _command_data(
        self,
        name: str,
        subcommand: str | None,
        group: str | None,
        options: Mapping[str, Any],
        focused: str | None,
        guild: FakeGuild | None,
        context: int,
    ) -> JSON:
        synced = self.find_command(name, guild)
        if (
            synced is not None
            and synced.get("contexts") is not None
            and context not in synced["contexts"]
        ):
            raise ValueError(
                f"/{name} is synced for contexts {synced['contexts']}: "
                f"Discord would not offer it in context {context}"
            )
        definition: list[JSON] | None = synced.get("options", []) if synced is not None else None
        for level in (group, subcommand):
            if level is None:
                continue
            if definition is not None:
                found = next((o for o in definition if o["name"] == level), None)
                if found is None:
                    raise ValueError(
                        f"/{name} has no subcommand {level!r} ({[o['name'] for o in definition]})"
                    )
                definition = found.get("options", [])
        resolved: JSON = {}
        values = self._command_options(definition, options, focused, resolved, guild)
        top: list[JSON] = values
        if subcommand is not None:
            top = [{"type": 1, "name": subcommand, "options": values}]
            if group is not None:
                top = [{"type": 2, "name": group, "options": top}]
        data: JSON = {
            "id": synced["id"] if synced is not None else str(self.ids.next()),
            "name": name,
            "type": 1,
            "options": top,
        }
        if synced is not None and synced.get("guild_id"):
            data["guild_id"] = synced["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return data

    async def slash_command(
        self,
        user: FakeUser | int,
        *,
        guild: FakeGuild | int | None = None,
        channel: FakeChannel | int | None = None,
        name: str = "drill",
        subcommand: str | None = None,
        group: str | None = None,
        options: Mapping[str, Any] | None = None,
        member_permissions: int | None = None,
        locale: str = "en-US",
    ) -> SentInteraction:
        """``/name [group] [subcommand] option:value...`` from ``user``: in ``guild`` (its
        first text channel unless ``channel``), or in a DM with the bot without a guild. Option
        types come from the synced command (``str`` 3, ``int`` 4, ``bool`` 5, ``FakeUser`` 6,
        ``FakeChannel`` 7, ``FakeRole`` 8, ``float`` 10 when nothing was synced)."""
        record = self._interaction(
            2, user, guild, channel, member_permissions=member_permissions, locale=locale
        )
        server = self.guild(guild) if guild is not None else None
        record.payload["data"] = self._command_data(
            name, subcommand, group, options or {}, None, server, record.payload["context"]
        )
        return await self._send_interaction(record)

    async def autocomplete(
        self,
        user: FakeUser | int,
        *,
        focused: str,
        guild: FakeGuild | int | None = None,
        channel: FakeChannel | int | None = None,
        name: str = "drill",
        subcommand: str | None = None,
        group: str | None = None,
        options: Mapping[str, Any] | None = None,
        member_permissions: int | None = None,
    ) -> SentInteraction:
        """What Discord sends while someone types: the options so far, ``focused`` holding the
        partial text (``options[focused]``, "" if absent)."""
        record = self._interaction(4, user, guild, channel, member_permissions=member_permissions)
        server = self.guild(guild) if guild is not None else None
        values = dict(options or {})
        values.setdefault(focused, "")
        record.payload["data"] = self._command_data(
            name, subcommand, group, values, focused, server, record.payload["context"]
        )
        return await self._send_interaction(record)

    async def button_click(
        self,
        message_id: int | str,
        custom_id: str,
        user: FakeUser | int,
        *,
        values: Sequence[str] | None = None,
        member_permissions: int | None = None,
    ) -> SentInteraction:
        """A click on a button (or a choice in a select menu, with ``values``) of a message the
        fake holds (posted before a restart is fine: the fake outlives the bot)."""
        stored = self._messages.get(int(message_id))
        if stored is None:
            raise LookupError(f"no message {message_id}")
        component = _find_component(stored.data.get("components") or [], custom_id)
        if component is None:
            raise ValueError(
                f"message {message_id} has no component {custom_id!r}: "
                "Discord would not send the click"
            )
        if component.get("disabled"):
            raise ValueError(f"{custom_id!r} is disabled: nobody can click it")
        channel = self.channels[stored.channel_id]
        record = self._interaction(
            3, user, channel.guild_id, channel, member_permissions=member_permissions
        )
        record.payload["message"] = (
            self._gateway_message(stored.data, channel) if not stored.ephemeral else stored.data
        )
        data: JSON = {"custom_id": custom_id, "component_type": component["type"]}
        if component["type"] != 2:
            data["values"] = list(values or [])
        record.payload["data"] = data
        return await self._send_interaction(record)

    async def modal_submit(
        self,
        modal: SentInteraction | str,
        values: Mapping[str, str],
        user: FakeUser | int | None = None,
        *,
        guild: FakeGuild | int | None = None,
        channel: FakeChannel | int | None = None,
        message_id: int | str | None = None,
    ) -> SentInteraction:
        """Submitting a modal: ``modal`` is the interaction the bot answered with it (user,
        place and message come from there), or a modal ``custom_id`` (then say who and where).
        ``values`` maps each text input's ``custom_id`` to what was typed."""
        opener = modal if isinstance(modal, SentInteraction) else None
        shape: JSON | None = opener.modal if opener else self._last_modal(str(modal))
        if opener is not None and shape is None:
            raise ValueError("that interaction was not answered with a modal")
        custom_id = shape["custom_id"] if shape else str(modal)
        person = self.user(user) if user is not None else opener.user if opener else None
        if person is None:
            raise ValueError("say who submits the modal")
        if opener is not None:
            guild = opener.guild_id
            channel = opener.channel_id
            source = opener.payload.get("message")
        else:
            source = self._messages[int(message_id)].data if message_id is not None else None
        record = self._interaction(5, person, guild, channel)
        if source is not None:
            record.payload["message"] = source
        record.payload["data"] = {
            "custom_id": custom_id,
            "components": _modal_answers(shape, values),
        }
        return await self._send_interaction(record)

    def _last_modal(self, custom_id: str) -> JSON | None:
        for record in reversed(list(self.interactions.values())):
            if record.modal is not None and record.modal.get("custom_id") == custom_id:
                return record.modal
        return None

    async def message_create(
        self,
        author: FakeUser | int,
        content: str,
        *,
        channel: FakeChannel | int | None = None,
        reply_to: int | str | None = None,
    ) -> JSON:
        """Someone writes a message: in ``channel`` (a server channel or a thread), or in their
        DM with the bot without one. It is stored, and sent to the bot as it would see it (no
        content in a server without the Message Content intent, unless it mentions the bot)."""
        person = self.user(author)
        place = self.channel(channel) if channel is not None else self.dm_channel(person)
        if place.guild_id is not None and person.id not in self.guilds[place.guild_id].members:
            raise LookupError(f"{person.username} is not a member of that server: add_member first")
        stored = self._new_message(
            place, {"content": content}, author=person, kind=19 if reply_to else 0
        )
        data = stored.data
        mentioned = [int(m) for m in re.findall(r"<@!?(\d+)>", content)]
        data["mentions"] = [self.users[m].payload() for m in mentioned if m in self.users]
        data["mention_everyone"] = "@everyone" in content or "@here" in content
        if reply_to is not None:
            referenced = self._messages[int(reply_to)]
            data["message_reference"] = {
                "type": 0,
                "channel_id": str(place.id),
                "message_id": referenced.data["id"],
            }
            data["referenced_message"] = referenced.data
        event = self._gateway_message(data, place)
        for session in await self._connected_sessions(place.guild_id):
            shown = self._visible(event, session, place)
            if shown is not None:
                await self._send_dispatch(session, "MESSAGE_CREATE", shown)
        self._notify()
        return data


# --- helpers --------------------------------------------------------------------------------------
async def _send(ws: web.WebSocketResponse, payload: JSON) -> None:
    with contextlib.suppress(ConnectionResetError, RuntimeError):
        await ws.send_str(json.dumps(payload))


def _bucket_hash(route: str) -> str:
    return f"fake{abs(hash(route)) % 10**12:012d}"


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _embed_out(embed: Any) -> JSON:
    """An embed as Discord returns it: no nulls, ``type`` rich, fields ``inline`` false."""
    out: JSON = _without_nulls(embed) if isinstance(embed, dict) else {}
    out.pop("flags", None)
    out.setdefault("type", "rich")
    for item in out.get("fields") or []:
        item.setdefault("inline", False)
    return out


def _components_out(components: list[Any]) -> list[JSON]:
    """Components as Discord returns them: no nulls, and every one numbered (``id``)."""
    counter = itertools.count(1)

    def number(node: Any) -> Any:
        if isinstance(node, dict):
            out = {k: number(v) for k, v in node.items() if v is not None}
            if "type" in out:
                out.setdefault("id", next(counter))
            return out
        if isinstance(node, list):
            return [number(item) for item in node]
        return node

    return [number(c) for c in components]


def _find_component(components: list[JSON], custom_id: str) -> JSON | None:
    for path, found in _custom_ids(components, ()):
        if found == custom_id:
            node: Any = components
            for part in path[:-1]:
                node = node[part]
            result: JSON = node
            return result
    return None


def _option_type(value: Any) -> int:
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    if isinstance(value, float):
        return 10
    if isinstance(value, FakeUser):
        return 6
    if isinstance(value, FakeChannel):
        return 7
    if isinstance(value, FakeRole):
        return 8
    return 3


def _option_value(value: Any) -> Any:
    if isinstance(value, FakeUser | FakeChannel | FakeRole):
        return str(value.id)
    return value


def _modal_answers(shape: JSON | None, values: Mapping[str, str]) -> list[JSON]:
    """A modal submit's ``components``, laid out like the modal that was shown (rows of text
    inputs, or labels), checked the way the Discord client checks before it lets one submit."""
    counter = itertools.count(1)
    if shape is None:
        return [
            {
                "type": 1,
                "id": next(counter),
                "components": [{"type": 4, "id": next(counter), "custom_id": k, "value": v}],
            }
            for k, v in values.items()
        ]
    inputs: dict[str, JSON] = {}
    out: list[JSON] = []
    for top in shape.get("components") or []:
        if top.get("type") == 1:
            row_id = next(counter)
            items = []
            for item in top.get("components") or []:
                inputs[item["custom_id"]] = item
                items.append(
                    {
                        "type": 4,
                        "id": next(counter),
                        "custom_id": item["custom_id"],
                        "value": values.get(item["custom_id"], ""),
                    }
                )
            out.append({"type": 1, "id": row_id, "components": items})
        elif top.get("type") == 18:
            label_id = next(counter)
            item = top.get("component") or {}
            inputs[item.get("custom_id", "")] = item
            out.append(
                {
                    "type": 18,
                    "id": label_id,
                    "component": {
                        "type": 4,
                        "id": next(counter),
                        "custom_id": item.get("custom_id"),
                        "value": values.get(item.get("custom_id", ""), ""),
                    },
                }
            )
        elif top.get("type") == 10:
            out.append({"type": 10, "id": next(counter)})
    unknown = set(values) - set(inputs)
    if unknown:
        raise ValueError(f"the modal has no inputs {sorted(unknown)} (it has {sorted(inputs)})")
    for custom_id, item in inputs.items():
        typed = values.get(custom_id, "")
        if item.get("required", True) and not typed:
            raise ValueError(f"{custom_id!r} is required: the Discord client would not submit")
        if typed and len(typed) > int(item.get("max_length") or MAX_INPUT_LENGTH):
            raise ValueError(f"{custom_id!r} takes at most {item.get('max_length')} characters")
        if typed and len(typed) < int(item.get("min_length") or 0):
            raise ValueError(f"{custom_id!r} takes at least {item.get('min_length')} characters")
    return out


def _callback_problems(body: Any) -> list[Problem]:
    if not isinstance(body, dict):
        return []
    kind = body.get("type")
    data = body.get("data")
    if kind == 4:
        return [
            Problem(("data", *p.path), p.message, p.code)
            for p in message_problems(data or {}, creating=True)
        ]
    if kind == 7 and isinstance(data, dict):
        return [
            Problem(("data", *p.path), p.message, p.code)
            for p in message_problems(data, creating=False)
        ]
    if kind == 8:
        return autocomplete_problems(data)
    if kind == 9:
        return modal_problems(data)
    if kind in (1, 10, 12):
        return [Problem(("type",), f"callback type {kind} is not for a gateway bot")]
    return []


@contextlib.contextmanager
def point_discord_py_at(fake: FakeDiscord) -> Iterator[None]:
    """discord.py's REST base and gateway address point at the fake while inside (what
    ``DISCORD_API_URL`` and ``DISCORD_GATEWAY_URL`` do for the bot)."""
    route = discord.http.Route
    socket = discord.gateway.DiscordWebSocket
    old_base, old_gateway = route.BASE, socket.DEFAULT_GATEWAY
    route.BASE = fake.api_url
    socket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield
    finally:
        route.BASE = old_base
        socket.DEFAULT_GATEWAY = old_gateway


@contextlib.asynccontextmanager
async def running_fake(**options: Any) -> AsyncIterator[FakeDiscord]:
    """A started fake with discord.py pointed at it."""
    async with FakeDiscord(**options) as fake:
        with point_discord_py_at(fake):
            yield fake
