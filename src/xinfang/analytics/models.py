"""The analytics app's own tables (it never writes the case data): early warnings."""

from xinfang.analytics.warning_models import EarlyWarning, Level, RuleKind, WarningRule

__all__ = ["EarlyWarning", "Level", "RuleKind", "WarningRule"]
