"""The import rules of the layers, checked over every module's source (``ast``), plus a start-up check.

    ui → api → services → engine/components → ingest → core

A module may import its own layer and the layers below it, never above. Tools (eval, bench) sit on top
and the product never imports them, except `ragqa eval`, which imports eval inside its function."""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGES = ("core", "ingest", "rag", "ui", "eval", "bench")

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("core", ("core",)),
    ("ingest", ("ingest",)),
    ("engine", ("rag.engine", "rag.components", "rag.answer", "rag.question", "rag.llm", "rag.retrieve",
                "rag.cite", "rag.keys", "rag.feedback", "rag.sqlite_store", "rag")),
    ("services", ("rag.service", "rag.services", "rag.policy")),
    ("api", ("rag.api",)),
    ("ui", ("ui",)),
    ("entry", ("rag.cli", "rag.__main__")),
    ("tools", ("eval", "bench")),
]
"""Layers bottom-up; a module belongs to the layer of its longest matching prefix."""

FRAMEWORKS = {"gradio": ("ui",), "fastapi": ("rag.api", "ui"), "starlette": ("rag.api", "ui")}
"""Third-party web frameworks and the only layers that may import them."""

NOT_BELOW = {("ui.page", "rag.api")}
"""Imports forbidden even though they point down: the page calls services; only the launcher knows the API."""

LAZY_ALLOWED = {("rag.cli", "eval")}
"""Upward imports allowed only inside a function body (not executed at start-up)."""


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the imported module (absolute)
    line: int
    lazy: bool  # inside a function body


def _matches(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def layer_of(module: str) -> int | None:
    best: tuple[int, int] | None = None  # (prefix length, layer index)
    for i, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if _matches(module, p) and (best is None or len(p) > best[0]):
                best = (len(p), i)
    return None if best is None else best[1]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, module: str, is_package: bool = False) -> list[Import]:
    """Every import of ``source`` (absolute names; relative ones resolved against ``module``)."""
    tree = ast.parse(source)
    out: list[Import] = []

    def visit(node: ast.AST, lazy: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = lazy or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.Import):
                out.extend(Import(module, a.name, child.lineno, lazy) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    pkg = module.split(".") if is_package else module.split(".")[:-1]
                    pkg = pkg[: len(pkg) - (child.level - 1)]
                    base = ".".join([*pkg, base] if base else pkg)
                out.append(Import(module, base, child.lineno, lazy))
                # `from rag import components` imports the module rag.components
                out.extend(Import(module, f"{base}.{a.name}", child.lineno, lazy) for a in child.names
                           if (ROOT / Path(*f"{base}.{a.name}".split("."))).with_suffix(".py").exists())
            visit(child, inner)

    visit(tree, False)
    return out


def violations(imports: list[Import]) -> list[str]:
    """The broken rules among ``imports``, one readable line each."""
    bad = []
    for imp in imports:
        src = layer_of(imp.module)
        for framework, allowed in FRAMEWORKS.items():
            if _matches(imp.target, framework) and not any(_matches(imp.module, a) for a in allowed) \
                    and LAYERS[src or 0][0] != "tools":
                bad.append(f"{imp.module}:{imp.line} imports {imp.target} (only {', '.join(allowed)} may)")
        if imp.target.split(".")[0] not in PACKAGES:
            continue
        dst = layer_of(imp.target)
        if any(_matches(imp.module, m) and _matches(imp.target, t) for m, t in NOT_BELOW):
            bad.append(f"{imp.module}:{imp.line} imports {imp.target} (the page calls services, not the API)")
        if src is None or dst is None:
            bad.append(f"{imp.module}:{imp.line} {imp.target}: module without a layer")
        elif dst > src and not ((imp.module, imp.target.split(".")[0]) in LAZY_ALLOWED and imp.lazy):
            bad.append(f"{imp.module}:{imp.line} ({LAYERS[src][0]}) imports {imp.target} ({LAYERS[dst][0]})")
    return bad


def all_imports() -> list[Import]:
    out = []
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            out.extend(imports_of(path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py"))
    return out


def test_every_import_points_down_the_layers():
    assert violations(all_imports()) == []


def test_every_module_has_a_layer():
    modules = [module_name(p) for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")]
    assert len(modules) > 40
    assert [m for m in modules if layer_of(m) is None] == []


@pytest.mark.parametrize("module,source,broken", [
    ("rag.api.app", "from ui.page import build", "imports ui.page (ui)"),
    ("ui.launcher", "from rag.api.app import create_app", None),  # ui may use the api below it
    ("ui.page", "from rag.api.security import reader", "the page calls services"),
    ("rag.service", "from rag.api import errors", "imports rag.api (api)"),
    ("ingest.store", "from rag.retrieve import Index", "imports rag.retrieve (engine)"),
    ("ingest.pipeline", "def f():\n    import rag.service", "imports rag.service (services)"),
    ("rag.engine", "from .service import RagService", "imports rag.service (services)"),
    ("rag.policy", "from fastapi import Request", "imports fastapi (only rag.api, ui may)"),
    ("rag.cli", "import eval.run", "imports eval.run (tools)"),
    ("rag.cli", "def f():\n    from eval.__main__ import run", None),
    ("core.settings", "from ingest.load import SUPPORTED", "imports ingest.load (ingest)"),
])
def test_the_checker_catches_a_broken_rule(module, source, broken):
    found = violations(imports_of(source, module))
    if broken is None:
        assert found == []
    else:
        assert found and broken in found[0]


@pytest.mark.slow  # a fresh interpreter importing the whole stack
def test_product_start_up_loads_no_ui_and_no_eval():
    code = ("import sys, rag.cli, rag.engine, rag.service, rag.components, rag.api.schemas, ingest.pipeline; "
            "print(sorted(m for m in ('gradio', 'eval', 'bench', 'fastapi') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
