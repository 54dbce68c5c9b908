"""A local fake of the Slack Web API (and of response_url and Socket Mode), for tests.

It runs on 127.0.0.1 on a free port and records every call. Each call is checked against
Slack's own OpenAPI description (the trimmed copy in ``tests/specs/slack/``: parameter names and
required fields) and against the Block Kit limits Slack enforces (50 blocks in a
message, 100 in a view, section text 3,000, modal title 24, plain_text_input max_length up to
3,000, ``text`` beside ``blocks``); anything wrong is kept in ``violations`` and answered
``ok: false``. Answers have the key sets of ``response-shapes/*.json`` with ``ok: true``.
Failures are injected per method: HTTP 429 with Retry-After, 5xx, or a Slack error code.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import itertools
import json
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

REPO = Path(__file__).resolve().parents[3]
SPECS = REPO / "tests" / "specs" / "slack"
"""Trimmed copies of Slack's specs, kept in the repository so a clone anywhere runs the tests
(its README says where each file came from and how it was cut down)."""

JSON = dict[str, Any]

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_TITLE = 24
MAX_INPUT_LENGTH = 3000
MAX_METADATA = 3000
UNESCAPED = re.compile(r"<[!@#]|<https?:|<mailto:")
"""Markup the bot never means to send: a mention, a broadcast, a channel link, a link."""


@cache
def openapi() -> JSON:
    spec: JSON = json.loads((SPECS / "slack_web_openapi_v2_subset.json").read_text())
    return spec


@cache
def spec_parameters(method: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """(every parameter name, the required ones) of a method, token excluded; None if Slack's
    2021 spec does not describe it (the copy lists those in ``x-drillbot-not-in-source``)."""
    path = openapi()["paths"].get(f"/{method}")
    if path is None:
        if method in openapi()["x-drillbot-not-in-source"]:
            return None
        # The copy holds only the methods drillbot calls: a new one must be copied in, or its
        # calls would go unchecked without anyone noticing.
        raise LookupError(
            f"{method} is not in {SPECS / 'slack_web_openapi_v2_subset.json'}: copy its "
            "parameters from Slack's spec (see the README there)"
        )
    names: set[str] = set()
    required: set[str] = set()
    for operation in path.values():
        for parameter in operation.get("parameters", []):
            if parameter["name"] == "token":
                continue
            names.add(parameter["name"])
            if parameter.get("required"):
                required.add(parameter["name"])
    return frozenset(names), frozenset(required)


def _trim(value: Any, depth: int = 0) -> Any:
    """A response shape's keys, without the megabytes of sample blocks inside them."""
    if isinstance(value, dict):
        if depth >= 2:
            return {k: v for k, v in value.items() if not isinstance(v, dict | list)}
        return {k: _trim(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return []
    return value


@cache
def response_shape(method: str) -> JSON:
    path = SPECS / "response-shapes" / f"{method}.json"
    if not path.exists():
        return {"ok": True}
    shape: JSON = _trim(json.loads(path.read_text()))
    for key in ("error", "warning", "needed", "provided", "deprecated_argument", "errors"):
        shape.pop(key, None)
    shape["ok"] = True
    return shape


def answer(method: str, **values: Any) -> JSON:
    body = copy.deepcopy(response_shape(method))
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(body.get(key), dict):
            body[key].update(value)
        else:
            body[key] = value
    return body


@dataclass
class Call:
    method: str
    params: JSON
    token: str | None
    status: int = 200
    response: JSON = field(default_factory=dict)
    at: float = field(default_factory=time.time)
    """When the call arrived (seconds since the epoch)."""

    def __getitem__(self, key: str) -> Any:
        return self.params[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)


@dataclass
class Failure:
    status: int = 200
    error: str = ""
    retry_after: int = 0
    times: int = 1


@dataclass
class Workspace:
    team_id: str
    bot_token: str
    bot_user_id: str = "UBOT"
    bot_id: str = "BBOT"
    name: str = "Test team"


@dataclass
class Person:
    id: str
    name: str
    display_name: str = ""
    is_admin: bool = False
    is_owner: bool = False


@dataclass
class Upload:
    """A file the app uploads (files.uploadV2): reserved by files.getUploadURLExternal, its
    bytes POSTed to the upload URL, shared by files.completeUploadExternal."""

    id: str
    filename: str
    length: int
    alt_txt: str = ""
    data: bytes | None = None
    title: str = ""
    channel: str = ""
    thread_ts: str = ""
    initial_comment: str = ""
    completed: bool = False


UPLOAD_PARAMETERS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "files.getUploadURLExternal": (
        frozenset({"filename", "length", "alt_txt", "snippet_type"}),
        frozenset({"filename", "length"}),
    ),
    "files.completeUploadExternal": (
        frozenset({"files", "channel_id", "channels", "initial_comment", "thread_ts"}),
        frozenset({"files"}),
    ),
}
"""(every parameter, the required ones) of the upload methods, which came after the 2021
spec, as https://docs.slack.dev/reference/methods/files.getUploadURLExternal and
https://docs.slack.dev/reference/methods/files.completeUploadExternal list them."""


@dataclass
class Hold:
    """Calls of ``method`` (whose params ``match``) wait here until released: before the message
    is kept (``landed`` False: the post never happened) or after (``landed`` True: Slack has it,
    the answer is late). ``reached`` is set when one is waiting."""

    method: str
    landed: bool
    match: Callable[[JSON], bool] = lambda params: True
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)
    limit: float = 60.0
    """Seconds a held call waits at most (the client may be dead by then)."""
    rate_limit: int = 0
    """Instead of holding: answer HTTP 429 with this Retry-After (seconds), once."""


