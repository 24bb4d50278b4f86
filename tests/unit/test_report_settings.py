"""The ABC-XYZ thresholds and the days that make a client lost, as an admin types them."""

from __future__ import annotations

import pytest

from bot.domain.abc_xyz import AbcThresholds, XyzThresholds
from bot.domain.company import CompanySettings, changed, show
from bot.domain.errors import SettingInvalidError


@pytest.mark.parametrize(
    ("key", "raw", "shown"),
    [
        ("abc_thresholds", "70/20", "70/20"),
        ("abc_thresholds", "70,5 % 20", "70.5/20"),
        ("xyz_thresholds", "15 30", "15/30"),
        ("lost_after_days", " 120 ", "120"),
    ],
)
def test_values_are_read_and_shown_back(key: str, raw: str, shown: str) -> None:
    assert show(changed(CompanySettings(), key, raw), key) == shown


def test_defaults_are_domain_md() -> None:
    company = CompanySettings()
    assert (company.abc, company.xyz) == (AbcThresholds(80, 15), XyzThresholds(10, 25))
    assert show(company, "abc_thresholds") == "80/15"
    assert show(company, "xyz_thresholds") == "10/25"


@pytest.mark.parametrize(
    ("key", "raw"),
    [
        ("abc_thresholds", "90/20"),  # more than the whole
        ("abc_thresholds", "0/15"),
        ("abc_thresholds", "80"),
        ("abc_thresholds", "nan/10"),
        ("abc_thresholds", "inf/0"),
        ("xyz_thresholds", "30/10"),  # X above Y
        ("xyz_thresholds", "ten/25"),
        ("lost_after_days", "0"),
        ("lost_after_days", "99999"),
        ("lost_after_days", "месяц"),
    ],
)
def test_bad_values_are_refused(key: str, raw: str) -> None:
    with pytest.raises(SettingInvalidError):
        changed(CompanySettings(), key, raw)
