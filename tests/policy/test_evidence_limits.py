"""Zip bombs renamed .docx/.xlsx/.pptx are refused with a clear message; narratives, comments and
review notes have a length cap on the form, the API and the service alike."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from policy.models import Evidence, MilestoneUpdate
from policy.validators import NARRATIVE_MAX_LENGTH, evidence_file_errors
from tests.api.conftest import TokenClient
from tests.policy.evidence_files import office, upload
from tests.policy.test_milestone_form import errors_of, post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_media(settings: Any, tmp_path: Path) -> Path:
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def bomb(folder: str, inflated: int) -> bytes:
    """A valid Office-looking archive whose one member inflates to ``inflated`` zero bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open(f"{folder}/document.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(inflated >> 20):
                member.write(chunk)
    return buffer.getvalue()


def liar(folder: str) -> bytes:
    """An archive whose central directory understates the member's size (a lying header)."""
    data = bytearray(bomb(folder, 2 << 20))
    # Patch the uncompressed size in the central directory entry of the big member to 10.
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    return bytes(data)


GIGABYTE_DOCX = bomb("word", 1 << 30)  # 1 GB of zeros in about 1 MB


def test_a_one_gigabyte_zip_bomb_renamed_docx_is_refused_on_the_form(owner_client, milestone):
    assert len(GIGABYTE_DOCX) < 2 * 1024 * 1024
    response = post(owner_client, milestone, files=[upload("验收报告.docx", GIGABYTE_DOCX)])

    assert response.status_code == 200
    assert "解压后超过" in errors_of(response)
    assert "压缩炸弹" in errors_of(response)
    assert Evidence.objects.count() == 0
    assert MilestoneUpdate.objects.count() == 0


@pytest.mark.parametrize(("ext", "folder"), [("xlsx", "xl"), ("pptx", "ppt")])
def test_an_absurd_compression_ratio_is_refused(settings: Any, ext: str, folder: str) -> None:
    settings.EVIDENCE_MAX_INFLATED_BYTES = 1 << 30
    good, messages = evidence_file_errors([upload(f"表.{ext}", bomb(folder, 50 << 20))])
    assert good == []
    assert "压缩比异常" in messages[0]


def test_a_lying_size_header_is_caught_while_inflating(settings: Any) -> None:
    settings.EVIDENCE_MAX_ZIP_RATIO = 10**9
    good, messages = evidence_file_errors([upload("a.docx", liar("word"))])
    assert good == []
    assert "已损坏" in messages[0] or "解压后超过" in messages[0]


def test_ordinary_office_files_are_still_accepted() -> None:
    files = [upload(f"f.{e}", office(d)) for e, d in (("docx", "word"), ("pptx", "ppt"))]
    good, messages = evidence_file_errors(files)
    assert messages == []
    assert [f.ext for f in good] == ["docx", "pptx"]


# --- length caps ------------------------------------------------------------------------------


def test_a_megabyte_narrative_is_refused_on_the_form(owner_client, milestone) -> None:
    response = post(owner_client, milestone, narrative="x" * 1_000_000)
    assert response.status_code == 200
    assert "最多 5000 个字符" in errors_of(response)
    assert MilestoneUpdate.objects.count() == 0


def test_a_narrative_at_the_cap_is_accepted(owner_client, milestone) -> None:
    response = post(owner_client, milestone, narrative="进" * NARRATIVE_MAX_LENGTH)
    assert response.status_code == 302
    assert len(MilestoneUpdate.objects.get().narrative) == NARRATIVE_MAX_LENGTH


def test_a_long_narrative_is_refused_by_the_api(owner: Any, milestone: Any) -> None:
    response = TokenClient(owner).post(
        f"/api/v1/milestones/{milestone.pk}/progress",
        {
            "expected_version": milestone.version,
            "status": "in_progress",
            "percent_complete": 50,
            "narrative": "进" * (NARRATIVE_MAX_LENGTH + 1),
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "narrative" in response.json()["fields"]


def test_the_service_caps_narratives_for_every_channel(owner: Any, milestone: Any) -> None:
    from policy.exceptions import ValidationFailed
    from policy.services.milestones import milestone_record_progress

    with pytest.raises(ValidationFailed) as caught:
        milestone_record_progress(
            actor=owner,
            milestone_id=milestone.pk,
            expected_version=milestone.version,
            status="in_progress",
            percent_complete=50,
            completed_on=None,
            narrative="x" * (NARRATIVE_MAX_LENGTH + 1),
            channel="admin",
        )
    assert "narrative" in caught.value.fields