@dataclass
class FakeSlack:
    workspaces: list[Workspace] = field(default_factory=list)
    people: dict[str, Person] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    responses: list[Call] = field(default_factory=list)
    """What arrived at response_url endpoints (method "response_url")."""
    violations: list[str] = field(default_factory=list)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    oauth_codes: dict[str, Workspace] = field(default_factory=dict)
    messages: dict[str, list[JSON]] = field(default_factory=dict)
    """What is in each conversation: every message posted, thread replies included."""
    holds: list[Hold] = field(default_factory=list)
    uploads: dict[str, Upload] = field(default_factory=dict)
    """Every file reserved, by id; ``files`` are those completed (shared in a conversation)."""
    latency: float = 0.0
    """Seconds every Web API call takes (a real Slack answers in 100-300 ms)."""
    per_channel_interval: float = 0.0
    """chat.postMessage to one channel more often than this (seconds) gets 429, as Slack's
    one message per second per channel does; 0 turns the check off."""
    chaos: float = 0.0
    """The share of chat.postMessage calls answered 429 (Retry-After 1) or 503 at random."""
    _last_post: dict[str, float] = field(default_factory=dict)
    _random: random.Random = field(default_factory=lambda: random.Random(7))
    app_token: str = "xapp-1-test"
    url: str = ""
    _runner: web.AppRunner | None = None
    _ts: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _socket: web.WebSocketResponse | None = None
    _socket_connected: asyncio.Event = field(default_factory=asyncio.Event)
    _socket_acks: dict[str, asyncio.Future[JSON]] = field(default_factory=dict)

    # --- lifecycle -----------------------------------------------------------------------
    async def start(self) -> FakeSlack:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{id}", self._response_url)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._websocket)
        app.router.add_get("/_recorded", self._recorded)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, name: str = "") -> str:
        return f"{self.url}/response/{name or next(self._ids)}"

    # --- configuring ---------------------------------------------------------------------
    def add_workspace(self, team_id: str, bot_token: str, **kw: Any) -> Workspace:
        workspace = Workspace(team_id, bot_token, **kw)
        self.workspaces.append(workspace)
        return workspace

    def add_person(self, user_id: str, name: str = "", **kw: Any) -> Person:
        person = Person(user_id, name or user_id.lower(), **kw)
        self.people[user_id] = person
        return person

    def fail(
        self, method: str, status: int = 200, error: str = "", retry_after: int = 0, times: int = 1
    ) -> None:
        """The next ``times`` calls of ``method`` fail (HTTP ``status``, or ``error``)."""
        self.failures.setdefault(method, []).append(Failure(status, error, retry_after, times))

    def hold(
        self,
        method: str,
        *,
        landed: bool,
        match: Callable[[JSON], bool] | None = None,
        limit: float = 60.0,
        rate_limit: int = 0,
    ) -> Hold:
        """Hold the next matching call of ``method`` (see ``Hold``); ``released.set()`` ends
        it. With ``rate_limit`` the call is answered 429 instead."""
        hold = Hold(
            method, landed, match or (lambda params: True), limit=limit, rate_limit=rate_limit
        )
        self.holds.append(hold)
        return hold

    def keyed(self, key: str) -> list[JSON]:
        """Messages in any conversation stamped with drillbot's delivery ``key``."""
        return [m for ms in self.messages.values() for m in ms if message_key(m) == key]

    def keyed_prefix(self, prefix: str) -> list[JSON]:
        return [
            m
            for ms in self.messages.values()
            for m in ms
            if (message_key(m) or "").startswith(prefix)
        ]

    # --- reading what happened -----------------------------------------------------------
    def of(self, method: str, ok: bool | None = True) -> list[Call]:
        return [
            c for c in self.calls if c.method == method and (ok is None or (c.status == 200) == ok)
        ]

    def posts(self, channel: str | None = None, thread: bool | None = None) -> list[Call]:
        return [
            c
            for c in self.of("chat.postMessage")
            if (channel is None or c["channel"] == channel)
            and (thread is None or bool(c.get("thread_ts")) == thread)
        ]

    @property
    def files(self) -> list[Upload]:
        """Files shared in a conversation, in the order their uploads completed."""
        return [u for u in self.uploads.values() if u.completed]

    def texts(self) -> str:
        """Every text the app sent anywhere, for assertions on what people would read."""
        return "\n".join(
            json.dumps(c.params, ensure_ascii=False) for c in [*self.calls, *self.responses]
        )

    def clear(self) -> None:
        self.calls.clear()
        self.responses.clear()

    # --- the Web API ---------------------------------------------------------------------
    async def _params(self, request: web.Request) -> JSON:
        params: JSON = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            raw = await request.read()
            if request.content_type == "application/json":
                params.update(json.loads(raw or b"{}"))
            else:
                params.update(dict(parse_qsl(raw.decode(), keep_blank_values=True)))
        for key in ("blocks", "view", "attachments"):
            if isinstance(params.get(key), str):
                try:
                    params[key] = json.loads(params[key])
                except ValueError:
                    self.violations.append(f"{key} is not JSON")
        return params

    def _token(self, request: web.Request, params: JSON) -> str | None:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            return header[7:]
        token = params.pop("token", None)
        return str(token) if token else None

    def _workspace(self, token: str | None) -> Workspace | None:
        return next((w for w in self.workspaces if w.bot_token == token), None)

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        token = self._token(request, params)
        call = Call(method, params, token)
        self.calls.append(call)
        if self.latency:
            await asyncio.sleep(self.latency)
        if method == "chat.postMessage":
            limited = self._rate_limited(str(params.get("channel")))
            if limited is not None:
                call.status = limited.status
                if limited.status == 429:
                    return web.json_response(
                        {"ok": False, "error": "ratelimited"},
                        status=429,
                        headers={"Retry-After": str(limited.retry_after)},
                    )
                return web.Response(status=limited.status, text="upstream trouble")
        failure = self._next_failure(method)
        if failure is not None:
            call.status = failure.status
            if failure.status == 429:
                return web.json_response(
                    {"ok": False, "error": "ratelimited"},
                    status=429,
                    headers={"Retry-After": str(failure.retry_after)},
                )
            if failure.status >= 500:
                return web.Response(status=failure.status, text="upstream trouble")
            call.status = 400  # counted as not ok
            return web.json_response({"ok": False, "error": failure.error})
        problems = self._check(method, params)
        if problems:
            self.violations += [f"{method}: {p}" for p in problems]
            call.status = 400
            return web.json_response({"ok": False, "error": "invalid_arguments"})
        hold = next((h for h in self.holds if h.method == method and h.match(params)), None)
        if hold is not None:
            self.holds.remove(hold)
            if hold.rate_limit:
                call.status = 429
                hold.reached.set()
                return web.json_response(
                    {"ok": False, "error": "ratelimited"},
                    status=429,
                    headers={"Retry-After": str(hold.rate_limit)},
                )
            if not hold.landed:
                # Released once the test is done with it; by then the client is gone, and the
                # message must not appear late as if it had been posted.
                await self._wait(hold)
                call.status = 503
                return web.Response(status=503, text="held and dropped")
            response = await self._handle(method, params, token, request, call)
            if hold.landed:
                await self._wait(hold)
            return response
        return await self._handle(method, params, token, request, call)

    @staticmethod
    async def _wait(hold: Hold) -> None:
        hold.reached.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(hold.released.wait(), hold.limit)

    def _rate_limited(self, channel: str) -> Failure | None:
        if self.chaos and self._random.random() < self.chaos:
            return Failure(status=self._random.choice((429, 503)), retry_after=1)
        if not self.per_channel_interval:
            return None
        now = time.monotonic()
        last = self._last_post.get(channel)
        if last is not None and now - last < self.per_channel_interval:
            return Failure(status=429, retry_after=1)
        self._last_post[channel] = now
        return None

    def _next_failure(self, method: str) -> Failure | None:
        queue = self.failures.get(method) or []
        if not queue:
            return None
        failure = queue[0]
        failure.times -= 1
        if failure.times <= 0:
            queue.pop(0)
        return failure

    def _check(self, method: str, params: JSON) -> list[str]:
        problems: list[str] = []
        described = spec_parameters(method)
        if described is not None:
            names, required = described
            unknown = set(params) - names - NEWER_PARAMETERS.get(method, frozenset())
            if unknown:
                problems.append(f"parameters not in the spec: {sorted(unknown)}")
            missing = {r for r in required if params.get(r) in (None, "")}
            if missing:
                problems.append(f"missing required parameters: {sorted(missing)}")
        if method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
            problems += check_message(params)
        if method == "chat.postMessage" and params.get("metadata") is not None:
            problems += check_metadata(params["metadata"])
        if method in ("views.open", "views.publish", "views.update", "views.push"):
            problems += check_view(params.get("view"))
        if method in UPLOAD_PARAMETERS:
            names, required = UPLOAD_PARAMETERS[method]
            unknown = set(params) - names
            if unknown:
                problems.append(f"parameters not in the docs: {sorted(unknown)}")
            missing = {r for r in required if params.get(r) in (None, "")}
            if missing:
                problems.append(f"missing required parameters: {sorted(missing)}")
        return problems

    async def _handle(
        self, method: str, params: JSON, token: str | None, request: web.Request, call: Call
    ) -> web.Response:
        workspace = self._workspace(token)
        needs_bot = method not in ("oauth.v2.access", "apps.connections.open")
        if needs_bot and workspace is None:
            call.status = 401
            return web.json_response({"ok": False, "error": "invalid_auth"})
        assert workspace is not None or not needs_bot
        if method == "auth.test":
            assert workspace is not None
            return self._ok(
                call,
                answer(
                    method,
                    team_id=workspace.team_id,
                    team=workspace.name,
                    user_id=workspace.bot_user_id,
                    bot_id=workspace.bot_id,
                    user="drillbot",
                    url=f"https://{workspace.team_id.lower()}.slack.com/",
                    enterprise_id=None,
                    is_enterprise_install=False,
                ),
            )
        if method in ("chat.postMessage", "chat.update"):
            ts = params.get("ts") or self._new_ts()
            message = {"text": params.get("text", ""), "ts": ts, "blocks": []}
            if method == "chat.postMessage":
                self._keep(params, ts)
            return self._ok(call, answer(method, channel=params["channel"], ts=ts, message=message))
        if method in ("conversations.history", "conversations.replies"):
            return self._ok(call, self._history(method, params))
        if method == "chat.postEphemeral":
            return self._ok(call, answer(method, message_ts=f"1700000000.{next(self._ts):06d}"))
        if method == "conversations.open":
            user = str(params.get("users") or "").split(",")[0]
            return self._ok(call, answer(method, channel={"id": f"D{user}", "user": user}))
        if method in ("views.open", "views.publish"):
            view = dict(params["view"])
            view.update({"id": f"V{next(self._ids):05d}", "hash": f"h{next(self._ids)}"})
            return self._ok(call, answer(method, view=view))
        if method == "users.info":
            person = self.people.get(str(params.get("user")))
            if person is None:
                call.status = 400
                return web.json_response({"ok": False, "error": "user_not_found"})
            assert workspace is not None
            found = {
                "id": person.id,
                "team_id": workspace.team_id,
                "name": person.name,
                "real_name": person.name.title(),
                "is_admin": person.is_admin,
                "is_owner": person.is_owner,
                "profile": {"display_name": person.display_name, "real_name": person.name.title()},
            }
            return self._ok(call, answer(method, user=found))
        if method == "oauth.v2.access":
            return self._oauth(request, params, call)
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ids):08d}"
            self.uploads[file_id] = Upload(
                file_id,
                str(params["filename"]),
                int(params["length"]),
                alt_txt=str(params.get("alt_txt") or ""),
            )
            return self._ok(
                call, {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}
            )
        if method == "files.completeUploadExternal":
            return self._complete_upload(params, call)
        if method == "apps.connections.open":
            if token != self.app_token:
                call.status = 401
                return web.json_response({"ok": False, "error": "invalid_auth"})
            return web.json_response({"ok": True, "url": f"ws{self.url[4:]}/socket"})
        return self._ok(call, answer(method))

    def _complete_upload(self, params: JSON, call: Call) -> web.Response:
        try:
            files = json.loads(str(params["files"]))
        except ValueError:
            files = None
        if not isinstance(files, list) or not files:
            self.violations.append("files.completeUploadExternal: files is not a JSON list")
            call.status = 400
            return web.json_response({"ok": False, "error": "invalid_arguments"})
        done: list[JSON] = []
        for item in files:
            upload = self.uploads.get(str(item.get("id"))) if isinstance(item, dict) else None
            if upload is None or upload.data is None:
                call.status = 400
                return web.json_response({"ok": False, "error": "file_not_found"})
            if len(upload.data) != upload.length:
                self.violations.append(
                    f"file {upload.id}: {len(upload.data)} bytes, announced {upload.length}"
                )
            upload.title = str(item.get("title") or "")
            upload.channel = str(params.get("channel_id") or params.get("channels") or "")
            upload.thread_ts = str(params.get("thread_ts") or "")
            upload.initial_comment = str(params.get("initial_comment") or "")
            upload.completed = True
            done.append({"id": upload.id, "title": upload.title, "name": upload.filename})
        return self._ok(call, {"ok": True, "files": done})

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL files.getUploadURLExternal hands out: the file's bytes, POSTed."""
        file_id = request.match_info["file_id"]
        data = await request.read()
        call = Call("upload", {"file_id": file_id, "length": len(data)}, None)
        self.calls.append(call)
        failure = self._next_failure("upload")
        if failure is not None:
            call.status = failure.status if failure.status != 200 else 400
            return web.Response(status=call.status, text="upload failed")
        upload = self.uploads.get(file_id)
        if upload is None:
            call.status = 404
            return web.Response(status=404, text="no such upload")
        upload.data = data
        return web.Response(text=f"OK - {len(data)}")

    def _new_ts(self) -> str:
        # Real time, as Slack's are: a client asks for messages since an instant.
        return f"{time.time():.0f}.{next(self._ts):06d}"

    def _keep(self, params: JSON, ts: str) -> None:
        kept: JSON = {"type": "message", "ts": ts, "text": params.get("text", ""), "bot_id": "B1"}
        if params.get("thread_ts"):
            kept["thread_ts"] = params["thread_ts"]
        metadata = params.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        if metadata:
            kept["metadata"] = metadata
        self.messages.setdefault(str(params["channel"]), []).append(kept)

    def _history(self, method: str, params: JSON) -> JSON:
        """A conversation's top-level messages (history) or a thread (replies), newest first
        for history and oldest first for replies, as Slack pages them; metadata only with
        ``include_all_metadata``."""
        conversation = self.messages.get(str(params["channel"]), [])
        oldest = float(params.get("oldest") or 0)
        if method == "conversations.history":
            found = [m for m in conversation if not m.get("thread_ts") or m["thread_ts"] == m["ts"]]
            found = list(reversed(found))
        else:
            parent = str(params["ts"])
            found = [m for m in conversation if m["ts"] == parent or m.get("thread_ts") == parent]
        found = [m for m in found if float(m["ts"]) >= oldest]
        limit = int(params.get("limit") or 100)
        start = int(params.get("cursor") or 0)
        page = found[start : start + limit]
        with_metadata = str(params.get("include_all_metadata")).lower() in ("true", "1")
        shown = [
            m if with_metadata else {k: v for k, v in m.items() if k != "metadata"} for m in page
        ]
        more = start + limit < len(found)
        return {
            "ok": True,
            "messages": copy.deepcopy(shown),
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    @staticmethod
    def _ok(call: Call, body: JSON) -> web.Response:
        call.response = body
        return web.json_response(body)

    def _oauth(self, request: web.Request, params: JSON, call: Call) -> web.Response:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Basic ") or ":" not in base64.b64decode(auth[6:]).decode():
            call.status = 401
            return web.json_response({"ok": False, "error": "invalid_client_id"})
        workspace = self.oauth_codes.pop(str(params.get("code")), None)
        if workspace is None:
            call.status = 400
            return web.json_response({"ok": False, "error": "invalid_code"})
        self.workspaces.append(workspace)
        return web.json_response(
            {
                "ok": True,
                "app_id": "A0DRILL",
                "authed_user": {"id": "UINSTALLER"},
                "scope": "chat:write,commands,users:read",
                "token_type": "bot",
                "access_token": workspace.bot_token,
                "bot_user_id": workspace.bot_user_id,
                "team": {"id": workspace.team_id, "name": workspace.name},
                "enterprise": None,
                "is_enterprise_install": False,
            }
        )

    async def _recorded(self, request: web.Request) -> web.Response:
        """What was recorded, for a test whose app runs in another process."""
        return web.json_response(
            {
                "calls": [c.method for c in self.calls],
                "responses": [c.params for c in self.responses],
                "violations": self.violations,
            }
        )

    # --- response_url --------------------------------------------------------------------
    async def _response_url(self, request: web.Request) -> web.Response:
        body: JSON = await request.json()
        call = Call("response_url", body, None)
        call.params["_url"] = str(request.url)
        self.responses.append(call)
        failure = self._next_failure("response_url")
        if failure is not None:
            call.status = failure.status
            return web.Response(status=failure.status, text="no")
        problems = check_message(body)
        if problems:
            self.violations += [f"response_url: {p}" for p in problems]
            call.status = 400
            return web.Response(status=400, text="invalid_blocks")
        return web.Response(text="ok")

    def responses_to(self, name: str) -> list[Call]:
        return [c for c in self.responses if c.params["_url"].endswith(f"/response/{name}")]

    # --- Socket Mode ---------------------------------------------------------------------
    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._socket = ws
        await ws.send_json({"type": "hello", "num_connections": 1})
        self._socket_connected.set()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                data = json.loads(message.data)
                waiter = self._socket_acks.pop(str(data.get("envelope_id")), None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(data)
        return ws

    async def socket_send(
        self, kind: str, payload: JSON, retry_attempt: int = 0, timeout: float = 5.0
    ) -> JSON:
        """Send an envelope over the Socket Mode connection; return the app's acknowledgement."""
        await asyncio.wait_for(self._socket_connected.wait(), timeout)
        assert self._socket is not None
        envelope_id = f"env-{next(self._ids)}"
        waiter: asyncio.Future[JSON] = asyncio.get_running_loop().create_future()
        self._socket_acks[envelope_id] = waiter
        await self._socket.send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
                "retry_attempt": retry_attempt,
                "retry_reason": "timeout" if retry_attempt else "",
            }
        )
        return await asyncio.wait_for(waiter, timeout)


