"""The hashed lock covers pyproject.toml: every dependency pinned, every pin with its hashes.

`make lock` writes requirements/base.txt (the app) and requirements/dev.txt (plus the dev
extra) from pyproject.toml; `make venv`/`make venv-dev` and CI install only from them with
--require-hashes. A dependency added to pyproject.toml without `make lock` fails here.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def _pins(path: Path) -> dict[str, int]:
    """Package name → number of hashes, for each pinned requirement of a lock file."""
    pins: dict[str, int] = {}
    current = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            current = re.sub(r"[-_.]+", "-", match.group(1)).lower()
            pins[current] = 0
        elif "--hash=sha256:" in line and current:
            pins[current] += 1
    return pins


PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_every_app_dependency_is_pinned_with_hashes_in_base_and_dev() -> None:
    base = _pins(ROOT / "requirements" / "base.txt")
    dev = _pins(ROOT / "requirements" / "dev.txt")
    for requirement in PROJECT["dependencies"]:
        assert _name(requirement) in base, requirement
        assert _name(requirement) in dev, requirement
    for pins in (base, dev):
        assert all(hashes > 0 for hashes in pins.values()), [n for n, h in pins.items() if not h]
    for build in ("pip", "setuptools", "wheel"):  # the installers are locked too
        assert build in base


def test_every_dev_tool_is_pinned_in_dev_at_the_same_versions_as_base() -> None:
    dev_text = (ROOT / "requirements" / "dev.txt").read_text(encoding="utf-8")
    dev = _pins(ROOT / "requirements" / "dev.txt")
    for requirement in PROJECT["optional-dependencies"]["dev"]:
        assert _name(requirement) in dev, requirement
    base_versions = {
        m.group(1).lower(): m.group(2)
        for m in map(PIN.match, (ROOT / "requirements/base.txt").read_text().splitlines())
        if m
    }
    for name, version in base_versions.items():
        assert f"{name}=={version}" in dev_text.lower(), name
