"""The people and places of the demo petitions: names, phones, identity regions, and the
roads, estates, villages and sites of each area of 临江市城南区. All invented."""

from __future__ import annotations

from dataclasses import dataclass

# The common surnames, roughly by frequency, so the most frequent ones come up most.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史"
)
MALE_GIVEN = (
    "建国", "建华", "国强", "志刚", "德明", "文军", "海涛", "红军", "永福", "长春", "学文", "春生",
    "立新", "卫东", "庆丰", "明亮", "俊", "勇", "军", "斌", "磊", "强", "涛", "杰",
    "鹏", "浩", "宇", "伟", "刚", "平", "洪波", "兴旺", "光辉", "金山", "玉林", "成才",
    "家明", "振华", "少华", "铁柱", "满仓", "有才", "德胜", "富贵", "小龙", "子豪",
)  # fmt: skip
FEMALE_GIVEN = (
    "秀英", "桂英", "玉兰", "秀兰", "凤英", "淑珍", "翠花", "桂芳", "红梅", "丽华", "春燕", "海燕",
    "晓燕", "丽", "敏", "静", "芳", "娟", "霞", "萍", "燕", "婷", "雪", "慧",
    "金凤", "小红", "素芬", "美玲", "月娥", "冬梅", "爱华", "玉珍", "彩霞", "晓梅", "雅琴",
)  # fmt: skip
# Mainland mobile prefixes in real use (China Mobile, Unicom, Telecom).
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "166", "177", "180", "181", "182", "183",
    "186", "187", "188", "189", "191", "198", "199",
)  # fmt: skip
# Administrative division codes used for the demo residents' identity numbers.
ID_REGIONS = ("421002", "421003", "421022", "421087", "421081")
GROUP_NUMERALS = ("一组", "二组", "三组", "四组", "五组", "六组")


@dataclass(frozen=True)
class Pool:
    """The places of one area: its street office or town, roads, estates and villages."""

    street: str
    roads: tuple[str, ...]
    estates: tuple[str, ...]
    villages: tuple[str, ...] = ()
    # Resettlement sites, for cases about reservoir resettlement.
    sites: tuple[str, ...] = ()


POOLS: dict[str, Pool] = {
    "dc": Pool(
        "东城街道",
        ("东湖路", "桂园路", "龙泉路", "东湖南路", "建设东路"),
        ("桂园小区", "东湖花园", "丽景苑", "金桂小区", "东城新村", "建设小区"),
        ("龙泉村",),
        ("龙泉村移民安置点",),
    ),
    "dh": Pool(
        "东城街道",
        ("东湖路", "东湖南路", "湖滨路"),
        ("东湖花园", "东湖小区", "湖滨苑", "东湖路供销社宿舍"),
        ("龙泉村",),
    ),
    "xc": Pool(
        "西城街道",
        ("西门路", "河西路", "锦绣路", "西环路", "老街"),
        ("西门小区", "河西新村", "锦绣家园", "锦绣华庭", "纺织厂宿舍"),
        (),
    ),
    "qs": Pool(
        "青山镇",
        ("青山大道", "石桥街", "矿区路"),
        ("青山镇集镇小区", "矿工新村"),
        ("石桥村", "青山村"),
        ("青山镇移民新村",),
    ),
    "ymb": Pool(
        "青山镇",
        ("青山大道", "移民路"),
        ("移民新村",),
        ("石桥村", "龙泉村", "白鹤村"),
        ("龙泉村移民安置点", "青山镇移民新村", "白鹤镇库区安置点"),
    ),
}

# The street office or town each resettlement site lies in.
SITE_STREETS: dict[str, str] = {
    "龙泉村移民安置点": "东城街道",
    "青山镇移民新村": "青山镇",
    "白鹤镇库区安置点": "白鹤镇",
}

# Titles of the people an accusation names, by the kind of unit they work in.
ACCUSED_TITLES: dict[str, tuple[str, ...]] = {
    "village": ("村委会主任", "村党支部书记", "村报账员", "村民小组长"),
    "community": ("居委会副主任", "社区党委副书记", "社区网格员"),
    "street": ("城建办副主任", "征收办工作人员", "民政办主任", "综合执法队队长", "财政所副所长"),
}
