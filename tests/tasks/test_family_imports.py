"""The task layer's floor rule (the package docstring of rnnkit.tasks), read from the source: no family
imports the registry or the runner, and the families' imports of one another form no circle."""
from __future__ import annotations

import ast
from pathlib import Path

import rnnkit.tasks

TASKS = Path(rnnkit.tasks.__file__).parent
FAMILIES = sorted(p.name for p in TASKS.iterdir() if p.is_dir() and (p / "__init__.py").exists())


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def family_imports() -> dict[str, set[str]]:
    """{family: the rnnkit.tasks modules its files import}, functions' local imports included."""
    return {family: {name for path in (TASKS / family).glob("*.py") for name in imported_modules(path)
                     if name.startswith("rnnkit.tasks.")} for family in FAMILIES}


def test_no_family_imports_the_registry_the_targets_or_the_runner():
    for family, names in family_imports().items():
        assert not names & {"rnnkit.tasks.registry", "rnnkit.tasks.targets", "rnnkit.tasks.runner"}, family


def test_the_families_import_one_another_in_no_circle():
    edges = {family: {name.split(".")[2] for name in names} & set(FAMILIES) - {family}
             for family, names in family_imports().items()}
    assert edges["text"] == {"lm"}  # --pretrain lm builds on the lm family; the rule's one use today
    done, path = set(), []

    def visit(family):
        assert family not in path, f"circle: {' -> '.join(path + [family])}"
        if family in done:
            return
        path.append(family)
        for other in edges[family]:
            visit(other)
        path.pop()
        done.add(family)

    for family in FAMILIES:
        visit(family)


def test_the_task_layer_imports_scikit_learn_only_where_it_fits_a_baseline():
    """`rnnkit train lm` (or any command) imports every family: scikit-learn (most of a second) waits for the
    families' baselines to be fitted."""
    import subprocess
    import sys

    code = "import sys, rnnkit.tasks, rnnkit.cli.train; print(sorted(m for m in sys.modules if m.split('.')[0] == 'sklearn'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_registry_names_each_task_by_its_own_name_and_imports_a_family_when_read():
    import subprocess
    import sys

    from rnnkit.tasks import TASKS

    assert [task.name for task in TASKS.values()] == list(TASKS)
    code = ("import sys; from rnnkit.tasks import get_task; get_task('sentiment'); "
            "print(sorted(m for m in sys.modules if m.startswith('rnnkit.tasks.') and m.count('.') == 2))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "'rnnkit.tasks.text'" in out and "'rnnkit.tasks.forecast'" not in out, out
