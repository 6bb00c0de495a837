"""core.lazy: a module loaded on first use, and the commands' start-up that does not load Polars or pypdf."""

import subprocess
import sys

import pytest

from sirecords.core.lazy import lazy_import


def test_a_lazy_module_runs_its_code_on_first_attribute_and_is_the_module_itself():
    name = "colorsys"  # small, stdlib, not imported by the test run
    sys.modules.pop(name, None)
    module = lazy_import(name)
    assert sys.modules[name] is module
    assert module.rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)
    import colorsys

    assert colorsys is module
    assert lazy_import(name) is module


def test_an_unknown_module_is_refused_by_name():
    with pytest.raises(ModuleNotFoundError, match="no_such_module_here"):
        lazy_import("no_such_module_here")


def test_importing_the_collection_check_and_the_scan_check_loads_neither_polars_nor_pypdf():
    code = ("import sys; import sirecords.contributions.fastcheck as f, sirecords.workflow.scans as s; "
            "print(type(sys.modules['polars']).__name__, type(sys.modules['pypdf']).__name__, "
            "'polars.api' in sys.modules, 'pypdf._page' in sys.modules)")
    # workflow.scans imports Django's translation only; fastcheck needs no settings: a bare interpreter is enough
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["_LazyModule", "_LazyModule", "False", "False"]
