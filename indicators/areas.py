"""Chinese area names in a payload resolved to the region codes we store.

Yearbooks and bulletins name areas, they rarely code them: "成都市", "成都", "甘孜藏族自治州",
"甘孜州", "全省". A name matches a region when both reduce to the same stem: without
spaces, without the administrative suffix (省, 市, 州, 地区, 盟, 自治区, …) and, for
autonomous prefectures, without the peoples named before 自治州 ("阿坝藏族羌族自治州" ->
"阿坝"). "全省" is the one province in the catalogue. An area value that is neither a known
code nor a name of one region is an error that names the closest known names; it is never
created as a new region under its name.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from indicators.connectors import ParseResult
from indicators.exceptions import ConnectorError
from indicators.validation import present, where
from policy.models import Region, RegionLevel

_CJK = re.compile(r"[\u3400-\u9fff]")
PEOPLES = (
    *(
        "藏族",
        "羌族",
        "彝族",
        "回族",
        "苗族",
        "土家族",
        "蒙古族",
        "壮族",
        "傣族",
        "白族",
        "哈尼族",
    ),
    *(
        "布依族",
        "侗族",
        "朝鲜族",
        "满族",
        "傈僳族",
        "景颇族",
        "纳西族",
        "黎族",
        "瑶族",
        "哈萨克族",
    ),
    *("柯尔克孜族", "维吾尔族", "拉祜族", "佤族", "畲族", "水族", "仡佬族", "各族"),
)
SUFFIXES = (
    *("特别行政区", "自治区", "自治州", "自治县", "地区", "林区"),
    *("省", "市", "州", "盟", "县", "区"),
)
WHOLE_PROVINCE = ("全省", "全省合计", "全省总计", "合计", "总计")


# Suffixes that name the same kind of area: "甘孜州" is "甘孜藏族自治州", "成都县" is not "成都市".
KIND = {"自治州": "州", "自治县": "县", "自治区": "自治区"}


def split_name(name: str) -> tuple[str, str]:
    """An area name as (stem, kind of area): "甘孜藏族自治州" -> ("甘孜", "州")."""
    text = "".join(unicodedata.normalize("NFKC", name).split())
    kind = ""
    for suffix in SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix) + 1:
            text, kind = text[: -len(suffix)], KIND.get(suffix, suffix)
            break
    while True:
        people = next((p for p in PEOPLES if text.endswith(p) and len(text) > len(p) + 1), None)
        if people is None:
            return text, kind
        text = text[: -len(people)]


def stem(name: str) -> str:
    """The part of an area name that tells it apart ("甘孜藏族自治州" -> "甘孜")."""
    return split_name(name)[0]


def is_name(value: str) -> bool:
    """True for values written in Chinese characters (names), not codes."""
    return bool(_CJK.search(value))


def area_names_resolve(result: ParseResult) -> None:
    """Replace the area names of ``result.rows`` by region codes; see the module docstring.

    Raises ``ConnectorError`` naming each unknown name, where it is and the closest names.
    """
    rows = result.rows
    names = [value for value in present(rows["area"]) if is_name(value)]
    if not names:
        return
    index = _name_index()
    mapping: dict[str, str] = {}
    problems: list[str] = []
    bad = np.zeros(len(rows), dtype=bool)
    for name in names:
        # A bare name ("成都") matches by its stem; one with a suffix only the same kind of area.
        codes = index.get(name) or index.get(split_name(name), set())
        if len(codes) == 1:
            mapping[name] = next(iter(codes))
            continue
        mask = (rows["area"] == name).to_numpy()
        bad |= mask
        problems.append(_problem(name, sorted(codes), where(result, mask)))
    if problems:
        raise ConnectorError(
            _("未导入任何数据：%(n)s 行的地区名称无法识别。%(problems)s。")
            % {"n": int(bad.sum()), "problems": "; ".join(problems)},
            fields={"rejected": int(bad.sum())},
        )
    areas = rows["area"].astype(object).map(lambda a: mapping.get(a, a))
    rows["area"] = pd.Categorical(areas)
    result.area_names = mapping
    result.labels["area"] = {mapping.get(k, k): v for k, v in result.labels["area"].items()}


def _name_index() -> dict[object, set[str]]:
    """Region codes by full name, by (stem, kind) and by (stem, "") for bare names."""
    index: dict[object, set[str]] = {}
    regions = list(Region.objects.values_list("code", "name_zh", "level"))
    for code, name, _level in regions:
        base, kind = split_name(name)
        for key in (name, (base, kind), (base, "")):
            index.setdefault(key, set()).add(code)
    provinces = {code for code, _name, level in regions if level == RegionLevel.PROVINCE}
    for whole in WHOLE_PROVINCE:
        index.setdefault(whole, set()).update(provinces)
    return index


def _problem(name: str, ambiguous: list[str], at: str) -> str:
    if ambiguous:
        return _("地区名称“%(name)s”（%(where)s）对应多个地区：%(codes)s；请用 area_map 指定") % {
            "name": name,
            "where": at,
            "codes": ", ".join(ambiguous),
        }
    known = dict(Region.objects.values_list("name_zh", "code"))
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.3)
    if not close:
        close = difflib.get_close_matches(stem(name), [stem(n) for n in known], n=3, cutoff=0.3)
        close = [n for n in known if stem(n) in close][:3]
    nearest = ", ".join(f"{n} ({known[n]})" for n in close) or _("（无）")
    return _(
        "未知地区名称“%(name)s”（%(where)s），最接近的已知名称为 %(nearest)s：请改正名称、用 are"
        "a_map 映射到地区代码，或先添加该地区"
    ) % {"name": name, "where": at, "nearest": nearest}
