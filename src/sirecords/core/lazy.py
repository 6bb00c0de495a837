"""Import a heavy third-party module on first use, not at start-up (the stdlib's importlib.util.LazyLoader recipe).

Every `sirecords` command starts Django, whose app registry imports the modules that register transaction types and
verify checks; some of those use a large library in one function only (Polars for the collection-file check: about
0.2 s of start-up). A lazily loaded module is an ordinary module object in sys.modules that runs its code when an
attribute is first read, so `pl.col(…)` works unchanged and a command that never checks a file never pays for it.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_import(name: str) -> ModuleType:
    """The top-level module `name`, loaded when first used (or the module itself if something imported it already)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module
