"""Demo data for the public site, loaded by `xinfang demo` after the demo petitions.

- Five online petitions with fixed tracking codes and query credentials, so a visitor can
  try the lookup: one just submitted (with two photos), one answered yesterday (rate it, ask
  for review), one extended, one whose windows have closed, one forwarded to a bureau.
- Ratings on about two thirds of the answered demo petitions.
- A few published answers (政务公开).
- An Open311 key named "demo", derived from DEMO_PASSWORD so it can be printed every time.

Everything goes through the portal, registration and workflow services with `now=` pinned,
so deadlines and the case histories are genuine.
"""

from __future__ import annotations

import random
import struct
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TextIO

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import PROTECT
from django.utils import timezone

from xinfang.core.tracking import check_character, format_tracking_code
from xinfang.demo.units import demo_organisation_ensure
from xinfang.petitions.identity import random_id_number
from xinfang.petitions.models import Attachment, Category, Petition, Petitioner, PetitionParty
from xinfang.portal.models import Open311Key, PublicAnswer, QueryCredential, Rating
from xinfang.portal.open311.services import open311_key_create
from xinfang.portal.services import (
    portal_petition_submit,
    public_answer_create,
    rating_closes_on,
    rating_submit,
)
from xinfang.units.models import Staff, Unit
from xinfang.workflow import services as wf
from xinfang.workflow.services.accusation import petition_accusation_mark
from xinfang.workflow.services.verification import verification_request_create

KEY_PREFIX = "portal-demo:"
OPEN311_DEMO_NAME = "demo"
# The petitions demo marks its cases with this key prefix (demo/petitions/cases.py).
PETITIONS_DEMO_PREFIX = "demo:"
RATED_SHARE = 0.65


def open311_demo_key() -> str:
    """The demo Open311 key: fixed for a given DEMO_PASSWORD, like the demo accounts."""
    return f"o311_demo_{settings.DEMO_PASSWORD}"


def _code(n: int) -> str:
    payload = f"DEM0{n:06d}"
    return payload + check_character(payload)


@dataclass
class DemoSubmission:
    n: int
    name: str
    phone: str
    address: str
    unit: str
    category: str
    subject: str
    content: str
    password: str  # "" when the credential is the full phone number
    days_ago: int
    at: time
    steps: list[tuple[str, int, dict]] = field(default_factory=list)
    photos: int = 0
    # A report about an official or a unit (检举控告): the accused unit's code, person, post.
    accused: tuple[str, str, str] | None = None

    @property
    def key(self) -> str:
        return f"{KEY_PREFIX}{self.n}"

    @property
    def tracking_code(self) -> str:
        return _code(self.n)

    @property
    def secret(self) -> str:
        return self.password or self.phone


REPLY_DRAIN = {
    "request": "请求疏通东湖路小区门口堵塞的下水道，解决污水漫溢问题。",
    "facts": "经东城街道会同东湖社区和市政养护单位现场核实，该处雨污合流管道被建筑垃圾堵塞约15米，"
    "导致污水外溢，情况属实。",
    "decision": "市政养护单位已于答复前一日完成疏通并清运淤泥；街道已责成物业加强巡查，"
    "并在路口设置警示标志。如再次出现堵塞，可拨打东城街道信访电话反映。",
    "legal_basis": "《城镇排水与污水处理条例》第三十一条、第四十二条。",
    "outcome": "upheld",
}
REPLY_NOISE = {
    "request": "请求制止小区旁建筑工地夜间施工噪声。",
    "facts": "经核查，该工地确有夜间浇筑作业，已办理夜间施工许可的仅有两晚，其余时间属违规施工。",
    "decision": "已责令施工单位停止未经许可的夜间施工，并由城管部门依法立案处理；"
    "今后确需夜间连续作业的，须提前公告。",
    "legal_basis": "《中华人民共和国噪声污染防治法》第四十三条。",
    "outcome": "upheld",
}

