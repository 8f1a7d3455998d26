from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import load_settings
from assistant.errors import ConfigError


def test_defaults() -> None:
    s = load_settings()
    assert s.llm.backend == "llamacpp"
    assert s.models.embedding == "embeddinggemma-300m"
    assert s.corpus_dir.name == "corpus"


def test_profile_env_and_override_layering(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    prof = tmp_path / "p.yaml"
    prof.write_text("llm:\n  backend: ollama\n  n_threads: 1\nretrieval:\n  top_k: 9\n")
    monkeypatch.setenv("SUMMIT_RETRIEVAL__TOP_K", "7")
    s = load_settings(str(prof), **{"llm.n_threads": 3})
    assert s.llm.backend == "ollama"  # profile
    assert s.retrieval.top_k == 7  # env beats profile
    assert s.llm.n_threads == 3  # override beats all


def test_var_expansion(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SUMMIT_MODELS_DIR", str(tmp_path / "m"))
    assert load_settings().models_dir == (tmp_path / "m").resolve()


def test_packaged_profiles() -> None:
    assert load_settings("fast").models.llm == "qwen2.5-coder-0.5b"
    assert load_settings("extractive").llm.backend == "extractive"


def test_errors_are_readable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Unknown profile"):
        load_settings("no-such-profile")
    with pytest.raises(ConfigError, match=r"llm\.backend"):
        load_settings(**{"llm.backend": "gpt-9"})
    bad = tmp_path / "bad.yaml"
    bad.write_text("llm: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_settings(str(bad))
