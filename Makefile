# ragqa — `make run` (set up + serve) and `make test` (set up + whole suite) are the contract.
UV ?= uv
# nltk (inside llama-index) refuses hard-linked data files, so the venv gets copies
export UV_LINK_MODE := copy
PY := $(UV) run --frozen python
STAMP := .venv/.installed

.PHONY: install run ingest ask test eval bench lint

install: $(STAMP)

$(STAMP): pyproject.toml uv.lock
	@command -v $(UV) >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen
	@touch $(STAMP)

ingest: install
	$(UV) run --frozen ragqa ingest

run: install ingest
	$(UV) run --frozen ragqa serve

ask: install
	$(UV) run --frozen ragqa ask

test: install
	$(UV) run --frozen pytest -q

eval: install
	$(UV) run --frozen ragqa eval --gold eval/gold --out eval/reports/latest

bench: install
	$(PY) -m bench.run

lint: install
	$(UV) run --frozen ruff check .
