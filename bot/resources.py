"""Where the files shipped beside the code are: the content packs and the Alembic migrations.

In a checkout (and an editable install) they are the top-level ``content/`` and
``migrations/``; an installed wheel carries them inside the package as ``bot/_data/`` (setup.py
copies them there when it builds one), so the image and any ``pip install`` find them too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

Shipped = Literal["content", "migrations"]

PACKAGE_DIR = Path(__file__).resolve().parent


def shipped_dir(name: Shipped) -> Path:
    """The installed package's copy when there is one, else the checkout's folder."""
    packaged = PACKAGE_DIR / "_data" / name
    if packaged.is_dir():
        return packaged
    return PACKAGE_DIR.parent / name
