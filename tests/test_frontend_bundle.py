"""The pages load plotly.js's partial bundle at the plotly Python package's plotly.js version,
served by the app; without it (no npm), the package's full bundle, so charts still draw."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.core.checks import run_checks

from policy import staticfiles

ROOT = Path(__file__).resolve().parents[1]


def test_package_json_pins_the_python_packages_plotlyjs_version() -> None:
    manifest = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    assert manifest["dependencies"] == {staticfiles.BASIC_PACKAGE: staticfiles.plotlyjs_version()}
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    locked = lock["packages"][f"node_modules/{staticfiles.BASIC_PACKAGE}"]
    assert locked["version"] == staticfiles.plotlyjs_version()
    assert locked["integrity"].startswith("sha512-")
    assert manifest["devDependencies"]["lighthouse"] == "12.2.3"


def _fake_basic(tmp_path: Path, version: str) -> Path:
    package = tmp_path / staticfiles.BASIC_PACKAGE
    package.mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"version": version}), encoding="utf-8")
    (package / staticfiles.BASIC_FILE).write_text("/* basic */", encoding="utf-8")
    return package / staticfiles.BASIC_FILE


def test_the_basic_bundle_is_served_when_its_version_matches(
    settings: Any, tmp_path: Path
) -> None:
    settings.NODE_MODULES_DIR = str(tmp_path)
    basic = _fake_basic(tmp_path, staticfiles.plotlyjs_version())
    assert finders.find(staticfiles.PLOTLY_STATIC) == str(basic)
    assert not [c for c in run_checks() if c.id == "policy.I001"]


def test_a_mismatched_or_missing_basic_bundle_falls_back_to_the_full_one(
    settings: Any, tmp_path: Path
) -> None:
    settings.NODE_MODULES_DIR = str(tmp_path)
    _fake_basic(tmp_path, "1.0.0")
    found = finders.find(staticfiles.PLOTLY_STATIC)
    assert found is not None
    assert str(found).endswith("plotly/package_data/plotly.min.js")
    [info] = [c for c in run_checks() if c.id == "policy.I001"]
    assert "1.0.0" in info.msg
    settings.NODE_MODULES_DIR = str(tmp_path / "nothing")
    assert str(finders.find(staticfiles.PLOTLY_STATIC)).endswith("package_data/plotly.min.js")
