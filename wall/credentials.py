"""Credentials stay where the operator put them (DESIGN.md, promise 11).

A source's token is bound, in the config file and only there, to the hosts it may be sent
to: a *binding* is the environment variable's name with the origins of those hosts (a
Mastodon source's ``server`` and ``streaming``, an X source's ``api``). From this follow
three rules, each enforced here:

1. A source may read only variables whose name ends in ``_TOKEN`` (``MASTODON_TOKEN``,
   ``X_BEARER_TOKEN``), never the session secret's variable: checked when the file is read
   and again whenever a token is read.
2. The settings API cannot introduce or re-point a credential: a live change may carry a
   binding only if the file has the very same one (same variable, same hosts).
3. At run time a source is handed its token only if its binding is one of the file's for
   that event; otherwise it runs as if no token were set, and says why.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence

from yarl import URL

from wall.settings import TOKEN_PATTERN, MastodonSource, SourceSettings, XSource

log = logging.getLogger(__name__)

TOKEN_NAME = re.compile(TOKEN_PATTERN)
SESSION_SECRET = "MURMUR_SECRET_KEY"  # noqa: S105 (a variable name: the session secret's)

Binding = tuple[str, tuple[str, ...]]


class CredentialRefused(ValueError):
    """A credential the rules above do not allow; the message names the key."""


def check_token_name(name: str, *, secret_key_env: str | None) -> None:
    """Raise ``CredentialRefused`` unless ``name`` may hold a source's token."""
    if name in {SESSION_SECRET, secret_key_env}:
        raise CredentialRefused(
            f"token_env: {name} holds the session secret; a source's token needs its own "
            "variable, such as MASTODON_TOKEN"
        )
    if not TOKEN_NAME.fullmatch(name):
        raise CredentialRefused(
            f"token_env: {name!r} is not a token variable: its name must be capitals, digits "
            "and _ ending in _TOKEN (such as MASTODON_TOKEN or X_BEARER_TOKEN)"
        )


def origin(url: str) -> str:
    """``scheme://host:port`` of ``url``, websocket schemes as their HTTP twins."""
    parsed = URL(url)
    scheme = {"ws": "http", "wss": "https"}.get(parsed.scheme, parsed.scheme)
    port = parsed.explicit_port or {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{(parsed.host or '').lower()}:{port}"


def binding(source: SourceSettings) -> Binding | None:
    """The credential ``source`` carries and the origins it may go to; None: no credential."""
    if isinstance(source, MastodonSource) and source.token_env:
        hosts = [source.server] + ([source.streaming] if source.streaming else [])
        return source.token_env, tuple(origin(h) for h in hosts)
    if isinstance(source, XSource):
        return source.token_env, (origin(source.api),)
    return None


def check_live_sources(
    configured: Sequence[SourceSettings], changed: Iterable[SourceSettings]
) -> None:
    """Refuse a live change that adds a credential, or sends one elsewhere, than the file."""
    allowed = {b for b in map(binding, configured) if b is not None}
    for index, source in enumerate(changed):
        wanted = binding(source)
        if wanted is not None and wanted not in allowed:
            raise CredentialRefused(
                f"sources[{index}].token_env: this {type(source).__name__.removesuffix('Source')}"
                " source would use the token in "
                f"{wanted[0]} with {', '.join(wanted[1])}; credentials and the hosts they go "
                "to are set in the config file by whoever runs the server, not here"
            )


Reader = Callable[[str], str | None]


class Vault:
    """Hands each source the token its file binding allows, and nothing else."""

    def __init__(self, read: Reader, *, secret_key_env: str | None) -> None:
        self._read = read
        self._secret_key_env = secret_key_env

    def reader(
        self, name: str, source: SourceSettings, configured: Sequence[SourceSettings]
    ) -> Reader:
        """The function source ``name`` calls for its token; it answers None (and the log
        says why) unless the source's binding is one of ``configured``'s, the file's."""
        wanted = binding(source)
        refusal = None
        if wanted is not None:
            try:
                check_token_name(wanted[0], secret_key_env=self._secret_key_env)
            except CredentialRefused as exc:
                refusal = str(exc)
            if refusal is None and wanted not in {b for b in map(binding, configured) if b}:
                refusal = (
                    f"{wanted[0]} is not used: the config file does not send it to "
                    f"{', '.join(wanted[1])}"
                )
        if refusal is not None:
            log.error("source %s: %s", name, refusal)
        read = self._read

        def secret(env: str) -> str | None:
            if refusal is not None or wanted is None or env != wanted[0]:
                return None
            return read(env)

        return secret
