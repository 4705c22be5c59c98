"""Project-wide rules: settings documented, dependencies one way, a small public surface."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import index
from api.settings import Settings
from index import IndexConfig

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    undocumented = [name for name in Settings.model_fields if f"TANLU_{name.upper()}" not in readme]
    assert undocumented == []
    assert all(field.description for field in Settings.model_fields.values())


def _imported_packages(package: str) -> set[str]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
    return found


def test_data_flows_one_way():
    assert not {"index", "api"} & _imported_packages("ingest")
    assert "api" not in _imported_packages("index")
    assert not {"ingest", "index", "api"} & _imported_packages("prompts")


def _imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_routes_only_serve_http():
    """Presenters and job work live outside the routes: nothing but the app imports a route."""
    importers = [
        path.relative_to(ROOT).as_posix()
        for package in ("api", "bench")
        for path in (ROOT / package).rglob("*.py")
        if path.name != "app.py" and any(name.startswith("api.routes") for name in _imported_modules(path))
    ]
    assert importers == []


def test_callers_use_the_knowledge_base_facade():
    """The API, CLI, MCP and bench ask KnowledgeBase methods, never its parts (tests may)."""
    parts = re.compile(r"\bkb\.(catalog|retriever|insights|cache|vector_store|chroma_client)\b")
    reaching = [
        f"{path.relative_to(ROOT).as_posix()}: {match.group(0)}"
        for package in ("api", "bench")
        for path in (ROOT / package).rglob("*.py")
        for match in parts.finditer(path.read_text(encoding="utf-8"))
    ]
    assert reaching == []


def test_every_code_folder_is_a_package():
    """mypy and an installed wheel both need the markers; a folder without one is invisible."""
    for package in ("ingest", "index", "api", "prompts"):
        folders = [path for path in (ROOT / package).rglob("*") if path.is_dir() and any(path.glob("*.py"))]
        assert all((folder / "__init__.py").exists() for folder in [ROOT / package, *folders]), package


def test_index_public_surface_is_what_it_claims():
    assert sorted(index.__all__) == sorted(
        name for name in dir(index) if not name.startswith("_") and name[0].isupper()
    )
    for name in index.__all__:
        assert getattr(index, name).__module__.startswith("index.")


def test_unsafe_settings_are_refused():
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="chunk_overlap"):
        Settings(chunk_size=100, chunk_overlap=100)
    with pytest.raises(ValidationError, match="embedder_path"):
        Settings(embedder="sentence-transformers")
    with pytest.raises(ValidationError):
        Settings(bm25_weight=1.5)


def test_settings_come_from_tanlu_toml_and_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TANLU_CONFIG", raising=False)
    (tmp_path / "tanlu.toml").write_text('chunk_size = 300\nfusion = "rrf"\nport = 8100\n', encoding="utf-8")
    monkeypatch.setenv("TANLU_PORT", "8200")
    settings = Settings()
    assert (settings.chunk_size, settings.fusion, settings.port) == (300, "rrf", 8200)
    assert settings.index_config().chunking.size == 300 and settings.index_config().fusion.method == "rrf"


def test_settings_take_their_defaults_from_the_objects_they_configure(tmp_path, monkeypatch):
    """A default is declared once (with the object it configures); Settings only names it."""
    monkeypatch.chdir(tmp_path)
    for name in [name for name in os.environ if name.startswith("TANLU_")]:
        monkeypatch.delenv(name)
    config = Settings().index_config()
    assert config == IndexConfig(data_dir=config.data_dir)


def test_every_error_a_user_may_read_is_a_tanlu_error():
    """One hierarchy (ingest/errors.py): the CLI and the API each catch its base once."""
    import importlib
    import inspect
    import pkgutil

    from ingest.errors import TanluError

    strays = []
    for package in ("ingest", "index", "api", "prompts"):
        for module_info in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}."):
            module = importlib.import_module(module_info.name)
            for name, value in vars(module).items():
                if (
                    inspect.isclass(value)
                    and issubclass(value, Exception)
                    and value.__module__ == module.__name__
                    and not issubclass(value, TanluError)
                ):
                    strays.append(f"{module.__name__}.{name}")
    assert strays == []


def _readme_code_lines() -> list[str]:
    lines, inside = [], False
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("```"):
            inside = not inside
        elif inside:
            lines.append(line)
    return lines


def test_every_readme_command_runs_without_activating_the_venv():
    """Every `tanlu` line of the README failed with "command not found" until the venv
    was activated (probe finding): commands are written .venv/bin/tanlu (or a full path),
    name commands that exist, and every `make` target named exists."""
    import re

    from typer.main import get_command

    from api.cli import app

    commands = set(get_command(app).commands)  # type: ignore[attr-defined]
    code = _readme_code_lines()
    bare = [line for line in code if re.search(r"(^|\s|&&\s*)tanlu\s+[a-z]", line)]
    assert not bare, bare
    named = re.findall(r"\.venv/bin/tanlu\s+([a-z]+)", "\n".join(code))
    assert named and set(named) <= commands, set(named) - commands
    assert {"backup", "restore", "stats", "serve", "ingest"} <= set(named)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.MULTILINE))
    mentioned = set(re.findall(r"`make ([a-z-]+)`", readme)) | set(re.findall(r"^make ([a-z-]+)", readme, re.MULTILINE))
    assert mentioned and mentioned <= targets, mentioned - targets
    assert "browser" in mentioned


def test_the_systemd_unit_starts_the_venv_command_with_options_serve_accepts(tmp_path):
    import shlex
    import shutil
    import subprocess

    from typer.main import get_command

    from api.cli import app

    unit = (ROOT / "deploy" / "tanlu.service").read_text(encoding="utf-8")
    start = next(line.split("=", 1)[1] for line in unit.splitlines() if line.startswith("ExecStart="))
    program, command, *options = shlex.split(start)
    assert program.endswith("/.venv/bin/tanlu") and command == "serve"
    serve = get_command(app).commands["serve"]  # type: ignore[attr-defined]
    accepted = {opt for param in serve.params for opt in param.opts}
    assert {option for option in options if option.startswith("--")} <= accepted
    assert "deploy/tanlu.service" in (ROOT / "README.md").read_text(encoding="utf-8")
    analyze = shutil.which("systemd-analyze")
    if analyze:  # the unit's syntax, as systemd reads it (paths of the example machine aside)
        unit_path = str(ROOT / "deploy" / "tanlu.service")
        result = subprocess.run([analyze, "verify", unit_path], capture_output=True, text=True)
        problems = [
            line
            for line in result.stderr.splitlines()
            if line.strip() and "/opt/tanlu" not in line and "tanlu.env" not in line and "User" not in line
        ]
        syntax = ("Unknown", "Invalid", "Failed to parse")
        assert not [line for line in problems if any(word in line for word in syntax)], problems
