"""When the leader's materialiser starts a pass: once the posts pause, or after gathering
for as long as the last pass took (monitor.gather), on a scripted clock."""

from __future__ import annotations

import threading

from sla_monitor.entrypoints.scheduler import gather


class ScriptedPosts(threading.Event):
    """An Event set by posts at scripted moments of a fake clock: `wait` returns at the next
    post if it comes within the timeout, else advances the clock by the whole timeout."""

    def __init__(self, posts: list[float]):
        super().__init__()
        self.now = 0.0
        self.posts = posts
        self.waits: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        assert timeout is not None
        self.waits.append(timeout)
        upcoming = [at for at in self.posts if self.now < at <= self.now + timeout]
        if upcoming:
            self.now = upcoming[0]
            return True
        self.now += timeout
        return False


def gathered_until(posts: list[float], *, quiet: float = 0.5, longest: float = 3.0) -> float:
    woken = ScriptedPosts(posts)
    gather(woken, threading.Event(), quiet=quiet, longest=longest, monotonic=lambda: woken.now)
    return woken.now


def test_a_pass_starts_once_the_posts_pause_for_the_quiet_time() -> None:
    assert gathered_until([]) == 0.5
    assert gathered_until([0.2, 0.4]) == 0.9  # 0.5 s after the last post
    assert gathered_until([0.2, 0.4, 1.5]) == 0.9  # 1.5 came after the pause


def test_posts_that_keep_coming_are_gathered_for_at_most_the_longest_time() -> None:
    steady = [0.1 * n for n in range(1, 100)]  # a post every 100 ms for 10 s
    assert gathered_until(steady, longest=3.0) == 3.0
    assert gathered_until(steady, longest=0.5) == 0.5


def test_a_stopping_service_does_not_gather() -> None:
    woken, stopping = ScriptedPosts([0.1 * n for n in range(1, 100)]), threading.Event()
    stopping.set()
    gather(woken, stopping, quiet=0.5, longest=10.0, monotonic=lambda: woken.now)
    assert woken.now == 0.0 and woken.waits == []
