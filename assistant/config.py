"""Settings: one validated tree built from YAML layers.

Layering (later wins) follows private-gpt: the packaged ``settings.yaml``,
then a profile or config file, then ``SUMMIT_SECTION__KEY`` environment
variables, then keyword overrides from code or the CLI. Paths are resolved
against a project root so that the CLI works from any directory.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULTS_FILE = PACKAGE_DIR / "settings.yaml"
PROFILES_DIR = PACKAGE_DIR / "profiles"
ENV_PREFIX = "SUMMIT_"
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PathsSettings(_Section):
    root: str = ""
    corpus: str = "corpus"
    index: str = "index"
    data: str = ""


class ModelsSettings(_Section):
    dir: str = ""
    embedding: str = "embeddinggemma-300m"
    llm: str = "qwen2.5-coder-1.5b"
    fast_llm: str = "qwen2.5-coder-0.5b"
    verify: bool = True


class EmbeddingSettings(_Section):
    query_prompt: str = "task: search result | query: "
    document_prompt: str = "title: none | text: "
    batch_size: int = 0  # 0: the runtime's measured best (onnx 4, torch 16)
    cache_size: int = 1024
    runtime: str = "onnx"  # onnx (no torch at query time) or torch (sentence-transformers)
    dtype: str = "bfloat16"  # torch runtime: documents' precision (autocast); float32 for CPUs without fast bfloat16
    bulk_threshold: int = 300  # onnx runtime: builds of this many texts or more go to bulk_runtime (0: never)
    bulk_runtime: str = "onnx-int8"  # onnx-int8 (an int8 copy of the export) or torch (bfloat16 autocast)


class ChunkingSettings(_Section):
    max_chars: int = 700
    min_chars: int = 200
    overlap_sentences: int = 1


class StoreSettings(_Section):
    collection: str = "summit"
    chroma_url: str = ""


class RetrievalSettings(_Section):
    """Hybrid retrieval; the defaults are tuned on XQuAD and the summit set.

    See ``assistant/retrieval/retriever.py`` for how the score is built and
    ``evals/results/retrieval-tuning.md`` for the measurements behind each value.
    ``min_dense_score`` comes from ``assistant/retrieval/calibration.json``
    and is only meaningful for the embedding model it was calibrated with.
    """

    top_k: int = 5
    candidates: int = 20
    fusion: Literal["score", "rrf"] = "score"
    rrf_k: int = 60
    dense_weight: float = 1.0
    bm25_weight: float = 0.15
    cross_lingual_bm25_weight: float = 0.05
    sentence_weight: float = 0.4
    lead_weight: float = 0.1
    min_dense_score: float = 0.18


class LLMSettings(_Section):
    """The answering model. ``ollama`` and ``openai`` go through llama-index's integrations; ``llama-index``
    takes any llama-index LLM by import path (``class``) with its constructor's keyword arguments
    (``kwargs``, a mapping; kept as sorted JSON so that the settings stay hashable)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    backend: Literal["llamacpp", "ollama", "openai", "llama-index", "extractive", "fake"] = "llamacpp"
    model: str = ""
    class_path: str = Field(default="", alias="class")
    kwargs: str = "{}"
    n_threads: int = 2
    n_ctx: int = 4096
    max_tokens: int = 256
    temperature: float = 0.0
    url: str = ""
    api_key: str = ""
    timeout_s: float = 60
    fallback: Literal["none", "extractive"] = "none"

    @field_validator("kwargs", mode="before")
    @classmethod
    def _as_json(cls, value: object) -> object:
        if isinstance(value, dict):
            return json.dumps(value, sort_keys=True)
        if isinstance(value, str) and value.strip():
            try:
                parsed = json.loads(value)
            except ValueError as err:
                raise ValueError(f"llm.kwargs must be a mapping (YAML or JSON): {err}") from err
            if not isinstance(parsed, dict):
                raise ValueError("llm.kwargs must be a mapping")
            return json.dumps(parsed, sort_keys=True)
        return value or "{}"

    @property
    def kwargs_dict(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.kwargs)
        return loaded


