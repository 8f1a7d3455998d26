# summit-assistant: the README's two commands are `make serve` and `make test`.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.setup-stamp
HOST ?= 127.0.0.1
PORT ?= 7860

# llama.cpp is built for this CPU (-march=native) but without Intel AMX: on a Xeon with AMX its AMX weight
# buffers crash the first prompt of more than one token (segmentation fault in decode; llama-cpp-python 0.3.36).
# --no-cache-dir: pip would otherwise reuse a wheel built earlier with other flags.
LLAMA_CMAKE_ARGS ?= -DCMAKE_C_FLAGS="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16" -DCMAKE_CXX_FLAGS="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"

# The offline settings live in assistant/offline.py alone: `assistant` applies them itself, and every other
# Python command here runs under them through this prefix.
OFFLINE = $(BIN)/python -m assistant.offline

.PHONY: setup models index serve chat test test-unit lint bench bench-scale bench-retrieval eval eval-general eval-all loadtest clean

setup: $(STAMP)

# torch first, from the CPU wheel on disk, so nothing pulls a CUDA build.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check torch==2.13.0
	$(BIN)/python -c "import llama_cpp" 2>/dev/null || CMAKE_ARGS='$(LLAMA_CMAKE_ARGS)' \
	  $(BIN)/python -m pip install -q --disable-pip-version-check --no-cache-dir "llama-cpp-python[server]==0.3.36"
	$(BIN)/python -m pip install -q --disable-pip-version-check -e ".[llamacpp,dev]"
	@touch $(STAMP)

models: setup
	$(BIN)/assistant models fetch

index: models
	$(BIN)/assistant index

serve: index
	$(BIN)/assistant serve --host $(HOST) --port $(PORT)

chat: index
	$(BIN)/assistant chat

lint: setup
	$(BIN)/ruff check assistant tests
	$(BIN)/mypy assistant
	$(BIN)/python scripts/check_structure.py

test: index
	bash scripts/ui-deps.sh
	$(BIN)/ruff check assistant tests
	$(BIN)/mypy assistant
	$(BIN)/python scripts/check_structure.py
	$(OFFLINE) $(BIN)/python -m pytest -q tests; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$rc

test-unit: setup
	$(OFFLINE) $(BIN)/python -m pytest -q tests/unit

bench-retrieval: index
	$(OFFLINE) $(BIN)/python -m assistant.evaluation.bench_retrieval --out evals/results

eval: index
	$(BIN)/assistant eval evals/summit.jsonl --out evals/results/summit-llamacpp-1.5b
	$(BIN)/assistant eval evals/summit.jsonl --model qwen2.5-coder-0.5b --out evals/results/summit-llamacpp-0.5b
	$(BIN)/assistant eval evals/summit.jsonl --backend extractive --out evals/results/summit-extractive
	$(BIN)/assistant eval evals/summit-open.jsonl --out evals/results/summit-open-1.5b
	$(BIN)/assistant eval evals/summit-open.jsonl --backend extractive --out evals/results/summit-open-extractive

# The answer policy on documents nobody here wrote (XQuAD articles, the Debian Reference), beside the naive
# llama-index quickstart; ARGS="--per-article 2 --no-naive" for a quicker look.
eval-general: index
	$(OFFLINE) $(BIN)/python -m assistant.evaluation.general --out evals/results $(ARGS)

bench: index
	$(OFFLINE) $(BIN)/python -m assistant.evaluation.bench --out evals/results

# Cost by corpus size (the summit text, XQuAD + Debian Reference, the GIMP manual via apt-get download),
# with the embedded store and a Chroma server it starts; about 90 minutes on 2 cores. ARGS="--sizes summit".
bench-scale: index
	$(OFFLINE) $(BIN)/python -m assistant.evaluation.bench_scale --out evals/results $(ARGS)

# One after the other: two at once would share the two cores and slow both.
loadtest: index
	$(OFFLINE) $(BIN)/python -m assistant.loadtest --client ui --out evals/results
	$(OFFLINE) $(BIN)/python -m assistant.loadtest --client api --out evals/results

clean:
	rm -rf index/build-* index/.tmp-* index/CURRENT .pytest_cache .mypy_cache .ruff_cache
