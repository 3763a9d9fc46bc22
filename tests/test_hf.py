"""scrubber.hf: ScrubMap for Dataset.map / IterableDataset.map, fingerprints, fail-closed rows."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from dataclasses import dataclass

import pytest

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

datasets = pytest.importorskip("datasets")

import scrubber  # noqa: E402
from scrubber.errors import ConfigError, MissingDependencyError  # noqa: E402
from scrubber.hf import PII_ERROR, PII_SPANS, RecordScrubber, ScrubMap, scrub_dataset  # noqa: E402
from scrubber.registry import operators  # noqa: E402

Hasher = datasets.fingerprint.Hasher

TEXTS = [
    "mail a.b@example.org now",
    "nothing here",
    "call +1 415 555 0132 or write to x@y.org",
    "ip 192.168.10.4 and card 4111 1111 1111 1111",
    "",
    "😀 ünïcode c@d.org 😀",
]


def _corpus(n: int = 60) -> dict[str, list]:
    return {"id": [f"doc-{i}" for i in range(n)], "text": [TEXTS[i % len(TEXTS)] + f" #{i}" for i in range(n)]}


@pytest.fixture(autouse=True)
def _isolated_hf_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf-cache"))


def test_hf_scrubmap_scrubs_and_adds_error_column():
    fn = ScrubMap(pipeline="fast")
    out = fn({"id": ["a", "b"], "text": ["mail a.b@example.org now", "nothing"]})
    assert out == {"text": ["mail <EMAIL_ADDRESS> now", "nothing"], PII_ERROR: [None, None]}


def test_hf_scrubmap_with_spans_gives_offsets_into_input():
    out = ScrubMap(pipeline="fast", with_spans=True)({"text": ["mail a.b@example.org now"]})
    assert out[PII_SPANS] == [[{"start": 5, "end": 20, "label": "EMAIL_ADDRESS", "score": 0.95, "source": "email.v1"}]]


def test_hf_scrubmap_pickles_only_config():
    fn = ScrubMap(pipeline="fast")
    fn.pipeline  # noqa: B018  (load it: it must not travel)
    assert fn._pipeline is not None
    blob = pickle.dumps(fn)
    assert b"RegexEngine" not in blob and b"re2" not in blob
    back = pickle.loads(blob)
    assert back._pipeline is None
    assert back.config == fn.config and back == fn
    assert back({"text": ["a@b.org"]})["text"] == ["<EMAIL_ADDRESS>"]


def test_hf_fingerprint_same_for_same_config_and_ignores_loaded_pipeline():
    a, b = ScrubMap(pipeline="fast"), ScrubMap(pipeline=scrubber.load_config("fast"))
    before = Hasher.hash(a)
    a.pipeline  # noqa: B018
    a({"text": ["x@y.org"]})
    assert Hasher.hash(a) == before == Hasher.hash(b)
    assert Hasher.hash(ScrubMap(pipeline="fast", with_spans=True)) != before
    assert Hasher.hash(ScrubMap(pipeline="fast", text_column="body")) != before
    assert Hasher.hash(ScrubMap(pipeline="fast", key=b"k" * 32)) != before


def test_hf_fingerprint_stable_across_processes():
    code = (
        "from datasets.fingerprint import Hasher; from scrubber.hf import ScrubMap; "
        "print(Hasher.hash(ScrubMap(pipeline='fast', with_spans=True)))"
    )
    env = dict(os.environ, PYTHONPATH=os.getcwd(), PYTHONHASHSEED="123")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert other.stdout.strip() == Hasher.hash(ScrubMap(pipeline="fast", with_spans=True))


def test_hf_second_map_on_saved_dataset_is_a_cache_hit(tmp_path):
    datasets.Dataset.from_dict(_corpus()).save_to_disk(str(tmp_path / "ds"))

    first = datasets.load_from_disk(str(tmp_path / "ds")).map(ScrubMap(pipeline="fast"), batched=True)
    (cache,) = {f["filename"] for f in first.cache_files} - {
        f["filename"] for f in datasets.load_from_disk(str(tmp_path / "ds")).cache_files
    }
    stamp = os.stat(cache).st_mtime_ns

    second = datasets.load_from_disk(str(tmp_path / "ds")).map(ScrubMap(pipeline="fast"), batched=True)
    assert cache in {f["filename"] for f in second.cache_files}
    assert os.stat(cache).st_mtime_ns == stamp  # read back, not rewritten
    assert second.to_list() == first.to_list()


def test_hf_num_proc_1_and_2_give_identical_output():
    ds = datasets.Dataset.from_dict(_corpus(80))
    one = scrub_dataset(ds, "fast", with_spans=True, num_proc=1, batch_size=7, load_from_cache_file=False)
    two = scrub_dataset(ds, "fast", with_spans=True, num_proc=2, batch_size=13, load_from_cache_file=False)
    assert one.to_list() == two.to_list()
    assert one.column_names == ["id", "text", PII_ERROR, PII_SPANS]
    assert one[0]["text"] == "mail <EMAIL_ADDRESS> now #0"


def test_hf_streaming_map_matches_map():
    ds = datasets.Dataset.from_dict(_corpus(40))
    eager = ds.map(ScrubMap(pipeline="fast", with_spans=True), batched=True, batch_size=8).to_list()
    streamed = ds.to_iterable_dataset(num_shards=3).map(
        ScrubMap(pipeline="fast", with_spans=True), batched=True, batch_size=8
    )
    assert list(streamed) == eager
    assert list(scrub_dataset(ds.to_iterable_dataset(num_shards=2), "fast", with_spans=True)) == eager


def test_hf_scrub_dataset_on_dataset_dict():
    dd = datasets.DatasetDict(
        train=datasets.Dataset.from_dict(_corpus(6)), test=datasets.Dataset.from_dict(_corpus(3))
    )
    out = scrub_dataset(dd, "fast")
    assert set(out) == {"train", "test"}
    assert out["test"][0]["text"] == "mail <EMAIL_ADDRESS> now #0"


def test_hf_missing_text_column_names_available_columns():
    ds = datasets.Dataset.from_dict({"id": [1], "body": ["x"]})
    with pytest.raises(ConfigError, match=r"'text' not found; available columns: id, body"):
        scrub_dataset(ds, "fast")
    with pytest.raises(ConfigError, match=r"available columns: id, body"):
        ds.map(ScrubMap(pipeline="fast"), batched=True)
    assert scrub_dataset(ds, "fast", text_column="body")[0]["body"] == "x"


@pytest.mark.parametrize("num_proc", [None, 2])
def test_hf_non_string_rows_are_kept_emptied_and_flagged(num_proc):
    texts = ["a@b.org"] * 10 + [None] + ["c@d.org"] * 9
    ds = datasets.Dataset.from_dict({"id": list(range(20)), "text": texts})
    out = scrub_dataset(ds, "fast", num_proc=num_proc, batch_size=4).to_list()
    assert len(out) == 20
    assert out[10]["text"] == "" and "NoneType" in out[10][PII_ERROR]
    assert all(r["text"] == "<EMAIL_ADDRESS>" and r[PII_ERROR] is None for i, r in enumerate(out) if i != 10)


def test_hf_non_string_column_type_fails_closed():
    ds = datasets.Dataset.from_dict({"text": [[1, 2], [3]], "id": ["a", "b"]})
    out = scrub_dataset(ds, "fast").to_list()
    assert [r["text"] for r in out] == ["", ""]
    assert all("list" in r[PII_ERROR] for r in out)


def test_hf_row_whose_scrub_raises_is_emptied_not_passed_through(monkeypatch):
    real = scrubber.Pipeline.transform

    def flaky(self, text, spans, doc_id=None):
        if "BOOM" in text:
            raise RuntimeError("secret a@b.org in message")
        return real(self, text, spans, doc_id)

    monkeypatch.setattr(scrubber.Pipeline, "transform", flaky)
    out = ScrubMap(pipeline="fast")({"text": ["x@y.org", "BOOM z@w.org", "ok"]})
    assert out["text"] == ["<EMAIL_ADDRESS>", "", "ok"]
    assert out[PII_ERROR][1] == "RuntimeError while scrubbing"  # the message (may quote PII) is dropped


@dataclass(frozen=True)
class _DocIdOptions:
    pass


@pytest.fixture
def docid_operator():
    @operators.register("test_docid.v0", _DocIdOptions)
    def make(options):
        return lambda value, span, ctx: f"<{ctx.doc_id}>"

    yield "test_docid.v0"
    operators._entries.pop("test_docid.v0", None)


def test_hf_doc_id_comes_from_id_column(docid_operator):
    from scrubber.config import OperatorConfig, TransformsConfig

    base = scrubber.load_config("fast")
    cfg = type(base)(**{**base.__dict__, "transforms": TransformsConfig(OperatorConfig(docid_operator, _DocIdOptions()))})
    out = ScrubMap(pipeline=cfg)({"id": [7, "x"], "text": ["a@b.org", "a@b.org"]})
    assert out["text"] == ["<7>", "<x>"]
    hashed = ScrubMap(pipeline=cfg, id_column=None)({"id": [7], "text": ["a@b.org"]})["text"][0]
    assert len(hashed) == 66  # sha256 of the text when there is no id column


def test_hf_record_scrubber_records_mode():
    rs = RecordScrubber("fast", text_column="body", with_spans=True)
    (good, bad) = rs.scrub_records([{"id": 1, "body": "a@b.org"}, {"id": 2, "body": 3}])
    assert good == {"id": 1, "body": "<EMAIL_ADDRESS>", PII_SPANS: good[PII_SPANS]} and PII_ERROR not in good
    assert bad["body"] == "" and bad[PII_ERROR].startswith("TypeError")


def test_hf_missing_datasets_extra_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "datasets", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'scrubber\[hf\]'"):
        scrub_dataset(object(), "fast")


def _pseudonymizing_config():
    from scrubber.config import config_from_dict

    return config_from_dict({
        "name": "fast-pseudo",
        "detectors": [{"type": "regex.v1", "rules": ["builtin"]}],
        "transforms": {"default": {"operator": "pseudonymize", "scope": "document"}},
    })


def test_hf_keyed_pipeline_needs_key_and_fingerprint_never_holds_it():
    from datasets.utils._dill import dumps

    from scrubber.keys import SecretKey

    cfg = _pseudonymizing_config()
    with pytest.raises(ConfigError, match="needs a secret key"):
        ScrubMap(pipeline=cfg)
    secret = b"0123456789abcdef-not-a-real-key!"
    fn = ScrubMap(pipeline=cfg, key=SecretKey(secret))
    blob = dumps(fn)  # what datasets hashes
    assert secret not in blob and SecretKey(secret).key_id.encode() in blob
    assert secret in pickle.dumps(fn)  # what workers receive: the key must travel
    assert Hasher.hash(fn) == Hasher.hash(ScrubMap(pipeline=cfg, key=secret))  # bytes or SecretKey: same key
    assert Hasher.hash(fn) != Hasher.hash(ScrubMap(pipeline=cfg, key=SecretKey(b"another key, 32 bytes long......")))


def test_hf_pseudonyms_stable_by_id_and_identical_for_num_proc_1_and_2():
    from scrubber.keys import SecretKey

    key = SecretKey(b"k" * 32)
    ds = datasets.Dataset.from_dict(_corpus(40))
    one = scrub_dataset(ds, _pseudonymizing_config(), key=key, num_proc=1, load_from_cache_file=False)
    two = scrub_dataset(ds, _pseudonymizing_config(), key=key, num_proc=2, batch_size=9, load_from_cache_file=False)
    assert one.to_list() == two.to_list()
    assert "a.b@example.org" not in one[0]["text"] and "<" not in one[0]["text"]
    # Same id and text: same pseudonym, whatever else is in the batch.
    alone = ScrubMap(pipeline=_pseudonymizing_config(), key=key)({"id": ["doc-0"], "text": [ds[0]["text"]]})
    assert alone["text"][0] == one[0]["text"]
