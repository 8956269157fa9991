# Two commands: `make run` starts everything on embedded defaults, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app webapp
STAMP := $(VENV)/.installed
ASSETS := webapp/static/vendor/.installed

.PHONY: run test lint bench setup assets translations init clean

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(STAMP)

$(ASSETS): webapp/package.json webapp/package-lock.json $(wildcard webapp/frontend/*)
	cd webapp && npm ci --no-audit --no-fund --loglevel=error
	cd webapp && npm run --silent build
	$(BIN)/python -m webapp.assets
	touch $(ASSETS)

assets: $(STAMP) $(ASSETS)

translations: $(STAMP)
	$(BIN)/pybabel -q compile -d webapp/translations

setup: $(STAMP) assets translations

init: setup
	$(FLASK) init

run: init
	$(FLASK) seed-demo
	@echo "平台已启动：http://127.0.0.1:5000  （Ctrl-C 停止 web、worker、beat）"
	@trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	$(BIN)/celery -A tasks.worker worker --pool=solo --loglevel=warning & \
	$(BIN)/celery -A tasks.worker beat --loglevel=warning --schedule instance/celerybeat-schedule & \
	$(BIN)/gunicorn --workers 2 --bind 127.0.0.1:5000 --access-logfile - 'webapp:create_app()'

test: setup
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict workflows models

bench: setup
	$(BIN)/python -m tests.bench

clean:
	rm -rf $(VENV) webapp/node_modules webapp/static/vendor instance
