"""Reusable validation rules, shared by services (and through them forms and the API).

Each function returns ``{field: [messages]}`` (empty when valid) or raises nothing; services
collect the errors and raise `ValidationFailed` with them, so every channel shows the same
Chinese messages next to the same fields.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from indicators.quality import implausible_jump

from .models import KpiFrequency, MilestoneStatus

FieldErrors = dict[str, list[str]]


def _add(errors: FieldErrors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


# --- Free text --------------------------------------------------------------------------------

# Longest narrative (progress note, KPI comment) and review note or reason, in characters; the
# forms, the API schemas and the services all use these (a 1 MB "narrative" was stored).
NARRATIVE_MAX_LENGTH = 5000
REVIEW_NOTE_MAX_LENGTH = 2000


def text_length_errors(field: str, text: str | None, limit: int) -> FieldErrors:
    """``{field: [message]}`` when ``text`` is longer than ``limit`` characters, else {}."""
    length = len(text or "")
    if length <= limit:
        return {}
    return {
        field: [
            _("内容过长：最多 %(limit)d 个字符，当前 %(n)d 个；请精简，或把详细材料作为附件上传。")
            % {"limit": limit, "n": length}
        ]
    }


# --- Milestones -------------------------------------------------------------------------------


def milestone_progress_errors(
    *,
    status: str,
    percent_complete: int | None,
    completed_on: dt.date | None,
    today: dt.date,
    project_start: dt.date | None = None,
    narrative: str = "",
) -> FieldErrors:
    """The milestone rules of issue 4: dates, percent and status must agree."""
    errors: FieldErrors = text_length_errors("narrative", narrative, NARRATIVE_MAX_LENGTH)
    if status not in MilestoneStatus.values:
        _add(errors, "status", _("请选择有效的状态。"))
    if percent_complete is None or not 0 <= percent_complete <= 100:
        _add(errors, "percent_complete", _("完成百分比必须在 0 到 100 之间。"))
    elif status == MilestoneStatus.DONE and percent_complete != 100:
        _add(
            errors,
            "percent_complete",
            _("状态为“已完成”时，完成百分比应为 100（当前为 %(pct)d）。")
            % {"pct": percent_complete},
        )
    elif status == MilestoneStatus.NOT_STARTED and percent_complete != 0:
        _add(
            errors,
            "percent_complete",
            _("状态为“未开始”时，完成百分比应为 0；已有进展请把状态改为“推进中”。"),
        )
    if status == MilestoneStatus.DONE:
        if completed_on is None:
            _add(errors, "completed_on", _("已完成的里程碑必须填写实际完成日期。"))
        elif completed_on > today:
            _add(
                errors,
                "completed_on",
                _("实际完成日期 %(date)s 晚于今天（%(today)s），不能填写将来的日期。")
                % {"date": completed_on.isoformat(), "today": today.isoformat()},
            )
        elif project_start and completed_on < project_start:
            _add(
                errors,
                "completed_on",
                _("实际完成日期 %(date)s 早于项目开工日期 %(start)s，请核对。")
                % {"date": completed_on.isoformat(), "start": project_start.isoformat()},
            )
    elif completed_on is not None:
        _add(
            errors,
            "completed_on",
            _("只有状态为“已完成”的里程碑才填写实际完成日期；请清空日期或把状态改为“已完成”。"),
        )
    return errors


# --- Evidence files ---------------------------------------------------------------------------


class UploadedLike(Protocol):
    name: str
    size: int

    def read(self, size: int = -1) -> bytes: ...
    def seek(self, offset: int) -> Any: ...


CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
}

_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')


def safe_file_name(raw: str) -> str:
    """The last path component with control and reserved characters removed.

    Browsers on Windows may send ``C:\\Users\\…\\报告.pdf``; an attacker may send
    ``../../settings.py``. Only the base name survives, never a directory part.
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_CHARS.sub("", name).strip().lstrip(".")
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem[: 150 - len(ext) - 1]}.{ext}" if dot else name[:150]
    return name


def _sniff_zip(head: bytes, data_reader: UploadedLike, folder: str) -> bool:
    if not head.startswith(b"PK\x03\x04"):
        return False
    data_reader.seek(0)
    try:
        with zipfile.ZipFile(io.BytesIO(data_reader.read())) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return False
    return "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)


