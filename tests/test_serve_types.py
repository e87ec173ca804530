"""The site server sends the harvesters' formats with their own media types."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

from cndkg.serve import serving


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("feed.atom", "application/atom+xml"),
        ("resolutions.csv", "text/csv"),
        ("citations.graphml", "application/graphml+xml"),
        ("cndkg.nt", "application/n-triples"),
    ],
)
def test_formats_are_served_with_their_media_types(tmp_path: Path, name: str, media_type: str) -> None:
    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>x</title>", encoding="utf-8")
    (tmp_path / name).write_text("x\n", encoding="utf-8")
    with serving(tmp_path) as base, urllib.request.urlopen(base + name, timeout=30) as answer:
        assert answer.headers["Content-Type"].split(";")[0] == media_type
