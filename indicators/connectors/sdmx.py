"""What SDMX-CSV and SDMX-JSON messages share: dataflow ids, labels, dimension folding.

* A dataflow reference reads ``AGENCY:ID(VERSION)`` ("BIS:WS_CBPOL(1.0)"); OECD ids carry their
  structure before an "@" ("DSD_LFS@DF_IALFS_UNE_Q"). When a dataflow has no ``INDICATOR``
  dimension the dataflow itself is what is measured, and its id becomes the indicator code.
* With ``labels=both`` a cell reads "CN: China"; publishers also write "CN:China".
* Every dimension other than the indicator, the area, the frequency and the period that takes
  more than one value in a message is folded into ``dimension`` ("SEX=F;AGE=Y25-29"), so that
  rows of one message never share a key.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from indicators.connectors.base import fold_dimension

# AGENCY:ID(VERSION), optionally followed by ": label" (SDMX-CSV with labels=both).
_DATAFLOW = re.compile(
    r"\s*(?P<agency>[\w@$.\-]+):(?P<id>[\w@$.\-]+)\((?P<version>[\w.+\-]*)\)"
    r"\s*(?::\s*(?P<label>.*?))?\s*"
)
_CODED = re.compile(r"\s*(?P<code>[^:\s]+)\s*:\s*(?P<label>.*?)\s*")
_NOT_SLUG = re.compile(r"[^A-Za-z0-9_-]+")
# Components that are never folded into ``dimension``: the key parts we store elsewhere, and
# the frequency (the period code says it) and Eurostat's "LAST UPDATE" column.
NOT_FOLDED = frozenset({"FREQ", "LAST UPDATE", "TIME_PERIOD", "OBS_VALUE"})


def split_label(cell: str) -> tuple[str, str]:
    """ "CN: China" and "CN:China" -> ("CN", "China"); "CN" -> ("CN", "")."""
    match = _CODED.fullmatch(cell)
    if match:
        return match.group("code"), match.group("label")
    return cell.strip(), ""


def dataflow_code(reference: str) -> tuple[str, str]:
    """The indicator code and label a dataflow reference stands for ("" when it is none).

    "BIS:WS_CBPOL(1.0): Central bank policy rates" -> ("WS_CBPOL", "Central bank policy rates");
    "OECD.SDD.TPS:DSD_LFS@DF_IALFS_UNE_Q(1.0)" -> ("DF_IALFS_UNE_Q", "").
    """
    match = _DATAFLOW.fullmatch(reference)
    if not match:
        return "", ""
    flow = match.group("id").rsplit("@", 1)[-1]
    return _NOT_SLUG.sub("-", flow).strip("-"), match.group("label") or ""


def fold_varying(names: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """For each row, its values of the columns that vary across ``rows``, folded named.

    ``rows[i][k]`` is row i's value of dimension ``names[k]``. A dimension with one value in
    the whole message says nothing about a row and is left out.
    """
    varying = [k for k in range(len(names)) if len({row[k] for row in rows}) > 1]
    return [";".join(f"{names[k]}={row[k]}" for k in varying) if varying else "" for row in rows]


__all__ = ["NOT_FOLDED", "dataflow_code", "fold_dimension", "fold_varying", "split_label"]
