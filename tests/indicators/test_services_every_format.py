"""Every connector's fixture goes through the service: codes created on request, rows stored,
and a second run of the same payload is all "unchanged"."""

from __future__ import annotations

from pathlib import Path

import pytest

from indicators.models import Observation, RunStatus
from indicators.services import IngestRequest, ingest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

CASES = [
    (
        "csv",
        "csv/power_generation_titled.csv",
        {"columns": {"value": "发电量", "area_label": "地区名称"}},
    ),
    ("csv", "csv/idc_power_price_semicolon.csv", {"decimal": ","}),
    (
        "excel",
        "excel/power_by_prefecture.xlsx",
        {"sheet": "发电量", "indicator": "A0E0101", "columns": {"value": "发电量"}},
    ),
    (
        "json",
        "json/open_data_idc_price.json",
        {
            "records_path": "data.items",
            "fields": {
                "indicator": "code",
                "area": "region.code",
                "period": "time",
                "value": "val",
                "indicator_label": "name",
                "area_label": "region.name",
            },
        },
    ),
    (
        "sdmx-csv",
        "sdmx-csv/estat_nama_10_gdp_v1.csv",
        {"columns": {"indicator": "na_item", "area": "geo", "unit": "unit"}},
    ),
    ("sdmx-csv", "sdmx-csv/imf_weo_v2_labels_semicolon.csv", {}),
    ("sdmx-csv", "sdmx-csv/bis_ws_cbpol_v1_no_indicator.csv", {}),
    ("sdmx-csv", "sdmx-csv/estat_lfsa_urgaed_v2_labels_nospace.csv", {}),
    ("sdmx-json", "sdmx-json/ecb_exr_v2_series.json", {"area": "EA", "unit_map": {"CNY": "USD"}}),
    ("sdmx-json", "sdmx-json/imf_ifs_v1_alldimensions.json", {}),
    ("worldbank", "worldbank/mixed_dates_and_aggregates.json", {}),
    ("nbs", "nbs/fsnd_a0e0101_power_output.json", {}),
    ("nbs", "nbs/hgyd_a03010g01_power_monthly.json", {"area": "CN"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "name", "options"), CASES, ids=[c[1] for c in CASES])
def test_each_format_ingests_once_and_a_rerun_changes_nothing(kind, name, options) -> None:
    payload = (FIXTURES / name).read_bytes()
    request = IngestRequest(
        kind=kind, options=options, label=name, payload=payload, create_missing=True
    )

    first = ingest(request)
    stored = list(Observation.objects.order_by("pk").values_list("pk", "value", "run_id"))
    second = ingest(request)

    assert first.status == RunStatus.SUCCEEDED
    assert first.inserted > 0
    assert first.inserted == len(stored)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, first.inserted)
    assert list(Observation.objects.order_by("pk").values_list("pk", "value", "run_id")) == stored
