"""The jobs: :func:`~churnlab.analysis.analyze.analyze` (a labelled table -> a
:class:`~churnlab.analysis.summary.Summary`, with its conclusions) and
:func:`~churnlab.analysis.month.run_month` (a month's snapshot -> its scores, campaign and control
group). Below it: store, scoring, insight, plan, model, data.
"""
