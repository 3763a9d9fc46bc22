"""The fast paths of spacy_ner.v1's prefilter and title context give exactly what the plain
``regex`` implementations they replaced give (those are kept here as references)."""

from __future__ import annotations

import bisect
import random
import sys

import pytest
import re2
import regex

from scrubber.detectors import spacy_ner as N
from scrubber.detectors.gazetteer import HONORIFICS, NOT_NAMES, common_words, first_names
from scrubber.spans import Span

# -- reference implementations (the code before the fast paths) -------------------------------


def ref_candidate_windows(text, context, lowercase=True, skip=(), titled=None):
    common = common_words()
    first = first_names()
    hits = []
    after_title = False
    title_end = 0
    skip_starts = [a for a, _ in skip]
    for m in N._CAND_RE.finditer(text):
        w = m.group()
        if after_title and titled is not None and w[0].isupper() and N._TITLE_GAP.fullmatch(text, title_end, m.start()):
            titled.append(m.start())
        if skip:
            k = bisect.bisect_right(skip_starts, m.start()) - 1
            if k >= 0 and skip[k][1] >= m.end():
                after_title = False
                continue
        upper = w[0].isupper()
        if not (lowercase or upper):
            continue
        low = w.lower()
        if low.endswith(("'s", "’s")):
            low = low[:-2]
        title = low in HONORIFICS and not N._after_number(text, m.start())  # since the fast path: units
        if title:
            title_end = m.end()
        if low in common and not (after_title and upper) and w not in first:
            after_title = title
            if not upper or title or low in NOT_NAMES or len(w) < 3 or w.isupper() \
                    or N._sentence_initial(text, m.start()):
                continue
        after_title = title
        if len(w) < 2 or (not upper and len(w) < 3) or (len(w) <= 4 and w.isupper()):
            continue
        hits.append(m.span())
    return N.windows_around(text, hits, context)  # unchanged by the fast path: shared


def ref_title_spans(text, score=0.8, source="spacy_ner.v1:title"):
    out = []
    for m in N._TITLE_RE.finditer(text):
        s = N._name_extent(m.start("n"), m.group("n"), after_title=True)
        if s:
            out.append(Span(s[0], s[1], "PERSON", score, source))
    for m in N._INTRO_RE.finditer(text):
        s = N._name_extent(m.start("n"), m.group("n"))
        if s:
            out.append(Span(s[0], s[1], "PERSON", score, source))
    return out


# -- texts ------------------------------------------------------------------------------------

_WORDS = [
    "the", "a", "and", "of", "to", "in", "is", "was", "it's", "don't", "don’t", "dog's", "cat’s",
    "John", "Smith", "Jane", "Roe", "Will", "May", "Sir", "Dr", "Dr.", "dr", "Mr.", "mrs", "MS",
    "ms", "Prof.", "professor", "Señor", "señora", "SEÑOR", "İmam", "ımam", "Miſs", "Mſ", "Kıng",
    "\u212aing", "my name is", "My Name's", "called", "CALL ME", "named", "name is", "I", "OK",
    "Monday", "ISBN", "SSN", "NASA", "rota", "obama", "xoxb-123-abc", "a1b2", "FR78", "user@x.org",
    "/path/to", "https://example.org/blume", "e.g.", "U.S.", "well-known", "rock-'n'-roll",
    "Blümel", "Noël", "e\u0301le\u0300ve", "Ĵőhn", "ẞmith", "Ｊａｎｅ", "東京", "田中さん", "Привет",
    "Москва", "مرحبا", "😀", "👍🏽", "\u200b", "\u200d", "\ud800", "\x00", "\x01", "\x02", "\x03",
    "\x04", "\x05", "42", "٤٢", "²", "_", "#tag", "x=1", ":", "...", "-", "—", "'", "’", "\"",
    "(", ")", "Xavier", "Turner", "Who", "General", "Electric", "Dear", "The", "Then", "Paris",
    "New", "York", "O'Brien", "O’Neil", "D'Angelo", "Jean-Luc", "McDonald", "VAN", "van", "Helsing",
]
_GAPS = [" ", " ", " ", " ", "  ", "\t", "\n", "\n\n", ". ", ", ", "! ", "? ", "; ", "-", "'", "’",
         "", ".", "/", "@", "_", "\u00a0", " \u0301", "\r\n"]


def _texts(n, seed=0):
    rng = random.Random(seed)
    for _ in range(n):
        k = rng.randint(0, 40)
        parts = []
        for _ in range(k):
            parts.append(rng.choice(_WORDS))
            parts.append(rng.choice(_GAPS))
        yield "".join(parts)


