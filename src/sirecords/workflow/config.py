"""Which review stages a transaction type needs in a region (stages.toml)."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources

from sirecords.workflow.stages import STAGES


class StageConfigError(ValueError):
    pass


@lru_cache(maxsize=1)
def _config() -> dict:
    data = tomllib.loads(resources.files("sirecords.workflow").joinpath("stages.toml").read_text(encoding="utf-8"))
    for section in [data.get("default", {}), *data.get("region", {}).values()]:
        for kind, stages in section.items():
            if list(stages) != [s for s in STAGES if s in stages]:
                raise StageConfigError(f"stages for {kind} must be a subsequence of {list(STAGES)}, got {stages}")
    return data


def stages_for(kind: str, region: str) -> tuple[str, ...]:
    data = _config()
    regional = data.get("region", {}).get(region, {})
    if kind in regional:
        return tuple(regional[kind])
    if kind in data.get("default", {}):
        return tuple(data["default"][kind])
    raise StageConfigError(f"no review stages configured for {kind}: add it to workflow/stages.toml")
