"""The fixed demo and test people of the sandbox (演示/测试人物).

Every generated population starts with these people and organisations, whatever
the seed and size, each built to walk one path of the catalogue.  Their ID
numbers, names and credit codes never change; dates in their records (低保
start, licence expiry, the baby's birth) are set relative to ``today`` so each
path stays open.  Ages in the descriptions are as of :data:`PERSONA_TODAY`;
they follow from the fixed birth dates.  All of them are synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from govcore.datahub.sandbox import generator_facts as fx
from govcore.datahub.sandbox import generator_orgs as market
from govcore.datahub.sandbox.generator_names import SCHOOLS
from govcore.datahub.sandbox.generator_world import add_years

if TYPE_CHECKING:
    from govcore.datahub.sandbox.generator_world import Organisation, Person, World

__all__ = [
    "ORGANISATION_PERSONAS",
    "PERSONAS",
    "PERSONA_BABY_NAME",
    "PERSONA_TODAY",
    "OrganisationPersona",
    "Persona",
    "build_personas",
]

#: The date the ages in the descriptions refer to.
PERSONA_TODAY = date(2026, 11, 28)

#: Seed of the personas' own random stream (card numbers and the like).
PERSONA_SEED = 440507

#: Name of the not yet registered baby on 王佳琪's 出生医学证明.
PERSONA_BABY_NAME = "许梓涵"


@dataclass(frozen=True)
class Persona:
    """A fixed person: ID number, name and the path they demonstrate."""

    id_number: str
    name: str
    demonstrates: str


@dataclass(frozen=True)
class OrganisationPersona:
    """A fixed organisation: credit code, name and the path it demonstrates."""

    credit_code: str
    name: str
    demonstrates: str


PERSONAS: tuple[Persona, ...] = (
    Persona(
        "440507194401150010",
        "陈伯",
        "高龄津贴秒批通过：82岁男性，龙湖户籍，非低保，社保卡金融账户已核验"
        " (aged allowance: approve)",
    ),
    Persona(
        "440507194401150029",
        "林秀娥",
        "陈伯的妻子，82岁，同户，已婚；高龄津贴秒批通过 (spouse; approve)",
    ),
    Persona(
        "440507194303080020",
        "黄妙钿",
        "83岁低保对象，未领高龄津贴：免申即享主动推送"
        " (80+ on dibao: proactive offer)",
    ),
    Persona(
        "440507195210200016",
        "李振华",
        "74岁，未满80周岁：高龄津贴不予受理 (refuse: age, R3)",
    ),
    Persona(
        "440507194105120044",
        "蔡婵娟",
        "85岁，已在领取高龄津贴：重复申领 (refuse: duplicate, R4)",
    ),
    Persona(
        "440507194102200030",
        "郑木坤",
        "85岁，户籍已因死亡注销，有死亡记录 (CANCELLED_DEATH: refuse)",
    ),
    Persona(
        "44050719750618005X",
        "吴建新",
        "低保对象，一级肢体残疾（残疾人证号=身份证号+41）：残疾人两项补贴秒批"
        " (disability subsidies: approve)",
    ),
    Persona(
        "440507199503120077",
        "许俊杰",
        "新生儿父亲，与王佳琪婚姻登记，家庭户户主 (birth registration: father)",
    ),
    Persona(
        "440507199708210084",
        "王佳琪",
        "新生儿母亲：持2个月大婴儿许梓涵的出生医学证明（未落户）：出生登记秒批"
        " (birth registration: approve)",
    ),
    Persona(
        "430524199208150032",
        "邓志刚",
        "湖南户籍来汕务工人员，持龙湖区居住证，签注期内，在汕参保：居住证签注"
        " (residence permit endorsement: approve)",
    ),
    Persona(
        "440507198002260093",
        "林锦鸿",
        "个体工商户经营者（龙湖区金霞锦鸿商行），有住宅和商铺产权：预包装食品备案"
        " (business owner with property)",
    ),
    Persona(
        "440507198507040117",
        "杨国强",
        "退役军人，已建档立卡，未领优待证：优待证申领 (veteran: preferential card)",
    ),
    Persona(
        "440507197809150130",
        "张伟明",
        "道路旅客运输驾驶员，从业资格证20天后到期：补发/换发"
        " (road-transport driver: renewal window)",
    ),
    Persona(
        "440507198804110150",
        "刘志强",
        "有犯罪记录（非未成年封存）：无犯罪记录证明转人工/不予出具"
        " (criminal record: R7)",
    ),
    Persona(
        "440507198305270176",
        "谢少鹏",
        "失信被执行人且有虚假承诺记录：不适用告知承诺/容缺受理"
        " (dishonesty record: R10)",
    ),
    Persona(
        "440507199007051236",
        "陈志明",
        "1990-07-05生男性，在职参保、本科学历、无犯罪记录：无犯罪记录证明秒批"
        " (clean working adult)",
    ),
    Persona(
        "440511202303010032",
        "郑子轩",
        "2023-03-01生儿童，户籍在金平区(440511)：龙湖事项不属本区 (refuse: R2)",
    ),
    Persona(
        "11010519491231002X",
        "金丝雀",
        "GB 11643 样例号码；北京出生、迁入龙湖区户籍的76岁女性：地区以户籍为准"
        " (canary; district from HK, not the ID prefix)",
    ),
    Persona(
        "440508193805120020",
        "翁丽娥",
        "88岁，身份证为旧金园区(440508)号段，户籍在龙湖：高龄津贴秒批"
        " (old prefix, approve)",
    ),
    Persona(
        "440509192503030013",
        "沈德茂",
        "101岁外砂镇农村居民，旧升平区号段：长寿保健金档 (aged 100+ tier)",
    ),
    Persona(
        "440507200109160041",
        "洪思敏",
        "低保边缘家庭，三级智力残疾：重度残疾人护理补贴与生活补贴"
        " (intellectual disability on dibao edge)",
    ),
    Persona(
        "440507199902140067",
        "杨晓婷",
        "无业、无社保卡、本年未参加医保：失业登记、社保卡申领、居民医保参保"
        " (unemployment, SSC, medical insurance)",
    ),
    Persona(
        "440507197008090190",
        "蔡锐鸿",
        "建筑公司法定代表人；安全生产许可证60天后到期，无死亡事故：免审延期"
        " (construction firm operator)",
    ),
    Persona(
        "440507197601300208",
        "郑雅琳",
        "人力资源服务公司负责人：一次性职业介绍补贴 (HR agency operator)",
    ),
    Persona(
        "440507196811230063",
        "方雪芬",
        "自有住房的养犬人，养犬登记证20天后到期：养犬登记延续年审秒批"
        " (dog registration renewal: approve)",
    ),
    Persona(
        "440507198604170132",
        "周文彬",
        "原公司因提交虚假材料被撤销登记，两年内不得再申请市场主体登记：个体户登记不予受理"
        " (registration ban: refuse, R3)",
    ),
)

ORGANISATION_PERSONAS: tuple[OrganisationPersona, ...] = (
    OrganisationPersona(
        "92440507MA4LH0014B",
        "龙湖区金霞锦鸿商行",
        "个体工商户，存续，未做食品备案：仅销售预包装食品备案秒批",
    ),
    OrganisationPersona(
        "91440507MA4LH00229",
        "汕头市龙湖区宏基建筑工程有限公司",
        "建筑施工企业，安全生产许可证3个月内到期、无死亡事故：免审延期",
    ),
    OrganisationPersona(
        "91440507MA4LH00304",
        "汕头市龙湖区汇才人力资源服务有限公司",
        "持人力资源服务许可证（职业介绍）：一次性职业介绍补贴",
    ),
    OrganisationPersona(
        "91440507MA4LH00491",
        "汕头市龙湖区文彬贸易有限公司",
        "周文彬的原公司，因提交虚假材料被撤销登记（注销）：经营者登记限制",
    ),
)

_ID = {persona.name: persona.id_number for persona in PERSONAS}
_ORG = {persona.name: persona.credit_code for persona in ORGANISATION_PERSONAS}


def build_personas(w: World) -> None:
    """Add every persona, their households and organisations to ``w``.

    The people end up in the order of :data:`PERSONAS`.
    """
    _aged(w)
    _assisted(w)
    orgs = _organisations(w)
    _young_family(w, orgs)
    _workers(w, orgs)
    _checks(w)
    _other_places(w)
    _jobless(w)
    _restricted_and_due(w)
    order = {persona.id_number: index for index, persona in enumerate(PERSONAS)}
    w.people.sort(key=lambda person: order[person.id_no])


def _person(
    w: World, name: str, township: str, address: str, *, move_in: date | None = None
) -> Person:
    house = w.household(township, address)
    return w.add_person(house, _ID[name], name, "户主", move_in=move_in)


def _retired(w: World, p: Person, *, verified: bool = True) -> None:
    retire_age = 60 if p.sex == "M" else 55
    fx.pension(p, add_years(p.born, retire_age), 300)
    fx.social_card(w, p, verified=verified)
    fx.medical(w, p, "EMPLOYEE", region="440500")
    fx.police_record(p)
    fx.credit(p)
    fx.civil_affairs_file(p)


def _adult(w: World, p: Person) -> None:
    fx.social_card(w, p)
    fx.police_record(p)
    fx.credit(p)
    fx.civil_affairs_file(p)
    if "MAR" not in p.records:
        fx.never_married(p)


def _aged(w: World) -> None:
    house = w.household("440507001", "汕头市龙湖区金霞街道长平路86号3幢502房")
    chen = w.add_person(house, _ID["陈伯"], "陈伯", "户主")
    lin = w.add_person(house, _ID["林秀娥"], "林秀娥", "配偶")
    fx.marry(w, chen, lin, date(1966, 3, 8))
    fx.holding(w, [chen, lin], house.address, "住宅", 89.5, township=house.township)
    for p in (chen, lin):
        _retired(w, p)
    li = _person(w, "李振华", "440507004", "汕头市龙湖区新津街道衡山路12号2幢301房")
    cai = _person(w, "蔡婵娟", "440507005", "汕头市龙湖区珠池街道泰山路45号")
    zheng = _person(w, "郑木坤", "440507002", "汕头市龙湖区龙祥街道龙新路8号1幢202房")
    weng = _person(w, "翁丽娥", "440507001", "汕头市龙湖区金霞街道金砂东路31号")
    shen = _person(w, "沈德茂", "440507100", "汕头市龙湖区外砂镇蓬中村三巷7号")
    for p in (li, cai, zheng, weng, shen):
        _retired(w, p)
    fx.aged_allowance(w, cai, add_years(cai.born, 80))
    fx.death(zheng, w.today - timedelta(days=45))
    canary = _person(
        w,
        "金丝雀",
        "440507005",
        "汕头市龙湖区珠池街道珠津路20号5幢601房",
        move_in=date(1998, 9, 1),
    )
    _retired(w, canary)


def _assisted(w: World) -> None:
    huang = _person(w, "黄妙钿", "440507003", "汕头市龙湖区鸥汀街道鸥汀路102号")
    wu = _person(w, "吴建新", "440507001", "汕头市龙湖区金霞街道丹霞路17号4幢103房")
    hong = _person(w, "洪思敏", "440507004", "汕头市龙湖区新津街道黄山路66号2幢402房")
    _retired(w, huang)
    _adult(w, wu)
    _adult(w, hong)
    fx.assistance(huang, "dibao", w.today - timedelta(days=5 * 365))
    fx.assistance(wu, "dibao", w.today - timedelta(days=3 * 365))
    fx.assistance(hong, "dibao_edge", w.today - timedelta(days=400))
    fx.disability(w, wu, 4, 1, w.today + timedelta(days=6 * 365))
    fx.disability(w, hong, 5, 3, w.today + timedelta(days=8 * 365))
    for p, category in ((wu, "低保对象"), (hong, "低保边缘对象")):
        fx.medical(w, p, "RESIDENT")
        p.rec("MI")["subsidised_category"] = category
    for p, income in ((huang, 520), (wu, 610), (hong, 980)):
        fx.income_check(w, [p], income, 1500, 0)


def _organisations(w: World) -> dict[str, Organisation]:
    lin = _person(w, "林锦鸿", "440507001", "汕头市龙湖区金霞街道嵩山南路9号1幢501房")
    cai = _person(w, "蔡锐鸿", "440507004", "汕头市龙湖区新津街道华山南路88号")
    zheng = _person(w, "郑雅琳", "440507002", "汕头市龙湖区龙祥街道洋滨路16号2幢702房")
    shop_place = ("440507001", "汕头市龙湖区金霞街道金砂东路118号3号铺面")
    shop = market.entity(
        w,
        lin,
        name="龙湖区金霞锦鸿商行",
        kind="个体工商户",
        place=shop_place,
        scope=("F5219", "F5221"),
        established=w.today - timedelta(days=4 * 365),
        uscc=_ORG["龙湖区金霞锦鸿商行"],
    )
    firm = market.entity(
        w,
        cai,
        name="汕头市龙湖区宏基建筑工程有限公司",
        kind="有限责任公司（自然人投资或控股）",
        place=("440507004", "汕头市龙湖区新津街道衡山路128号"),
        scope=("E4710", "E4790"),
        established=date(2009, 6, 18),
        uscc=_ORG["汕头市龙湖区宏基建筑工程有限公司"],
    )
    agency = market.entity(
        w,
        zheng,
        name="汕头市龙湖区汇才人力资源服务有限公司",
        kind="有限责任公司（自然人独资）",
        place=("440507002", "汕头市龙湖区龙祥街道龙新路36号201房"),
        scope=("L7262",),
        established=date(2016, 3, 9),
        uscc=_ORG["汕头市龙湖区汇才人力资源服务有限公司"],
    )
    market.safety_permit(w, firm, w.today + timedelta(days=60))
    market.hr_licence(w, agency)
    for org in (shop, firm, agency):
        fx.credit(org)
    _business_owner(w, lin, shop_place)
    for p, org in ((cai, firm), (zheng, agency)):
        _adult(w, p)
        fx.employ(w, p, org, date(2016, 4, 1))
        fx.medical(w, p, "EMPLOYEE", region="440500")
    return {"shop": shop, "firm": firm, "agency": agency}


def _business_owner(w: World, lin: Person, shop: tuple[str, str]) -> None:
    house = lin.household
    fx.holding(w, [lin], house.address, "住宅", 118.0, township=house.township)
    fx.holding(w, [lin], shop[1], "商业", 45.5, township=shop[0])
    _adult(w, lin)
    fx.self_employed(w, lin, w.today - timedelta(days=4 * 365))
    fx.medical(w, lin, "RESIDENT")
    fx.driving_licence(w, lin)


def _young_family(w: World, orgs: dict[str, Organisation]) -> None:
    house = w.household("440507002", "汕头市龙湖区龙祥街道夏桂埔路52号3幢1102房")
    xu = w.add_person(house, _ID["许俊杰"], "许俊杰", "户主")
    wang = w.add_person(house, _ID["王佳琪"], "王佳琪", "配偶")
    fx.marry(w, xu, wang, date(2023, 10, 2))
    fx.holding(w, [xu, wang], house.address, "住宅", 96.0, township=house.township)
    baby_born = w.today - timedelta(days=61)
    fx.birth_cert(w, wang, xu, (PERSONA_BABY_NAME, "F", baby_born), "汕头市中心医院")
    fx.fertility_reg(w, wang, 1, baby_born - timedelta(days=200))
    for p, org in ((xu, orgs["firm"]), (wang, orgs["agency"])):
        _adult(w, p)
        fx.employ(w, p, org, date(2019, 7, 1))
        fx.medical(w, p, "EMPLOYEE", region="440500")
    fx.degree(w, wang, "本科", SCHOOLS[1], date(2019, 6, 30))


def _workers(w: World, orgs: dict[str, Organisation]) -> None:
    home = w.household(
        "430524101",
        "湖南省邵阳市隆回县桃洪镇东山村18号",
        rural=True,
    )
    deng = w.add_person(home, _ID["邓志刚"], "邓志刚", "户主")
    valid_from = add_years(w.today, -3) + timedelta(days=20)
    fx.residence_permit(
        w,
        deng,
        "汕头市龙湖区鸥汀街道鸥汀路88号5幢301房",
        valid_from,
        add_years(valid_from, 2),
    )
    chen = _person(w, "陈志明", "440507002", "汕头市龙湖区龙祥街道嵩山北路21号")
    yang = _person(w, "杨国强", "440507005", "汕头市龙湖区珠池街道中山东路210号")
    for p, org in ((deng, orgs["firm"]), (chen, orgs["agency"]), (yang, orgs["firm"])):
        _adult(w, p)
        fx.employ(w, p, org, date(2015, 8, 1))
        fx.medical(w, p, "EMPLOYEE", region="440500")
    fx.degree(w, chen, "本科", SCHOOLS[0], date(2012, 6, 30))
    fx.driving_licence(w, chen)
    fx.veteran(w, yang, date(2007, 12, 1), pref_card=False)
    zhang = _person(w, "张伟明", "440507004", "汕头市龙湖区新津街道金新路77号")
    _adult(w, zhang)
    fx.self_employed(w, zhang, date(2010, 1, 1))
    fx.road_qualification(w, zhang, w.today + timedelta(days=20), "道路旅客运输驾驶员")
    fx.driving_licence(w, zhang)


def _checks(w: World) -> None:
    liu = _person(w, "刘志强", "440507003", "汕头市龙湖区鸥汀街道天山北路5号")
    xie = _person(w, "谢少鹏", "440507101", "汕头市龙湖区新溪镇西头村八巷3号")
    for p in (liu, xie):
        _adult(w, p)
        fx.self_employed(w, p, date(2018, 3, 1))
    fx.police_record(liu, convicted=True)
    fx.credit(xie, dishonest=True, false_commitment=True)


def _other_places(w: World) -> None:
    house = w.household("440511002", "汕头市金平区金砂街道金砂路66号")
    child = w.add_person(house, _ID["郑子轩"], "郑子轩", "子")
    fx.medical(w, child, "RESIDENT", region="440511")


def _jobless(w: World) -> None:
    yang = _person(w, "杨晓婷", "440507005", "汕头市龙湖区珠池街道珠池路33号")
    fx.police_record(yang)
    fx.credit(yang)
    fx.never_married(yang)
    fx.civil_affairs_file(yang)
    fx.medical(w, yang, "RESIDENT", year=w.today.year - 1)
    fx.degree(w, yang, "大专", SCHOOLS[2], date(2020, 6, 30))


def _restricted_and_due(w: World) -> None:
    fang = _person(w, "方雪芬", "440507004", "汕头市龙湖区新津街道长江路26号3幢602房")
    _retired(w, fang)
    home = fang.household
    fx.holding(w, [fang], home.address, "住宅", 102.3, township=home.township)
    fx.dog(w, fang, w.today + timedelta(days=20))
    zhou = _person(w, "周文彬", "440507003", "汕头市龙湖区鸥汀街道东墩路9号")
    _adult(w, zhou)
    fx.medical(w, zhou, "RESIDENT")
    market.entity(
        w,
        zhou,
        name="汕头市龙湖区文彬贸易有限公司",
        kind="有限责任公司（自然人独资）",
        place=("440507003", "汕头市龙湖区鸥汀街道东墩路9号首层"),
        scope=("F5131",),
        established=w.today - timedelta(days=6 * 365),
        status="注销",
        uscc=_ORG["汕头市龙湖区文彬贸易有限公司"],
    )
    market.registration_ban(
        zhou, add_years(w.today, 2), "提交虚假材料取得市场主体登记被撤销"
    )
