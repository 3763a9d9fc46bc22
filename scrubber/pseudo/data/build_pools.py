"""Rebuild ``names.json`` and ``places.json`` from Faker's provider lists (a development tool).

Not imported at run time: the JSON files it writes are shipped with the package, so scrubber
never needs Faker (or the network) to pseudonymize. Run from the repository root with Faker
installed::

    python -m scrubber.pseudo.data.build_pools

Sources and licences are recorded in ``README.md`` next to this file.
"""

from __future__ import annotations

import importlib
import json
import re
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
CULTURES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL")
MAX_GIVEN = 2000  # per culture and gender
MAX_SURNAMES = 1200  # per culture
# Letters, optionally joined by one hyphen or apostrophe ("Anne-Marie", "O'Brien"); no spaces.
_NAME = re.compile(r"^[^\W\d_]+(?:[-'][^\W\d_]+)*$")


def _clean(names: object, limit: int) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for name in names:  # type: ignore[attr-defined]
        name = unicodedata.normalize("NFC", str(name).strip())
        if not _NAME.match(name) or len(name) < 2 or name.casefold() in seen:
            continue
        seen.add(name.casefold())
        out.append(name)
        if len(out) >= limit:
            break
    return out


def build_names() -> dict[str, object]:
    cultures: dict[str, object] = {}
    for loc in CULTURES:
        p = importlib.import_module(f"faker.providers.person.{loc}").Provider
        female = _clean(p.first_names_female, 10_000)
        male = _clean(p.first_names_male, 10_000)
        # A name listed for both genders has no gender attribute: drop it from both lists.
        both = {n.casefold() for n in female} & {n.casefold() for n in male}
        female = [n for n in female if n.casefold() not in both][:MAX_GIVEN]
        male = [n for n in male if n.casefold() not in both][:MAX_GIVEN]
        cultures[loc] = {
            "female": female,
            "male": male,
            "surname": _clean(p.last_names, MAX_SURNAMES),
        }
    return {
        "source": "Faker (MIT licence) person providers; see README.md for the upstream sources",
        "cultures": cultures,
    }


def build_places() -> dict[str, object]:
    a = importlib.import_module("faker.providers.address.en_US").Provider
    return {
        "source": "Faker (MIT licence) en_US address provider",
        "city_prefixes": list(a.city_prefixes),
        "city_suffixes": list(a.city_suffixes),
        "street_suffixes": list(a.street_suffixes),
        "states_abbr": [s for s in a.states_abbr if len(s) == 2],
    }


def main() -> None:
    for name, data in (("names.json", build_names()), ("places.json", build_places())):
        (HERE / name).write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", "utf-8")
        print(name, (HERE / name).stat().st_size, "bytes")


if __name__ == "__main__":
    main()
