# The two commands: `make run` (set up, migrate, demo data, serve) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
FLASK := $(BIN)/flask --app coordinator

.PHONY: setup run test browser nginx bench-tools lint clean

setup: $(VENV)/.installed static/vendor/.copied translations

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

static/vendor/.copied: node_modules/.package-lock.json
	rm -rf static/vendor && mkdir -p static/vendor/leaflet static/vendor/markercluster static/vendor/socket.io \
	  static/vendor/chartjs
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css \
	  node_modules/leaflet/dist/images static/vendor/leaflet/
	cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js \
	  node_modules/leaflet.markercluster/dist/MarkerCluster.css \
	  node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css static/vendor/markercluster/
	cp node_modules/socket.io-client/dist/socket.io.min.js static/vendor/socket.io/
	cp node_modules/chart.js/dist/chart.umd.min.js static/vendor/chartjs/
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy --statistics -d coordinator/translations

# Browser tests drive Debian's Chromium; install it (and CJK fonts) when it is missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-noto-cjk; }

# The multi-process tests put Debian's nginx in front of the server processes.
nginx:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { apt-get update && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx; }

# The benchmarks (bench/) drive the server with wrk, Debian's HTTP load tool.
bench-tools: setup
	$(BIN)/pip install --quiet -e '.[test,bench]'
	@command -v wrk >/dev/null 2>&1 || { apt-get update && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y wrk; }

run: setup
	$(FLASK) init-db
	$(FLASK) demo --if-empty
	@echo ""
	@echo "  Duty coordinator: http://$(HOST):$(PORT)/        (sign in)"
	@echo "  Command center:   http://$(HOST):$(PORT)/command/"
	@echo "  API contract:     http://$(HOST):$(PORT)/api/v1/openapi.json"
	@echo ""
	HOST=$(HOST) PORT=$(PORT) $(BIN)/gunicorn -c deploy/gunicorn.conf.py -b $(HOST):$(PORT) wsgi:app

test: setup browser nginx
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check coordinator tests bench

clean:
	rm -rf $(VENV) node_modules static/vendor
