"""The milestone form through the real URL: upload limits, messages, conflicts, evidence download."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from policy.models import Evidence, Milestone, MilestoneUpdate
from tests.conftest import client_for
from tests.policy.evidence_files import DOCX, JPG, PDF, PNG, XLSX, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path: Path) -> Path:
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def post(client: Client, milestone: Milestone, files=(), **data):
    payload = {
        "status": milestone.status,
        "percent_complete": milestone.percent_complete,
        "completed_on": "",
        "narrative": "进展顺利",
        "version": milestone.version,
        **data,
    }
    if files:
        payload["evidence"] = list(files)
    return client.post(f"/milestones/{milestone.pk}/edit/", payload)


def errors_of(response) -> str:
    form = response.context["form"]
    return " ".join(str(e) for errs in form.errors.values() for e in errs)


def test_the_form_shows_the_current_values(owner_client, milestone) -> None:
    response = owner_client.get(f"/milestones/{milestone.pk}/edit/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="40"' in body
    assert "提交审核" in body


def test_a_valid_submission_redirects_and_shows_pending(owner_client, milestone) -> None:
    response = post(owner_client, milestone, percent_complete=60, files=[upload("报告.pdf")])
    assert response.status_code == 302
    page = owner_client.get(response["Location"]).content.decode()
    assert "待审核" in page
    assert "报告.pdf" in page
    assert MilestoneUpdate.objects.get().percent_complete == 60


@pytest.mark.parametrize(
    ("name", "content"),
    [("a.pdf", PDF), ("b.docx", DOCX), ("c.xlsx", XLSX), ("d.jpg", JPG), ("e.png", PNG)],
)
def test_each_allowed_type_is_accepted(owner_client, milestone, name, content) -> None:
    response = post(owner_client, milestone, files=[upload(name, content)])
    assert response.status_code == 302
    assert Evidence.objects.get().original_name == name


@pytest.mark.parametrize("name", ["setup.exe", "notes.txt", "page.html", "noextension"])
def test_other_types_are_refused_with_the_allowed_list(owner_client, milestone, name) -> None:
    response = post(owner_client, milestone, files=[upload(name)])
    assert response.status_code == 200
    message = errors_of(response)
    assert "类型不允许上传" in message
    assert "pdf、docx、xlsx" in message
    assert not Evidence.objects.exists()
    assert not MilestoneUpdate.objects.exists()  # nothing half-written


def test_a_renamed_file_is_caught_by_its_content(owner_client, milestone) -> None:
    response = post(owner_client, milestone, files=[upload("scan.pdf", b"MZ\x90\x00fake exe")])
    assert response.status_code == 200
    assert "内容与扩展名 .pdf 不符" in errors_of(response)


def test_a_zip_renamed_to_docx_is_refused(owner_client, milestone) -> None:
    response = post(owner_client, milestone, files=[upload("table.docx", XLSX)])
    assert "内容与扩展名 .docx 不符" in errors_of(response)


def test_files_over_the_size_limit_are_refused(owner_client, milestone, settings) -> None:
    settings.EVIDENCE_MAX_BYTES = 100
    big = PDF + b"0" * 200
    response = post(owner_client, milestone, files=[upload("big.pdf", big)])
    assert response.status_code == 200
    assert "超过了" in errors_of(response)
    assert "上限" in errors_of(response)
    assert not Evidence.objects.exists()


def test_a_file_at_the_limit_is_accepted(owner_client, milestone, settings) -> None:
    settings.EVIDENCE_MAX_BYTES = len(PDF)
    assert post(owner_client, milestone, files=[upload("ok.pdf")]).status_code == 302


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\张三\\桌面\\验收.pdf", "验收.pdf"),
        ("/var/../x/..hidden.pdf", "hidden.pdf"),
        ("bad\x00name<>.pdf", "badname.pdf"),
    ],
)
def test_path_characters_are_stripped_from_names(
    owner_client, milestone, private_media, sent, kept
) -> None:
    assert post(owner_client, milestone, files=[upload(sent)]).status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.original_name == kept
    assert Path(evidence.file.path).resolve().is_relative_to(private_media.resolve())


def test_validation_messages_appear_next_to_the_fields(owner_client, milestone) -> None:
    response = post(owner_client, milestone, status="done", percent_complete=80)
    form = response.context["form"]
    assert response.status_code == 200
    assert "应为 100" in " ".join(form.errors["percent_complete"])
    assert "必须填写实际完成日期" in " ".join(form.errors["completed_on"])


def test_the_second_save_is_refused_with_what_changed(lead, owner, milestone) -> None:
    lead_client, owner_client = client_for(lead), client_for(owner)
    stale_version = milestone.version
    assert post(lead_client, milestone, percent_complete=75).status_code == 302
    response = post(owner_client, milestone, percent_complete=10, version=stale_version)
    assert response.status_code == 200
    body = response.content.decode()
    assert "保存被拒绝" in body
    assert "40% → 75%" in body
    assert Milestone.objects.get(pk=milestone.pk).percent_complete == 75
    assert not MilestoneUpdate.objects.exists()


def test_evidence_is_served_only_to_readers(owner_client, milestone, official, outsider) -> None:
    post(owner_client, milestone, files=[upload("报告.pdf")])
    evidence = Evidence.objects.get()
    url = f"/evidence/{evidence.pk}/"
    response = client_for(official).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert client_for(outsider).get(url).status_code == 404
    assert Client().get(url).status_code == 302
    assert not str(evidence.file.name).startswith("/")


def test_evidence_is_not_reachable_under_media_url(owner_client, milestone, settings) -> None:
    post(owner_client, milestone, files=[upload("报告.pdf")])
    evidence = Evidence.objects.get()
    assert not Path(evidence.file.path).is_relative_to(Path(settings.MEDIA_ROOT))
    with pytest.raises(ValueError, match="no URL"):
        evidence.file.url  # noqa: B018


def test_messages_are_translated_to_english(owner_client, milestone) -> None:
    owner_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = post(owner_client, milestone, status="done", percent_complete=80)
    body = response.content.decode()
    assert "Update milestone progress" in body
    assert "A completed milestone needs its actual completion date." in body
    assert "100 % complete (you entered 80)" in body


def test_an_oversized_file_is_not_read_past_the_limit(owner, milestone, settings) -> None:
    from django.core.files.uploadhandler import SkipFile
    from django.test import RequestFactory

    from policy.views.work import EvidenceLimitUploadHandler

    settings.EVIDENCE_MAX_BYTES = 10
    request = RequestFactory().post("/")
    handler = EvidenceLimitUploadHandler(request)
    handler.new_file("evidence", "../big.pdf", "application/pdf", 100)
    assert handler.receive_data_chunk(b"12345", 0) == b"12345"
    with pytest.raises(SkipFile):
        handler.receive_data_chunk(b"123456", 5)
    assert request.evidence_too_large == ["big.pdf"]  # type: ignore[attr-defined]


def test_the_oversized_file_is_named_and_nothing_is_saved(owner_client, milestone, settings):
    settings.EVIDENCE_MAX_BYTES = 100
    response = post(
        owner_client,
        milestone,
        percent_complete=70,
        files=[upload("small.pdf"), upload("大文件.pdf", PDF + b"0" * 5000)],
    )
    assert response.status_code == 200
    assert "“大文件.pdf”超过了 100\xa0字节 的上限，未上传" in errors_of(response)
    assert not MilestoneUpdate.objects.exists()
    assert not Evidence.objects.exists()


def test_the_milestone_form_still_checks_csrf(owner, milestone) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = post(client, milestone, percent_complete=70)
    assert response.status_code == 403
    assert not MilestoneUpdate.objects.exists()


def test_the_lead_returns_through_the_page_and_the_owner_reworks(
    owner_client, lead_client, milestone
) -> None:
    post(owner_client, milestone, percent_complete=90, narrative="基本完成")
    update = MilestoneUpdate.objects.get()
    url = f"/milestone-updates/{update.pk}/review/"
    response = lead_client.post(url, {"decision": "return", "reason": ""}, follow=True)
    assert "请填写退回原因" in response.content.decode()
    update.refresh_from_db()
    assert update.state == "submitted"
    lead_client.post(url, {"decision": "return", "reason": "缺少验收报告"})
    update.refresh_from_db()
    assert update.state == "returned"
    work = owner_client.get("/work/").content.decode()
    assert "缺少验收报告" in work
    form_page = owner_client.get(f"/milestones/{milestone.pk}/edit/").content.decode()
    assert "退回了上次提交：缺少验收报告" in form_page
    assert 'value="90"' in form_page  # starts from the returned proposal
    milestone.refresh_from_db()
    assert post(owner_client, milestone, percent_complete=95).status_code == 302
    assert "缺少验收报告" not in owner_client.get("/work/").content.decode()
