"""The domain's ImportFiles port: uploads read off the event loop (a large file takes a moment
of CPU), within the bounds of the readers."""

import asyncio

from domain.oneroster import OneRosterBundle
from domain.rosters import RosterFile
from infrastructure.imports.oneroster_zip import read_oneroster
from infrastructure.imports.roster_csv import read_roster


class ImportFileReader:
    def __init__(self, max_uncompressed_bytes: int) -> None:
        self._max_uncompressed_bytes = max_uncompressed_bytes

    async def roster(self, data: bytes) -> RosterFile:
        return await asyncio.to_thread(read_roster, data)

    async def oneroster(self, data: bytes) -> OneRosterBundle:
        return await asyncio.to_thread(read_oneroster, data, self._max_uncompressed_bytes)
