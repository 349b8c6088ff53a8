"""The work plan as data: draft targets from a plan text, compared with the reviewed catalog."""

from plancatalog.extract import DraftTarget, PlanInputError, extract_targets, read_plan_text

__all__ = ["DraftTarget", "PlanInputError", "extract_targets", "read_plan_text"]
