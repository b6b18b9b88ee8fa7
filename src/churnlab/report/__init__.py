"""What people read and open: the analysis' report and exports, a month's page and files, the
spreadsheets. ``Summary`` lives in :mod:`churnlab.analysis.summary`; it is re-exported here for
code written before the move."""

from churnlab.analysis.summary import DataSummary, FeatureProfile, ModelQuality, Summary

__all__ = ["DataSummary", "FeatureProfile", "ModelQuality", "Summary"]
