"""The analysis layer: `analyze` -> :class:`~churnlab.analysis.analyze.summary.Summary`, with its
conclusions. Below it: scoring, insight, plan, model, data.
"""
