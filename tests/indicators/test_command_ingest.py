"""``manage.py ingest``: summary line, progress, exit codes, and an untouched database on error."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from indicators.models import Indicator, IngestionRun, Observation, Source

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PRICE = FIXTURES / "csv" / "idc_power_price_semicolon.csv"
MAPPING = json.dumps(
    {
        "indicator_map": {"ELEC_PRICE_IDC": "elec-price-idc"},
        "unit_map": {"yuan/kWh": "元/度"},
        "decimal": ",",
    }
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def price_indicator() -> Indicator:
    return Indicator.objects.create(code="elec-price-idc", name_zh="电价", unit="元/度")


def _ingest(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("ingest", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _snapshot() -> tuple[list, int]:
    return list(
        Observation.objects.values_list("pk", "value", "run_id")
    ), IngestionRun.objects.count()


def test_a_file_import_prints_one_summary_line_and_a_rerun_is_all_unchanged() -> None:
    out, _ = _ingest("--kind", "csv", "--file", str(PRICE), "--mapping", MAPPING)
    assert out == "inserted=5 updated=0 unchanged=0 rejected=0 flagged=0\n"

    out, _ = _ingest("--kind", "csv", "--file", str(PRICE), "--mapping", MAPPING)
    assert out == "inserted=0 updated=0 unchanged=5 rejected=0 flagged=0\n"
    assert IngestionRun.objects.filter(trigger="command").count() == 2


def test_dry_run_counts_and_leaves_the_database_as_it_was() -> None:
    before = _snapshot()
    out, _ = _ingest("--kind", "csv", "--file", str(PRICE), "--mapping", MAPPING, "--dry-run")
    assert out == "dry run: inserted=5 updated=0 unchanged=0 rejected=0 flagged=0\n"
    assert _snapshot() == before


def test_indicator_and_area_options_fill_rows_that_name_none(tmp_path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("年份,数值\n2022,0.5\n2023,0.6\n", encoding="utf-8")
    out, _ = _ingest(
        "--kind", "csv", "--file", str(path), "--indicator", "elec-price-idc", "--area", "510100"
    )
    assert out.startswith("inserted=2 ")
    assert Observation.objects.get(period="2023").area.code == "510100"


def test_bad_input_exits_with_the_message_and_the_database_exactly_as_before() -> None:
    _ingest("--kind", "csv", "--file", str(PRICE), "--mapping", MAPPING)
    before = _snapshot()
    bad = FIXTURES / "bad" / "non_numeric_value.csv"

    with pytest.raises(CommandError, match='"约5000" is not a number'):
        _ingest("--kind", "csv", "--file", str(bad))

    assert _snapshot() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Give --source CODE, or --kind KIND"),
        (["--kind", "csv"], "exactly one of --file PATH and --url URL"),
        (["--kind", "csv", "--file", "/nonexistent.csv"], "File not found"),
        (["--kind", "csv", "--file", str(PRICE), "--mapping", "{"], "--mapping is not valid JSON"),
        (["--source", "nope"], 'No source "nope"'),
        (
            ["--kind", "csv", "--file", str(PRICE), "--mapping", '{"colums": {}}'],
            'Did you mean "columns"',
        ),
    ],
)
def test_usage_errors_are_explained(args, message) -> None:
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace("{", r"\{")):
        _ingest(*args)
    assert _snapshot() == ([], 0)


def test_a_url_outside_the_allowed_hosts_is_refused_without_a_trace(settings) -> None:
    settings.INDICATORS_ALLOWED_HOSTS = ["data.stats.gov.cn"]
    with pytest.raises(CommandError, match="is not in INDICATORS_ALLOWED_HOSTS"):
        _ingest("--kind", "csv", "--url", "http://example.org/x.csv")
    assert _snapshot() == ([], 0)


def test_a_configured_source_runs_by_code() -> None:
    from django.core.files.base import ContentFile

    source = Source.objects.create(code="p", name="p", kind="csv", options=json.loads(MAPPING))
    source.file.save("p.csv", ContentFile(PRICE.read_bytes()))
    out, _ = _ingest("--source", "p")
    assert out.startswith("inserted=5 ")
    assert IngestionRun.objects.get().source == source


def test_large_inputs_show_progress(tmp_path) -> None:
    lines = ["indicator,area,period,value"] + [
        f"elec-price-idc,510100,{day.isoformat()},0.5"
        for day in __import__("pandas").date_range("2000-01-01", periods=6000).date
    ]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    out, err = _ingest("--kind", "csv", "--file", str(path))
    assert out == "inserted=6000 updated=0 unchanged=0 rejected=0 flagged=0\n"
    # Not a terminal: plain lines (rows, rows/s), the last one at 100 %, no carriage returns.
    lines = err.splitlines()
    assert "\r" not in err
    assert re.fullmatch(r"written 6,000/6,000 rows \(100%\), [\d,]+ rows/s", lines[-1])
    assert any(line.startswith("staged ") for line in lines)
    assert len(lines) == len(set(lines))


def test_a_terminal_gets_a_progress_bar(tmp_path) -> None:
    lines = ["indicator,area,period,value"] + [
        f"elec-price-idc,510100,{2000 + i // 12}-{i % 12 + 1:02d},0.5" for i in range(6000)
    ]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines), encoding="utf-8")

    class Terminal(StringIO):
        def isatty(self) -> bool:
            return True

    err = Terminal()
    call_command("ingest", "--kind", "csv", "--file", str(path), stdout=StringIO(), stderr=err)

    assert err.getvalue().startswith("\r\x1b[K[")
    assert "] written 6,000/6,000 rows (100%)" in err.getvalue()
    assert err.getvalue().endswith("\n")


def test_the_process_exit_code_is_non_zero_on_bad_input() -> None:
    bad = FIXTURES / "bad" / "truncated_mid_line.csv"
    proc = subprocess.run(
        [sys.executable, "manage.py", "ingest", "--kind", "csv", "--file", str(bad), "--dry-run"],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "SECRET_KEY": "x", "DEBUG": "1"},
        timeout=60,
    )
    assert proc.returncode != 0
    assert "文件可能被截断" in proc.stderr  # the command speaks Chinese first


def test_create_missing_adds_world_bank_codes_from_the_command() -> None:
    page = FIXTURES / "worldbank" / "eg_elc_accs_zs_page1.json"
    with pytest.raises(CommandError, match="--create-missing"):
        _ingest("--kind", "worldbank", "--file", str(page))
    assert _snapshot() == ([], 0)

    out, _ = _ingest("--kind", "worldbank", "--file", str(page), "--create-missing")

    assert out.startswith("inserted=")
    assert Indicator.objects.filter(code="EG.ELC.ACCS.ZS").exists()


def test_values_of_a_one_off_import_name_the_file_as_their_provenance(official) -> None:
    from indicators.selectors import indicator_detail

    _ingest("--kind", "csv", "--file", str(PRICE), "--mapping", MAPPING)

    rows = indicator_detail(official, "elec-price-idc").rows
    assert {r.provenance.kind for r in rows} == {"import"}
    assert rows[0].provenance.run_label == "idc_power_price_semicolon.csv"
    assert rows[0].provenance.fetched_at is not None


def test_a_failing_configured_source_leaves_no_run_and_no_payload_file(settings) -> None:
    from django.core.files.base import ContentFile

    source = Source.objects.create(code="bad", name="bad", kind="csv")
    source.file.save(
        "bad.csv", ContentFile(b"indicator,area,period,value\nelec-price-idc,510100,2023,x\n")
    )
    payloads = Path(settings.PRIVATE_MEDIA_ROOT) / "payloads"
    files_before = sorted(payloads.rglob("*")) if payloads.exists() else []

    with pytest.raises(CommandError, match='"x" is not a number'):
        _ingest("--source", "bad")

    assert _snapshot() == ([], 0)
    assert (sorted(payloads.rglob("*")) if payloads.exists() else []) == files_before