def _skips(text, rng):
    """Sorted, disjoint intervals, as _segments passes them."""
    points = sorted(rng.sample(range(len(text) + 1), min(len(text) + 1, 2 * rng.randint(0, 3))))
    return N._disjoint(list(zip(points[::2], points[1::2])))


CORPUS = list(_texts(3000)) + [
    "Please ask Dr. Jane Roe about it", "Mr. and Mrs. Smith are here", "Sir Will Turner arrived",
    "my brother agreed", "Dear Sir, The sun", "uncle Bob and Aunt May came", "Dr.Who? Prof.  Xavier",
    "in 42 ms The committee met", "5mr. Smith", "_Dr Roe", "xMr Mr. Smith", "Mr Mr. Smith",
    "programs Then", "General Mr. Roe", "ISBNGeneral Mr Dr Sir Roe", "Dr. Dr. Dr. Who", "MY NAME IS Rubija", "call me Ishmael", "Kelvin \u212aing Kong",
    "", " ", "\n\n", "ß" * 50 + " Mr. Roe", "é" * 4000 + " obama and Dr. Zorblat",
]


@pytest.mark.parametrize("lowercase", [True, False])
def test_candidate_windows_same_as_reference(lowercase):
    rng = random.Random(1)
    for text in CORPUS:
        for context in (8, 16):
            skip = _skips(text, rng) if rng.random() < 0.5 else ()
            got_t: list[int] = []
            ref_t: list[int] = []
            got = N.candidate_windows(text, context, lowercase, skip, got_t)
            ref = ref_candidate_windows(text, context, lowercase, skip, ref_t)
            assert (got, got_t) == (ref, ref_t), (text, context, skip)


def test_candidate_windows_mostly_non_ascii_text():
    """Past a share of non-ASCII characters the regex module splits the text itself."""
    rng = random.Random(2)
    for _ in range(50):
        text = "".join(rng.choice(["Привет ", "Москва ", "Jane ", "obama ", "é", "’s ", "Dr. ", "\u0301"])
                       for _ in range(rng.randint(1, 80)))
        assert N.candidate_windows(text, 16) == ref_candidate_windows(text, 16)


def test_title_spans_same_as_reference():
    for text in CORPUS:
        assert N.title_spans(text) == ref_title_spans(text), text


def test_plain_words_are_plain():
    common, first = common_words(), first_names()
    plain = N.plain_words()
    assert plain and all(N._plain(w, common, first) for w in plain)
    # The view's stand-in characters never occur in a plain word.
    assert not any(c in w for w in plain for c in "\x00\x01\x02\x03\x04")


def _all_chars():
    return "".join(chr(i) for i in range(sys.maxunicode + 1) if not 0xD800 <= i < 0xE000)


@pytest.fixture(scope="module")
def all_chars():
    return _all_chars()


def test_title_scan_folds_at_least_as_regex_does(all_chars):
    """_TITLE_SCAN (RE2) must find every place where _TITLE_RE (regex) can match: every
    character that ``regex`` matches case-insensitively to a letter of an honorific must
    match it in RE2 too."""
    for c in sorted(set("".join(HONORIFICS))):
        by_regex = set(regex.findall("(?i)" + regex.escape(c), all_chars))
        scan = re2.compile("(?i:" + c.replace("i", "[iİ]") + ")")
        assert by_regex <= set(scan.findall(all_chars)), c


def test_intro_hint_covers_case_folding(all_chars):
    """title_spans skips _INTRO_RE when none of "name", "call", "'m", "’m", " am" is in
    text.lower(): no other character folds to their letters."""
    for c in "namecl":
        for ch in regex.findall("(?i)" + c, all_chars):
            assert ch.lower() == c, (c, ch)


def test_view_classes_match_regex_classes(all_chars):
    """The view of a non-ASCII character puts it in the class _CAND_RE puts it in."""
    rng = random.Random(3)
    sample = rng.sample(all_chars[128:], 20_000) + ["’", "\u0301", "é", "٤", "²", "\u200b"]
    for ch in sample:
        v = N._view_char(N._VIEW_SUB.match(ch))  # type: ignore[arg-type]
        want = ("\x02" if ch == "’" else "\x04" if regex.match(r"\p{L}", ch) else
                "\x01" if regex.match(r"\p{M}", ch) else "0" if regex.match(r"\p{N}", ch) else " ")
        assert v == want, hex(ord(ch))


# -- gazetteer ---------------------------------------------------------------------------------


