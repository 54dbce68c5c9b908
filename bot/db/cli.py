"""`drillbot db ...`: database maintenance from the command line."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from bot.db.migrate import upgrade
from bot.db.urls import database_url, redact
from bot.services.store import StoreUnavailable

if TYPE_CHECKING:
    from bot.db.secrets import TokenCipher


def _upgrade(args: argparse.Namespace) -> int:
    del args
    try:
        url = database_url(os.environ)
    except ValueError as error:
        print(f"drillbot db upgrade: {error}", file=sys.stderr)
        return 2
    try:
        revision = upgrade(url)
    except StoreUnavailable as error:
        print(f"drillbot db upgrade: {error}", file=sys.stderr)
        return 1
    print(f"{redact(url)} is at revision {revision} (head)")
    return 0


def _new_key(args: argparse.Namespace) -> int:
    del args
    from bot.db.secrets import generate_key

    print(generate_key())
    return 0


def _encrypt_tokens(args: argparse.Namespace) -> int:
    del args
    import asyncio

    from bot.config import Settings
    from bot.db.secrets import SecretKeyError, TokenCipher

    settings = Settings()
    try:
        url = database_url(settings.env_for_db())
        cipher = TokenCipher.from_settings(settings)
    except ValueError as error:
        print(f"drillbot db encrypt-tokens: {error}", file=sys.stderr)
        return 2
    if not cipher.enabled:
        print(
            "drillbot db encrypt-tokens: DRILLBOT_SECRET_KEY is not set: nothing to encrypt with",
            file=sys.stderr,
        )
        return 2
    try:
        changed = asyncio.run(_rewrite(url, cipher))
    except (StoreUnavailable, SecretKeyError) as error:
        print(f"drillbot db encrypt-tokens: {error}", file=sys.stderr)
        return 1
    print(f"{changed} row(s) rewritten under the first key")
    return 0


async def _rewrite(url: str, cipher: TokenCipher) -> int:
    from bot.db.errors import translate_errors
    from bot.db.secrets import rewrite_tokens
    from bot.db.sql_store import open_store

    store = await open_store(url, upgrade=True)
    try:
        with translate_errors(url):
            async with store.engine.begin() as conn:
                return await conn.run_sync(rewrite_tokens, cipher)
    finally:
        await store.close()


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = sub.add_parser("db", help="database maintenance (DATABASE_URL, default ./data)")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrader = db_sub.add_parser("upgrade", help="apply every migration up to the newest")
    upgrader.set_defaults(func=_upgrade)
    key = db_sub.add_parser("new-key", help="print a new key for DRILLBOT_SECRET_KEY")
    key.set_defaults(func=_new_key)
    encrypt = db_sub.add_parser(
        "encrypt-tokens",
        help="store every platform token encrypted with the first key of DRILLBOT_SECRET_KEY",
    )
    encrypt.set_defaults(func=_encrypt_tokens)
