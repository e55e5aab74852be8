"""Vocabulary of the synthetic 龙湖区 population: names, places, institutions.

Everything here is illustrative: road and village names are real-sounding
Shantou names but addresses, house numbers and the pairing of roads with
townships are invented.  No entry describes a real person or organisation.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from govcore.validation import LONGHU_TOWNSHIPS

__all__ = [
    "BANKS",
    "BIRTHPLACES",
    "HOSPITALS",
    "INDUSTRIES",
    "LONGHU",
    "MIGRANT_ORIGINS",
    "OLD_SHANTOU_PREFIXES",
    "OTHER_DISTRICTS",
    "SCHOOLS",
    "SHOP_KINDS",
    "TOWNSHIP_NAMES",
    "TOWNSHIP_WEIGHTS",
    "TRADE_WORDS",
    "UNIVERSITIES",
    "given_name",
    "home_address",
    "migrant_home_address",
    "other_district_address",
    "pick",
    "pick_weighted",
    "shop_address",
    "surname",
]

LONGHU = "440507"

#: Township code -> name, from :data:`govcore.validation.LONGHU_TOWNSHIPS`.
TOWNSHIP_NAMES: dict[str, str] = {code: name for code, name, _ in LONGHU_TOWNSHIPS}

#: Relative population of the townships (illustrative).
TOWNSHIP_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("440507001", 14),
    ("440507002", 12),
    ("440507003", 13),
    ("440507004", 14),
    ("440507005", 18),
    ("440507100", 18),
    ("440507101", 11),
)

_STREETS: dict[str, tuple[str, ...]] = {
    "440507001": ("长平路", "金砂东路", "金霞路", "嵩山南路", "丹霞路"),
    "440507002": ("龙新路", "嵩山北路", "夏桂埔路", "洋滨路", "龙湖路"),
    "440507003": ("鸥汀路", "天山北路", "鸥汀大道", "东墩路", "鸥上路"),
    "440507004": ("新津路", "衡山路", "黄山路", "华山南路", "金新路"),
    "440507005": ("珠池路", "泰山路", "中山东路", "珠津路", "龙湖沟路"),
}
_VILLAGES: dict[str, tuple[str, ...]] = {
    "440507100": ("蓬中村", "华新村", "南社村", "李厝村", "东里村", "竹林村"),
    "440507101": ("新溪村", "西头村", "南中村", "洋背村", "三园村", "湖头村"),
}

_SURNAMES: tuple[tuple[str, int], ...] = (
    ("陈", 22),
    ("林", 14),
    ("黄", 10),
    ("李", 8),
    ("蔡", 7),
    ("郑", 7),
    ("吴", 6),
    ("许", 5),
    ("王", 5),
    ("杨", 4),
    ("张", 4),
    ("刘", 4),
    ("谢", 4),
    ("洪", 3),
    ("沈", 3),
    ("翁", 3),
    ("马", 2),
    ("周", 2),
    ("余", 2),
    ("苏", 2),
    ("庄", 2),
    ("詹", 1),
    ("方", 1),
    ("姚", 1),
    ("纪", 1),
    ("柯", 1),
    ("邱", 1),
    ("佘", 1),
    ("辛", 1),
    ("魏", 1),
    ("肖", 1),
    ("钟", 1),
)

# Given-name characters by generation (born before 1960, 1960-1989, 1990+).
_GIVEN: dict[tuple[str, int], str] = {
    ("M", 0): "木坤炳喜銮德茂松汉荣泉金水添顺财旺亮耀",
    ("M", 1): "伟强建国志明锦鸿少鹏振华文彬海涛辉荣俊贤",
    ("M", 2): "俊杰浩宇梓轩泽楷铭博睿子豪嘉乐晨锐航",
    ("F", 0): "钿婵娥桂妙珠莲秀英玉凤娟月香娇葵花",
    ("F", 1): "丽燕秀惠淑碧玉芝霞虹雅琳晓敏珊婷蓉",
    ("F", 2): "佳琪欣怡涵萱妍梓诗思雨晴可馨悦彤",
}

#: Former Shantou district codes that still open older residents' numbers.
OLD_SHANTOU_PREFIXES: tuple[str, ...] = ("440506", "440508", "440509")

#: Birthplaces of residents who moved to 龙湖区: (county code, weight).
BIRTHPLACES: tuple[tuple[str, int], ...] = (
    ("440511", 6),
    ("440515", 4),
    ("440513", 4),
    ("445121", 3),
    ("445202", 3),
    ("445281", 2),
    ("441426", 1),
    ("440104", 1),
    ("430524", 1),
    ("360731", 1),
    ("350583", 1),
    ("450881", 1),
)

#: Home counties of non-local residents: (county code, place, weight, ethnicity).
MIGRANT_ORIGINS: tuple[tuple[str, str, int, str], ...] = (
    ("430524", "湖南省邵阳市隆回县", 5, "15"),
    ("360731", "江西省赣州市于都县", 4, "01"),
    ("450881", "广西壮族自治区贵港市桂平市", 4, "08"),
    ("510623", "四川省德阳市中江县", 3, "01"),
    ("350583", "福建省泉州市南安市", 2, "01"),
    ("421126", "湖北省黄冈市蕲春县", 2, "01"),
    ("411424", "河南省商丘市柘城县", 2, "01"),
    ("445281", "广东省揭阳市普宁市", 4, "01"),
    ("441426", "广东省梅州市平远县", 2, "01"),
)
_MIGRANT_TOWNS = ("城关镇", "新城镇", "石门镇", "河口镇", "大坪镇")
_MIGRANT_VILLAGES = ("东山村", "新民村", "石桥村", "上坪村", "和平村", "田心村")

#: Other Shantou districts residents move to: code -> (name, townships).
OTHER_DISTRICTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "440511": ("金平区", ("石炮台街道", "金砂街道", "金厦街道", "东方街道")),
    "440515": ("澄海区", ("凤翔街道", "广益街道", "澄华街道")),
    "440513": ("潮阳区", ("文光街道", "城南街道", "棉北街道")),
    "440512": ("濠江区", ("达濠街道", "礐石街道")),
}

HOSPITALS: tuple[str, ...] = (
    "汕头市中心医院",
    "汕头大学医学院第一附属医院",
    "汕头大学医学院第二附属医院",
    "汕头市妇幼保健院",
    "汕头市龙湖人民医院",
)

BANKS: tuple[str, ...] = (
    "中国工商银行汕头分行",
    "中国农业银行汕头分行",
    "中国银行汕头分行",
    "中国建设银行汕头分行",
    "中国邮政储蓄银行汕头分行",
    "汕头农商银行",
    "交通银行汕头分行",
    "广发银行汕头分行",
)

#: Schools awarding degrees: (name, five-digit school code).
SCHOOLS: tuple[tuple[str, str], ...] = (
    ("汕头大学", "10560"),
    ("韩山师范学院", "10578"),
    ("汕头职业技术学院", "12797"),
    ("广东工业大学", "11845"),
    ("华南理工大学", "10561"),
    ("中山大学", "10558"),
    ("暨南大学", "10559"),
    ("广东技术师范大学", "10588"),
)

#: Words used in business names.
TRADE_WORDS: tuple[str, ...] = (
    "锦鸿",
    "兴隆",
    "顺发",
    "佳美",
    "汇丰",
    "永利",
    "金源",
    "宏达",
    "添福",
    "合兴",
    "荣昌",
    "广利",
    "信达",
    "恒丰",
    "联兴",
    "万隆",
    "裕华",
    "泰和",
    "新发",
    "宝丰",
)

#: 个体工商户 kinds: (suffix, GB/T 4754 scope codes, sells food).
SHOP_KINDS: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    ("商行", ("F5219", "F5221"), True),
    ("便利店", ("F5212",), True),
    ("食杂店", ("F5221", "F5225"), True),
    ("茶叶店", ("F5225",), True),
    ("水果店", ("F5223",), True),
    ("小吃店", ("H6210",), True),
    ("五金店", ("F5234",), False),
    ("服装店", ("F5232",), False),
    ("理发店", ("O8021",), False),
)

#: Company industries: (name part, scope codes).
INDUSTRIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("玩具", ("C2452",)),
    ("纺织", ("C1713",)),
    ("印刷", ("C2319",)),
    ("塑料制品", ("C2929",)),
    ("食品", ("C1419",)),
    ("工艺品", ("C2439",)),
    ("电子科技", ("C3989",)),
    ("贸易", ("F5137",)),
    ("物流", ("G5430",)),
    ("包装材料", ("C2231",)),
)

#: Schools awarding 本科 and higher degrees (汕头职业技术学院 awards 大专 only).
UNIVERSITIES: tuple[tuple[str, str], ...] = tuple(
    school for school in SCHOOLS if school[0] != "汕头职业技术学院"
)


def pick(rng: random.Random, items: Sequence[str]) -> str:
    """Return one of ``items`` chosen uniformly."""
    return items[rng.randrange(len(items))]


def pick_weighted(rng: random.Random, table: Sequence[tuple[str, int]]) -> str:
    """Return the first element of one ``(value, weight)`` pair of ``table``."""
    values = [value for value, _ in table]
    weights = [weight for _, weight in table]
    return rng.choices(values, weights)[0]


def surname(rng: random.Random) -> str:
    """Return a Chaoshan-distributed family name."""
    return pick_weighted(rng, _SURNAMES)


def given_name(rng: random.Random, sex: str, birth_year: int) -> str:
    """Return a one- or two-character given name typical of the generation."""
    generation = 0 if birth_year < 1960 else 1 if birth_year < 1990 else 2
    chars = _GIVEN[(sex, generation)]
    first = rng.randrange(len(chars))
    if rng.random() < 0.15:
        return chars[first]
    second = (first + rng.randrange(1, len(chars))) % len(chars)
    return chars[first] + chars[second]


def home_address(rng: random.Random, township: str) -> str:
    """Return a street address in a 龙湖区 township."""
    name = TOWNSHIP_NAMES[township]
    base = f"汕头市龙湖区{name}"
    if township in _VILLAGES:
        village = pick(rng, _VILLAGES[township])
        return f"{base}{village}{rng.randint(1, 12)}巷{rng.randint(1, 40)}号"
    street = pick(rng, _STREETS[township])
    number = rng.randint(1, 199)
    if rng.random() < 0.3:
        return f"{base}{street}{number}号"
    flat = f"{rng.randint(1, 12)}幢{rng.randint(1, 9)}0{rng.randint(1, 4)}房"
    return f"{base}{street}{number}号{flat}"


def shop_address(rng: random.Random, township: str) -> str:
    """Return a ground-floor shop address in a 龙湖区 township."""
    name = TOWNSHIP_NAMES[township]
    if township in _VILLAGES:
        village = pick(rng, _VILLAGES[township])
        return f"汕头市龙湖区{name}{village}商业街{rng.randint(1, 80)}号"
    street = pick(rng, _STREETS[township])
    return f"汕头市龙湖区{name}{street}{rng.randint(1, 199)}号{rng.randint(1, 9)}号铺面"


def migrant_home_address(rng: random.Random, place: str) -> str:
    """Return an address in a non-local resident's home county."""
    town = pick(rng, _MIGRANT_TOWNS)
    village = pick(rng, _MIGRANT_VILLAGES)
    return f"{place}{town}{village}{rng.randint(1, 120)}号"


def other_district_address(rng: random.Random, district: str) -> tuple[str, str]:
    """Return ``(township code, address)`` in another Shantou district."""
    name, townships = OTHER_DISTRICTS[district]
    index = rng.randrange(len(townships))
    street = f"{townships[index][:2]}路"
    address = f"汕头市{name}{townships[index]}{street}{rng.randint(1, 150)}号"
    return f"{district}{index + 1:03d}", address
