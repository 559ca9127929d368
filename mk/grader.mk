# --- grader checks (labs/grading) -------------------------------------------------------------
WHEELHOUSE ?= var/wheelhouse
WHEELHOUSE_PIP_FLAGS = --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
	--python-version 3.11 --implementation cp --abi cp311 \
	--platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
	--platform any

.PHONY: wheelhouse npm-index grader-test grader-bench

# The grader's npm registry proxy (verdaccio, the Procfile's npm-index process), from its lock, install scripts off.
NPM_INDEX = labs/grading/npm_index
npm-index: $(NPM_INDEX)/node_modules/.package-lock.json  ## Install the grader's npm registry proxy (needs nodejs, npm)

$(NPM_INDEX)/node_modules/.package-lock.json: $(NPM_INDEX)/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix $(NPM_INDEX) --ignore-scripts --no-audit --no-fund --loglevel error; \
	else \
		echo "npm-index: install Debian's nodejs and npm to grade Node apps that have dependencies"; \
	fi

# Wheels for the offline dependency install inside the sandbox (factor II), and uv's binary to run it.
wheelhouse: $(WHEELHOUSE)/.complete  ## Download the offline wheelhouse the grader installs from (var/wheelhouse)

$(WHEELHOUSE)/.complete: labs/grading/wheelhouse.txt requirements.lock | $(VENV)/.installed
	mkdir -p $(WHEELHOUSE)
	PIP_CONFIG_FILE=/dev/null $(PY) -m pip download $(WHEELHOUSE_PIP_FLAGS) -d $(WHEELHOUSE) -r labs/grading/wheelhouse.txt
	PIP_CONFIG_FILE=/dev/null $(PY) -m pip download $(WHEELHOUSE_PIP_FLAGS) -d $(WHEELHOUSE) -r requirements.lock
	$(PY) -m labs.grading.wheelhouse $(WHEELHOUSE)
	touch $@

grader-test: wheelhouse  ## Run the grader tests (tests/grading), sandbox ones included
	$(VENV)/bin/pytest tests/grading -q

grader-bench: wheelhouse  ## Time the grader end to end and the sandbox overhead
	$(PY) bench/grader.py

# The grader's sandbox tests install learners' dependencies from the wheelhouse and through both index proxies.
test: wheelhouse npm-index

# --- sandbox (labs/sandbox) -------------------------------------------------------------------
SANDBOX_DEBS = bubblewrap util-linux git python3 python3-venv nodejs

.PHONY: sandbox-deps sandbox-test hostile-test sandbox-bench

sandbox-deps:  ## Install the sandbox's Debian packages when root with apt, else say what to install
	@if command -v bwrap >/dev/null && command -v nsenter >/dev/null && command -v prlimit >/dev/null; then \
		echo "sandbox: bubblewrap and util-linux present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SANDBOX_DEBS); \
	else \
		echo "sandbox: install the Debian packages $(SANDBOX_DEBS) to grade dynamically (static checks still run)"; \
	fi

sandbox-test: sandbox-deps  ## Sandbox backend and intake tests (tests/sandbox)
	$(VENV)/bin/pytest tests/sandbox -q

hostile-test: sandbox-deps wheelhouse  ## Hostile submissions against the whole grader (tests/hostile)
	$(VENV)/bin/pytest tests/hostile -q

sandbox-bench: sandbox-deps  ## Sandbox overhead per process vs a bare exec, open/close and probe costs
	$(PY) bench/sandbox_overhead.py
