"""The analytics app's records; each part keeps its models in its own module."""

from xinfang.analytics.assessment_models import AssessmentScheme, PublishedRanking
from xinfang.analytics.report_models import MonthlyReport, ReportTemplate
from xinfang.analytics.tally_models import CaseFacts, DayTally, DirtyCase, MonthTally, TallyState
from xinfang.analytics.topic_models import HotTopic, TopicRun
from xinfang.analytics.warning_models import EarlyWarning, Level, RuleKind, WarningRule

__all__ = [
    "AssessmentScheme",
    "CaseFacts",
    "DayTally",
    "DirtyCase",
    "EarlyWarning",
    "HotTopic",
    "Level",
    "MonthTally",
    "MonthlyReport",
    "PublishedRanking",
    "ReportTemplate",
    "RuleKind",
    "TallyState",
    "TopicRun",
    "WarningRule",
]
