"""Search from the header and the project list's filters, sorting and pages in a browser."""

from __future__ import annotations

from typing import Any

import pytest

from policy.models import Initiative, Project, ProjectStatus
from tests.conftest import browser_login, refresh_statuses

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_search_then_filter_sort_and_page_the_project_list(page: Any, official: Any) -> None:
    inference = Initiative.objects.get(code="inference-compute")
    gov = Initiative.objects.get(code="gov-llm")
    Project.objects.bulk_create(
        [
            *(
                Project(
                    initiative=inference,
                    code=f"icc-{i:02}",
                    name_zh=f"智算中心{i:02}",
                    owner_org="x",
                )
                for i in range(60)
            ),
            Project(initiative=gov, code="gov-1", name_zh="政务大模型", owner_org="y"),
        ]
    )
    refresh_statuses()
    ProjectStatus.objects.filter(project__code="icc-07").update(progress=99)

    browser_login(page, "official")
    page.fill("#header-q", "政务")
    page.press("#header-q", "Enter")
    page.wait_for_url("**/search/?q=*")
    results = page.locator("#results-projects")
    assert "政务大模型" in results.inner_text()
    assert "智算中心" not in page.locator("main").inner_text()

    page.goto(f"{page.live_url}/projects/")
    assert "共 61 个项目" in page.locator("#list-summary").inner_text()
    page.select_option("#f-initiative", "inference-compute")
    page.click(".filter-form [type=submit]")
    page.wait_for_url("**/projects/?*initiative=inference-compute*")
    assert "共 60 个项目" in page.locator("#list-summary").inner_text()
    assert page.locator(".project-list tbody tr").count() == 50
    page.locator(".project-list th a", has_text="进度").click()  # ascending
    page.locator(".project-list th a", has_text="进度").click()  # descending
    page.wait_for_url("**sort=-progress**")
    assert page.locator(".project-list tbody tr").first.inner_text().startswith("智算中心07")
    page.click(".pagination a[rel=next]")
    page.wait_for_url("**page=2**")
    assert page.locator(".project-list tbody tr").count() == 10
    assert "initiative=inference-compute" in page.url  # the filter stays on the next page
    assert "政务大模型" not in page.locator(".project-list").inner_text()
    with page.expect_download() as download:
        page.click("#list-summary a:text('CSV')")
    text = download.value.path().read_text(encoding="utf-8-sig")
    assert text.count("\n") == 61  # the header and every filtered project, not one page
