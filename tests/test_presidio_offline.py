"""Presidio must run with no network: tldextract reads its bundled suffix list only."""

from __future__ import annotations

import pytest

pytest.importorskip("presidio_analyzer")
tld_module = pytest.importorskip("tldextract.tldextract")

from scrubber import presidio_offline  # noqa: E402


@pytest.fixture
def fresh_tldextract(monkeypatch, tmp_path):
    """A freshly installed tldextract: default suffix-list URLs and an empty cache, as on a new
    worker (the real one may already have a cache, which would hide a download)."""
    default = tld_module.TLDExtract(cache_dir=str(tmp_path), suffix_list_urls=tld_module.PUBLIC_SUFFIX_LIST_URLS)
    monkeypatch.setattr(tld_module, "TLD_EXTRACTOR", default)
    monkeypatch.delenv("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", raising=False)


def test_presidio_offline_control_default_tldextract_tries_network(network_calls, fresh_tldextract):
    # Shows the blocker works: unconfigured, tldextract reaches for publicsuffix.org.
    import tldextract

    assert tldextract.extract("a.b@example.com").suffix == "com"  # falls back to the snapshot
    assert network_calls


def test_presidio_offline_configure_uses_bundled_snapshot(network_calls, fresh_tldextract):
    import tldextract

    presidio_offline.configure()
    assert presidio_offline.is_offline()
    assert tldextract.extract("jane@mail.example.co.uk").suffix == "co.uk"
    assert tldextract.extract("x@foo.notatld").suffix == ""
    assert network_calls == []


def test_presidio_offline_email_recognizer_without_network(network_calls, fresh_tldextract):
    from presidio_analyzer.predefined_recognizers import EmailRecognizer, UrlRecognizer

    presidio_offline.configure()
    text = "Write to jane.doe@example.org or see https://www.example.com/page today."
    found = {(r.entity_type, text[r.start:r.end]) for r in EmailRecognizer().analyze(text, ["EMAIL_ADDRESS"])}
    found |= {(r.entity_type, text[r.start:r.end]) for r in UrlRecognizer().analyze(text, ["URL"])}
    assert ("EMAIL_ADDRESS", "jane.doe@example.org") in found
    assert ("URL", "https://www.example.com/page") in found
    assert network_calls == []


@pytest.mark.model
def test_presidio_offline_analyzer_engine_without_network(network_calls, fresh_tldextract):
    analyzer = presidio_offline.build_analyzer()
    text = "Mail jane.doe@example.org or visit https://www.example.com/x, said John Smith in Paris."
    results = analyzer.analyze(text, language="en")
    found = {(r.entity_type, text[r.start:r.end]) for r in results}
    assert ("EMAIL_ADDRESS", "jane.doe@example.org") in found
    assert any(label == "URL" and "www.example.com" in value for label, value in found)
    assert network_calls == []


def test_presidio_offline_missing_model_is_refused_not_downloaded(network_calls):
    from scrubber.errors import MissingDependencyError

    with pytest.raises(MissingDependencyError, match="not installed"):
        presidio_offline.build_analyzer("xx_no_such_model_sm")
    assert network_calls == []
