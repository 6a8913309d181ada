"""A failing chart export fails the run cleanly: reason recorded, old PDF kept, no debris."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from policy.briefings.exceptions import BriefingError
from policy.briefings.export import stop_browser
from policy.briefings.models import Briefing, BriefingStatus
from policy.briefings.services import briefing_generate, briefing_generate_task, briefing_request

OLD_PDF = b"%PDF-1.7 previous briefing\n"


@pytest.fixture
def broken_chromium(settings):
    """The warm browser is restarted against a chromium path that does not exist."""
    stop_browser()
    settings.BRIEFING_CHROMIUM_PATH = "/nonexistent/chromium"
    yield settings
    stop_browser()  # the next test starts a browser with the real path


@pytest.fixture
def ready_briefing(db: object, private_media: Path) -> Briefing:
    briefing = briefing_request(kind="monthly", period="2026-10", enqueue=False)
    briefing.file.save("2026-10-zh-hans-old.pdf", ContentFile(OLD_PDF))
    Briefing.objects.filter(pk=briefing.pk).update(status=BriefingStatus.READY, page_count=9)
    briefing_request(kind="monthly", period="2026-10", enqueue=False)  # regenerate
    return Briefing.objects.get(pk=briefing.pk)


def _files(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "briefings").rglob("*") if p.is_file())


@pytest.mark.django_db
def test_a_failing_chart_export_records_the_reason_and_keeps_the_old_pdf(
    broken_chromium, ready_briefing: Briefing
) -> None:
    root = Path(broken_chromium.PRIVATE_MEDIA_ROOT)
    before = _files(root)
    with pytest.raises(BriefingError) as caught:
        briefing_generate(briefing_id=ready_briefing.pk)
    assert "/nonexistent/chromium" in str(caught.value)
    ready_briefing.refresh_from_db()
    assert ready_briefing.status == BriefingStatus.FAILED
    assert ready_briefing.error.startswith("图表导出失败：找不到浏览器 /nonexistent/chromium")
    assert "BRIEFING_CHROMIUM_PATH" in ready_briefing.error
    assert ready_briefing.attempts == 1
    # Nothing half-written: the previous PDF is untouched and is still the row's file.
    assert ready_briefing.file.name.endswith("2026-10-zh-hans-old.pdf")
    assert Path(ready_briefing.file.path).read_bytes() == OLD_PDF
    assert _files(root) == before
    assert ready_briefing.page_count == 9


@pytest.mark.django_db
def test_the_task_retries_a_failed_briefing_then_gives_up_with_the_reason(
    broken_chromium, ready_briefing: Briefing, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken_chromium.BRIEFING_MAX_RETRIES = 2
    # Eager retries run inline; let each one record its failure instead of raising at once.
    monkeypatch.setitem(briefing_generate_task.app.conf, "task_eager_propagates", False)
    result = briefing_generate_task.apply(args=[ready_briefing.pk], throw=False)
    assert result.failed()
    ready_briefing.refresh_from_db()
    assert ready_briefing.attempts == 3  # the first run and two retries
    assert ready_briefing.status == BriefingStatus.FAILED
    assert "找不到浏览器" in ready_briefing.error
    assert Path(ready_briefing.file.path).read_bytes() == OLD_PDF


def test_a_pdf_never_fetches_from_outside() -> None:
    from policy.briefings.render import html_to_pdf

    pdf, pages = html_to_pdf("<p>内网</p><img src='data:image/svg+xml;base64,PHN2Zy8+'>")
    assert pdf.startswith(b"%PDF")
    assert pages == 1
    with pytest.raises(BriefingError, match=r"外部资源.*http://example\.org/logo\.png"):
        html_to_pdf("<p>外网</p><img src='http://example.org/logo.png'>")