# Office Open XML files are zip archives; the folder inside tells the formats apart.
ZIP_FOLDERS = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
_CHUNK = 64 * 1024


def zip_bomb_problem(name: str, upload: UploadedLike) -> str | None:
    """Why a zip-based upload must be refused (too large once inflated, too compressed), or None.

    A zip bomb is a small file that inflates to gigabytes in whatever opens it (a reviewer's
    Word, an indexer). Declared sizes are checked first, then every member is actually inflated
    in chunks, stopping as soon as the total passes the limit, so lying headers are caught too
    (zipfile stops at the declared size and the CRC then fails).
    """
    limit = settings.EVIDENCE_MAX_INFLATED_BYTES
    max_ratio = settings.EVIDENCE_MAX_ZIP_RATIO
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    too_big = _("“%(name)s”解压后超过 %(limit)s，内容异常膨胀（可能是“压缩炸弹”），已拒绝。") % {
        "name": name,
        "limit": filesizeformat(limit),
    }
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > settings.EVIDENCE_MAX_ZIP_MEMBERS:
                return _("“%(name)s”包含 %(n)s 个内部文件，超过上限 %(max)s，已拒绝。") % {
                    "name": name,
                    "n": len(members),
                    "max": settings.EVIDENCE_MAX_ZIP_MEMBERS,
                }
            declared = sum(m.file_size for m in members)
            if declared > limit:
                return too_big
            ratio = declared / max(1, len(data))
            if ratio > max_ratio:
                return _(
                    "“%(name)s”的压缩比异常（解压后是原文件的 %(ratio)d 倍，上限 %(max)d 倍），"
                    "可能是“压缩炸弹”，已拒绝；请用办公软件另存后再上传。"
                ) % {"name": name, "ratio": ratio, "max": max_ratio}
            inflated = 0
            for member in members:
                with archive.open(member) as stream:
                    while chunk := stream.read(_CHUNK):
                        inflated += len(chunk)
                        if inflated > limit:
                            return too_big
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError):
        return _("“%(name)s”已损坏，无法打开，请用办公软件另存后再上传。") % {"name": name}
    return None


def content_matches_extension(ext: str, upload: UploadedLike) -> bool:
    """Magic-byte check: the file really is what its extension claims."""
    upload.seek(0)
    head = upload.read(16)
    try:
        if ext == "pdf":
            return head.startswith(b"%PDF-")
        if ext == "png":
            return head.startswith(b"\x89PNG\r\n\x1a\n")
        if ext in ("jpg", "jpeg"):
            return head.startswith(b"\xff\xd8\xff")
        if ext in ZIP_FOLDERS:
            return _sniff_zip(head, upload, ZIP_FOLDERS[ext])
        return False
    finally:
        upload.seek(0)


@dataclass(frozen=True)
class CheckedFile:
    upload: Any
    name: str
    ext: str
    content_type: str
    size: int


def evidence_file_errors(uploads: list[Any]) -> tuple[list[CheckedFile], list[str]]:
    """Check each upload's name, extension, size and content; return good files and messages."""
    allowed = [e.lower() for e in settings.EVIDENCE_EXTENSIONS]
    limit = settings.EVIDENCE_MAX_BYTES
    good: list[CheckedFile] = []
    messages: list[str] = []
    for upload in uploads:
        name = safe_file_name(upload.name)
        shown = name or _("（无名文件）")
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if ext not in allowed:
            messages.append(
                _("“%(name)s”的类型不允许上传；只接受 %(types)s 文件。")
                % {"name": shown, "types": "、".join(allowed)}
            )
        elif upload.size > limit:
            messages.append(
                _("“%(name)s”有 %(size)s，超过了 %(limit)s 的上限；请压缩或拆分后再上传。")
                % {
                    "name": shown,
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(limit),
                }
            )
        elif upload.size == 0:
            messages.append(_("“%(name)s”是空文件。") % {"name": shown})
        elif not content_matches_extension(ext, upload):
            messages.append(
                _("“%(name)s”的内容与扩展名 .%(ext)s 不符，可能是改了扩展名的其他文件。")
                % {"name": shown, "ext": ext}
            )
        elif ext in ZIP_FOLDERS and (problem := zip_bomb_problem(shown, upload)):
            messages.append(problem)
        else:
            good.append(CheckedFile(upload, name, ext, CONTENT_TYPES[ext], upload.size))
    return good, messages


