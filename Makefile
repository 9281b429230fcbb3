# Fresh machine entry points: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EVM := tests/evm
EVM_STAMP := $(EVM)/.installed
# The browser page (issue 13): Pyodide from npm (web/package-lock.json) and Debian's
# Chromium for its tests; each installed once, behind a stamp or the binary itself.
WEB_STAMP := web/node_modules/.installed
CHROMIUM := /usr/bin/chromium

.PHONY: demo test lint bench bench-page web clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[prover,cluster,bench,dev,reserves,web]'
	touch $(STAMP)

# The local EVM node (ganache) and solc for the --rpc tests, from tests/evm/package-lock.json.
$(EVM_STAMP): $(EVM)/package.json $(EVM)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(EVM) --no-audit --no-fund --loglevel=error && touch $(EVM_STAMP); \
	else echo "npm not found: the --rpc tests will be skipped"; fi

$(WEB_STAMP): web/package.json web/package-lock.json
	npm ci --prefix web --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(WEB_STAMP)

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
	  echo "$(CHROMIUM) missing: sudo apt-get install chromium (the browser tests need it)"; \
	fi

web: $(STAMP) $(WEB_STAMP) $(CHROMIUM)

demo: $(STAMP) $(WEB_STAMP)
	$(BIN)/zkpor demo --workdir demo-out
	$(BIN)/zkpor page build demo-out/proof/public -o demo-out/site --allow-insecure
	@echo "Check a demo user in your browser: $(BIN)/zkpor page serve demo-out/site, open the"
	@echo "address it prints, type the uid and choose a file: $$(ls demo-out/inclusion-*.json | head -1)"

test: web $(EVM_STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/zkpor bench arith --log-n 20 --json benches/results/arith.json

bench-page: web
	$(BIN)/zkpor bench page --json benches/results/page.json --screenshot docs/page-pass.png

clean:
	rm -rf $(VENV) demo-out build *.egg-info $(EVM)/node_modules $(EVM_STAMP) web/node_modules
