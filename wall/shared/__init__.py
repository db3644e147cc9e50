"""State that several Murmur processes share through Redis, when ``[bus] url`` is set.

Each module here is the Redis twin of an in-memory thing elsewhere in ``wall``: claims
(``wall.claims``), presence (``wall.presence``), the screen fleet (``wall.screens``), the
attendees' and login limits (``wall.ratelimit``, ``wall.throttle``) and the lease that lets
one process run each source (``wall.placement``). The hub picks one or the other once, from
the settings; a single process on SQLite never imports this package (nor redis).

Every key and channel starts with ``{namespace}:``. When Redis does not answer, each
piece falls back to this process's memory and logs it once (docs/scaling.md says what
that means for each).
"""