SUBMISSIONS = [
    DemoSubmission(
        1,
        "周丽华",
        "13800001001",
        "临江市城南区东湖路12号3栋201室",
        "LJ-CN-DC",
        "urban.municipal",
        "桂园小区门口下水道又堵了",
        "桂园小区南门外的下水道从前天开始堵塞，污水漫到人行道上，晚上气味很大，"
        "老人孩子进出都要绕行。附上两张照片，请尽快安排疏通。",
        "60011234",
        1,
        time(23, 40),
        photos=2,
    ),
    DemoSubmission(
        2,
        "陈建军",
        "13800001002",
        "临江市城南区东湖路12号5栋102室",
        "LJ-CN-DC",
        "urban.municipal",
        "东湖路小区门口下水道堵塞",
        "东湖路12号小区门口下水道堵塞一个多月，污水漫到路面，多次向物业反映未解决，请求尽快疏通。",
        "60025678",
        12,
        time(21, 10),
        steps=[
            ("accept", 11, {}),
            ("start", 10, {}),
            ("conclude", 1, {"reply": REPLY_DRAIN}),
        ],
    ),
    DemoSubmission(
        3,
        "刘德明",
        "13800001003",
        "临江市城南区龙泉村4组",
        "LJ-CN-DC",
        "land.compensation",
        "龙泉村征地补偿款未足额发放",
        "2023年龙泉村4组土地被征收，我家2.3亩承包地的青苗补偿和安置补助费至今只发了一半，"
        "请求查明原因并足额发放。",
        "60039012",
        75,
        time(9, 30),
        steps=[
            ("accept", 74, {}),
            ("start", 73, {}),
            (
                "extend",
                20,
                {
                    "days": 30,
                    "reason": "补偿款涉及市、区两级资金拨付记录，需要调取2023年征地档案并与"
                    "财政部门逐笔核对，无法在60日内办结。",
                },
            ),
        ],
    ),
    DemoSubmission(
        4,
        "黄秀英",
        "13900005678",
        "临江市城南区东湖路66号",
        "LJ-CN-DC",
        "environment.noise",
        "工地夜间施工噪声扰民",
        "东湖路66号旁边的建筑工地每天晚上施工到凌晨一两点，噪声很大，家里老人孩子无法休息。",
        "",
        60,
        time(20, 5),
        steps=[
            ("accept", 59, {}),
            ("start", 58, {}),
            ("conclude", 40, {"reply": REPLY_NOISE}),
            ("rate", 38, {"level": Rating.Level.SATISFIED, "comment": "处理及时，谢谢。"}),
        ],
    ),
    DemoSubmission(
        5,
        "王海涛",
        "13800001005",
        "临江市城北区北关路8号",
        "LJ",
        "transport.tolls",
        "省道收费站对本地车辆重复收费",
        "S215省道临江收费站对本地登记的货车每天往返都要收费，按规定本地车辆可以办理月票，"
        "但收费站不给办理，请求依法处理。",
        "60053456",
        6,
        time(15, 20),
        steps=[
            ("forward", 5, {"to_unit": "LJ-JTJ"}),
            ("acknowledge", 4, {}),
        ],
    ),
    DemoSubmission(
        6,
        "孔德胜",
        "13800001006",
        "临江市城南区东湖路30号",
        "LJ-CN-DC",
        "urban.illegal_building",
        "街道城管中队长向沿街商户索要好处费",
        "东城街道城管中队长李某多次向东湖路沿街商户索要好处费，不给就以占道经营为由罚款、"
        "扣押货物。本人是其中一家商户，担心被报复，请上级调查处理。",
        "60064567",
        3,
        time(20, 5),
        accused=("LJ-CN-DC", "李某", "城管中队长"),
        steps=[
            (
                "verify",
                1,
                {
                    "text": "请核实东城街道城管中队近三个月对东湖路沿街商户的检查、罚款和扣押"
                    "物品记录及其依据，并说明中队长李某参与执法的情况，书面回复。",
                    "due_days": 7,
                },
            ),
        ],
    ),
    DemoSubmission(
        7,
        "沈玉兰",
        "13800001007",
        "临江市城南区东湖社区8栋",
        "LJ-CN-DC",
        "civil.assistance",
        "社区低保评定优亲厚友",
        "东湖社区今年的低保评定中，有社区工作人员的亲属不符合条件却被评上，真正困难的住户"
        "没有评上，请街道核查。",
        "60075678",
        4,
        time(9, 30),
        steps=[
            (
                "mark",
                2,
                {
                    "accused": "LJ-CN-DC-DH",
                    "person": "",
                    "post": "社区低保经办人员",
                    "reason": "反映社区工作人员在低保评定中优亲厚友，属对公职人员的检举控告。",
                },
            ),
        ],
    ),
]

