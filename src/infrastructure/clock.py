from datetime import UTC, datetime


class SystemClock:
    def now(self) -> datetime:
        moment = datetime.now(UTC)
        # JavaScript's toISOString() has millisecond precision; store what we show.
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
