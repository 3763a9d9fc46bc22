"""Surrogate pools: person names (with culture and gender) and place-name parts.

Loaded once per process from ``scrubber/pseudo/data/*.json`` (sources and licences in
``data/README.md``) and indexed for lookup. Pools are public: the secrecy of a pseudonym rests
on the key that picks an entry, never on the pool.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

DATA = Path(__file__).resolve().parent / "data"
GENDERS: tuple[str, ...] = ("female", "male")

# Titles before a name. Gendered ones are re-rendered with the surrogate's gender in `dp` mode.
TITLES: Mapping[str, str | None] = MappingProxyType({
    "mr": "male", "mister": "male", "sir": "male", "herr": "male", "monsieur": "male", "m": "male",
    "señor": "male", "sr": "male", "signor": "male", "sig": "male",
    "mrs": "female", "ms": "female", "miss": "female", "madam": "female", "madame": "female",
    "mme": "female", "frau": "female", "señora": "female", "sra": "female", "signora": "female",
    "dame": "female", "lady": "female",
    "dr": None, "prof": None, "professor": None, "mx": None, "rev": None, "fr": None, "capt": None,
    "judge": None, "sen": None, "rep": None, "gov": None, "pres": None, "gen": None, "col": None,
    "lt": None, "sgt": None, "dott": None, "ing": None,
})
# Canonical titles rendered per gender (dp mode).
TITLE_FOR_GENDER: Mapping[str, str] = MappingProxyType({"male": "Mr.", "female": "Ms."})
SUFFIXES: frozenset[str] = frozenset({"jr", "sr", "ii", "iii", "iv", "v", "phd", "md", "esq", "dds", "jnr", "snr"})
# Lower-case name particles kept as they are ("Ludwig van Beethoven").
PARTICLES: frozenset[str] = frozenset({
    "van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le", "ter", "ten",
    "bin", "ibn", "al", "el", "dos", "das", "zu", "y",
})

# Words of a street address that describe its structure, kept as written.
ADDRESS_KEEP: frozenset[str] = frozenset({
    "st", "street", "ave", "av", "avenue", "rd", "road", "blvd", "boulevard", "ln", "lane", "dr",
    "drive", "ct", "court", "pl", "place", "sq", "square", "ter", "terrace", "way", "pkwy",
    "parkway", "hwy", "highway", "cir", "circle", "trl", "trail", "aly", "alley", "apt",
    "apartment", "suite", "ste", "unit", "floor", "fl", "room", "rm", "box", "po", "p.o", "bldg",
    "building", "n", "s", "e", "w", "ne", "nw", "se", "sw", "north", "south", "east", "west",
    "strasse", "straße", "str", "weg", "platz", "rue", "avenida", "calle", "via", "piazza",
    "straat", "laan", "plein", "no", "nr", "the", "of", "and",
})


@dataclass(frozen=True)
class NamePools:
    cultures: tuple[str, ...]
    given: Mapping[tuple[str, str], tuple[str, ...]]  # (culture, gender) -> names
    surnames: Mapping[str, tuple[str, ...]]  # culture -> surnames
    given_index: Mapping[str, tuple[str, str]]  # casefolded name -> (culture, gender)
    surname_index: Mapping[str, str]  # casefolded surname -> culture
    initials: str = "ABCDEFGHIJKLMNOPRSTW"

    def given_bucket(self, name: str) -> tuple[str, str] | None:
        return self.given_index.get(name.casefold())

    def surname_culture(self, name: str) -> str | None:
        return self.surname_index.get(name.casefold())


@dataclass(frozen=True)
class PlacePools:
    city_prefixes: tuple[str, ...]
    city_suffixes: tuple[str, ...]
    street_suffixes: tuple[str, ...]
    states_abbr: tuple[str, ...]


@lru_cache(maxsize=1)
def name_pools() -> NamePools:
    raw = json.loads((DATA / "names.json").read_text("utf-8"))["cultures"]
    cultures = tuple(raw)
    given: dict[tuple[str, str], tuple[str, ...]] = {}
    surnames: dict[str, tuple[str, ...]] = {}
    given_index: dict[str, tuple[str, str]] = {}
    surname_index: dict[str, str] = {}
    for culture in cultures:  # first culture listed wins a shared name (en_US first)
        for gender in GENDERS:
            names = tuple(raw[culture][gender])
            given[(culture, gender)] = names
            for n in names:
                given_index.setdefault(n.casefold(), (culture, gender))
        surnames[culture] = tuple(raw[culture]["surname"])
        for n in surnames[culture]:
            surname_index.setdefault(n.casefold(), culture)
    return NamePools(
        cultures, MappingProxyType(given), MappingProxyType(surnames),
        MappingProxyType(given_index), MappingProxyType(surname_index),
    )


@lru_cache(maxsize=1)
def place_pools() -> PlacePools:
    raw = json.loads((DATA / "places.json").read_text("utf-8"))
    return PlacePools(
        tuple(raw["city_prefixes"]), tuple(dict.fromkeys(raw["city_suffixes"])),
        tuple(raw["street_suffixes"]), tuple(raw["states_abbr"]),
    )


def all_surnames() -> tuple[str, ...]:
    """Every surname of every culture, in pool order (for tests and dictionary attacks)."""
    p = name_pools()
    return tuple(n for c in p.cultures for n in p.surnames[c])


def all_given_names() -> tuple[str, ...]:
    p = name_pools()
    return tuple(n for c in p.cultures for g in GENDERS for n in p.given[(c, g)])
