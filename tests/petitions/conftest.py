"""Fixtures shared by the search tests."""

from __future__ import annotations

import pytest

from tests.petitions.factories import accuse, register


@pytest.fixture
def lamps(org, dc_registrar, cn_leader):
    """Cases about street lamps, some with the same text (the same score: ties), one found
    only by its subject as typed, and an accusation about 东城街道 hidden from its staff."""
    made = [
        register(
            dc_registrar,
            org.dongcheng,
            subject=f"路灯问题{i}",
            content="路灯" * (1 + i % 2) + "坏了很久，晚上看不见。",
        )
        for i in range(6)
    ]
    fragment = register(dc_registrar, org.dongcheng, subject="修理路灯问题", content="夜里太暗。")
    hidden = accuse(
        cn_leader,
        org.district,
        org.dongcheng,
        subject="反映路灯工程",
        content="东城街道路灯工程款被截留，路灯至今不亮。",
    )
    return made, fragment, hidden
