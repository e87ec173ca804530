"""A synthetic corpus of resolution texts, deterministic from a seed, in every format the reader takes.

Each text is realistic in shape: a header (adopted symbol, or a draft with
session, agenda item and sponsors), ~15 preambular and ~12 operative
paragraphs with the cues real texts use, footnotes in the three marker forms,
and ~8 citations: earlier generated resolutions (with dates and titles),
treaties by name and by Treaty Series footnote, General Assembly resolutions,
SDG targets and a reporting mandate for a later session.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from cndkg.segment.patterns import SUPERSCRIPTS

PREAMBLE_CUES = (
    "Recalling",
    "Reaffirming",
    "Recognizing",
    "Noting with appreciation",
    "Bearing in mind",
    "Welcoming",
    "Concerned",
    "Acknowledging",
    "Taking note of",
    "Mindful",
    "Stressing",
    "Recalling also",
    "Deeply concerned",
    "Convinced",
    "Emphasizing",
)
OPERATIVE_CUES = (
    "Encourages",
    "Invites",
    "Requests",
    "Urges",
    "Calls upon",
    "Also encourages",
    "Welcomes",
    "Further requests",
    "Recommends",
    "Decides",
    "Notes",
    "Also invites",
)
TREATIES = (
    ("the Single Convention on Narcotic Drugs of 1961 as amended by the 1972 Protocol", "vol. 976, No. 14152"),
    ("the Convention on Psychotropic Substances of 1971", "vol. 1019, No. 14956"),
    (
        "the United Nations Convention against Illicit Traffic in Narcotic Drugs and Psychotropic Substances of 1988",
        "vol. 1582, No. 27627",
    ),
)
# General Assembly resolutions with the year each was adopted: a text cites only those before it.
GA_RESOLUTIONS = (("70/1", 2015), ("S-30/1", 2016), ("217 A (III)", 1948), ("74/2", 2019), ("2200 A (XXI)", 1966))
SDG_TARGETS = ("3.5", "3.3", "16.4", "5.2", "17.17", "3.8", "10.2", "16.3")
STATES = (
    "Argentina",
    "Brazil",
    "Canada",
    "Chile",
    "Colombia",
    "Germany",
    "Israel",
    "Japan",
    "Mexico",
    "Norway",
    "Peru",
    "Thailand",
    "United States of America",
    "Trinidad and Tobago",
    "Nigeria",
    "Kenya",
    "Viet Nam",
)
WORDS = (
    "prevention",
    "treatment",
    "recovery",
    "rehabilitation",
    "social reintegration",
    "evidence-based",
    "international cooperation",
    "Member States",
    "drug use disorders",
    "public health",
    "human rights",
    "alternative development",
    "capacity-building",
    "data collection",
    "new psychoactive substances",
    "access to controlled medicines",
    "criminal justice",
    "gender perspective",
    "youth",
    "communities",
)
ORDINALS = {50: "fiftieth", 60: "sixtieth", 70: "seventieth"}
TENS = {5: "fifty", 6: "sixty", 7: "seventy"}
UNITS = ("", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")
MONTHS = ("March", "April")


@dataclass(frozen=True, slots=True)
class Generated:
    """One generated text: where it goes and what it holds."""

    path: str
    text: str


def ordinal(number: int) -> str:
    """Return 57 as "fifty-seventh" (50-79, the sessions generated)."""
    if number in ORDINALS:
        return ORDINALS[number]
    return f"{TENS[number // 10]}-{UNITS[number % 10]}"


def _sentence(rng: random.Random, words: int = 28) -> str:
    """Return filler prose of about ``words`` words from the domain's vocabulary."""
    parts = [rng.choice(WORDS) for _ in range(words // 3)]
    return ", ".join(parts)


def generate(count: int, seed: int = 1, per_session: int | None = None) -> list[Generated]:
    """Return ``count`` texts, the same for the same seed: a third each .txt, .md and .html.

    Resolutions are numbered by session (50-69, ``per_session`` per session:
    by default about count/20) and cite only earlier ones, so citations resolve
    within the corpus.
    """
    rng = random.Random(seed)
    per_session = per_session or max(1, -(-count // 20))
    made: list[Generated] = []
    symbols: list[tuple[str, str, str]] = []
    for index in range(count):
        session = 50 + index // per_session
        number = index % per_session + 1
        symbol = f"{session}/{number}"
        title = f"Strengthening {rng.choice(WORDS)} and {rng.choice(WORDS)} ({index})"
        fmt = ("txt", "md", "html")[index % 3]
        draft = index % 5 == 4
        text = _text(rng, fmt, symbol, session, title, draft, symbols)
        folder = f"s{session}"
        made.append(Generated(f"{folder}/r{index:06d}.{fmt}", text))
        date = f"{rng.randint(10, 28)} {rng.choice(MONTHS)} {1957 + session}"
        symbols.append((symbol, date, title))
    return made


def _text(
    rng: random.Random,
    fmt: str,
    symbol: str,
    session: int,
    title: str,
    draft: bool,
    earlier: list[tuple[str, str, str]],
) -> str:
    """Return one resolution in the given format."""
    footnotes: list[str] = []
    paragraphs = [_preamble(rng, i, footnotes, earlier, fmt, session) for i in range(rng.randint(13, 17))]
    operative = [_operative(rng, i + 1, session, fmt) for i in range(rng.randint(10, 14))]
    header = _header(rng, symbol, session, title, draft)
    if fmt == "html":
        return _html(header, paragraphs, operative, footnotes)
    notes = "\n\n".join(footnotes)
    return "\n\n".join([*header, "The Commission on Narcotic Drugs,", *paragraphs, *operative, notes]) + "\n"


def _header(rng: random.Random, symbol: str, session: int, title: str, draft: bool) -> list[str]:
    """Return the header lines: an adopted symbol, or a draft's session, agenda item and sponsors."""
    if not draft:
        return [f"Resolution {symbol}", title]
    sponsors = rng.sample(STATES, rng.randint(2, 5))
    listed = ", ".join(sponsors[:-1]) + " and " + sponsors[-1]
    return [
        "Commission on Narcotic Drugs",
        f"{ordinal(session).capitalize()} session",
        "Vienna, 14-22 March 2020",
        f"Agenda item {rng.randint(3, 9)}",
        f"{listed}: revised draft resolution",
        title,
    ]


def _marker(fmt: str, label: int) -> str:
    """Return a footnote marker in the format's own form."""
    if fmt == "md":
        return f"<sup>{label}</sup>"
    if fmt == "txt":
        return "".join(SUPERSCRIPTS[int(d)] for d in str(label))
    return f"<sup>{label}</sup>"


def _preamble(
    rng: random.Random, index: int, footnotes: list[str], earlier: list[tuple[str, str, str]], fmt: str, session: int
) -> str:
    """Return one preambular paragraph, most with a citation and some with a footnote."""
    cue = rng.choice(PREAMBLE_CUES)
    shown = f"*{cue}*" if fmt == "md" else cue
    kind = index % 6
    if kind in (0, 1) and earlier:
        symbol, date, title = rng.choice(earlier[-400:])
        body = f"its resolution {symbol} of {date}, entitled “{title}”, on {_sentence(rng, 12)}"
    elif kind == 2:
        name, series = rng.choice(TREATIES)
        footnotes.append(f"{_note_label(fmt, len(footnotes) + 1)} United Nations, Treaty Series, {series}.")
        body = f"{name},{_marker(fmt, len(footnotes))} in which States parties {_sentence(rng, 15)}"
    elif kind == 3:
        before = [symbol for symbol, year in GA_RESOLUTIONS if year <= 1957 + session]
        footnotes.append(f"{_note_label(fmt, len(footnotes) + 1)} General Assembly resolution {rng.choice(before)}.")
        body = f"the commitments made by Member States{_marker(fmt, len(footnotes))} on {_sentence(rng, 15)}"
    elif kind == 4:
        body = f"target {rng.choice(SDG_TARGETS)} of the Sustainable Development Goals and {_sentence(rng, 15)}"
    else:
        body = f"that {_sentence(rng, 30)}"
    return f"{shown} {body},"


def _note_label(fmt: str, label: int) -> str:
    """Return a footnote's label at the start of its line."""
    return _marker("txt" if fmt == "txt" else "md", label)


def _operative(rng: random.Random, number: int, session: int, fmt: str) -> str:
    """Return one operative paragraph; the last but one asks for a report at the next session."""
    cue = rng.choice(OPERATIVE_CUES)
    shown = f"*{cue}*" if fmt == "md" else cue
    if number == 10:
        body = (
            f"the United Nations Office on Drugs and Crime to report to the Commission at its "
            f"{ordinal(session + 2)} session on the implementation of the present resolution"
        )
        return f"{number}. {shown} {body};"
    end = "." if number >= 10 and rng.random() < 0.2 else ";"
    return f"{number}. {shown} Member States to {_sentence(rng, 24)}{end}"


def _html(header: list[str], preamble: list[str], operative: list[str], footnotes: list[str]) -> str:
    """Return a text as a web page with navigation chrome, emphasis and a footnote list."""
    from html import escape

    def para(text: str) -> str:
        safe = escape(text).replace("&lt;sup&gt;", "<sup>").replace("&lt;/sup&gt;", "</sup>")
        return f"<p>{safe}</p>"

    head = "".join(f"<p>{escape(line)}</p>" for line in header)
    notes = "".join(f"<li>{escape(n.split(' ', 1)[1])}</li>" for n in footnotes)
    body = "".join(para(p) for p in [*preamble, *operative])
    return (
        f"<!DOCTYPE html><html><head><title>x</title><style>p{{}}</style></head><body>"
        f"<nav><a href='/'>Home</a> Resolution 1/1</nav><main>{head}<p>The Commission on Narcotic Drugs,</p>"
        f"{body}<ol class='footnotes'>{notes}</ol></main><footer>site</footer></body></html>\n"
    )


def one_more(count: int, seed: int = 1) -> Generated:
    """Return the text that would follow the ``count`` texts of ``generate(count, seed)``, numbered as they are.

    ``generate(count + 1, seed)`` may number the sessions otherwise, and so
    differ in every text; this one cites the earlier texts by their symbols.
    """
    return generate(count + 1, seed, per_session=max(1, -(-count // 20)))[-1]


def write_corpus(folder: Path, count: int, seed: int = 1) -> int:
    """Write ``count`` generated texts under ``folder``; return the bytes written."""
    total = 0
    for item in generate(count, seed):
        path = folder / item.path
        path.parent.mkdir(parents=True, exist_ok=True)
        data = item.text.encode("utf-8")
        path.write_bytes(data)
        total += len(data)
    return total