# --- Block Kit checks -----------------------------------------------------------------------------
def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        if value.get("type") in ("mrkdwn", "plain_text") and isinstance(value.get("text"), str):
            yield value["text"]
        for key, item in value.items():
            if key != "text" or not isinstance(item, str):
                yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def check_blocks(blocks: Any, limit: int) -> list[str]:
    if not isinstance(blocks, list):
        return ["blocks is not a list"]
    problems: list[str] = []
    if len(blocks) > limit:
        problems.append(f"{len(blocks)} blocks (limit {limit})")
    for n, block in enumerate(blocks):
        kind = block.get("type")
        if kind == "section":
            text = (block.get("text") or {}).get("text", "")
            if len(text) > MAX_SECTION_TEXT:
                problems.append(f"block {n}: section text of {len(text)} characters")
            fields = block.get("fields") or []
            if len(fields) > 10 or any(len(f.get("text", "")) > 2000 for f in fields):
                problems.append(f"block {n}: too many or too long fields")
            if not text and not fields:
                problems.append(f"block {n}: empty section")
        elif kind == "actions":
            elements = block.get("elements") or []
            if not elements or len(elements) > 25:
                problems.append(f"block {n}: {len(elements)} action elements")
            for element in elements:
                if len((element.get("text") or {}).get("text", "")) > 75:
                    problems.append(f"block {n}: button label over 75 characters")
                if len(element.get("value", "")) > 2000:
                    problems.append(f"block {n}: button value over 2000 characters")
        elif kind == "input":
            element = block.get("element") or {}
            too_long = int(element.get("max_length") or 0) > MAX_INPUT_LENGTH
            if element.get("type") == "plain_text_input" and too_long:
                problems.append(f"block {n}: plain_text_input max_length over 3000")
        elif kind == "context":
            if not block.get("elements") or len(block["elements"]) > 10:
                problems.append(f"block {n}: context elements")
        elif kind not in ("divider", "header", "image", "rich_text"):
            problems.append(f"block {n}: unknown block type {kind!r}")
    for text in _texts(blocks):
        if UNESCAPED.search(text):
            problems.append(f"unescaped markup in {text[:80]!r}")
    return problems