ANSWERS = [
    (
        "小区下水道堵塞，应该找谁？",
        "多名居民反映小区内或小区门口下水道堵塞、污水外溢，向物业反映后迟迟没有解决。",
        "小区红线内的排水管道由物业服务企业负责日常养护和疏通；小区外市政道路下的排水管道由"
        "市政养护单位负责。遇到堵塞，可先向物业报修；物业不处理或属于市政管道的，可拨打所在"
        "街道信访电话或通过本网站反映，街道将在1个工作日内协调处理。\n\n"
        "政策法律依据：《城镇排水与污水处理条例》第三十一条；《物业管理条例》第三十五条。",
        "urban.municipal",
        "LJ-CN-DC",
    ),
    (
        "建筑工地夜间施工噪声扰民如何处理？",
        "居民反映住宅附近建筑工地夜间施工，影响休息。",
        "在噪声敏感建筑物集中区域，禁止夜间（22时至次日6时）进行产生噪声的建筑施工作业；"
        "因生产工艺要求或者特殊需要必须连续施工作业的，应当取得证明并在施工现场显著位置公示。"
        "发现违规夜间施工的，可拨打12345或向所在街道反映，执法部门将依法查处。\n\n"
        "政策法律依据：《中华人民共和国噪声污染防治法》第四十三条。",
        "environment.noise",
        "LJ-CN",
    ),
    (
        "被拖欠工资，可以通过哪些途径解决？",
        "务工人员反映用人单位或包工头拖欠工资。",
        "可以向用人单位所在地的人力资源和社会保障部门劳动保障监察机构投诉，也可以申请劳动争议"
        "调解、仲裁；属于工程建设领域拖欠农民工工资的，施工总承包单位依法承担清偿责任。"
        "涉及劳动争议仲裁、诉讼的，依法通过法定途径解决。\n\n"
        "政策法律依据：《保障农民工工资支付条例》第三十条、第四十九条；《劳动争议调解仲裁法》第五条。",
        "labour.wages",
        "LJ-RSJ",
    ),
    (
        "水库移民后期扶持人口漏登了怎么办？",
        "有移民反映后期扶持人口核定时全家外出务工，没有被登记。",
        "后期扶持人口核定后仍可申请补登：由本人向户籍所在地村（社区）提出，经乡镇（街道）"
        "核实、公示无异议后，报区移民管理机构审核，市移民办复核确认。符合条件的，从确认的"
        "次年起发放后期扶持资金。\n\n"
        "政策法律依据：《大中型水利水电工程建设征地补偿和移民安置条例》第五十一条；"
        "国务院《关于完善大中型水库移民后期扶持政策的意见》。",
        "resettlement.post_support",
        "LJ-YMB",
    ),
]


