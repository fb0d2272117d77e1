"""Build the default minutes template (`python -m xinfang.backlog.minutes_templates.build`):
a small Word file with docxtpl tags, replaceable by a unit's own layout using the same tags."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

HERE = Path(__file__).resolve().parent
FONT = "SimSun"  # 宋体

LINES = [
    "会议时间：{{ held_on }}",
    "召集单位：{{ convening_unit }}",
    "参会单位：{{ units_present }}",
    "研究事项：",
    "{%p for m in matters %}",
    "{{ loop.index }}. {{ m }}",
    "{%p endfor %}",
    "会议议定事项：",
    "{%p for d in decisions %}",
    "{{ d }}",
    "{%p endfor %}",
    "任务分工：",
    "{%p for t in tasks %}",
    "{{ loop.index }}. {{ t.unit }}：{{ t.text }}（{{ t.due_on }}前完成）{{ t.note }}",
    "{%p endfor %}",
]


def _font(run, size: float) -> None:
    run.font.name = FONT
    run.font.size = Pt(size)
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)


def build() -> Document:
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.7)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run("{{ title }}会议纪要"), 22)
    for line in LINES:
        p = doc.add_paragraph()
        if not line.startswith("{%"):
            p.paragraph_format.first_line_indent = Pt(32)
        _font(p.add_run(line), 16)
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _font(p.add_run("{{ convening_unit }}  {{ held_on }}"), 16)
    return doc


def main() -> None:
    build().save(HERE / "minutes.docx")


if __name__ == "__main__":
    main()
