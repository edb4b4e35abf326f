# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
export FLASK_APP := wsgi
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test install install-test browser-deps osrm-deps lint-imports bench-routing wheel-check clean

# Re-install only when the package's definition or the compiled search's sources change
# (pip install builds the extension module routing._ruin_recreate).
$(BIN)/.installed: pyproject.toml setup.py $(wildcard routing/_ruin_recreate*.[ch] routing/_rr_*.[ch])
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

install-test: $(BIN)/.installed-test

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load --if-empty
	@$(BIN)/flask demo logins
	@echo "Serving on http://127.0.0.1:$(PORT) (with the marketplace worker: expiry, recurring pickups, e-mail)"
	export BASE_URL=$${BASE_URL:-http://127.0.0.1:$(PORT)} TRUSTED_HOSTS=$${TRUSTED_HOSTS:-127.0.0.1,localhost}; \
	  $(BIN)/flask marketplace worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# Browser tests drive Debian's Chromium; install it when missing (never a downloaded browser).
browser-deps:
	@command -v chromium >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 || { \
	  echo "Installing Chromium and poppler-utils (PDF checks) from Debian's packages for the tests"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver poppler-utils >/dev/null; }

# The osrm tests' road server: OSRM's binaries and Monaco's extract through pip, prepared once (kept in
# $${OSRM_CACHE_DIR:-~/.cache/feeding-our-city/osrm}, outside the repository).
osrm-deps: install
	$(BIN)/flask osrm prepare --monaco

lint-imports: install-test
	$(BIN)/lint-imports

test: install-test browser-deps osrm-deps lint-imports
	$(BIN)/python -m pytest

bench-routing: install
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m routing.bench --time-limit 10 --bks ../shared/benchmarks/lilim-100/bks.csv --vs vroom ../shared/benchmarks/lilim-100/*.txt
	$(BIN)/python -m routing.bench --time-limit 10 --bks ../shared/benchmarks/sartori-100/bks.csv --vs vroom ../shared/benchmarks/sartori-100/*.txt

# Build the wheel, install it in a clean venv and solve a Li & Lim instance with it (no compiler).
wheel-check:
	PYTHON=$(PYTHON) .ci/wheel-check

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache test-artifacts build routing/*.so
