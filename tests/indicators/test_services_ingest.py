"""The ingestion service: upsert in one transaction, counts, checksum, raw payload, bad input."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from indicators.exceptions import ConnectorError, IngestionError
from indicators.models import (
    Indicator,
    IngestionRun,
    Observation,
    QualityFlag,
    RunStatus,
    Source,
)
from indicators.services import IngestRequest, ingest, source_ingest
from policy.models import Region

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PRICE_CSV = (FIXTURES / "csv" / "idc_power_price_semicolon.csv").read_bytes()
PRICE_OPTIONS = {
    "indicator_map": {"ELEC_PRICE_IDC": "elec-price-idc"},
    "unit_map": {"yuan/kWh": "元/度"},
    "decimal": ",",
}

pytestmark = pytest.mark.django_db


@pytest.fixture
def price_indicator() -> Indicator:
    return Indicator.objects.create(
        code="elec-price-idc",
        name_zh="数据中心电价",
        unit="元/度",
        category="power_price",
        frequency="Q",
        min_value=0,
        max_value=5,
    )


@pytest.fixture
def price_source(price_indicator: Indicator) -> Source:
    source = Source.objects.create(
        code="idc-price", name="IDC price", kind="csv", options=PRICE_OPTIONS
    )
    from django.core.files.base import ContentFile

    source.file.save("idc_price.csv", ContentFile(PRICE_CSV))
    return source


def _request(payload: bytes, **extra) -> IngestRequest:
    return IngestRequest(
        kind="csv", options=dict(PRICE_OPTIONS), label="test", payload=payload, **extra
    )


def test_a_file_source_is_upserted_with_counts_checksum_and_raw_payload(price_source) -> None:
    run = source_ingest(source=price_source)

    assert run.status == RunStatus.SUCCEEDED
    assert (run.inserted, run.updated, run.unchanged, run.rejected) == (5, 0, 0, 0)
    assert run.sha256 == hashlib.sha256(PRICE_CSV).hexdigest()
    with run.payload.open("rb") as fh:
        assert fh.read() == PRICE_CSV
    assert run.finished_at is not None
    assert run.duration_ms is not None
    values = dict(Observation.objects.filter(area__code="510100").values_list("period", "value"))
    assert values == {"2023-Q1": 0.52, "2023-Q2": 0.55, "2023-Q3": 0.58, "2023-Q4": 0.61}
    assert Observation.objects.filter(run=run).count() == 5


def test_running_the_same_payload_again_changes_nothing(price_source) -> None:
    first = source_ingest(source=price_source)
    before = list(Observation.objects.values_list("pk", "value", "run_id", "updated_at"))

    second = source_ingest(source=price_source)

    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 5)
    assert second.sha256 == first.sha256
    assert list(Observation.objects.values_list("pk", "value", "run_id", "updated_at")) == before


def test_a_changed_value_is_an_update_written_by_the_new_run(price_indicator) -> None:
    ingest(_request(PRICE_CSV))
    changed = PRICE_CSV.replace(b"0,61", b"0,63")

    run = ingest(_request(changed))

    assert (run.inserted, run.updated, run.unchanged) == (0, 1, 4)
    obs = Observation.objects.get(area__code="510100", period="2023-Q4")
    assert obs.value == 0.63
    assert obs.run == run


def _assert_nothing_written(run_count_before: int = 0) -> IngestionRun:
    assert Observation.objects.count() == 0
    run = IngestionRun.objects.order_by("-pk").first()
    assert run is not None
    assert run.status == RunStatus.FAILED
    assert (run.inserted, run.updated, run.unchanged) == (0, 0, 0)
    return run


def test_an_unknown_area_fails_the_run_and_writes_no_row(price_indicator) -> None:
    payload = PRICE_CSV + b"ELEC_PRICE_IDC;519999;2023Q1;0,40;yuan/kWh\n"

    with pytest.raises(ConnectorError) as caught:
        ingest(_request(payload))

    run = _assert_nothing_written()
    assert 'unknown area code "519999" (row 7)' in run.error
    assert "area_map" in run.error
    assert "--create-missing" in run.error
    assert run.rejected == 1
    assert run.error == caught.value.message


def test_a_wrong_unit_names_the_units_and_the_fix(price_indicator) -> None:
    options = {k: v for k, v in PRICE_OPTIONS.items() if k != "unit_map"}
    with pytest.raises(ConnectorError):
        ingest(IngestRequest(kind="csv", options=options, label="t", payload=PRICE_CSV))

    run = _assert_nothing_written()
    assert 'unit "yuan/kWh" where indicator "elec-price-idc" is in "元/度"' in run.error
    assert '"unit_map"' in run.error
    assert run.rejected == 5


def test_a_value_outside_the_plausible_range_is_rejected_where_the_source_refuses_it(
    price_indicator,
) -> None:
    with pytest.raises(ConnectorError):
        ingest(_request(PRICE_CSV.replace(b"0,61", b"61"), refuse=frozenset({"range"})))

    run = _assert_nothing_written()
    assert 'value 61 of "elec-price-idc" outside 0 … 5 (row 5)' in run.error
    assert 'this source refuses the "range" rule' in run.error


def test_a_value_outside_the_plausible_range_is_kept_and_flagged(price_indicator) -> None:
    run = ingest(_request(PRICE_CSV.replace(b"0,61", b"61")))

    assert (run.status, run.inserted, run.flagged) == (RunStatus.SUCCEEDED, 5, 1)
    flag = QualityFlag.objects.get(rule="range")
    assert (flag.value, flag.observation.period) == (61, "2023-Q4")
    # 61 after 0.58 is also a hundredfold jump: one value, two rules.
    assert QualityFlag.objects.filter(observation=flag.observation, rule="jump").exists()


def test_duplicate_keys_are_rejected_with_their_rows(price_indicator) -> None:
    payload = PRICE_CSV + b"ELEC_PRICE_IDC;510100;2023-Q1;0,53;yuan/kWh\n"

    with pytest.raises(ConnectorError):
        ingest(_request(payload))

    run = _assert_nothing_written()
    assert "2 rows share a key" in run.error
    assert "elec-price-idc / 510100 / 2023-Q1 at row 2, row 7" in run.error


def test_an_error_after_some_rows_were_written_rolls_all_of_them_back(
    price_indicator, monkeypatch
) -> None:
    import indicators.services as services

    def explode(**kwargs):
        assert Observation.objects.count() == 5  # written inside the transaction ...
        raise IngestionError("derived step failed")

    monkeypatch.setattr(services, "derived_recompute", explode)

    with pytest.raises(IngestionError):
        ingest(_request(PRICE_CSV))

    run = _assert_nothing_written()  # ... and gone after it
    assert run.error == "derived step failed"


BAD = FIXTURES / "bad"
BAD_CORPUS = [
    ("csv", "truncated_mid_line.csv", "looks cut off"),
    ("csv", "truncated_in_quote.csv", "malformed at line 3"),
    ("json", "truncated.json", "ends too early"),
    ("excel", "truncated.xlsx", "damaged or incomplete"),
    ("excel", "old_format.xls", ".xls workbook (Excel 97-2003) is damaged"),
    ("csv", "gbk_undeclared.csv", "looks like GBK"),
    ("csv", "missing_value_column.csv", "Required column(s) not found: value"),
    ("csv", "non_numeric_value.csv", '"约5000" is not a number'),
    ("csv", "bad_period.csv", '"2023年第五季度" is not a date or period'),
    ("sdmx-csv", "sdmx_v2_delete.csv", "delete instruction"),
    ("csv", "html_error_page.html", "web page, not data"),
    ("worldbank", "html_error_page.html", "web page, not data"),
    ("csv", "empty.csv", "payload is empty"),
    ("json", "blank.json", "payload is empty"),
]


@pytest.mark.parametrize(
    ("kind", "name", "fragment"), BAD_CORPUS, ids=[c[1] + c[0] for c in BAD_CORPUS]
)
def test_the_bad_input_corpus_fails_the_run_with_a_clear_message_and_no_rows(
    price_indicator, kind, name, fragment
) -> None:
    options = {"records_path": "data"} if kind == "json" else {}
    request = IngestRequest(
        kind=kind, options=options, label=name, payload=(BAD / name).read_bytes()
    )

    with pytest.raises(IngestionError):
        ingest(request)

    run = _assert_nothing_written()
    assert fragment.lower() in run.error.lower()
    assert run.sha256 == hashlib.sha256((BAD / name).read_bytes()).hexdigest()


def test_an_oversized_payload_is_refused_and_recorded(price_indicator, settings) -> None:
    settings.INDICATORS_FETCH_MAX_BYTES = 100

    with pytest.raises(ConnectorError):
        ingest(_request(PRICE_CSV))

    run = _assert_nothing_written()
    assert "over the limit of 100 bytes" in run.error


def test_create_missing_adds_unknown_codes_with_the_publishers_labels() -> None:
    payload = (FIXTURES / "worldbank" / "eg_elc_accs_zs_page1.json").read_bytes()
    request = IngestRequest(kind="worldbank", options={}, label="wb", payload=payload)
    with pytest.raises(ConnectorError, match="unknown indicator code"):
        ingest(request)
    assert Observation.objects.count() == 0

    request.create_missing = True
    run = ingest(request)

    assert run.status == RunStatus.SUCCEEDED
    assert run.inserted > 0
    indicator = Indicator.objects.get(code="EG.ELC.ACCS.ZS")
    assert "electricity" in indicator.name_en.lower()
    assert Region.objects.filter(code="CHN").exists()


def test_a_dry_run_counts_but_keeps_nothing(price_indicator) -> None:
    run = ingest(_request(PRICE_CSV, dry_run=True))

    assert run.inserted == 5
    assert run.pk is None
    assert Observation.objects.count() == 0
    assert IngestionRun.objects.count() == 0


def test_a_web_page_served_with_200_fails_the_source_run_with_no_rows(
    price_indicator, http_server, settings
) -> None:
    from tests.indicators.http_server import Reply

    settings.INDICATORS_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.INDICATORS_ALLOW_PRIVATE_ADDRESSES = True
    http_server.routes["/export.csv"] = Reply(body=(BAD / "html_error_page.html").read_bytes())
    source = Source.objects.create(
        code="html", name="html", kind="csv", url=http_server.url("/export.csv")
    )

    with pytest.raises(ConnectorError):
        source_ingest(source=source)

    run = _assert_nothing_written()
    assert 'web page, not data; title: "系统维护中 - 国家数据"' in run.error
    with run.payload.open("rb") as fh:
        assert fh.read().startswith(b"<!DOCTYPE html")


def test_a_second_run_while_one_is_in_progress_is_refused(price_source) -> None:
    from django.utils import timezone

    from indicators.services import SourceBusy, ingest_source_task

    IngestionRun.objects.create(source=price_source, started_at=timezone.now())

    with pytest.raises(SourceBusy, match="already being ingested"):
        source_ingest(source=price_source)
    assert ingest_source_task.apply(args=[price_source.pk]).get()["status"] == "skipped"
    assert Observation.objects.count() == 0


def test_a_run_stopped_by_the_time_limit_says_so(price_indicator, monkeypatch) -> None:
    from celery.exceptions import SoftTimeLimitExceeded

    import indicators.services as services

    def slow(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(services, "upsert", slow)
    with pytest.raises(SoftTimeLimitExceeded):
        ingest(_request(PRICE_CSV))

    run = _assert_nothing_written()
    assert "longer than the task time limit (INDICATORS_TASK_SOFT_TIME_LIMIT = 600 s)" in run.error


def test_a_mapped_note_column_becomes_each_values_citation(price_indicator) -> None:
    payload = (
        "indicator,area,period,value,unit,source\n"
        "ELEC_PRICE_IDC,510100,2023,0.6,yuan/kWh,https://example.gov.cn/a\n"
    )
    options = {k: v for k, v in PRICE_OPTIONS.items() if k != "decimal"}
    options["columns"] = {"note": "source"}
    request = IngestRequest(kind="csv", options=options, label="n", payload=payload.encode())
    ingest(request)
    assert Observation.objects.get().note == "https://example.gov.cn/a"

    request.payload = payload.replace("/a", "/b").encode()
    run = ingest(request)

    assert (run.updated, run.unchanged) == (1, 0)
    assert Observation.objects.get().note == "https://example.gov.cn/b"


def test_a_source_without_url_or_file_fails_its_run_with_what_to_set(price_indicator) -> None:
    source = Source.objects.create(code="empty", name="empty", kind="csv")

    with pytest.raises(ConnectorError):
        source_ingest(source=source)

    run = _assert_nothing_written()
    assert run.source == source
    assert 'Source "empty" has neither a URL nor a readable uploaded file' in run.error


def test_create_missing_refuses_codes_too_long_to_store(price_indicator) -> None:
    payload = b"indicator,area,period,value\nelec-price-idc,AREA-CODE-WAY-TOO-LONG,2023,0.5\n"
    request = IngestRequest(
        kind="csv", options={}, label="long", payload=payload, create_missing=True
    )
    with pytest.raises(ConnectorError, match="longer than 16 characters"):
        ingest(request)
    assert "area_map" in _assert_nothing_written().error


def test_a_folded_dimension_too_long_to_store_is_refused_with_its_rows(price_indicator) -> None:
    header = (
        "DATAFLOW,REF_AREA," + ",".join(f"DIM_{k}" for k in range(6)) + ",TIME_PERIOD,OBS_VALUE\n"
    )
    rows = "".join(
        "X:ELEC-PRICE-IDC(1.0),510100,"
        + ",".join(f"LONG_CODE_{k}_{i}" for k in range(6))
        + f",2023,0.{i}\n"
        for i in range(2)
    )
    request = IngestRequest(
        kind="sdmx-csv",
        options={"indicator": "elec-price-idc"},
        label="long",
        payload=(header + rows).encode(),
    )

    with pytest.raises(ConnectorError) as caught:
        ingest(request)

    assert "is longer than 80 characters (row 2, row 3)" in caught.value.message
    assert '"dimension_columns"' in caught.value.message
    assert Observation.objects.count() == 0
