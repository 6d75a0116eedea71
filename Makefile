# ragqa — `make run` (set up + serve) and `make test` (set up + whole suite) are the contract.
UV ?= uv
# nltk (inside llama-index) refuses hard-linked data files, so the venv gets copies
export UV_LINK_MODE := copy
PY := $(UV) run --frozen python
STAMP := .venv/.installed

.PHONY: install run ingest ask browser converters test test-fast eval holdout eval-external bench lint train crud-train-data

install: $(STAMP)

$(STAMP): pyproject.toml uv.lock
	@command -v $(UV) >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen
	@touch $(STAMP)

ingest: install
	$(UV) run --frozen ragqa ingest

run: install converters ingest
	$(UV) run --frozen ragqa serve

ask: install
	$(UV) run --frozen ragqa ask

# Debian's headless chromium + CJK fonts for the browser tests (playwright's own download does not work offline)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else echo "chromium missing: install chromium and fonts-noto-cjk for the browser tests"; fi; }

# Debian's catdoc reads .doc/.wps offline (ingest/formats.py); without it those files are skipped with a reason
converters:
	@command -v catdoc >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq catdoc >/dev/null; \
	  else echo "catdoc missing: install it to ingest .doc/.wps files"; fi; }

test: install browser converters
	$(UV) run --frozen pytest -q

# the edit loop (< 60 s): everything except the tests marked slow (the browser and the whole gold set)
test-fast: install
	$(UV) run --frozen pytest -q -m "not slow"

eval: install
	$(PY) -m eval --gold eval/gold --out eval/reports/latest
	$(PY) -m eval.kits --out eval/reports/external

holdout: install
	$(PY) -m eval --gold eval/holdout --out eval/reports/holdout --no-baseline
	$(PY) -m eval --gold eval/fresh --out eval/reports/fresh --no-baseline

bench: install
	$(PY) -m bench.run
	$(PY) -m bench.ocr --pages 3

lint: install
	$(UV) run --frozen ruff check .

# the learned answer scorer and answerability score (rag/models/answer_model.json); indexes cached in RAGQA_EVAL_CACHE
train: install
	$(PY) -m eval.train

# rebuild eval/train_data/crud-train* from a copy of the CRUD-RAG repository (CRUD_RAG_REPO: checkout or bare git dir)
crud-train-data: install
	$(PY) -m eval.build_crud_train

# the external kits (eval/external) and their unanswerable variants, the fusion sweep and the ablation table
eval-external: install
	$(PY) -m eval.kits
	$(PY) -m eval.fusion
	$(PY) -m eval.ablation
