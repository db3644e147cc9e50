"""Murmur's pure moderation core.

Values in, values out: the post model, the status machine and the rules that decide what a
wall shows. Nothing here touches a socket, a file, a database or an event loop (a test
enforces it), so every decision can be tested as a plain function call.
"""

from moderation.authors import AuthorAction, AuthorRule
from moderation.post import Author, Emoji, LinkCard, Media, Poll, PollOption, Post, Quoted
from moderation.rules import Mode, Rules, decide
from moderation.spam import History
from moderation.status import Action, ChangedMeanwhile, InvalidTransition, Status, transition
from moderation.verdict import Decision, Verdict, Why
from moderation.wordlists import builtin_terms
from moderation.words import Term, WordMatcher

__all__ = [
    "Action",
    "Author",
    "AuthorAction",
    "AuthorRule",
    "ChangedMeanwhile",
    "Decision",
    "Emoji",
    "History",
    "InvalidTransition",
    "LinkCard",
    "Media",
    "Mode",
    "Poll",
    "PollOption",
    "Post",
    "Quoted",
    "Rules",
    "Status",
    "Term",
    "Verdict",
    "Why",
    "WordMatcher",
    "builtin_terms",
    "decide",
    "transition",
]
