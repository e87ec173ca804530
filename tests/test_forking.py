"""The worker pool's one policy: small work stays in this process, enough work forks, the block's jobs rule."""

from __future__ import annotations

import os

import pytest

from cndkg.forking import FORK_WORTH_SECONDS, fork_map, workers, workers_for


@pytest.mark.parametrize(
    ("jobs", "items", "seconds_each", "expected"),
    [
        (2, 1, 100.0, 1),  # one item: nothing to share out
        (2, 100, FORK_WORTH_SECONDS / 1000, 1),  # a tenth of the threshold: not worth a fork
        (2, 1000, FORK_WORTH_SECONDS / 1000, 2),  # at the threshold: forks
        (1, 10_000, 1.0, 1),  # the build allows one process
        (3, 10_000, 1.0, 3),
    ],
)
def test_policy_table(jobs: int, items: int, seconds_each: float, expected: int) -> None:
    with workers(jobs):
        assert workers_for(items, seconds_each) == expected


def test_the_policy_is_the_blocks_and_ends_with_it() -> None:
    with workers(2, worth_seconds=0):
        assert workers_for(2, 0.0) == 2
        with workers(1):
            assert workers_for(2, 100.0) == 1
        assert workers_for(2, 0.0) == 2
    assert workers_for(2, 0.0) == 1  # outside: the default threshold again


def _pid(_shared: None, item: int) -> tuple[int, int]:
    return item, os.getpid()


def test_forked_results_keep_their_order() -> None:
    with workers(2, worth_seconds=0):
        results = fork_map(_pid, None, list(range(20)), workers_for(20, 0.0))
    assert [item for item, _ in results] == list(range(20))
    assert {pid for _, pid in results} - {os.getpid()}, "the items ran in forked workers"


def _pid_and_square(shared: int, item: int) -> tuple[int, int]:
    return os.getpid(), item * item + shared


@pytest.mark.parametrize("jobs", [1, 2])
def test_work_alongside_the_workers_runs_here_while_they_run(jobs: int) -> None:
    from cndkg.forking import fork_alongside

    here = os.getpid()
    seen: list[int] = []
    results, other = fork_alongside(_pid_and_square, 1, [1, 2, 3, 4], jobs, lambda: seen.append(os.getpid()) or "done")
    assert [square for _, square in results] == [2, 5, 10, 17]
    assert other == "done" and seen == [here]
    assert ({pid for pid, _ in results} == {here}) is (jobs == 1)
