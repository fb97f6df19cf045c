# MoodTunes: `make run` tries the bot, `make test` runs the tests; both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAMPLE ?= tests/data/congress_D000407.jpg
FER ?= ../shared/data/fer2013/fer2013.csv.gz

.PHONY: run test lint bench train train-setup evaluate clean sample-conversation messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[test]"
	touch $@ $(VENV)/.runtime

$(VENV)/.bench: pyproject.toml $(VENV)/.test
	$(BIN)/pip install -q -e ".[test,bench]"
	touch $@

## run: the bot with TELEGRAM_BOT_TOKEN set (env or .env); without one, the reply it would send to a sample selfie
run: $(VENV)/.runtime
	@if [ -n "$$TELEGRAM_BOT_TOKEN" ] || grep -qs '^TELEGRAM_BOT_TOKEN=.\+' .env; then \
		$(BIN)/python -m bot; \
	else \
		echo "No TELEGRAM_BOT_TOKEN: showing the reply the bot would send for $(SAMPLE)"; echo; \
		$(BIN)/python -m bot try $(SAMPLE); \
	fi

## test: the linters, then the whole suite (PostgreSQL included when a server can be started, see scripts/run-tests)
test: lint
	scripts/run-tests

## lint: ruff and mypy, configured in pyproject.toml
lint: $(VENV)/.test
	$(BIN)/ruff check .
	$(BIN)/mypy

## sample-conversation: rewrite README.md's sample conversation from a run of the real bot against the fake Bot API
sample-conversation: $(VENV)/.test
	$(BIN)/python scripts/sample_conversation.py

## messages: the bot's English messages extracted (bot/locales/messages.pot), merged into every language's .po and compiled to the .mo files the bot loads; new or changed messages come out untranslated or fuzzy for translators (docs/languages.md)
messages: $(VENV)/.test
	$(BIN)/pybabel extract -F pyproject.toml --add-location=file --sort-by-file --project=MoodTunes \
		--copyright-holder="MoodTunes contributors" -o bot/locales/messages.pot bot
	$(BIN)/pybabel update -i bot/locales/messages.pot -d bot/locales --ignore-obsolete
	$(BIN)/pybabel compile -d bot/locales --statistics

## bench: every benchmark in bench/, figures printed and saved to bench/results/
bench: $(VENV)/.bench
	$(BIN)/python bench/bench_inference.py
	$(BIN)/python bench/bench_limits.py
	$(BIN)/python bench/bench_detect.py
	$(BIN)/python bench/bench_recommend.py
	$(BIN)/python bench/bench_recommend_quality.py
	$(BIN)/python bench/bench_bot_load.py
	$(BIN)/python bench/bench_watch.py
	$(BIN)/python bench/bench_connections.py
	$(BIN)/python bench/bench_flood.py
	$(BIN)/python bench/bench_train.py --data $(FER)
	$(BIN)/python bench/bench_accuracy.py --data $(FER)

## train-setup: what training needs beside the bot (TensorFlow, Keras, pandas)
train-setup: $(VENV)/.train

$(VENV)/.train: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[train]"
	touch $@ $(VENV)/.runtime

## train: retrain the previous shipped model (vgg, 69.9%) on 2 CPU cores: four stages, about 6.5 h, each resumable (the shipped vgg_wide: scripts/gpu-train on a GPU)
train: $(VENV)/.test
	$(BIN)/python -m training fit --data $(FER) --out runs/vgg --arch vgg --epochs 18 --seed 1337
	$(BIN)/python -m training fit --data $(FER) --out runs/vgg-warm --arch vgg --epochs 15 --lr 1e-3 --seed 2024 \
		--init-weights runs/vgg/best.keras
	$(BIN)/python -m training fit --data $(FER) --out runs/vgg-warm3 --arch vgg --epochs 18 --lr 7e-4 --seed 4242 \
		--degrade 0.3 --init-weights runs/vgg-warm/best.keras
	$(BIN)/python -m training fit --data $(FER) --out runs/vgg-warm4 --arch vgg --epochs 14 --lr 5e-4 --seed 5353 \
		--degrade 0.5 --init-weights runs/vgg-warm3/best.keras

clean:
	rm -rf $(VENV) data bench/results .pytest_cache
