PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test run lint bench format clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/policybrief demo

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

run: $(STAMP)
	$(BIN)/policybrief run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Every benchmark runs, even after one misses its target; the misses are listed at the end.
# farm.py and startup.py print their misses and exit 0 unless asked to --check.
bench: $(STAMP)
	@failed=""; \
	for b in benchmarks/*.py; do \
		case $$b in benchmarks/farm.py|benchmarks/startup.py) args=--check;; *) args=;; esac; \
		echo "== $$b $$args"; \
		$(BIN)/python $$b $$args || failed="$$failed $$b"; \
	done; \
	if [ -n "$$failed" ]; then echo "== benchmarks that missed a target or failed:$$failed"; exit 1; fi; \
	echo "== every benchmark met its targets"

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
