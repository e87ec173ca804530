"""The cycle collector's pause: off inside, restored after, even on error, and never left off by nesting."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from typing import Any

import pytest

from cndkg import collector


def test_paused_turns_the_collector_off_and_back_on() -> None:
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block found it off: it leaves it off
    assert gc.isenabled()


def test_an_error_in_the_block_restores_the_collector() -> None:
    with pytest.raises(ValueError), collector.paused():
        raise ValueError("a stage failed")
    assert gc.isenabled()


def test_a_collector_already_off_stays_off() -> None:
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_blocks_ending_out_of_order_leave_the_collector_on() -> None:
    first, second = collector.paused(), collector.paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_reading_and_resolving_a_corpus_run_paused_and_leave_the_collector_on(monkeypatch: pytest.MonkeyPatch) -> None:
    from cndkg import pipeline
    from cndkg.registry import load_registry
    from cndkg.resources import data_dir

    seen: dict[str, bool] = {}

    def watched(name: str, stage: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            seen[name] = gc.isenabled()
            return stage(*args, **kwargs)

        return run

    monkeypatch.setattr(pipeline, "parse_all", watched("parse", pipeline.parse_all))
    monkeypatch.setattr(pipeline, "resolve_corpus", watched("resolve", pipeline.resolve_corpus))
    corpus = pipeline.run_pipeline([data_dir("corpus")], load_registry())
    assert corpus.settled.texts
    assert seen == {"parse": False, "resolve": False}
    assert gc.isenabled()


def _collecting(shared: None, item: int) -> tuple[bool, int]:
    return gc.isenabled(), os.getpid()


def test_workers_forked_in_a_pause_collect_their_own_garbage() -> None:
    from cndkg.forking import fork_map

    with collector.paused():
        results = fork_map(_collecting, None, list(range(8)), 2)
        assert not gc.isenabled()
    assert all(enabled for enabled, _ in results)
    assert os.getpid() not in {pid for _, pid in results}  # they ran in workers