NEWER_PARAMETERS: dict[str, frozenset[str]] = {
    "chat.postMessage": frozenset({"metadata"}),
    "conversations.history": frozenset({"include_all_metadata"}),
    "conversations.replies": frozenset({"include_all_metadata"}),
}
"""Parameters Slack added after the 2021 OpenAPI description was written (message metadata,
2022): documented at api.slack.com/metadata and on each method's page."""
METADATA_EVENT_TYPE = re.compile(r"^[a-zA-Z0-9_]{1,255}$")


def check_metadata(metadata: Any) -> list[str]:
    """Slack's message metadata: an ``event_type`` of letters, digits and underscores, and an
    ``event_payload`` object."""
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            return ["metadata is not JSON"]
    if not isinstance(metadata, dict):
        return ["metadata is not an object"]
    problems = []
    if not METADATA_EVENT_TYPE.match(str(metadata.get("event_type") or "")):
        problems.append(f"metadata event_type {metadata.get('event_type')!r} is not valid")
    if not isinstance(metadata.get("event_payload"), dict):
        problems.append("metadata event_payload is not an object")
    return problems


def message_key(message: JSON) -> str | None:
    """drillbot's delivery key in a kept message, or in chat.postMessage's parameters."""
    metadata = message.get("metadata") or {}
    if isinstance(metadata, str):
        metadata = json.loads(metadata)
    payload = metadata.get("event_payload") if isinstance(metadata, dict) else None
    key = payload.get("key") if isinstance(payload, dict) else None
    return str(key) if key else None


def check_message(params: JSON) -> list[str]:
    problems: list[str] = []
    blocks = params.get("blocks")
    if blocks is not None:
        problems += check_blocks(blocks, MAX_MESSAGE_BLOCKS)
        if not params.get("text"):
            problems.append("blocks without text")
    text = params.get("text")
    if isinstance(text, str) and UNESCAPED.search(text):
        problems.append(f"unescaped markup in text {text[:80]!r}")
    return problems


def check_view(view: Any) -> list[str]:
    if not isinstance(view, dict):
        return ["view is not an object"]
    problems = check_blocks(view.get("blocks") or [], MAX_VIEW_BLOCKS)
    if view.get("type") == "modal":
        for key in ("title", "submit", "close"):
            text = (view.get(key) or {}).get("text", "")
            if len(text) > MAX_TITLE:
                problems.append(f"modal {key} of {len(text)} characters")
        if not (view.get("title") or {}).get("text"):
            problems.append("modal without a title")
    elif view.get("type") != "home":
        problems.append(f"view type {view.get('type')!r}")
    if len(view.get("private_metadata") or "") > MAX_METADATA:
        problems.append("private_metadata over 3000 characters")
    return problems