class AnswerSettings(_Section):
    language: Literal["auto", "de", "en"] = "auto"
    passages: int = 2
    chars_per_passage: int = 500
    follow_up: Literal["carry", "rewrite", "always", "none"] = "carry"
    min_support: float = 0.3
    # The answer policy, in order (assistant.answer.checks): evidence checks before the model is asked,
    # reply checks after. Leave one out to switch it off.
    checks: tuple[str, ...] = (
        "relevant", "question_facts", "question_terms", "asked_role", "answer_kind", "anchor_gap",
        "non_empty", "model_refusal", "supported", "anchored", "complete_list",
        "new_to_conversation", "reply_kind", "not_a_restatement", "second_opinion", "on_topic",
    )  # fmt: skip
    # A failed reply falls back to the model's short answer from the best sentence alone, instead of quoting it.
    # Off: with the 1.5B model the quote is right far more often (XQuAD 17 of 18 vs 17 of 39, eval-general).
    short_fallback: bool = False
    # A failed reply's fallback: the best sentence quoted; restated by the model as one checked point in the
    # question's language (assistant.answer.points); or the words of the sentence that answer, copied by the
    # model and checked to stand in it (assistant.answer.span). The sentence is the citation; the quote when
    # the model's point or span fails.
    fallback_style: Literal["quote", "restate", "span"] = "quote"
    # on_topic: a fallback's sentence must reach this cosine to the question (EmbeddingGemma), or the answer is a
    # refusal; the second floor when the sentence's document is in another language than the question.
    fallback_min_cosine: float = 0.40
    fallback_min_cosine_cross: float = 0.30
    anchor_gap: float = 0.10  # cosine; calibrated for EmbeddingGemma (0: off)
    quote_neighbour: bool = True  # extractive: quote the best sentence's neighbour too when it is among the 3 best
    self_check: bool = True  # ask the model again, sampled; fall back to the quote when its answer changes
    self_check_agreement: float = 0.7  # least share of the shorter reply's added words the two replies share
    self_check_temperature: float = 0.8
    # Open questions (assistant.answer.forms): lists, summaries, comparisons and explanations get several
    # checked points from coverage-chosen evidence; a question of two parts is answered part by part.
    forms: bool = True
    open_points: int = 4  # the most points of a list, summary or comparison answer
    explanation_points: int = 3
    open_chunks: int = 8  # chunks retrieved as the evidence pool of a list, comparison or explanation
    open_margin: float = 0.15  # cosine: a list item's sentence is at most this far below the best one
    open_diversity: float = 0.3  # MMR: the weight of novelty against relevance
    # Document and section summaries built with the index (assistant.summaries): written by the LLM
    # ("llm", when one is configured), quoted ("extractive"), or not built ("off").
    summaries: Literal["llm", "extractive", "off"] = "llm"
    # At most this many documents get model-written summaries in one build (about 6 s each with the
    # 1.5B model); past it a build quotes them, so a thousand-file corpus builds in embedding time.
    summaries_llm_max: int = Field(default=20, ge=0)


