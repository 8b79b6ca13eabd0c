"""The apps import only downwards: ctn <- participants <- sessions <- reports."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORDER = ["ctn", "participants", "sessions", "reports"]
# These wire the project together and may import any app.
EXEMPT = {"ctn/urls.py", "ctn/settings.py", "ctn/wsgi.py", "ctn/asgi.py"}


def _project_files():
    for app in ORDER:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative in EXEMPT:
                continue
            yield relative


def _package(relative):
    parts = relative[: -len(".py")].split("/")
    return parts[:-1]


def imported_modules(relative, source):
    """Every (line, module) imported by the file, inside functions too."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = _package(relative)
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            yield node.lineno, module


def violations(relative, source):
    own = ORDER.index(relative.split("/")[0])
    found = []
    for line, module in sorted(imported_modules(relative, source)):
        top = module.split(".")[0]
        if top in ORDER and ORDER.index(top) > own:
            found.append(f"{relative}:{line} imports {module}")
    return found


def test_no_app_imports_a_higher_app():
    found = []
    for relative in _project_files():
        found += violations(relative, (ROOT / relative).read_text())

    assert found == []


def test_the_check_sees_imports_inside_functions_and_relative_ones():
    source = "def f():\n    from reports.models import Minutes\nfrom ..reports import views\n"

    assert violations("sessions/search.py", source) == [
        "sessions/search.py:2 imports reports.models",
        "sessions/search.py:3 imports reports",
    ]
    assert violations("reports/views.py", "from sessions import models\nimport ctn\n") == []
    assert violations("ctn/roles.py", "import participants.models\n") == [
        "ctn/roles.py:1 imports participants.models"
    ]
