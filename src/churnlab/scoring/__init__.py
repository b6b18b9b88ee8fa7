"""The scoring layer: scoring members in memory, streamed from files, on a Dask cluster, and
with an analysis's bundle (segments and playbook). Below it: insight, plan, model, data.
"""
