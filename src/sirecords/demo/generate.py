"""Deterministic synthetic demo data for one pooling region (default Shenzhen).

Everything is drawn from a seeded ``random.Random`` so a seed always yields the
same data set; names, numbers and addresses are random combinations, not real
persons or companies.
"""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass
from datetime import date

from sirecords.core.identifiers import USCC_ALPHABET, make_id_number, make_uscc

__all__ = ["DemoPerson", "DemoEmployer", "DemoEmployment", "DemoData", "generate"]

# GB/T 2260 codes of Shenzhen's districts.
SHENZHEN_DISTRICTS = {
    "440303": "罗湖区",
    "440304": "福田区",
    "440305": "南山区",
    "440306": "宝安区",
    "440307": "龙岗区",
    "440308": "盐田区",
    "440309": "龙华区",
    "440310": "坪山区",
    "440311": "光明区",
}
# Household regions of migrant workers: code -> full address prefix.
OTHER_PROVINCE_REGIONS = {
    "430102": "湖南省长沙市芙蓉区",
    "360102": "江西省南昌市东湖区",
    "450103": "广西壮族自治区南宁市青秀区",
    "110105": "北京市朝阳区",
    "510104": "四川省成都市锦江区",
    "420102": "湖北省武汉市江岸区",
    "410102": "河南省郑州市中原区",
}
OTHER_PROVINCE_SHARE = 0.15
CURRENTLY_EMPLOYED_SHARE = 0.8
EARLIEST_EMPLOYMENT = date(2000, 1, 1)
ADULT_AGE = 18
EARLIEST_BIRTH = date(1962, 1, 1)
LATEST_BIRTH = date(2004, 12, 31)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢钟姜崔谭陆范汪廖石金贾"
MALE_GIVEN = "伟强磊军洋勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林"
FEMALE_GIVEN = "芳娜敏静丽艳娟霞燕玲婷雪慧莹琳颖倩洁欣佳悦梅兰红晶璐瑶怡"
STREETS = "科技园路 深南大道 滨海大道 建设路 人民路 中心路 创业路 新安路 龙华大道 光明大道 沙河西路 东门路".split()
BRANDS = "星河 华信 鹏城 前海 海纳 嘉禾 瑞丰 中科 宏图 恒通 汇智 蓝海 天元 安泰 博达 润和 金桥 华联 凯瑞 远航".split()
INDUSTRIES = "智能科技 电子 信息技术 物流 建筑工程 贸易 医疗器械 餐饮管理 物业管理 新能源 精密制造 软件".split()


@dataclass(frozen=True)
class DemoPerson:
    id_number: str
    name: str
    phone: str
    address: str
    region: str  # household region code (GB/T 2260)


@dataclass(frozen=True)
class DemoEmployer:
    uscc: str
    name: str
    address: str
    region: str


@dataclass(frozen=True)
class DemoEmployment:
    person_index: int
    employer_index: int
    start: date  # first of a month
    end: date | None  # last of a month; None = still employed


@dataclass(frozen=True)
class DemoData:
    persons: list[DemoPerson]
    employers: list[DemoEmployer]
    employments: list[DemoEmployment]


# Months are handled as integers (year * 12 + month - 1) so periods are easy to order.
def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def _month_end(index: int) -> date:
    year, month = index // 12, index % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def _birthday_at_age(birth: date, age: int) -> date:
    try:
        return birth.replace(year=birth.year + age)
    except ValueError:  # 29 February in a non-leap year: the birthday is 1 March
        return date(birth.year + age, 3, 1)


def _street_address(rng: random.Random, prefix: str) -> str:
    return (
        f"{prefix}{rng.choice(STREETS)}{rng.randint(1, 300)}号"
        f"{rng.randint(1, 12)}栋{rng.randint(1, 30)}{rng.randint(1, 8):02d}"
    )


