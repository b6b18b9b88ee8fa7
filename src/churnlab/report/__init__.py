"""The analysis rendered for people and machines: the summary object, HTML, JSON and exports."""

from churnlab.analysis.summary import DataSummary, FeatureProfile, ModelQuality, Summary

__all__ = ["DataSummary", "FeatureProfile", "ModelQuality", "Summary"]
