"""Murmur's pure moderation core.

Values in, values out: the post model, the status machine and the rules that decide what a
wall shows. Nothing here touches a socket, a file, a database or an event loop (a test
enforces it), so every decision can be tested as a plain function call.
"""

from moderation.post import Author, Media, Post
from moderation.rules import Decision, Mode, Rules, Verdict, decide
from moderation.status import Action, InvalidTransition, Status, transition

__all__ = [
    "Action",
    "Author",
    "Decision",
    "InvalidTransition",
    "Media",
    "Mode",
    "Post",
    "Rules",
    "Status",
    "Verdict",
    "decide",
    "transition",
]