def ref_lower_case_names(det, text):
    from scrubber.detectors.gazetteer import _LOWER_WORD_RE

    hits = det._first_lower.intersection(_LOWER_WORD_RE.findall(text))
    if not hits:
        return []
    pattern = regex.compile(r"(?<![\p{L}\p{M}\p{N}_@/.])(?:" + "|".join(regex.escape(h) for h in sorted(hits))
                            + r")(?![\p{L}\p{M}\p{N}_@])")
    return [Span(m.start(), m.end(), "PERSON", det.options.lower_case_score, det.source) for m in pattern.finditer(text)]


def test_gazetteer_lower_case_names_same_as_reference():
    from scrubber.detectors.gazetteer import GazetteerDetector, GazetteerOptions

    det = GazetteerDetector(GazetteerOptions(ignore_case=True))
    names = ["emma", "ryan", "ann", "anna", "kimberly", "jose", "emmas"]
    rng = random.Random(4)
    extra = [" ".join(rng.choice(names + _WORDS) for _ in range(30)) for _ in range(300)]
    extra += ["emma/ryan", "@emma", "emma@x", "x.emma", "émma", "emmaé", "emma\u0301", "emma5", "٤emma",
              "_emma", "emma_", "annanna anna", "emma.", "(emma)", "emma's", "emma-ryan"]
    for text in CORPUS + extra:
        assert det._lower_case_names(text) == ref_lower_case_names(det, text), text


# -- the NER piece cache ----------------------------------------------------------------------


def test_ner_cache_gives_the_same_spans_and_parses_each_piece_once():
    spacy = pytest.importorskip("spacy")
    from scrubber.detectors.spacy_ner import SpacyNerDetector, SpacyNerOptions

    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns([
        {"label": "PERSON", "pattern": "Zorblat Quux"}, {"label": "GPE", "pattern": "Paris"},
    ])
    parsed: list[str] = []
    real_pipe = nlp.pipe

    def counting_pipe(texts, **kwargs):
        texts = list(texts)
        parsed.extend(texts)
        return real_pipe(texts, **kwargs)

    texts = ["Zorblat Quux went to Paris.", "then Zorblat Quux went to Paris."] * 3 + ["", "nothing here"]
    plain = SpacyNerDetector(SpacyNerOptions(cache_size=0, skip_known=False), nlp=nlp)
    want = list(plain.pipe(texts))
    cached = SpacyNerDetector(SpacyNerOptions(skip_known=False), nlp=nlp)
    nlp.pipe = counting_pipe  # type: ignore[method-assign]
    try:
        assert list(cached.pipe(texts)) == want
        assert len(parsed) == len(set(parsed))  # a repeated piece is parsed once
        parsed.clear()
        assert list(cached.pipe(texts)) == want
        assert parsed == []  # all from the cache
    finally:
        nlp.pipe = real_pipe  # type: ignore[method-assign]
    with pytest.raises(Exception, match="cache_size"):
        SpacyNerOptions(cache_size=-1).validate()


def test_ner_memory_zone_frees_new_words_after_zone_chars_and_never_changes_spans():
    spacy = pytest.importorskip("spacy")
    from scrubber.detectors.spacy_ner import SpacyNerDetector, SpacyNerOptions

    nlp = spacy.blank("en")
    if not hasattr(nlp, "memory_zone"):
        pytest.skip("spaCy < 3.8 has no memory zones")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "PERSON", "pattern": "Zorblat Quux"}])
    base = len(nlp.vocab.strings)
    texts = [f"Zorblat Quux met Wibblex{i} in Plonk{i}." for i in range(40)]
    opts = dict(cache_size=0, skip_known=False, prefilter=False)
    per_batch = SpacyNerDetector(SpacyNerOptions(zone_chars=0, **opts), nlp=nlp)
    want = list(per_batch.pipe(texts, batch_size=8))
    assert per_batch._zone is None and len(nlp.vocab.strings) == base  # closed after each batch
    long_zone = SpacyNerDetector(SpacyNerOptions(zone_chars=1000, **opts), nlp=nlp)
    got = []
    for k in range(0, len(texts), 8):  # 8 texts of ~36 characters per batch: ~290 per batch
        got.extend(long_zone.pipe(texts[k:k + 8], batch_size=8))
        if k == 0:
            assert long_zone._zone is not None and len(nlp.vocab.strings) > base  # kept open
    assert got == want
    long_zone.close_zone()
    assert len(nlp.vocab.strings) == base  # the new words are gone
    with pytest.raises(Exception, match="zone_chars"):
        SpacyNerOptions(zone_chars=-1).validate()
