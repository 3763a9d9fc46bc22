"""Case restoration for NER on social text.

spaCy's English models lean on capital letters: "salute to sitaram katel" or "WAS THAT
ELEKTRA" hide names that "salute to Sitaram Katel" and "was that Elektra" show. Before NER,
:func:`truecase` rewrites the case of a text (never its length, so offsets stay valid):

- a lower-case word that is not a common English word, nor one edit away from one (a typo:
  "graet", "vidoe", "therr"), gets a capital first letter;
- in shouting text (mostly capitals), capitalized words become lower case, and the rare ones
  (by the rule above) title case;
- elsewhere an all-caps word of 4+ letters that is not a common word ("TROMSØ", "STAVANGER")
  becomes title case; short acronyms stay.

The NER model still decides: truecasing only gives it the cue that edited text lacks.
"""

from __future__ import annotations

import functools

import regex

from .gazetteer import WORD_RE, common_words


@functools.cache
def _deletes() -> frozenset[str]:
    """Every common lower-case word with one letter removed (a symmetric-delete index)."""
    out: set[str] = set()
    for w in common_words():
        if w.isalpha() and w.islower():
            out.update(w[:i] + w[i + 1:] for i in range(len(w)))
    return frozenset(out)


def near_common_word(word: str) -> bool:
    """Whether lower-case ``word`` is a common word or one edit (insertion, deletion,
    substitution, adjacent transposition) away from one."""
    common, deletes = common_words(), _deletes()
    if word in common or word in deletes:
        return True
    for i in range(len(word)):
        d = word[:i] + word[i + 1:]
        if d in common or d in deletes:
            return True
    return False


_LETTER = regex.compile(r"\p{L}")
_UPPER = regex.compile(r"\p{Lu}")


def shouting(text: str) -> bool:
    """Mostly capital letters (at least 8 letters, over 60% upper case)."""
    letters = len(_LETTER.findall(text))
    return letters >= 8 and len(_UPPER.findall(text)) > 0.6 * letters


def _title(word: str) -> str:
    return word[0].upper() + word[1:].lower()


def truecase(text: str) -> str:
    """``text`` with the case of its words restored for NER; same length, same offsets."""
    loud = shouting(text)
    common = common_words()
    parts: list[str] = []
    last = 0
    for m in WORD_RE.finditer(text):
        w = m.group()
        new = w
        if w.isupper() and len(w) > 1:
            low = w.lower()
            if loud:
                new = _title(w) if len(w) >= 3 and not near_common_word(low) else low
            elif len(w) >= 4 and low not in common:
                new = _title(w)
        elif w.islower() and len(w) >= 3 and not near_common_word(w):
            new = w[0].upper() + w[1:]
        if new != w and len(new) == len(w):
            parts.append(text[last:m.start()])
            parts.append(new)
            last = m.end()
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)
