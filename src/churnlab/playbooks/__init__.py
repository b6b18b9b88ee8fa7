"""Retention playbooks shipped with churnlab; read them with :func:`churnlab.plan.load_playbook`."""
