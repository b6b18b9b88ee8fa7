"""Retention playbooks shipped with churnlab: ``fitness.yaml`` (a fitness club's measures) and
``subscription.yaml`` (any subscription business). Read them with
:func:`churnlab.plan.playbook.builtin_playbook`, or copy one, change it and give it with
``--playbook``."""
