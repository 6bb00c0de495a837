# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
export SIRECORDS_HOME ?= $(CURDIR)/var
# Python's bytecode caches (__pycache__, ignored by git) are written even where the environment turns them off: the
# tests start some hundreds of Python processes (each `sirecords` command the CLI tests run, each xdist worker), and
# without the caches every one compiles the project's ~300 modules again (0.4 s each; pytest's collection 12.7 s
# instead of 5.1 s per worker).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: demo test lint install clean ha-lab ha-lab-stop

# uv installs the same pinned versions as pip from the same registry, byte-compiled as pip does, in about half the
# time (CI builds the environment afresh on every run); it is a PyPI package, pinned here, installed by the venv's pip.
UV_VERSION := 0.13.9
$(BIN)/sirecords: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==$(UV_VERSION)
	VIRTUAL_ENV=$(CURDIR)/$(VENV) $(BIN)/uv pip install --quiet --compile-bytecode -e '.[dev]'
	touch $@

install: $(BIN)/sirecords

demo: install
	DJANGO_SETTINGS_MODULE=sirecords.settings.demo $(BIN)/sirecords init
	DJANGO_SETTINGS_MODULE=sirecords.settings.demo $(BIN)/sirecords demo --load-only
	# (the system checks ran in `demo` just before and run again in `serve`: not a third time)
	DJANGO_SETTINGS_MODULE=sirecords.settings.demo $(BIN)/sirecords checkpoint --skip-checks --actor demo-loader --reason "demo checkpoint"
	@echo "Health: http://127.0.0.1:8000/healthz"
	DJANGO_SETTINGS_MODULE=sirecords.settings.demo $(BIN)/sirecords serve

# Two workers (the CI machine has two cores); each test file stays on one worker, so module-scoped fixtures
# (the tamper cases' full ledger, the end-to-end demo) are built once. PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= 2
test: install lint
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile --durations=12 $(PYTEST_ARGS)

# A three-node PostgreSQL cluster under Patroni with etcd and HAProxy on loopback ports (deploy/ha/lab.py; needs
# `bash .ci/system-deps ha`): its DATABASE_URL forms are printed; `make ha-lab-stop` stops it and removes its folder.
ha-lab:
	python3 deploy/ha/lab.py start

ha-lab-stop:
	python3 deploy/ha/lab.py stop

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports --no-cache

clean:
	rm -rf $(VENV) var
