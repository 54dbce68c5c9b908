"""`drillbot discord invite-url` and `drillbot discord sync [--guild ID]`.

discord.py is imported only when one of them runs: every other `drillbot` command starts
without it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from bot.adapters.discord.config import DiscordConfig, DiscordStartupError
from bot.config import Settings

if TYPE_CHECKING:
    from bot.content.loader import Library


def _invite_url(args: argparse.Namespace) -> int:
    from bot.adapters.discord.permissions import (
        PERMISSIONS,
        application_id_from_token,
        invite_url,
    )

    settings = Settings()
    where = "Developer Portal > General Information > Application ID"
    given = (settings.discord_application_id or "").strip()
    problem = None
    app_id: int | None = None
    if given:
        app_id = int(given) if given.isdigit() else None
        if app_id is None:
            problem = f"DISCORD_APPLICATION_ID is {given!r}, not a number: copy it from {where}"
    elif settings.discord_token is not None:
        app_id = application_id_from_token(settings.discord_token.get_secret_value())
        if app_id is None:
            problem = (
                "DISCORD_TOKEN does not read as a bot token (its first part names the "
                f"application); set DISCORD_APPLICATION_ID ({where})"
            )
    else:
        problem = f"set DISCORD_APPLICATION_ID ({where}) or DISCORD_TOKEN"
    if app_id is None:
        print(f"drillbot discord invite-url: {problem}", file=sys.stderr)
        return 2
    print(invite_url(app_id))
    if args.explain:
        for name, why in PERMISSIONS:
            print(f"  {name}: {why}", file=sys.stderr)
    return 0


def _sync(args: argparse.Namespace) -> int:
    from bot.bootstrap import StartupError, configure_logging, load_content

    settings = Settings()
    configure_logging(settings)
    try:
        config = DiscordConfig.from_settings(settings)
        library = load_content(settings)
        count = asyncio.run(_sync_now(config, library, args.guild))
    except (DiscordStartupError, StartupError) as exc:
        print(f"drillbot discord sync: {exc}", file=sys.stderr)
        return 1
    where = f"server {args.guild}" if args.guild else "every server (may take a while to show)"
    print(f"synced {count} command(s) to {where}")
    return 0


async def _sync_now(config: DiscordConfig, library: Library, guild: int | None) -> int:
    import discord

    from bot.adapters.discord.chat import DiscordCallError
    from bot.adapters.discord.client import DrillbotClient, point_at
    from bot.adapters.discord.commands import build_tree
    from bot.adapters.discord.main import PORTAL, REFUSED_TOKEN
    from bot.adapters.discord.sync import sync_now

    point_at(config)
    client = DrillbotClient(config)

    class NoRunner:
        async def command(self, interaction: object, text: str) -> None:
            """Never called: this client only syncs."""

    tree = build_tree(client, NoRunner(), library)
    try:
        try:
            await client.login(config.token)
        except discord.LoginFailure:
            raise DiscordStartupError(REFUSED_TOKEN.format(portal=PORTAL)) from None
        try:
            return await sync_now(tree, guild)
        except DiscordCallError as exc:
            raise DiscordStartupError(str(exc)) from None
    finally:
        await client.close()


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("discord", help="Discord set-up: the invite link, command sync")
    actions = parser.add_subparsers(dest="discord_command", required=True, metavar="ACTION")
    invite = actions.add_parser(
        "invite-url", help="print the link that adds the bot to a server, with its permissions"
    )
    invite.add_argument(
        "--explain", action="store_true", help="also say why each permission is needed"
    )
    invite.set_defaults(func=_invite_url)
    sync = actions.add_parser("sync", help="sync /drill with Discord now")
    sync.add_argument("--guild", type=int, metavar="ID", help="to this server only (shows at once)")
    sync.set_defaults(func=_sync)
