# Two commands do all the set-up: `make demo` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000

.PHONY: demo test lint serve worker

$(VENV)/installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

demo: $(VENV)/installed
	$(PY) manage.py migrate --no-input
	$(PY) manage.py demo_county
	@echo ""
	@echo "守望已启动：打开 http://$(HOST)/ ，用上面的演示账号登录（Ctrl+C 停止）"
	$(PY) manage.py runserver $(HOST)

test: $(VENV)/installed
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/installed
	$(PY) -m ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports

worker: $(VENV)/installed
	$(VENV)/bin/celery -A shouwang worker --loglevel=INFO
