"""Shared fixtures: the bundled seeds, the registry and the finder's lexicon."""

from __future__ import annotations

from pathlib import Path

import pytest

from cndkg.find import Lexicon
from cndkg.model import Resolution
from cndkg.pipeline import lexicon_for
from cndkg.read import read
from cndkg.registry import Registry, load_registry
from cndkg.segment import segment

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEED_DRAFT_67 = CORPUS / "000_2f17f4ab06ea2e9a.txt"
SEED_COMPILATION_64 = CORPUS / "001_01c0ed7a37a3fc1d.txt"
SEED_WEB_PAGE_57 = CORPUS / "002_1a1e21a16f11ad66.txt"
SEED_ADOPTED_57_4 = CORPUS / "003_91e135f48c662bd6.txt"
SEEDS = (SEED_DRAFT_67, SEED_COMPILATION_64, SEED_WEB_PAGE_57, SEED_ADOPTED_57_4)


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_registry()


@pytest.fixture(scope="session")
def lexicon(registry: Registry) -> Lexicon:
    return lexicon_for(registry)


def segment_file(path: Path, registry: Registry | None = None) -> list[Resolution]:
    names = (registry or load_registry()).state_names_with_and
    return segment(read(path, display=path.name), names)


def segment_text(text: str, tmp_path: Path, name: str = "snippet.txt") -> list[Resolution]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return segment_file(path)


def _hypothesis_profiles() -> None:
    """The suite's budget by default; HYPOTHESIS_PROFILE=fuzz for long local runs (see README)."""
    import os

    from hypothesis import HealthCheck, settings

    settings.register_profile("default", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    settings.register_profile(
        "fuzz",
        max_examples=10_000,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


_hypothesis_profiles()