def _png(rgb: tuple[int, int, int], size: int = 8) -> bytes:
    """A small solid-colour PNG, so the demo photos are real images."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * size))
        + chunk(b"IEND", b"")
    )


def _at(today: date, days_ago: int, hour: int = 10, minute: int = 0) -> datetime:
    return timezone.make_aware(
        datetime.combine(today - timedelta(days=days_ago), time(hour, minute))
    )


def _staff(username: str) -> Staff:
    return Staff.objects.get(username=username)


def _play(p: Petition, s: DemoSubmission, today: date, now: datetime) -> Petition:
    city = s.unit == "LJ"
    leader = _staff("city_leader" if city else "dc_leader")
    handler = _staff("dc_handler")
    for kind, days_ago, args in s.steps:
        at = min(_at(today, days_ago), now)
        if kind == "accept":
            p = wf.petition_accept(petition=p, actor=leader, note="属本街道职责。", now=at)
        elif kind == "start":
            p = wf.petition_start(petition=p, actor=handler, now=at)
        elif kind == "extend":
            p = wf.petition_extend(
                petition=p, actor=leader, days=args["days"], reason=args["reason"], now=at
            )
        elif kind == "conclude":
            p = wf.petition_conclude(petition=p, actor=leader, reply=args["reply"], now=at)
        elif kind == "forward":
            p = wf.petition_forward(
                petition=p,
                actor=leader,
                to_unit=Unit.objects.get(code=args["to_unit"]),
                reason="收费站管理属交通运输部门职责。",
                now=at,
            )
        elif kind == "mark":
            p = petition_accusation_mark(
                petition=p,
                actor=leader,
                accused_unit=Unit.objects.get(code=args["accused"]),
                accused_person=args["person"],
                accused_post=args["post"],
                reason=args["reason"],
                now=at,
            )
        elif kind == "verify":
            verification_request_create(
                actor=_staff("cn_leader"),
                petition=p,
                text=args["text"],
                due_on=today + timedelta(days=args["due_days"]),
                now=at,
            )
        elif kind == "acknowledge":
            p = wf.petition_acknowledge(petition=p, actor=leader, note="已签收。", now=at)
        elif kind == "rate":
            rating_submit(
                petition=p,
                level=args["level"],
                comment=args["comment"],
                via=Rating.Via.DEMO,
                now=at.replace(hour=19, minute=30),
            )
    return p


def _submit(s: DemoSubmission, today: date, now: datetime, rng: random.Random) -> Petition:
    at = min(timezone.make_aware(datetime.combine(today - timedelta(days=s.days_ago), s.at)), now)
    photos = [
        SimpleUploadedFile(f"现场照片{i + 1}.png", _png((90 + 40 * i, 110, 120)), "image/png")
        for i in range(s.photos)
    ]
    result = portal_petition_submit(
        name=s.name,
        id_number=random_id_number(rng, region="420102"),
        phone=s.phone,
        address=s.address,
        subject=s.subject,
        content=s.content,
        category=Category.objects.get(code=s.category),
        unit=Unit.objects.get(code=s.unit),
        credential_kind=(
            QueryCredential.Kind.PASSWORD if s.password else QueryCredential.Kind.PHONE
        ),
        submission_key=s.key,
        attachments=photos,
        is_accusation=s.accused is not None,
        accused_unit=Unit.objects.get(code=s.accused[0]) if s.accused else None,
        accused_person=s.accused[1] if s.accused else "",
        accused_post=s.accused[2] if s.accused else "",
        now=at,
    )
    p = result.petition
    # Fixed codes and passwords, so they can be printed in the docs and typed in by a visitor.
    Petition.objects.filter(pk=p.pk).update(tracking_code=s.tracking_code)
    if s.password:
        QueryCredential.objects.filter(petition=p).update(secret_hash=make_password(s.password))
    p.refresh_from_db()
    return _play(p, s, today, now)


def _rate_demo_petitions(now: datetime, today: date) -> int:
    """Ratings on about two thirds of the answered cases of the petitions demo."""
    answered = Petition.objects.filter(
        idempotency_key__startswith=PETITIONS_DEMO_PREFIX,
        reply_delivered_on__isnull=False,
        ratings__isnull=True,
    ).order_by("idempotency_key")
    levels = [
        (Rating.Level.SATISFIED, 55),
        (Rating.Level.BASICALLY_SATISFIED, 30),
        (Rating.Level.DISSATISFIED, 15),
    ]
    comments = {
        Rating.Level.SATISFIED: ["问题解决了，谢谢。", "办理及时，态度很好。", ""],
        Rating.Level.BASICALLY_SATISFIED: ["基本解决，希望后续跟进。", ""],
        Rating.Level.DISSATISFIED: ["问题没有根本解决。", "答复没有回应我的主要诉求。"],
    }
    made = 0
    for p in answered:
        rng = random.Random(p.idempotency_key)
        if rng.random() > RATED_SHARE:
            continue
        offset = rng.randint(0, 12)
        day = p.reply_delivered_on + timedelta(days=offset)
        closes = rating_closes_on(p)
        if day > today or (closes and day > closes):
            continue
        level = rng.choices([lv for lv, _ in levels], weights=[w for _, w in levels])[0]
        rated_at = timezone.make_aware(datetime.combine(day, time(rng.randint(9, 21), 15)))
        rating_submit(
            petition=p,
            level=level,
            comment=rng.choice(comments[level]),
            via=Rating.Via.DEMO,
            now=min(rated_at, now),
        )
        made += 1
    return made


def _answers(now: datetime) -> int:
    author = Staff.objects.filter(username="city_leader").first()
    if author is None:
        return 0
    made = 0
    for i, (title, question, answer, category, unit) in enumerate(ANSWERS):
        if PublicAnswer.objects.filter(title=title).exists():
            continue
        public_answer_create(
            actor=author,
            title=title,
            question=question,
            answer=answer,
            category=Category.objects.filter(code=category).first(),
            unit=Unit.objects.filter(code=unit).first(),
            publish=True,
            now=now - timedelta(days=3 * (len(ANSWERS) - i)),
        )
        made += 1
    return made


def _open311_key() -> int:
    if Open311Key.objects.filter(name=OPEN311_DEMO_NAME).exists():
        return 0
    open311_key_create(name=OPEN311_DEMO_NAME, plaintext=open311_demo_key())
    return 1


def demo_portal_create(*, now: datetime | None = None, stdout: TextIO | None = None) -> int:
    """Load the portal's demo data where it is missing; return how many rows were made."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    demo_organisation_ensure()
    made = 0
    with transaction.atomic():
        rng = random.Random(2026)
        for s in SUBMISSIONS:
            if QueryCredential.objects.filter(submission_key=s.key).exists():
                continue
            _submit(s, today, now, rng)
            made += 1
        made += _rate_demo_petitions(now, today)
        made += _answers(now)
        made += _open311_key()
    if stdout is not None:
        stdout.write(demo_portal_banner())
    return made


