# Two commands do all set-up on a fresh machine:
#   make run   - create .venv, install (torch pinned to the local CPU wheel), ingest corpus/, serve on 127.0.0.1:8000
#   make test  - create/update .venv, run make lint (ruff, ruff format, mypy), then the whole test suite
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export PIP_CONSTRAINT := $(CURDIR)/constraints.txt
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install system-deps browser run lint test bench load clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/tanlu serve --ingest corpus

# Browser tests drive Debian's chromium (never a downloaded browser); the font renders Chinese;
# LibreOffice renders the 汇编 (目录 page numbers, PDF export; optional at run time), pdftoppm
# (poppler-utils) turns its pages into images; the Noto CJK serif/sans and AR PL UKai faces stand
# in for 仿宋/宋体, 黑体 and 楷体 (api/compile/rendering.py maps the 公文 font names to them).
SYSTEM_PACKAGES := chromium fonts-wqy-zenhei libreoffice-writer-nogui poppler-utils fonts-noto-cjk fonts-arphic-ukai
system-deps:
	@dpkg -s $(SYSTEM_PACKAGES) >/dev/null 2>&1 || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null)

# What the page's browser tests need: Playwright's Python package (in the test extra) and
# Debian's chromium with a Chinese font; no browser is downloaded.
browser: install system-deps
	@test -x /usr/bin/chromium && echo "浏览器测试就绪：/usr/bin/chromium（.venv/bin/python -m pytest tests/web）"

# Lint, format and types, each at zero findings (settings in pyproject.toml); make test runs it first.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: install system-deps lint
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python -m bench.retrieval --data ../shared/eval/cmrc2018/cmrc2018_trial.json

load: install
	$(BIN)/python -m bench.load

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache .mypy_cache test-output
