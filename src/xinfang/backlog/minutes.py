"""The minutes (会议纪要) of a joint meeting as .docx, from a Word template (docxtpl), the
same way as the case notices (ledger/notices.py). Cases are named by subject and tracking
code only as far as the reader may open them; no petitioner is named."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from xinfang.backlog.models import JointMeeting
from xinfang.backlog.selectors import entries_visible_to
from xinfang.petitions.selectors import petitions_visible_to
from xinfang.units.models import Staff

TEMPLATE = Path(__file__).resolve().parent / "minutes_templates" / "minutes.docx"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def minutes_fields(user: Staff, m: JointMeeting) -> dict:
    visible = petitions_visible_to(user).values("pk")
    cases = m.cases.filter(pk__in=visible).order_by("received_at")
    matters = [f"{p.subject}（查询码 {p.tracking_code_display}）" for p in cases]
    matters += [f"积案：{e.subject}" for e in entries_visible_to(user).filter(meetings=m)]
    tasks = [
        {
            "unit": t.unit.name,
            "text": t.text,
            "due_on": f"{t.due_on:%Y年%m月%d日}",
            "note": "（已转督办）" if t.supervision_order_id else "",
        }
        for t in m.tasks.select_related("unit")
    ]
    return {
        "title": m.title,
        "held_on": f"{m.held_on:%Y年%m月%d日}",
        "convening_unit": m.convening_unit.name,
        "units_present": "、".join(u.name for u in m.units_present.order_by("path")),
        "matters": matters or ["（无）"],
        "decisions": [line for line in m.decisions.splitlines() if line.strip()],
        "tasks": tasks,
    }


def minutes_docx(user: Staff, m: JointMeeting) -> bytes:
    # docxtpl (python-docx, jinja2: about 25 MiB) only in the process that writes one.
    from docxtpl import DocxTemplate

    doc = DocxTemplate(TEMPLATE)
    doc.render(minutes_fields(user, m), autoescape=True)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()
