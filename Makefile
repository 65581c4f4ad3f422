# Developer shortcuts; the README's two commands need none of these.
PYBABEL_KEYWORDS = --no-default-keywords -k _ -k N_ -k gettext:2 -k ngettext:2,3
LOCALE_DIR = src/nabd/locale

.PHONY: run test lint format messages bench

run:
	nabd demo

test:
	pytest

lint:
	ruff check .
	ruff format --check .
	mypy

format:
	ruff check --fix .
	ruff format .

# Re-extract every marked string and merge it into the Arabic catalogue.
messages:
	pybabel extract -F babel.cfg $(PYBABEL_KEYWORDS) --no-location --omit-header \
		--sort-output -o $(LOCALE_DIR)/messages.pot src/nabd
	pybabel update -i $(LOCALE_DIR)/messages.pot -d $(LOCALE_DIR) -l ar \
		--no-fuzzy-matching --omit-header --no-location

bench:
	@ls bench/*.py
