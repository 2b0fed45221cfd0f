"""The apps depend on each other in one direction, read from the source (tests excluded).

    core <- accounts <- analytics <- catalog <- notifications

An app may use only the apps to its left: by import (at module level or inside a function), by a
dotted module path in a string (import_module, mock targets) or by app label (apps.get_model, a
migration's dependencies). The catalog counts its reads and shows admins their totals through
analytics, so analytics knows nothing of products: the reports that show products are the
catalog's. Inside an app, tasks call services and never the reverse.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

from django.apps import apps

PACKAGE = "catalog_service"
SOURCE = Path(__file__).resolve().parents[2]
# Left to right: each app may use the apps before it, never one after it.
LAYERS = (
    "core",
    "accounts",
    "categories",
    "analytics",
    "catalog",
    "inventory",
    "events",
    "notifications",
    "bulk",
)
# An app's modules the tasks call: none of them may import the app's tasks.
BELOW_TASKS = ("models", "selectors", "services", "signals")


def _module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> Iterator[tuple[Path, str]]:
    for path in sorted(SOURCE.rglob("*.py")):
        if "tests" not in path.relative_to(SOURCE).parts:
            yield path, _module_name(path)


def _app_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == PACKAGE else None


def _labels() -> dict[str, str]:
    """App label -> the app's folder, for the project's apps."""
    return {
        config.label: _app_of(config.name)
        for config in apps.get_app_configs()
        if _app_of(config.name)
    }


def dependencies(source: str, module: str, is_package: bool = False) -> Iterator[tuple[int, str]]:
    """(line, dotted module or `label:<app label>`) for everything `source` uses by name."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            yield node.lineno, target
            for alias in node.names:  # `from . import tasks` imports the module `tasks`
                yield node.lineno, f"{target}.{alias.name}"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value.startswith(f"{PACKAGE}.") and " " not in node.value:  # not prose
                yield node.lineno, node.value
        elif isinstance(node, ast.Call) and _called_name(node) == "get_model" and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield node.lineno, f"label:{first.value.split('.')[0]}"
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "dependencies" for t in node.targets
        ):  # a migration's dependencies: [("catalog", "0001_initial"), ...]
            for item in getattr(node.value, "elts", []):
                label = (getattr(item, "elts", None) or [None])[0]
                if isinstance(label, ast.Constant) and isinstance(label.value, str):
                    yield node.lineno, f"label:{label.value}"


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def _used_app(target: str, labels: dict[str, str]) -> str | None:
    if target.startswith("label:"):
        return labels.get(target.removeprefix("label:"))
    return _app_of(target)


def test_every_app_has_its_place_in_the_layers():
    folders = {path.parent.name for path in SOURCE.glob("*/apps.py")}
    unplaced = sorted((folders | set(_labels().values())) - set(LAYERS))
    assert not unplaced, f"put {unplaced} in LAYERS, after every app it imports"
    assert folders == set(LAYERS), "LAYERS names an app that does not exist"


def _report(wrong: dict[str, str]) -> str:
    return "\n".join(f"{where} uses {target}" for where, target in wrong.items())


def test_apps_use_only_the_apps_before_them():
    labels = _labels()
    wrong: dict[str, str] = {}  # file:line -> what it uses (the first name on the line)
    for path, module in _sources():
        app = _app_of(module)
        if app not in LAYERS:  # the top-level package; an app not placed yet fails the test above
            continue
        allowed = LAYERS[: LAYERS.index(app) + 1]
        for line, target in dependencies(path.read_text(), module, path.name == "__init__.py"):
            used = _used_app(target, labels)
            if used is not None and used not in allowed:
                wrong.setdefault(f"{path.relative_to(SOURCE.parent)}:{line}", target)
    assert not wrong, f"an app may use only the apps before it in {LAYERS}:\n{_report(wrong)}"


def test_tasks_call_services_never_the_reverse():
    wrong: dict[str, str] = {}
    for path, module in _sources():
        parts = module.split(".")
        if len(parts) < 3 or parts[2] not in BELOW_TASKS:
            continue
        tasks = f"{PACKAGE}.{parts[1]}.tasks"
        for line, target in dependencies(path.read_text(), module, path.name == "__init__.py"):
            if target == tasks or target.startswith(f"{tasks}."):
                wrong.setdefault(f"{path.relative_to(SOURCE.parent)}:{line}", target)
    assert not wrong, f"{', '.join(BELOW_TASKS)} must not import tasks:\n{_report(wrong)}"


def test_every_way_of_naming_another_app_is_seen():
    source = """
import catalog_service.catalog.models
from catalog_service import notifications
from .. import catalog as sibling

def later():
    from .tasks import delivery_send
    from ..catalog.serializers import ProductSerializer
    apps.get_model("catalog", "Product")
    get_model("catalog.Brand")
    import_module("catalog_service.catalog.reports")

class Migration:
    dependencies = [("catalog", "0001_initial"), swappable_dependency(AUTH_USER_MODEL)]
"""
    found = {target for _, target in dependencies(source, "catalog_service.analytics.services")}
    assert found >= {
        "catalog_service.catalog.models",
        "catalog_service.notifications",
        "catalog_service.catalog",
        "catalog_service.analytics.tasks",
        "catalog_service.analytics.tasks.delivery_send",
        "catalog_service.catalog.serializers.ProductSerializer",
        "label:catalog",
        "catalog_service.catalog.reports",
    }
    assert {_used_app(target, _labels()) for target in found} - {None} == {
        "analytics",
        "catalog",
        "notifications",
    }