def demo_portal_banner() -> str:
    """What a visitor needs to try the public site and Open311."""
    base = settings.SITE_URL.rstrip("/")
    lines = [f"公众网站 {base}/portal/ 的演示查询（查询码 / 查询密码）:"]
    notes = {
        1: "昨晚提交，待受理，附两张照片",
        2: "昨天已答复：可评价、可申请复查",
        3: "办理中，已延期（有延期理由）",
        4: "已答复40天，已评价，复查期限已过（查询密码为完整手机号码）",
        5: "已转送至临江市交通运输局",
        6: "网上检举控告东城街道城管中队长：由城南区办理，已向东城街道发核查函（cn_leader 查看，"
        "dc_leader 在“核查函”中回复）",
        7: "普通投诉，东城街道领导标记为检举控告东湖社区（dh_handler 看不到）",
    }
    for s in SUBMISSIONS:
        lines.append(f"  {format_tracking_code(s.tracking_code)} / {s.secret}  {notes[s.n]}")
    lines.append(f"Open311 演示密钥（名称 {OPEN311_DEMO_NAME}）: {open311_demo_key()}")
    lines.append(f"  例：curl {base}/open311/v2/services.json")
    return "\n".join(lines)


@transaction.atomic
def demo_portal_delete() -> int:
    """Remove the portal's demo data: its petitions, the demo ratings and answers, the demo
    key (and the links of requests made with it). Return how many cases were removed."""
    Rating.objects.filter(via=Rating.Via.DEMO).delete()
    PublicAnswer.objects.filter(title__in=[a[0] for a in ANSWERS]).delete()
    key = Open311Key.objects.filter(name=OPEN311_DEMO_NAME).first()
    if key is not None:
        key.requests.all().delete()
        key.delete()
    ids = set(
        Petition.objects.filter(idempotency_key__startswith=KEY_PREFIX).values_list("pk", flat=True)
    )
    if not ids:
        return 0
    person_ids = set(
        PetitionParty.objects.filter(petition_id__in=ids).values_list("petitioner_id", flat=True)
    )
    files = [a.file.name for a in Attachment.objects.filter(petition_id__in=ids) if a.file]
    _delete_protecting(Petition, ids)
    Petition.objects.filter(pk__in=ids).delete()
    orphans = set(
        Petitioner.objects.filter(pk__in=person_ids, parties__isnull=True).values_list(
            "pk", flat=True
        )
    )
    _delete_protecting(Petitioner, orphans)
    Petitioner.objects.filter(pk__in=orphans).delete()
    if files:
        storage = Attachment._meta.get_field("file").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in files])
    return len(ids)


def _delete_protecting(model: type, ids: set[int]) -> None:
    """Delete the rows that PROTECT these rows (the event log, access logs)."""
    for rel in model._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and rel.one_to_many):
            continue
        if rel.on_delete is PROTECT and rel.related_model is not model:
            rel.related_model._base_manager.filter(**{f"{rel.field.name}__in": ids}).delete()
