"""The engine: one object adapters talk to. It composes the use cases and owns none of the rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.messaging.message import Action, Message, Replies
from bot.services import views
from bot.services.answers import Actor, Answers
from bot.services.boards import Boards
from bot.services.commands import Commands, Where
from bot.services.deps import Deps
from bot.services.home import Home
from bot.services.housekeeping import Housekeeping, Pruned
from bot.services.incident_port import IncidentHandler
from bot.services.posting import Posting
from bot.services.reminders import Reminders
from bot.services.store import StoreUnavailable

T = TypeVar("T")

UNAVAILABLE = (
    "drillbot can't reach its database right now, so nothing was recorded. "
    "Please try again in a minute."
)


class Engine:
    def __init__(self, deps: Deps, incidents: IncidentHandler | None = None) -> None:
        self.deps = deps
        self.boards = Boards(deps, incidents)
        self.posting = Posting(deps, self.boards)
        self.answers = Answers(deps)
        self.incidents = incidents
        self.reminders = Reminders(deps, self.posting.delivery)
        self.commands = Commands(deps, self.answers, self.boards, incidents, self.reminders)
        self.home_view = Home(deps, self.boards)
        self.housekeeping = Housekeeping(deps)

    async def _reliably(
        self, what: str, run: Callable[[], Awaitable[T]], unavailable: Callable[[], T]
    ) -> T:
        """Run a use case, retrying while the database is briefly unreachable.

        Every use case runs in one transaction and is keyed against repeats, so running it
        again after a failed attempt can neither lose nor double anything.
        """
        try:
            return await self.deps.retrying(what, run)
        except StoreUnavailable:
            return unavailable()

    async def command(self, actor: Actor, where: Where, text: str, delivery: str) -> Replies:
        """A `/drill ...` command (or its console/Discord equivalent)."""
        return await self._reliably(
            "command",
            lambda: self.commands.handle(actor, where, text, delivery),
            lambda: Replies().private(views.error(UNAVAILABLE)),
        )

    async def message(self, actor: Actor, where: Where, text: str, delivery: str) -> Replies | None:
        """A plain message the bot can see (direct messages): an incident answer, or nothing."""
        incidents = self.incidents
        if incidents is None:
            return None
        return await self._reliably(
            "message",
            lambda: incidents.handle_message(actor, where, text, delivery),
            lambda: Replies().private(views.error(UNAVAILABLE)),
        )

    async def incident_form(
        self, actor: Actor, form: str, text: str, delivery: str
    ) -> Replies | None:
        """An answer from a mock incident's form; ``form`` is the value of its button."""
        incidents = self.incidents
        if incidents is None:
            return None
        return await self._reliably(
            "incident form",
            lambda: incidents.answer_form(actor, form, text, delivery),
            lambda: Replies().private(views.error(UNAVAILABLE)),
        )

    async def pick(self, actor: Actor, value: str, delivery: str) -> Message:
        """An MCQ button: ``"<drill id>:<key>"`` or ``"practice:<item id>:<key>"``."""
        parts = value.split(":")
        if len(parts) == 3 and parts[0] == "practice":
            return await self.commands.pick_practice(actor, parts[1], parts[2])
        if len(parts) == 2 and parts[0].isdigit():
            drill_id, option = int(parts[0]), parts[1]
            return await self._reliably(
                "pick",
                lambda: self.answers.pick(actor, drill_id, option, delivery),
                lambda: views.error(UNAVAILABLE),
            )
        return views.error("That button is out of date. Use `/drill pick <letter>` instead.")

    async def button(self, actor: Actor, action: Action, value: str) -> Message:
        """A rating button under practice feedback (``Action.RATE``, value
        ``"<item id>:<grade>"``) or a reminder's start-practice button (``Action.PRACTICE``)."""
        if action is Action.RATE:
            item_id, _, grade = value.rpartition(":")
            if item_id:
                return await self._reliably(
                    "rating",
                    lambda: self.commands.rate(actor, item_id, grade),
                    lambda: views.error(UNAVAILABLE),
                )
        if action is Action.PRACTICE:
            return await self._reliably(
                "practice",
                lambda: self.commands.spaced(actor, Where(None), None, 5, False),
                lambda: views.error(UNAVAILABLE),
            )
        return views.error("That button is out of date. Type the command instead.")

    async def answer(self, actor: Actor, drill_id: int, text: str, delivery: str) -> Message:
        """An open answer from a form (Slack or Discord modal)."""
        return await self._reliably(
            "answer",
            lambda: self.answers.answer(actor, drill_id, text, delivery),
            lambda: views.error(UNAVAILABLE),
        )

    async def learn_name(self, actor: Actor) -> None:
        """The platform told us a person's display name after they acted (a click recorded
        without it): store it, unless it is the name already stored."""
        await self._reliably(
            "learning a name", lambda: self.answers.learn_name(actor), lambda: None
        )

    async def start(self) -> None:
        """Get ready to serve: warm the caches the answer path reads."""
        await self.answers.warm()

    def drain(self) -> None:
        """The process is stopping: start no new scheduled post (see ``Delivery``)."""
        self.deps.draining = True

    async def tick(self, now: dt.datetime | None = None) -> None:
        now = now or self.deps.clock.now()
        await self.posting.tick(now)
        await self.reminders.tick(now)
        if self.incidents is not None:
            await self.incidents.close_idle(now)

    async def housekeep(self, now: dt.datetime | None = None) -> list[Pruned]:
        """Prune per-request records past their retention (``bot.services.housekeeping``)."""
        return await self.housekeeping.run(now or self.deps.clock.now())

    async def next_due(self, after: dt.datetime) -> dt.datetime | None:
        posts = await self.posting.next_due(after)
        nudge = await self.reminders.next_at(after)
        return min((t for t in (posts, nudge) if t is not None), default=None)

    async def home(self, actor: Actor) -> Message:
        """The person's home view (Slack App Home)."""
        return await self.home_view.view(actor)

    async def set_paused(self, actor: Actor, channel_id: int, paused: bool) -> Message:
        """Pause or resume a channel's drills from a button (admins only)."""
        undone = "paused" if paused else "resumed"
        return await self._reliably(
            "pausing a channel",
            lambda: self.commands.set_paused(actor, channel_id, paused),
            lambda: views.error(
                f"drillbot can't reach its database right now, so the channel was not {undone}. "
                "Please try again in a minute."
            ),
        )
