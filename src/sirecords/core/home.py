"""Where the system keeps its files: SIRECORDS_HOME (default ./var).

It holds the SQLite database, the keys, the attachments and the witness folder.
"""

import os
from pathlib import Path


def home() -> Path:
    return Path(os.environ.get("SIRECORDS_HOME", "var")).resolve()


def keys_dir() -> Path:
    return home() / "keys"


def witness_dir() -> Path:
    configured = os.environ.get("SIRECORDS_WITNESS_DIR")
    return Path(configured).resolve() if configured else home() / "witness"


def attachments_dir() -> Path:
    return home() / "attachments"
