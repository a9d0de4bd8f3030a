# Every target sets itself up: a fresh clone needs only Python 3.10+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup test demo regenerate check-generated protos bench lint docs clean

# setup.py compiles generated/viam_api/_wire.py when a C compiler is there: rebuild when it changes.
$(STAMP): pyproject.toml setup.py generated/viam_api/_wire.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	$(BIN)/python tools/typing_roots.py
	touch $(STAMP)

setup: $(STAMP)

# On every core (pytest-xdist): each test is independent (its own emulator, ports and files).
# tests/docs drives Debian's chromium: installed here when missing (as root, as CI can).
test: $(STAMP) chromium
	$(BIN)/python -m pytest -q -n auto

demo: $(STAMP)
	$(BIN)/python examples/demo.py

# Rewrite generated/ from protos/ (deterministic: a second run changes nothing).
regenerate: $(STAMP)
	$(BIN)/python -m codegen generate --protos protos --out generated
	$(BIN)/python -m codegen.sync_facade

# Fail when generated/ differs from a fresh regeneration (CI).
check-generated: $(STAMP)
	$(BIN)/python -m codegen generate --protos protos --out generated --check
	$(BIN)/python -m codegen.sync_facade --check

# Refresh protos/ from the pinned API package (viam-sdk, see pyproject.toml).
protos: $(STAMP)
	$(BIN)/python -m codegen protos --out protos

bench: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python -m bench

# The emulator's SQL and MQL engines: a GROUP BY over 100,000 readings (bench/queries.py).
.PHONY: bench-queries
bench-queries: $(STAMP)
	$(BIN)/python -m bench.queries

# Ours only: 100,000-row pulls into a DataFrame, an Arrow table and a Parquet file (bench/frames.py).
.PHONY: bench-frames
bench-frames: $(STAMP)
	$(BIN)/python -m bench.frames

lint: $(STAMP)
	$(BIN)/ruff check codegen viam_sdk generated tests bench
	$(BIN)/mypy codegen viam_sdk generated/viam_api bench

# The documentation site (build/site), warnings as errors.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# Every page of the site in a headless browser, from disk and served: links, anchors, search,
# no unrendered reST (tests/docs/test_site.py).  Installs Debian's chromium when missing (as root).
.PHONY: docs-check
docs-check: docs chromium
	$(BIN)/python -m pytest tests/docs -q -s -p no:cacheprovider

.PHONY: chromium
chromium:
	@command -v chromium >/dev/null || (apt-get update -q && apt-get install -y -q chromium)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
