# gradlab: `make serve` runs the service, `make test` runs every test. Both create .venv/ on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
HOST ?= 127.0.0.1

.PHONY: serve test check lint build test-deps bench load clean screenshots

$(BIN)/gradlab: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	# torch first and pinned: the CPU build; see pyproject.toml
	$(BIN)/python -m pip install torch==2.13.0
	$(BIN)/python -m pip install -e '.[test]'
	touch $@

build: $(BIN)/gradlab
	$(BIN)/gradlab build

serve: build
	$(BIN)/gradlab serve --host $(HOST) --port $(PORT)

# Debian packages the tests use: Chromium for the browser tests, PostgreSQL and Redis for the storage tests.
test-deps:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/redis-server ] && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium fonts-noto-cjk fonts-noto-color-emoji postgresql redis-server; \
	else echo "The tests need Debian's chromium, postgresql and redis-server: sudo apt-get install chromium \
		fonts-noto-cjk postgresql redis-server" >&2; \
		exit 1; fi

test: $(BIN)/gradlab test-deps
	$(BIN)/python -m pytest

check: $(BIN)/gradlab
	$(BIN)/gradlab check

lint: $(BIN)/gradlab
	$(BIN)/ruff check service demos tests

clean:
	rm -rf data .pytest_cache test-output

bench: $(BIN)/gradlab
	$(BIN)/python bench/run.py --write docs/performance.md

load: build
	$(BIN)/python bench/load.py --requests 2000 --concurrency 16

screenshots: build
	$(BIN)/python bench/screenshots.py --out docs
