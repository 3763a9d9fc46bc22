from __future__ import annotations

from pathlib import Path

import pytest

import scrubber
from scrubber.config import PipelineConfig, config_from_dict, load_config
from scrubber.errors import ConfigError, RegistryError


def test_config_bundled_names_load():
    for name in ("fast", "default"):
        cfg = load_config(name)
        assert isinstance(cfg, PipelineConfig)
        assert cfg.detectors


def test_config_path_and_object(tmp_path: Path):
    p = tmp_path / "mine.yaml"
    p.write_text("name: mine\ndetectors:\n  - type: regex.v1\n    include: [EMAIL_ADDRESS]\n")
    cfg = load_config(str(p))
    assert cfg.name == "mine"
    assert load_config(cfg) is cfg
    pipe = scrubber.load(cfg)
    assert pipe.scrub("x a@b.org 415-555-0134").text == "x <EMAIL_ADDRESS> 415-555-0134"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"detectors": [{"type": "regex.v1", "min_score": "high"}]},
         "detectors[0].min_score: expected a number, got 'high'"),
        ({"detectors": [{"type": "regex.v1", "bogus": 1}]}, "detectors[0].bogus: unknown key"),
        ({"detectors": [{"type": "regexx.v1"}]}, "Available names: "),
        ({"detectors": [{}]}, "detectors[0].type: missing"),
        ({"detectors": "regex"}, "detectors: expected a list"),
        ({"resolve": {"policy": "random"}}, "resolve: policy: unknown overlap policy 'random'"),
        ({"transforms": {"default": {"operator": "mask", "char": "**"}}}, "transforms.default: char"),
        ({"transforms": {"labels": {"PERSON": {"operator": "shred"}}}},
         "transforms.labels.PERSON.operator: unknown operator 'shred'. Available names:"),
        ({"max_chunk_chars": "big"}, "max_chunk_chars: expected int, got 'big'"),
        ({"colour": "red"}, "colour: unknown key"),
        ({"detectors": [{"type": "regex.v1", "phone_regions": ["ZZ"]}]}, "unknown region 'ZZ'"),
    ],
)
def test_config_errors_name_the_key_path(data, message):
    with pytest.raises(ConfigError) as info:
        config_from_dict(data, "p.yaml")
    assert message in str(info.value)
    assert str(info.value).startswith("p.yaml: ")


def test_config_unknown_pipeline_lists_names():
    with pytest.raises(ConfigError, match="Available names: .*fast"):
        load_config("nope")


def test_config_invalid_yaml_names_file(tmp_path: Path):
    p = tmp_path / "bad.yaml"
    p.write_text("detectors: [\n")
    with pytest.raises(ConfigError, match="bad.yaml: invalid YAML"):
        load_config(str(p))


def test_config_registry_error_is_config_error():
    assert issubclass(RegistryError, ConfigError)


def test_config_hash_is_stable():
    assert load_config("fast").sha256() == load_config("fast").sha256()
    other = config_from_dict({"name": "x", "detectors": [{"type": "regex.v1"}]})
    assert other.sha256() != load_config("fast").sha256()
