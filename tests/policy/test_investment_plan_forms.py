"""The plans-and-funding page: leads and admins set a project's total investment, year and
quarter plans and funding split in 万元/亿元 through the services; refusals keep the input."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from policy.models import InvestmentPlan, Project, ProjectFunding, ProjectStatus
from policy.services.investment import (
    funding_set,
    investment_plan_set,
    investment_report_record,
)
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def url(project: Project) -> str:
    return f"/projects/{project.pk}/investment/plans/"


def plan_post(**extra: Any) -> dict[str, Any]:
    return {"action": "plan", "year": YEAR, "quarter": "", "unit": "wan", **extra}


def test_a_lead_sets_the_year_plan_in_wan_and_a_quarter_in_yi(
    project: Project, lead_client: Client
) -> None:
    page = lead_client.get(url(project))
    assert page.status_code == 200
    assert "年度与季度计划" in page.content.decode()
    response = lead_client.post(url(project), plan_post(amount="1234.56", note="年初下达"))
    assert response.status_code == 302
    assert response["Location"].endswith("#plan")
    plan = InvestmentPlan.objects.get(project=project, year=YEAR, quarter=None)
    assert (plan.amount_yuan, plan.note, plan.version) == (Decimal("12345600.00"), "年初下达", 1)
    lead_client.post(url(project), plan_post(quarter="2", amount="0.25", unit="yi"))
    quarter = InvestmentPlan.objects.get(project=project, year=YEAR, quarter=2)
    assert quarter.amount_yuan == Decimal("25000000.00")
    assert ProjectStatus.objects.get(project=project).invest_plan_yuan == Decimal("12345600.00")
    # Opening a plan to change it shows it as entered, with its version.
    body = lead_client.get(url(project) + f"?year={YEAR}&quarter=2").content.decode()
    assert 'value="2500"' in body  # 0.25 亿元 = 2,500 万元
    assert 'name="version" value="1"' in body


def test_the_total_and_funding_are_stored_exactly(project: Project, lead_client: Client) -> None:
    version = Project.objects.get(pk=project.pk).version
    response = lead_client.post(
        url(project), {"action": "total", "amount": "12.5", "unit": "yi", "version": version}
    )
    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).planned_investment_yuan == Decimal("1250000000")
    response = lead_client.post(
        url(project),
        {
            "action": "funding",
            "source": "ultra-long-bonds",
            "planned": "3000",
            "arrived": "1200.5",
            "unit": "wan",
            "note": "第一批",
        },
    )
    assert response.status_code == 302
    row = ProjectFunding.objects.get(project=project, source__code="ultra-long-bonds")
    assert (row.planned_yuan, row.arrived_yuan) == (Decimal("30000000.00"), Decimal("12005000.00"))
    page = lead_client.get(url(project) + "?source=ultra-long-bonds").content.decode()
    assert "超长期特别国债" in page
    assert 'value="1200.5"' in page


def test_bad_input_keeps_what_was_typed_with_a_message_next_to_the_field(
    project: Project, lead_client: Client
) -> None:
    response = lead_client.post(url(project), plan_post(amount="很多", note="保留这句"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "请填写数字金额" in body
    assert 'value="很多"' in body
    assert "保留这句" in body
    negative = lead_client.post(url(project), plan_post(amount="-5")).content.decode()
    assert "金额不能为负" in negative
    fen = lead_client.post(url(project), plan_post(amount="0.0000001")).content.decode()
    assert "精确到了分以下" in fen
    assert 'value="0.0000001"' in fen
    year = lead_client.post(url(project), plan_post(year="1999", amount="5")).content.decode()
    assert "年度有误" in year
    funding = lead_client.post(
        url(project),
        {"action": "funding", "source": "nope", "planned": "5", "arrived": "9", "unit": "wan"},
    ).content.decode()
    assert "不存在" in funding
    assert 'value="9"' in funding
    assert not InvestmentPlan.objects.filter(project=project).exists()
    assert not ProjectFunding.objects.filter(project=project).exists()


def test_owners_officials_other_leads_and_outsiders_are_refused(
    project: Project,
    owner: Any,
    owner2: Any,
    official: Any,
    other_lead: Any,
    outsider: Any,
) -> None:
    own = client_for(owner)
    assert own.get(url(project)).status_code == 403
    assert own.post(url(project), plan_post(amount="5")).status_code == 403
    for user in (owner2, official, other_lead):
        client = client_for(user)
        assert client.get(url(project)).status_code == 403
        assert client.post(url(project), plan_post(amount="5")).status_code == 403
    assert client_for(outsider).get(url(project)).status_code == 404
    assert not InvestmentPlan.objects.filter(project=project).exists()
    # Owners still find the report form on the project page, not the plans.
    body = own.get(f"/projects/{project.pk}/").content.decode()
    assert "填报完成投资" in body
    assert url(project) not in body


def test_the_page_is_linked_from_the_project_page_and_my_work(
    project: Project, lead_client: Client
) -> None:
    assert url(project) in lead_client.get(f"/projects/{project.pk}/").content.decode()
    assert url(project) in lead_client.get("/work/").content.decode()


def test_a_plan_changed_meanwhile_is_a_conflict_and_the_input_is_kept(
    project: Project, lead: Any, admin_user: Any, lead_client: Client
) -> None:
    investment_plan_set(actor=lead, project_id=project.pk, year=YEAR, amount=Decimal("1000"))
    page = lead_client.get(url(project) + f"?year={YEAR}").content.decode()
    assert 'name="version" value="1"' in page
    investment_plan_set(  # an admin changes it in the meantime
        actor=admin_user,
        project_id=project.pk,
        year=YEAR,
        amount=Decimal("1500"),
        expected_version=1,
    )
    response = lead_client.post(url(project), plan_post(amount="1200", version="1"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "保存被拒绝" in body
    assert 'value="1200"' in body
    plan = InvestmentPlan.objects.get(project=project, year=YEAR, quarter=None)
    assert plan.amount_yuan == Decimal("15000000.00")


def test_total_and_funding_conflicts(
    project: Project, lead: Any, admin_user: Any, lead_client: Client
) -> None:
    seen = Project.objects.get(pk=project.pk).version
    client_for(admin_user).post(
        url(project), {"action": "total", "amount": "2", "unit": "yi", "version": seen}
    )
    stale = lead_client.post(
        url(project), {"action": "total", "amount": "3", "unit": "yi", "version": seen}
    ).content.decode()
    assert "保存被拒绝" in stale
    assert "2亿元" in stale  # what it is now
    assert Project.objects.get(pk=project.pk).planned_investment_yuan == Decimal("200000000")
    funding_set(
        actor=admin_user,
        project_id=project.pk,
        source_code="bank-loans",
        planned=Decimal(100),
        arrived=Decimal(0),
    )
    unseen = lead_client.post(  # the lead saw no row for the source: version empty
        url(project),
        {
            "action": "funding",
            "source": "bank-loans",
            "planned": "7",
            "arrived": "1",
            "unit": "wan",
        },
    ).content.decode()
    assert "保存被拒绝" in unseen
    assert ProjectFunding.objects.get(project=project).planned_yuan == Decimal("1000000.00")


def test_the_plans_page_and_the_review_page_read_in_english(
    project: Project, lead: Any, owner: Any, lead_client: Client
) -> None:
    investment_plan_set(actor=lead, project_id=project.pk, year=YEAR, amount=Decimal("1000"))
    row = investment_report_record(
        actor=owner, project_id=project.pk, period=f"{YEAR}-01", amount=Decimal("10")
    )
    lead_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    names = {project.name_zh, project.initiative.name_zh, owner.get_full_name()}
    for page in (url(project), f"/investment-reports/{row.pk}/review/"):
        html = lead_client.get(page).content.decode()
        main = html[html.index("<main") : html.index("</main>")]
        for name in names:
            main = main.replace(name, "")
        # The units are named in Chinese too, as officials write them: "10k yuan (万元)".
        assert set(re.findall(r"[\u4e00-\u9fff]+", main)) <= {"万元", "亿元"}, page
    bad = lead_client.post(url(project), plan_post(amount="lots")).content.decode()
    assert "Enter the amount as a number" in bad


def test_thousands_separators_are_read_and_stray_commas_refused(
    project: Project, lead_client: Client
) -> None:
    assert lead_client.post(url(project), plan_post(amount="1,234.5")).status_code == 302
    plan = InvestmentPlan.objects.get(project=project, year=YEAR, quarter=None)
    assert plan.amount_yuan == Decimal("12345000.00")
    typo = lead_client.post(url(project), plan_post(amount="12,3.4", version="1"))
    assert "请填写数字金额" in typo.content.decode()
