# Fresh machine entry points: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[prover,bench,dev,reserves]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/zkpor demo --workdir demo-out

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/zkpor bench arith --log-n 20 --json benches/results/arith.json

clean:
	rm -rf $(VENV) demo-out build *.egg-info
