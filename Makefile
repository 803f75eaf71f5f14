# The two commands a newcomer needs: `make demo` and `make test`.
# Needs only Python 3.11 on the PATH (as python3.11 or python3).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest test-clients bench clean graphiql browser

PORT ?= 8000

# Without GraphiQL's files (no Node and not root) the demo still runs: its GraphiQL page
# says what is missing.
demo: $(STAMP)
	@$(MAKE) --no-print-directory graphiql || echo "make demo: GraphiQL's files could not be built (see above); the API runs without them."
	$(BIN)/callboard demo --port $(PORT)

test: $(STAMP) lint typecheck graphiql browser pytest test-clients

lint: $(STAMP)
	$(BIN)/ruff check callboard tests $(wildcard bench)
	$(BIN)/ruff format --check callboard tests $(wildcard bench)

typecheck: $(STAMP)
	$(BIN)/mypy

# scripts/test-services.sh starts PostgreSQL and Redis (as root on Debian) for the
# scale-out tests and exports their URLs to pytest.
pytest: $(STAMP)
	. scripts/test-services.sh && $(BIN)/pytest

# The npm clients frontend teams use (Apollo Client, graphql-ws, graphql-sse) against a
# real `callboard serve` with LiraX's simulator (tests/clients/rig.py starts both).
NODE_CLIENTS := clients/node
test-clients: $(STAMP) $(NODE_CLIENTS)/node_modules/.installed
	$(BIN)/python -m tests.clients.rig -C $(NODE_CLIENTS) node --test

# Node and npm from Debian's apt when missing (CI runs as root); the packages exactly as
# package-lock.json pins them.
$(NODE_CLIENTS)/node_modules/.installed: $(NODE_CLIENTS)/package-lock.json
	@command -v node >/dev/null && command -v npm >/dev/null || scripts/apt-install.sh nodejs npm
	cd $(NODE_CLIENTS) && npm ci --no-audit --no-fund
	touch $@

bench: $(STAMP)
	$(BIN)/python bench/bench_api.py
	$(BIN)/python bench/bench_robocalls.py
	. scripts/test-services.sh && $(BIN)/python bench/bench_events.py
	. scripts/test-services.sh && $(BIN)/python bench/bench_call_rows.py

# GraphiQL's browser files (callboard/graphiql/static/), from the npm packages pinned in
# callboard/graphiql/package-lock.json: Callboard serves them itself, no CDN. Node.js and
# npm come from apt when missing (as root, as in CI).
graphiql: callboard/graphiql/static/.built

callboard/graphiql/static/.built: callboard/graphiql/package-lock.json
	@command -v npm >/dev/null || scripts/apt-install.sh nodejs npm
	scripts/build-graphiql.sh

# Debian's Chromium for tests/browser (Playwright drives it; it never downloads a browser
# of its own). Without it, and not root, those tests are skipped and say why.
browser:
	@command -v chromium >/dev/null || scripts/apt-install.sh chromium \
	  || echo "make browser: no Chromium; tests/browser will be skipped"

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Callboard needs Python 3.11; set PYTHON=/path/to/python3.11"'
	$(PYTHON) -m venv $(VENV) || { \
	  echo "python3 -m venv failed: on Debian/Ubuntu run  apt-get install -y python3-venv  (as root)"; exit 1; }

# Reinstalled when the dependencies change.
$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(NODE_CLIENTS)/node_modules \
	  callboard/graphiql/node_modules callboard/graphiql/static