# --- KPI values -------------------------------------------------------------------------------

_PERIOD_PATTERNS = {
    KpiFrequency.ANNUAL: (re.compile(r"^(\d{4})$"), "2025"),
    KpiFrequency.HALF: (re.compile(r"^(\d{4})-H([12])$"), "2025-H1"),
    KpiFrequency.QUARTERLY: (re.compile(r"^(\d{4})-Q([1-4])$"), "2025-Q3"),
    KpiFrequency.MONTHLY: (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"), "2025-06"),
}
_MONTHS_PER_STEP = {"A": 12, "H": 6, "Q": 3, "M": 1}
PERIOD_FIRST_YEAR, PERIOD_LAST_YEAR = 1900, 2099
# Any period the KPI rules accept, whatever the frequency: the API schema states it.
PERIOD_PATTERN = r"^(19|20)\d{2}(-(H[12]|Q[1-4]|0[1-9]|1[0-2]))?$"


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def period_bounds(frequency: str, period: str) -> tuple[dt.date, dt.date] | None:
    """First and last day of a period written the KPI's way, or None when it is malformed."""
    pattern, _example = _PERIOD_PATTERNS[KpiFrequency(frequency)]
    match = pattern.match(period.strip())
    if not match:
        return None
    year = int(match.group(1))
    if not PERIOD_FIRST_YEAR <= year <= PERIOD_LAST_YEAR:
        return None  # "0000" is four digits but no year (it raised a 500)
    step = _MONTHS_PER_STEP[frequency]
    index = int(match.group(2)) if frequency != "A" else 1
    first_month = (index - 1) * step + 1
    return dt.date(year, first_month, 1), _month_end(year, first_month + step - 1)


def current_period(frequency: str, today: dt.date) -> str:
    """The period containing `today`, the KPI's way (2025, 2025-H2, 2025-Q3, 2025-07)."""
    if frequency == "A":
        return f"{today.year}"
    if frequency == "H":
        return f"{today.year}-H{1 if today.month <= 6 else 2}"
    if frequency == "Q":
        return f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    return f"{today.year}-{today.month:02d}"


def period_example(frequency: str) -> str:
    return _PERIOD_PATTERNS[KpiFrequency(frequency)][1]


PERCENT_UNITS = {"%", "％", "百分比"}
JUMP_FACTOR = Decimal(10)


def kpi_value_errors(
    *,
    frequency: str,
    unit: str,
    period: str,
    value: Decimal | None,
    today: dt.date,
) -> FieldErrors:
    """Period spelling for the KPI's frequency, no future periods, value plausible for the unit."""
    errors: FieldErrors = {}
    bounds = period_bounds(frequency, period)
    if bounds is None:
        _add(
            errors,
            "period",
            _("期间“%(period)s”的格式不对：该指标按%(freq)s报送，请写成 %(example)s 这样的形式。")
            % {
                "period": period,
                "freq": KpiFrequency(frequency).label,
                "example": period_example(frequency),
            },
        )
    elif bounds[0] > today:
        _add(errors, "period", _("期间 %(period)s 尚未开始，不能填报。") % {"period": period})
    if value is None:
        _add(errors, "value", _("请填写数值。"))
    elif unit.strip() in PERCENT_UNITS and not Decimal(0) <= value <= Decimal(100):
        _add(
            errors,
            "value",
            _("该指标单位为 %%，数值应在 0 到 100 之间（填写的是 %(v)s）。") % {"v": value},
        )
    elif value < 0:
        _add(
            errors,
            "value",
            _("该指标单位为“%(unit)s”，数值不能为负（填写的是 %(v)s）。")
            % {"unit": unit, "v": value},
        )
    return errors


def is_implausible_jump(value: Decimal, previous: Decimal | None) -> bool:
    """Ten times (or a tenth of) the previous value: usually a unit slip (万 vs 亿, P vs T).

    The ingestion's jump rule (``indicators.quality``), applied to one entered value.
    """
    return implausible_jump(
        float(value), None if previous is None else float(previous), float(JUMP_FACTOR)
    )
