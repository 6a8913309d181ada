"""Serve chosen files of installed packages as static files (no copies in the repo, no CDN).

The pages draw only scatter and bar traces, so they need plotly.js's "basic" partial bundle
(scatter, bar, pie: 1.2 MB, 0.39 MB gzipped) rather than the full 4.8 MB bundle the plotly
Python package ships. The basic bundle is the npm package ``plotly.js-basic-dist-min``, a
declared dependency in package.json pinned to the plotly.js version of the installed plotly
Python package (``make run`` runs ``npm ci --omit=dev``). Where it is not installed, or its
version differs, the full bundle from the Python package is served under the same static
path, so a machine without npm still draws every chart; check ``policy.I001`` says so.
Either way the file is served by the app (hashed name, long cache), never from the internet.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PLOTLY_STATIC = "vendor/plotly/plotly.min.js"
BASIC_PACKAGE = "plotly.js-basic-dist-min"
BASIC_FILE = "plotly-basic.min.js"

# static path -> (package, file inside the package): the Python package's files
PACKAGE_ASSETS: dict[str, tuple[str, str]] = {
    PLOTLY_STATIC: ("plotly", "package_data/plotly.min.js"),
}


def plotlyjs_version() -> str:
    """The plotly.js version bundled with the installed plotly Python package."""
    # Local: plotly is a large import, needed only when the bundle is resolved.
    from plotly.offline import get_plotlyjs_version

    return str(get_plotlyjs_version())


def _npm_package_dir() -> Path:
    return Path(settings.NODE_MODULES_DIR) / BASIC_PACKAGE


def basic_bundle_version() -> str | None:
    """The installed basic bundle's version, or None when it is not installed."""
    manifest = _npm_package_dir() / "package.json"
    if not manifest.is_file():
        return None
    return str(json.loads(manifest.read_text(encoding="utf-8")).get("version", ""))


def basic_bundle() -> Path | None:
    """The partial bundle, when installed at the plotly.js version of the Python package."""
    path = _npm_package_dir() / BASIC_FILE
    if path.is_file() and basic_bundle_version() == plotlyjs_version():
        return path
    return None


def plotly_bundle() -> Path | None:
    """The plotly.js file the pages load: the basic bundle, else the Python package's full one."""
    return basic_bundle() or _package_file(*PACKAGE_ASSETS[PLOTLY_STATIC])


def _package_file(package: str, relative: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    return path if path.is_file() else None


# plotly.min.js bundles MapLibre's stylesheet and appends it as an inline <style> when it
# loads, unless an element with the stylesheet's id exists. We draw no tile maps (STYLE.md
# section 4), and the CSP admits no inline style, so pages put a marker with that id first.
_INJECTED_STYLE = re.compile(
    r'getElementById\("([0-9a-f]{32,128})"\)\)\{var \w+=document\.createElement\("style"\)'
)


@cache
def plotly_injected_style_ids() -> tuple[str, ...]:
    """Ids of the stylesheets the served plotly.js would inject unless already present."""
    path = plotly_bundle()
    if path is None:
        return ()
    return tuple(dict.fromkeys(_INJECTED_STYLE.findall(path.read_text(encoding="utf-8"))))


def _asset(static_path: str) -> Path | None:
    if static_path == PLOTLY_STATIC:
        return plotly_bundle()
    source = PACKAGE_ASSETS.get(static_path)
    return _package_file(*source) if source else None


class PackageAssetFinder(BaseFinder):
    """Finds only the files in PACKAGE_ASSETS (for runserver, WhiteNoise, collectstatic)."""

    def check(self, **kwargs: Any) -> list[Any]:
        return []

    # django-stubs declare "str | None"; Django's own finders answer [] for "not here", as here.
    def find(  # type: ignore[override]
        self, path: str, find_all: bool = False, **kwargs: Any
    ) -> str | list[str]:
        found = _asset(path)
        if found is None:
            return []  # what Django's own finders return for "not here"
        return [str(found)] if find_all or kwargs.get("all") else str(found)

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, FileSystemStorage]]:
        for static_path in PACKAGE_ASSETS:
            found = _asset(static_path)
            if found is None:
                continue
            # collectstatic copies `static_path` out of a storage rooted so that path resolves.
            root = (
                Path(str(found)[: -len(static_path)]) if str(found).endswith(static_path) else None
            )
            storage: FileSystemStorage
            if root is None:
                storage = _SingleFileStorage(static_path, found)
            else:
                storage = FileSystemStorage(location=str(root))
            yield static_path, storage


class _SingleFileStorage(FileSystemStorage):
    """A storage exposing one file under a chosen name (the package path differs from ours)."""

    def __init__(self, name: str, path: Path) -> None:
        super().__init__(location=str(path.parent))
        self._name, self._path = name, path

    def path(self, name: str) -> str:
        return str(self._path) if name == self._name else super().path(name)

    def open(self, name: str, mode: str = "rb") -> Any:
        return super().open(self._path.name if name == self._name else name, mode)
