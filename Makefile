# The README's commands. `make serve` and `make test` install what they need on first use.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: install serve demo test lint format validate evaluate judge-outside bench bench-web bench-campaign clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Answering never trains: when the active model cannot be read, rebuilding it is this explicit step.
serve: install
	$(BIN)/trackfit models check || $(BIN)/trackfit models build-default --missing
	$(BIN)/trackfit serve

demo: install
	$(BIN)/trackfit validate questionnaires/engineering
	$(BIN)/trackfit recommend --input questionnaires/engineering/sample-answers.jsonl

# Two workers, one native thread each: on two cores that beats one worker with two threads.
test: install lint
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(BIN)/pytest -n 2

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

validate: install
	$(BIN)/trackfit validate questionnaires/engineering
	$(BIN)/trackfit validate questionnaires/product-design
	$(BIN)/trackfit validate questionnaires/data-science

evaluate: install
	$(BIN)/trackfit evaluate --sizes 300,1000,4000,20000

# The same questions on a workforce simulation written apart from trackfit's own generator.
judge-outside: install
	$(BIN)/python benchmarks/outside_judge.py

bench: install
	$(BIN)/python benchmarks/bench_recommend.py

bench-web: install
	$(BIN)/python benchmarks/bench_web.py

# Rising rates of people taking an assessment over HTTP, against gunicorn on PostgreSQL.
bench-campaign: install
	$(BIN)/python benchmarks/bench_campaign.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis .coverage
