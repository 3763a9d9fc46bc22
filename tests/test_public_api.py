import scrubber


def test_public_api_all_is_exact():
    assert sorted(scrubber.__all__) == [
        "ConfigError", "MissingDependencyError", "Pipeline", "PipelineConfig", "RecordError",
        "RegistryError", "RuleError", "ScrubResult", "ScrubberError", "ShardError", "Span",
        "__version__", "load", "load_config", "resolve_overlaps",
    ]
    for name in scrubber.__all__:
        assert hasattr(scrubber, name)


def test_public_api_import_is_light():
    import subprocess
    import sys

    code = "import scrubber, sys; heavy = [m for m in ('spacy', 'presidio_analyzer', 'ray', 'datasets', 'torch') if m in sys.modules]; print(heavy)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
