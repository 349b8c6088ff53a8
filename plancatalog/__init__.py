"""The work plan as data: draft targets from a plan text, checked and added to the catalog of plans."""

from plancatalog.draft import DraftTarget
from plancatalog.extract import extract_targets
from plancatalog.plantext import PlanInputError, read_plan_text

__all__ = ["DraftTarget", "PlanInputError", "extract_targets", "read_plan_text"]
