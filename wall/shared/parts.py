"""Every shared piece of one process, built once by the hub when ``[bus] url`` is set."""

from __future__ import annotations

from wall.settings import Settings
from wall.shared.claims import RedisClaims
from wall.shared.connection import Shared
from wall.shared.fleet import RedisFleet
from wall.shared.health import SharedHealth
from wall.shared.lease import Leased
from wall.shared.limits import RedisLog
from wall.shared.notices import Notices
from wall.shared.presence import RedisPresence
from wall.supervisor import Supervisor


class SharedParts:
    def __init__(self, settings: Settings) -> None:
        self.shared = Shared.from_settings(settings.bus)
        self.claims = RedisClaims(self.shared, settings.desk.claim_seconds)
        self.presence = RedisPresence(self.shared)
        self.notices = Notices(self.shared)
        self.fleet = RedisFleet(self.shared)

    def hits(self, name: str) -> RedisLog:
        """The hit log of one kind of limit (logins, invites, submissions)."""
        return RedisLog(self.shared, name)

    def placement(self, supervisor: Supervisor) -> Leased:
        return Leased(self.shared, supervisor)

    def health(self, supervisor: Supervisor) -> SharedHealth:
        return SharedHealth(self.shared, supervisor)

    async def close(self) -> None:
        await self.shared.close()