def _make_person(rng: random.Random, used_ids: set[str]) -> tuple[DemoPerson, date]:
    if rng.random() < OTHER_PROVINCE_SHARE:
        region = rng.choice(sorted(OTHER_PROVINCE_REGIONS))
        prefix = OTHER_PROVINCE_REGIONS[region]
    else:
        region = rng.choice(sorted(SHENZHEN_DISTRICTS))
        prefix = "广东省深圳市" + SHENZHEN_DISTRICTS[region]
    male = rng.random() < 0.5
    birth = date.fromordinal(rng.randint(EARLIEST_BIRTH.toordinal(), LATEST_BIRTH.toordinal()))
    while True:
        # Odd sequence numbers are male, even female (GB 11643).
        id_number = make_id_number(region, birth, rng.randrange(0, 500) * 2 + int(male))
        if id_number not in used_ids:
            used_ids.add(id_number)
            break
    given = MALE_GIVEN if male else FEMALE_GIVEN
    name = rng.choice(SURNAMES) + "".join(rng.choice(given) for _ in range(rng.randint(1, 2)))
    phone = "1" + str(rng.randint(3, 9)) + "".join(rng.choice("0123456789") for _ in range(9))
    person = DemoPerson(id_number, name, phone, _street_address(rng, prefix), region)
    return person, birth


def _make_employer(rng: random.Random, used_codes: set[str], used_names: set[str]) -> DemoEmployer:
    region = rng.choice(sorted(SHENZHEN_DISTRICTS))
    while True:
        body = "".join(rng.choice(USCC_ALPHABET) for _ in range(8))
        uscc = make_uscc("9", "1", region, body)
        if uscc not in used_codes:
            used_codes.add(uscc)
            break
    while True:
        name = f"深圳市{rng.choice(BRANDS)}{rng.choice(INDUSTRIES)}有限公司"
        if name not in used_names:
            used_names.add(name)
            break
        if len(used_names) >= len(BRANDS) * len(INDUSTRIES):
            raise ValueError("too many employers requested for the name lists")
    address = _street_address(rng, "广东省深圳市" + SHENZHEN_DISTRICTS[region])
    return DemoEmployer(uscc, name, address, region)


def _employment_periods(
    rng: random.Random, birth: date, today: date, employer_count: int
) -> list[tuple[int, date, date | None]]:
    """1-4 non-overlapping periods, in order, each with a different employer."""
    earliest = max(_birthday_at_age(birth, ADULT_AGE), EARLIEST_EMPLOYMENT)
    # Periods start on the 1st, so the first possible month is the next 1st on/after `earliest`.
    first_month = _month_index(earliest) + (earliest.day != 1)
    current_month = _month_index(today)  # an open period may start this month
    still_employed = rng.random() < CURRENTLY_EMPLOYED_SHARE
    # Closed periods must end before today, i.e. by the end of last month.
    last_month = current_month if still_employed else current_month - 1

    count = min(rng.randint(1, 4), employer_count)
    # Boundary months s1 < e1 < s2 < e2 < ... (the last end is omitted when open).
    points_needed = 2 * count - (1 if still_employed else 0)
    available = last_month - first_month + 1
    while count and available < points_needed:
        count -= 1
        points_needed -= 2
    if count == 0:
        return []
    points = sorted(rng.sample(range(first_month, last_month + 1), points_needed))
    starts, ends = points[0::2], points[1::2]
    # Job changes are often seamless: sometimes start right after the previous end.
    for k in range(1, count):
        if rng.random() < 0.5:
            starts[k] = ends[k - 1] + 1

    employers = rng.sample(range(employer_count), count)
    periods = []
    for k in range(count):
        end = _month_end(ends[k]) if k < len(ends) else None
        periods.append((employers[k], _month_start(starts[k]), end))
    return periods


def generate(
    seed: int = 20111,
    persons: int = 200,
    employers: int = 20,
    today: date = date(2026, 11, 1),
) -> DemoData:
    rng = random.Random(seed)  # nosec B311 # seeded generator for reproducible demo data, not security
    used_ids: set[str] = set()
    people_with_birth = [_make_person(rng, used_ids) for _ in range(persons)]
    used_codes: set[str] = set()
    used_names: set[str] = set()
    employer_list = [_make_employer(rng, used_codes, used_names) for _ in range(employers)]

    employments = [
        DemoEmployment(person_index, employer_index, start, end)
        for person_index, (_, birth) in enumerate(people_with_birth)
        for employer_index, start, end in _employment_periods(rng, birth, today, employers)
    ]
    return DemoData(
        persons=[person for person, _ in people_with_birth],
        employers=employer_list,
        employments=employments,
    )
