"""Serve chosen files of installed packages as static files (no copies in the repo, no CDN).

plotly.min.js comes from the plotly Python package, so its version follows the pinned
dependency and the page works on an air-gapped intranet.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

# static path -> (package, file inside the package)
PACKAGE_ASSETS: dict[str, tuple[str, str]] = {
    "vendor/plotly/plotly.min.js": ("plotly", "package_data/plotly.min.js"),
}


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
    """Ids of the stylesheets the installed plotly.min.js would inject unless already present."""
    path = _package_file(*PACKAGE_ASSETS["vendor/plotly/plotly.min.js"])
    if path is None:
        return ()
    return tuple(dict.fromkeys(_INJECTED_STYLE.findall(path.read_text(encoding="utf-8"))))


class PackageAssetFinder(BaseFinder):
    """Finds only the files in PACKAGE_ASSETS (for runserver, WhiteNoise, collectstatic)."""

    def check(self, **kwargs: Any) -> list[Any]:
        return []

    # django-stubs declare "str | None"; Django's own finders answer [] for "not here", as here.
    def find(  # type: ignore[override]
        self, path: str, find_all: bool = False, **kwargs: Any
    ) -> str | list[str]:
        source = PACKAGE_ASSETS.get(path)
        found = _package_file(*source) if source else None
        if found is None:
            return []  # what Django's own finders return for "not here"
        return [str(found)] if find_all or kwargs.get("all") else str(found)

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, FileSystemStorage]]:
        for static_path, (package, relative) in PACKAGE_ASSETS.items():
            found = _package_file(package, relative)
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
