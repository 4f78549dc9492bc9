# The two front doors: `make run` serves the API on port 3000, `make test` runs every test.
# Needs only python3 (3.11+) and make: uv is fetched into .tools/ on first use.

PYTHON ?= python3
UV_VERSION ?= 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
STAMP := $(VENV)/.synced
DIST ?= dist

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test test-unit test-integration lint db-migrate db-push db-generate wheel constraints bench bench-compare bench-pieces bench-notify bench-imports wrk browser clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

$(STAMP): $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	@touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/live-attendance serve

test: $(STAMP) browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest tests/unit tests/integration

test-unit: $(STAMP)
	$(VENV)/bin/pytest tests/unit

test-integration: $(STAMP)
	$(VENV)/bin/pytest tests/integration

# The browser test drives Chromium. When it is missing and we run as root with apt-get, this
# installs Debian's chromium and what it depends on: no recommended packages, and nothing at all
# if that would upgrade an installed package. SKIP_BROWSER_INSTALL=1 installs nothing.
browser:
	@sh .ci/install-chromium

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

# The assignment's db:push / db:migrate / db:generate. Alembic is the source of truth, so a
# push is a migrate.
db-migrate db-push: $(STAMP)
	$(VENV)/bin/live-attendance migrate

db-generate: $(STAMP)
	$(VENV)/bin/live-attendance makemigration -m "$(or $(m),schema change)"

# The wheel, and next to it constraints.txt: the locked versions of its dependencies, for
# `pip install -c dist/constraints.txt dist/live_attendance-*.whl` (README, "As a package").
wheel: $(UV)
	rm -f $(DIST)/live_attendance-*.whl
	$(UV) build --wheel --out-dir $(DIST)
	cp constraints.txt $(DIST)/constraints.txt

# constraints.txt is uv.lock's runtime dependencies, written again after the lock changes (a
# test fails while they differ).
constraints: $(UV)
	$(UV) export --frozen --no-dev --no-emit-project --no-hashes > constraints.txt.new
	mv constraints.txt.new constraints.txt

# The load benchmark (bench/run.py): our service, or side by side with the Node.js reference.
bench: $(STAMP) wrk
	$(VENV)/bin/python bench/run.py

# Ours and the Node.js reference side by side (ANCHOR_DIR), then the school morning on two
# processes (ours only; docs/benchmarks.md, "A school morning on two processes").
bench-compare: $(STAMP) wrk
	$(VENV)/bin/python bench/run.py --compare
	$(VENV)/bin/python bench/run.py --scenarios school_morning --workers 2

# What each hand-written piece buys: our server against itself with one piece put back to the
# library's way (bench/pieces.py; docs/benchmarks.md, "What each piece buys").
bench-pieces: $(STAMP) wrk
	$(VENV)/bin/python bench/pieces.py

# Imports: 5,000-row roster CSVs and a OneRoster bundle of 5,000 users, previewed, applied and
# applied again (bench/imports.py; docs/benchmarks.md, "Imports").
bench-imports: $(STAMP)
	$(VENV)/bin/python bench/imports.py

wrk:
	@command -v wrk >/dev/null || apt-get install -y wrk || (apt-get update && apt-get install -y wrk)

# Why the event bus is our own LISTEN/NOTIFY adapter: it against Litestar's channels backends.
bench-notify: $(STAMP)
	$(UV) sync --frozen --python $(PYTHON) --group bench
	$(VENV)/bin/python bench/notify_backends.py

clean:
	rm -rf $(VENV) $(TOOLS)
