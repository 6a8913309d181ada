"""A person signs in with the real login form in headless Chromium and sees the 4+1."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import browser_login, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_an_official_signs_in_and_sees_the_five_initiatives_in_chinese(page: Any) -> None:
    make_user("official", "official")
    browser_login(page, "official")
    cards = page.locator(".initiative-card h2")
    assert cards.count() == 5
    names = cards.all_inner_texts()
    for card, name in zip(
        names, ("国产推理算力", "华为曙光", "近存计算", "算电协同", "政务大模型"), strict=True
    ):
        assert name in card
    assert page.locator("html").get_attribute("lang") == "zh-hans"


def test_a_wrong_password_is_refused_with_a_message(page: Any) -> None:
    make_user("official", "official")
    browser_login_failed = page.goto(f"{page.live_url}/accounts/login/")
    assert browser_login_failed is not None
    page.fill("input[name=username]", "official")
    page.fill("input[name=password]", "wrong")
    page.click(".login-form [type=submit]")
    assert "/accounts/login/" in page.url
    assert page.locator(".errorlist, .form-errors").count() >= 1
