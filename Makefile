# Fresh machine entry points: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EVM := tests/evm
EVM_STAMP := $(EVM)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[prover,cluster,bench,dev,reserves]'
	touch $(STAMP)

# The local EVM node (ganache) and solc for the --rpc tests, from tests/evm/package-lock.json.
$(EVM_STAMP): $(EVM)/package.json $(EVM)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(EVM) --no-audit --no-fund --loglevel=error && touch $(EVM_STAMP); \
	else echo "npm not found: the --rpc tests will be skipped"; fi

demo: $(STAMP)
	$(BIN)/zkpor demo --workdir demo-out

test: $(STAMP) $(EVM_STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/zkpor bench arith --log-n 20 --json benches/results/arith.json

clean:
	rm -rf $(VENV) demo-out build *.egg-info $(EVM)/node_modules $(EVM_STAMP)