class ServerSettings(_Section):
    """``assistant serve``: who may use it, and how much.

    With no key at all the server is open, which ``serve`` allows only on
    a loopback host (``--insecure`` overrides, with a warning). Keys are
    bearer tokens for ``/v1`` and passwords for the UI's login; an admin
    key may also change the corpus. ``SUMMIT_SERVER__API_KEYS=k1,k2``
    sets them from the environment.
    """

    api_keys: tuple[str, ...] = ()
    admin_keys: tuple[str, ...] = ()
    api_keys_file: str = ""  # one key per line, "KEY" or "KEY admin"; # starts a comment
    rate_limit_per_minute: int = 60  # requests per key (per client address without keys); 0: no limit
    queue_max: int = 8  # questions that may wait for the local model; one more gets HTTP 429
    queue_timeout_s: float = 120  # a question waiting longer for the model gets HTTP 503

    @field_validator("api_keys", "admin_keys", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        """The environment gives "k1,k2" as one string; a list from YAML passes through."""
        if isinstance(value, str | int):  # YAML reads a lone numeric key as a number
            return tuple(k.strip() for k in str(value).split(",") if k.strip())
        return value


class Settings(_Section):
    paths: PathsSettings = PathsSettings()
    models: ModelsSettings = ModelsSettings()
    embedding: EmbeddingSettings = EmbeddingSettings()
    chunking: ChunkingSettings = ChunkingSettings()
    store: StoreSettings = StoreSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    llm: LLMSettings = LLMSettings()
    answer: AnswerSettings = AnswerSettings()
    server: ServerSettings = ServerSettings()

    # -- resolved locations -------------------------------------------------
    @property
    def root(self) -> Path:
        return Path(self.paths.root).expanduser().resolve() if self.paths.root else _default_root()

    def _under_root(self, value: str) -> Path:
        p = Path(value).expanduser()
        return p if p.is_absolute() else self.root / p

    @property
    def corpus_dir(self) -> Path:
        return self._under_root(self.paths.corpus)

    @property
    def index_dir(self) -> Path:
        return self._under_root(self.paths.index)

    @property
    def data_dir(self) -> Path:
        if self.paths.data:
            return self._under_root(self.paths.data)
        return self.root / ".data"

    @property
    def models_dir(self) -> Path:
        if self.models.dir:
            return Path(self.models.dir).expanduser().resolve()
        from platformdirs import user_cache_dir

        return Path(user_cache_dir("summit-assistant")) / "models"

    def with_overrides(self, **overrides: Any) -> Settings:
        """Return a copy with dotted or sectioned overrides applied."""
        data = self.model_dump(by_alias=True)  # llm.class is an alias: its field name would be an extra key
        _deep_merge(data, _expand_dotted(overrides))
        return _validate(data)


def _default_root() -> Path:
    """The checkout when installed editable (it holds ``corpus/``), else cwd."""
    candidate = PACKAGE_DIR.parent
    if (candidate / "corpus").is_dir() and (candidate / "pyproject.toml").is_file():
        return candidate
    return Path.cwd()


def _expand_vars(value: Any) -> Any:
    if isinstance(value, str):
        return _VAR.sub(lambda m: os.environ.get(m.group(1), m.group(2) or ""), value)
    if isinstance(value, dict):
        return {k: _expand_vars(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand_vars(v) for v in value]
    return value


def _deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _deep_merge(base[key], value)
        else:
            base[key] = value


def _expand_dotted(flat: dict[str, Any]) -> dict[str, Any]:
    """``{"llm.backend": "x"}`` or ``{"llm": {"backend": "x"}}`` -> nested."""
    out: dict[str, Any] = {}
    for key, value in flat.items():
        if value is None:
            continue
        parts = key.replace("__", ".").split(".")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if isinstance(value, dict) and isinstance(node.get(parts[-1]), dict):
            _deep_merge(node[parts[-1]], value)
        else:
            node[parts[-1]] = value
    return out


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as err:
        raise ConfigError(f"Config file not found: {path}") from err
    except yaml.YAMLError as err:
        raise ConfigError(f"Config file {path} is not valid YAML: {err}") from err
    if not isinstance(data, dict):
        raise ConfigError(f"Config file {path} must hold a mapping at the top level.")
    return data


def _env_layer() -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in os.environ.items():
        if key.startswith(ENV_PREFIX) and "__" in key:
            flat[key[len(ENV_PREFIX) :].lower()] = yaml.safe_load(value) if value else value
    return _expand_dotted(flat)


def _validate(data: dict[str, Any]) -> Settings:
    try:
        return Settings.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"Invalid setting {where}: {first['msg']}") from err


def profile_path(profile: str) -> Path:
    """A profile is a packaged name (``fast``) or a path to a YAML file."""
    candidate = Path(profile).expanduser()
    if candidate.suffix in {".yaml", ".yml"} or candidate.exists():
        return candidate
    packaged = PROFILES_DIR / f"{profile}.yaml"
    if not packaged.exists():
        names = sorted(p.stem for p in PROFILES_DIR.glob("*.yaml"))
        raise ConfigError(f"Unknown profile {profile!r}; known: {', '.join(names)}")
    return packaged


def load_settings(profile: str | None = None, **overrides: Any) -> Settings:
    """Build settings from defaults, profile, environment and overrides."""
    data = _read_yaml(DEFAULTS_FILE)
    chosen = profile or os.environ.get("SUMMIT_CONFIG") or os.environ.get("SUMMIT_PROFILE")
    if chosen:
        _deep_merge(data, _read_yaml(profile_path(chosen)))
    _deep_merge(data, _env_layer())
    _deep_merge(data, _expand_dotted(overrides))
    return _validate(_expand_vars(data))
