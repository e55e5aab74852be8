# Two commands: `make run` serves the standalone demo, `make test` runs the suite.
# Both bootstrap everything first (`make setup`), and both are idempotent.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
STAMP  := $(VENV)/.setup-stamp
# Debian packages the app needs at run time (the CJK font embedded in PDFs).
DEBIAN_PACKAGES := fonts-wqy-zenhei
# espeak-ng speaks the kiosk prompts into static/kiosk/audio/ (docs/kiosk.md).
DEBIAN_PACKAGES += espeak-ng
# Debian packages the tests need (pdffonts, pdftotext, pdftoppm read the PDFs).
TEST_DEBIAN_PACKAGES := poppler-utils
# cupsd, lpadmin and the CUPS client tools for the A4 printer tests.
TEST_DEBIAN_PACKAGES += cups cups-client cups-bsd libcups2-dev
# Debian packages pip needs to build wheels from requirements.lock (pycups).
BUILD_DEBIAN_PACKAGES := libcups2-dev gcc
# SANE: libsane-dev to build python-sane; libsane1 holds the `test` backend the
# scanner tests use (through SANE_CONFIG_DIR, /etc/sane.d stays untouched).
BUILD_DEBIAN_PACKAGES += libsane-dev
TEST_DEBIAN_PACKAGES += sane-utils libsane1 libsane-dev
# Chromium for the kiosk's real-browser tests (Playwright drives Debian's build;
# no `playwright install` browser download). The CJK font is in DEBIAN_PACKAGES.
TEST_DEBIAN_PACKAGES += chromium
# The central role's smoke test and the backup test (scripts/central-smoke,
# deploy/backup): the Redis client, nginx with the deploy config, gpg, curl.
TEST_DEBIAN_PACKAGES += redis-server nginx-light gnupg curl

# Compiled message catalogues (the kiosk's English); generated, not committed.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))

.PHONY: setup run test lint clean translations

setup: $(STAMP) $(MO_FILES)
	@scripts/ensure-debian-packages $(DEBIAN_PACKAGES)
	@$(BIN)/python scripts/make-kiosk-audio

$(STAMP): requirements.lock setup.cfg pyproject.toml
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || scripts/ensure-debian-packages --required python3-venv
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@scripts/ensure-debian-packages $(BUILD_DEBIAN_PACKAGES)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.lock
	@touch $(STAMP)

# pybabel comes with the pip install above; a catalogue is compiled when its
# .po changed (docs/kiosk.md, "英文界面 · English").
%.mo: %.po $(STAMP)
	$(BIN)/pybabel -q compile -i $< -o $@

# Re-extract the kiosk's strings and merge them into each language's .po:
# then translate the new (empty or fuzzy) entries and run `make setup`.
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ -o translations/messages.pot . \
		&& $(BIN)/pybabel update -i translations/messages.pot -d translations

run: setup
	$(BIN)/flask --app webapp standalone run --host $(HOST) --port $(PORT)

test: setup
	@scripts/ensure-debian-packages $(TEST_DEBIAN_PACKAGES)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/flake8 govcore devices webapp kiosk_app mobile_api backoffice verify_pages tests \
		scripts/make-kiosk-audio

clean:
	rm -rf $(VENV) *.egg-info static/kiosk/audio $(MO_FILES)
