"""The model layer: derived metrics, the learners, :class:`~churnlab.model.churn_model.ChurnModel`,
its calibration, arithmetic form, scoring half, model files and evaluation. Below it: data.
"""
