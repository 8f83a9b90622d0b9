# The whole set-up is `make demo` and `make test` (README).
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench diagram clean system-libs docs-libs

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 이 필요합니다 ($(PYTHON) 없음)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]' 2>&1 | grep -v "^WARNING: Location" || true
	@$(BIN)/python -c "import gcworkflow, weasyprint, pypdf" || { echo "설치에 실패했습니다 (pip 출력 참고)"; exit 1; }
	@scripts/setup-system-libs
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/gcw demo

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python bench/transitions.py
	$(BIN)/python bench/reminders.py
	$(BIN)/python bench/documents.py
	$(BIN)/python bench/signing.py
	$(BIN)/python bench/hwpx.py

# The HarfBuzz subsetter makes a PDF render in ~0.1 s instead of ~3 s (DESIGN.md §3); installed when possible.
system-libs:
	@scripts/setup-system-libs

# pdftoppm, for the README's picture of a notice (docs/notice.png).
docs-libs:
	@scripts/setup-system-libs --for-docs

diagram: $(STAMP)
	$(BIN)/gcw diagram --write

clean:
	rm -rf $(VENV) var .pytest_cache
