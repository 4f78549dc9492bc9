from api.live.flood import FloodGuard, Verdict


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_within_the_bucket_is_admitted_and_then_refused():
    clock = FakeClock()
    guard = FloodGuard(rate=50, burst=100, grace_seconds=2, clock=clock)
    assert [guard.check() for _ in range(100)] == [Verdict.ADMIT] * 100
    assert guard.check() is Verdict.REFUSE


def test_a_steady_pace_under_the_rate_is_never_refused():
    clock = FakeClock()
    guard = FloodGuard(rate=50, burst=100, grace_seconds=2, clock=clock)
    for _ in range(1000):
        clock.now += 0.025  # 40 a second
        assert guard.check() is Verdict.ADMIT


def test_a_sustained_flood_is_closed_after_the_grace_period():
    clock = FakeClock()
    guard = FloodGuard(rate=50, burst=100, grace_seconds=2, clock=clock)
    verdicts = []
    for _ in range(3000):  # 1,000 a second for 3 seconds
        clock.now += 0.001
        verdicts.append(guard.check())
    assert Verdict.REFUSE in verdicts[:1900]
    assert Verdict.CLOSE not in verdicts[:1900]
    assert verdicts[-1] is Verdict.CLOSE


def test_letting_up_forgives_the_flood():
    clock = FakeClock()
    guard = FloodGuard(rate=50, burst=100, grace_seconds=2, clock=clock)
    for _ in range(150):
        guard.check()
    clock.now += 1.5  # quiet long enough to fill the bucket
    assert guard.check() is Verdict.ADMIT
    for _ in range(99):
        guard.check()
    clock.now += 1.0
    assert guard.check() is Verdict.ADMIT  # not closed: the earlier flood was forgiven
