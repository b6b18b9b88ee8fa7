"""The plan layer: retention playbooks (their schema, loader and the shipped YAML) and the plan
built from them. Below it: model, data.
"""
