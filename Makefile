# Every target sets itself up: a fresh clone needs only Python 3.10+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup test demo regenerate check-generated protos dist bench lint docs clean

# setup.py compiles generated/viam_api/_wire*.py when a C compiler is there: rebuild when they change.
$(STAMP): pyproject.toml setup.py generated/viam_api/_wire.py generated/viam_api/_wire_encode.py \
		generated/viam_api/_wire_plan.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	$(BIN)/python tools/typing_roots.py
	touch $(STAMP)

setup: $(STAMP)

# On every core (pytest-xdist): each test is independent (its own emulator, ports and files);
# the install tests share one build of the distributions, so they stay on one worker (xdist_group).
# tests/docs drives Debian's chromium: installed here when missing (as root, as CI can).
test: $(STAMP) chromium
	$(BIN)/python -m pytest -q -n auto --dist loadgroup

demo: $(STAMP)
	$(BIN)/python examples/demo.py

# Rewrite generated/ from protos/ (deterministic: a second run changes nothing).
regenerate: $(STAMP)
	$(BIN)/python -m codegen generate --protos protos --out generated
	$(BIN)/python -m tools.sync_facade

# Fail when generated/ differs from a fresh regeneration (CI).
check-generated: $(STAMP)
	$(BIN)/python -m codegen generate --protos protos --out generated --check
	$(BIN)/python -m tools.sync_facade --check

# Refresh protos/ from the pinned API package (viam-sdk, see pyproject.toml).
protos: $(STAMP)
	$(BIN)/python -m codegen protos --out protos

# An sdist and a wheel in dist/.  `python -m build` makes the sdist, then the wheel from
# that sdist (so the wheel proves the sdist is complete), each in an isolated build
# environment as pip makes one.  The wheel carries the compiled codec where a C compiler
# is there; the sdist compiles it at install when it can (setup.py).
dist: $(STAMP)
	rm -rf dist
	$(BIN)/python -m build --outdir dist .

# Our SDK as users get it: the wheel of `make dist`, installed in $(BENCH_VENV) (with the
# official SDK), measured beside the editable checkout in the same run (bench/installs.py).
# BENCH_OURS=wheel measures the wheel alone; BENCH_ARGS adds options (--only, --reps, ...).
BENCH_VENV ?= build/bench-venv
BENCH_OURS ?= wheel editable
BENCH_ARGS ?=
bench: dist
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python -m bench --ours $(BENCH_OURS) --wheel dist --bench-venv $(BENCH_VENV) $(BENCH_ARGS)

# The emulator's SQL and MQL engines: a GROUP BY over 100,000 readings (bench/queries.py).
.PHONY: bench-queries
bench-queries: $(STAMP)
	$(BIN)/python -m bench.queries

# Ours only: 100,000-row pulls into a DataFrame, an Arrow table and a Parquet file (bench/frames.py).
.PHONY: bench-frames
bench-frames: $(STAMP)
	$(BIN)/python -m bench.frames

lint: $(STAMP)
	$(BIN)/ruff check codegen viam_sdk generated tests bench tools
	$(BIN)/mypy codegen viam_sdk generated/viam_api bench tools/sync_facade.py

# The documentation site (build/site), warnings as errors.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# Every page of the site in a headless browser, from disk and served: links, anchors, search,
# no unrendered reST (tests/docs/test_site.py).  Installs Debian's chromium when missing (as root).
.PHONY: docs-check
docs-check: docs chromium
	$(BIN)/python -m pytest tests/docs -q -s -p no:cacheprovider

# A screenshot of each page of the emulator's dashboard, for docs/emulator.md.
.PHONY: dashboard-shots
dashboard-shots: $(STAMP) chromium
	$(BIN)/python -m tests.dashboard.shots --out docs/images/dashboard

.PHONY: chromium
chromium:
	@command -v chromium >/dev/null || (apt-get update -q && apt-get install -y -q chromium)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
