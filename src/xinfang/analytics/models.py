"""The analytics app's records; each part keeps its models in its own module."""

from xinfang.analytics.assessment_models import AssessmentScheme, PublishedRanking

__all__ = ["AssessmentScheme", "PublishedRanking"]
