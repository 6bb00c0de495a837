"""The review stages of 第七条 (初审, 审核, 复核, 审批) and the role that acts on each; which types pass
which stages in which region is configured in stages.toml (workflow/config.py)."""

from __future__ import annotations

# Review stages in order (第七条: 初审, 审核, 复核, 审批) and the role that acts on each.
STAGES: tuple[str, ...] = ("review1", "review2", "review3", "approval")
STAGE_ROLE = {"review1": "reviewer1", "review2": "reviewer2", "review3": "reviewer3", "approval": "approver"}
# The roles that review: the one list the access rules of the desk (web/rules_desk.py) and the API (api/rules.py) admit.
REVIEW_ROLES: tuple[str, ...] = tuple(STAGE_ROLE[stage] for stage in STAGES)
STAGE_TITLES = {"review1": ("初审", "First review"), "review2": ("审核", "Review"),
                "review3": ("复核", "Re-review"), "approval": ("审批", "Approval")}
