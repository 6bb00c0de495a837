"""No code path writes a ledger entry or a projection row except posting a reviewed transaction.

The writers are enumerated from the source: exactly one function appends entries (post), exactly one
calls post (the workflow, after the review chain), and no module writes a projection through the ORM.
At run time the projection models refuse a save or delete that does not come from the projector.
"""

import ast
import re
from datetime import date
from pathlib import Path

import pytest

import sirecords
from sirecords.ledger.projection import DirectWriteRefused, projected_tables
from sirecords.registry.models import Person

SRC = Path(sirecords.__file__).parent


def calls_to(function_names: set[str], defined_in: str) -> dict[str, set[str]]:
    """module path → names of the enclosing functions that call any of `function_names`, as imported
    from (or defined in) the module `defined_in` (e.g. "ledger/append.py")."""
    found: dict[str, set[str]] = {}
    module_name = Path(defined_in).stem  # "append", "posting"
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        here = str(path.relative_to(SRC))
        imported = {alias.asname or alias.name for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[-1] == module_name
                    for alias in node.names}
        names = function_names if here == defined_in else function_names & imported
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                # Bare-name calls: the ledger functions are imported by name (list.append is an attribute call).
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                    if node.func.id in names:
                        found.setdefault(str(path.relative_to(SRC)), set()).add(function.name)
    return found


def test_only_post_appends_to_the_ledger():
    callers = calls_to({"append", "append_bulk", "_append"}, "ledger/append.py")
    callers.get("ledger/append.py", set()).discard("append")  # append() and append_bulk() call _append()
    callers.get("ledger/append.py", set()).discard("append_bulk")
    callers = {module: functions for module, functions in callers.items() if functions}
    assert callers == {"transactions/posting.py": {"post"}}


def test_only_the_workflow_posts_after_review():
    assert calls_to({"post"}, "ledger/posting.py") == {"workflow/services.py": {"_post"}}


def test_raw_sql_writes_to_the_ledger_only_in_the_append_module():
    pattern = re.compile(r"(INSERT\s+INTO|UPDATE|DELETE\s+FROM|COPY)\s+ledger_(entry|head)", re.IGNORECASE)
    writers = sorted(str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                     if "migrations" not in p.parts and pattern.search(p.read_text(encoding="utf-8")))
    assert writers == ["ledger/append.py"]


def test_no_module_writes_a_projection_through_the_orm():
    names = "|".join(model.__name__ for model in projected_tables().values())
    write = re.compile(rf"\b({names})\.objects\b[^\n]*\.(create|bulk_create|bulk_update|update|update_or_create|"
                       rf"get_or_create|delete)\(")
    offenders = [f"{p.relative_to(SRC)}:{n}" for p in SRC.rglob("*.py") if "migrations" not in p.parts
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if write.search(line)]
    assert offenders == []


@pytest.mark.django_db
def test_a_direct_save_or_delete_of_a_projection_is_refused(post_txn):
    with pytest.raises(DirectWriteRefused, match="registry_person is a projection"):
        Person(uid="x" * 32, id_number_sealed="", id_number_index="0" * 64, name_sealed="", name_index="0" * 64,
               sex="M", birth_date_sealed="", birth_month="1980-01", region="440300", pooling_region="440300",
               registered_on=date(2020, 1, 1), last_seq=1).save()
    employer = post_txn("register_employer", {"uscc": "91350100M000100Y43", "name": "测试", "region": "440305"})[0]
    from sirecords.registry.models import Employer

    row = Employer.objects.get(pk=employer.payload["employer"])
    row.name = "changed"
    with pytest.raises(DirectWriteRefused):
        row.save()
    with pytest.raises(DirectWriteRefused):
        row.delete()
