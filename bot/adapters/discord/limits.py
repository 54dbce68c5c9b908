"""Discord's documented limits, in one place, in characters (Unicode code points, as Python's
``len`` counts them and as the API's JSON Schema ``maxLength`` does).

Discord rejects a request past any of these with a 400 (error 50035, "Invalid Form Body"), so
the renderer splits and pages to stay inside them, and its tests check every payload against
them. Sources: the Message, Embed, Component and Interaction pages of Discord's developer docs
and its OpenAPI description (``RichEmbed``, ``ButtonComponentForMessageRequest``,
``TextInputComponentForModalRequest``, ``ModalInteractionCallbackRequestData``).
"""

from __future__ import annotations

from typing import Final

# --- messages -------------------------------------------------------------------------------
CONTENT: Final = 2000
"""``content`` of a message, a webhook (interaction followup) or an interaction response."""
EMBEDS: Final = 10
"""Embeds in one message."""

# --- embeds ---------------------------------------------------------------------------------
EMBED_TITLE: Final = 256
EMBED_DESCRIPTION: Final = 4096
EMBED_FIELDS: Final = 25
EMBED_FIELD_NAME: Final = 256
EMBED_FIELD_VALUE: Final = 1024
EMBED_FOOTER: Final = 2048
EMBED_AUTHOR: Final = 256
EMBED_TOTAL: Final = 6000
"""Title, description, field names and values, footer and author of *all* the embeds of one
message together."""

# --- components -----------------------------------------------------------------------------
ACTION_ROWS: Final = 5
"""Action rows in one message (classic components, without the components-v2 flag)."""
BUTTONS_PER_ROW: Final = 5
BUTTON_LABEL: Final = 80
CUSTOM_ID: Final = 100
"""``custom_id`` of a button, a modal, or a modal's text input."""

ATTACHMENTS: Final = 10
"""Files on one message."""

# --- modals ---------------------------------------------------------------------------------
MODAL_TITLE: Final = 45
TEXT_INPUT_LABEL: Final = 45
"""The label above a text input (a ``Label`` component's ``label`` has the same limit)."""
LABEL_DESCRIPTION: Final = 100
"""The small print under a ``Label`` component's label."""
TEXT_INPUT_PLACEHOLDER: Final = 100
TEXT_INPUT_VALUE: Final = 4000
"""The most a text input can hold (its ``max_length`` may not exceed it)."""
TEXT_DISPLAY: Final = 4000
"""A ``TextDisplay`` component's ``content`` (shown in a modal above the input)."""

# --- ours -----------------------------------------------------------------------------------
ANSWER: Final = 3000
"""The longest answer the answer forms take: the same as Slack's, so both platforms grade the
same text (Discord itself would allow ``TEXT_INPUT_VALUE``)."""
