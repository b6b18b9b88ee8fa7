"""Fixtures of the plan's tests: the two built-in playbooks."""

from __future__ import annotations

import pytest

from churnlab.plan.playbook import Playbook, builtin_playbook, load_playbook


@pytest.fixture(scope="module")
def playbook() -> Playbook:
    return load_playbook()


@pytest.fixture(scope="module")
def subscription() -> Playbook:
    return builtin_playbook("subscription")
