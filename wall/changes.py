"""A post's state as the moderation desk changes it, as the store keeps it (``prior`` in
the log: the state before a change, which undo restores).

What a change decides and which messages it sends are the pure core's
(``moderation.state``, ``moderation.messages``): the store writes every change to a post as
the new state, compare-and-set on the ``updated_seq`` it read, plus the one or two log
entries ``message_types`` names. The last entry of a change carries the moderator's
action, reason and the state before.
"""

from __future__ import annotations

import msgspec

from moderation.messages import message_types
from moderation.state import PostState

_state_encoder = msgspec.json.Encoder()
_state_decoder = msgspec.json.Decoder(PostState)


def encode_state(state: PostState) -> str:
    return _state_encoder.encode(state).decode()


def decode_state(text: str) -> PostState:
    return _state_decoder.decode(text)


__all__ = ["PostState", "decode_state", "encode_state", "message_types"]
