"""Build the default template of the monthly analysis report
(`python -m xinfang.analytics.report_templates.build`).

A Word file with docxtpl tags: {{ name }} for a value, {%tr for … %} rows for the tables,
{%p for … %} paragraphs for the lists, {{ chart_… }} for the charts (images). An administrator
may replace it with the office's own layout using the same tags (the reports page).
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

HERE = Path(__file__).resolve().parent
FONT = "SimSun"  # 宋体


def _table(doc: Document, headers: list[str], loop: str, cells: list[str]) -> None:
    table = doc.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    for i, h in enumerate(headers):
        table.rows[0].cells[i].text = h
    table.rows[1].cells[0].text = "{%tr for r in " + loop + " %}"
    for i, c in enumerate(cells):
        table.rows[2].cells[i].text = c
    table.rows[3].cells[0].text = "{%tr endfor %}"


def _list(doc: Document, loop: str, line: str, empty: str) -> None:
    doc.add_paragraph("{%p if " + loop + " %}")
    doc.add_paragraph("{%p for r in " + loop + " %}")
    doc.add_paragraph(line)
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p else %}")
    doc.add_paragraph(empty)
    doc.add_paragraph("{%p endif %}")


def build(path: Path = HERE / "monthly.docx") -> Path:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(12)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    title = doc.add_paragraph("{{ title }}")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.runs[0].bold = True
    title.runs[0].font.size = Pt(18)
    doc.add_paragraph("{{ unit_name }}　统计期间：{{ period }}　生成时间：{{ generated_at }}")

    doc.add_heading("一、总体情况", level=2)
    doc.add_paragraph(
        "本月共收到信访{{ cases }}件次、{{ person_times }}人次。"
        "与上月相比，件次{{ cases_mom }}，人次{{ persons_mom }}；"
        "与去年同月相比，件次{{ cases_yoy }}，人次{{ persons_yoy }}。"
    )
    doc.add_paragraph("{{ chart_trend }}")

    doc.add_heading("二、主要指标", level=2)
    _table(
        doc,
        ["指标", "分子", "分母", "本月", "上月", "去年同月"],
        "indicators",
        [
            "{{ r.label }}",
            "{{ r.numerator }}",
            "{{ r.denominator }}",
            "{{ r.value }}",
            "{{ r.last_month }}",
            "{{ r.last_year }}",
        ],
    )

    doc.add_heading("三、考核排名", level=2)
    doc.add_paragraph("{{ ranking_note }}")
    _table(
        doc,
        ["名次", "单位", "得分", "未达底线项", "一票否决"],
        "ranking_rows",
        ["{{ r.rank }}", "{{ r.unit_name }}", "{{ r.score }}", "{{ r.breaches }}", "{{ r.veto }}"],
    )

    doc.add_heading("四、主要问题和地点", level=2)
    _table(
        doc,
        ["问题分类", "件次", "占比"],
        "categories",
        ["{{ r.name }}", "{{ r.n }}", "{{ r.share }}"],
    )
    doc.add_paragraph("{{ chart_categories }}")
    _table(doc, ["问题发生地", "件次"], "places", ["{{ r.name }}", "{{ r.n }}"])

    doc.add_heading("五、集体访和重复访", level=2)
    doc.add_paragraph(
        "集体访{{ collective_batches }}批{{ collective_person_times }}人次；"
        "重复信访{{ repeats }}件。"
    )
    doc.add_paragraph("（一）集体访")
    _list(
        doc,
        "collective",
        "{{ r.code }}　{{ r.received_on }}　{{ r.unit }}　{{ r.headcount }}人　{{ r.subject }}",
        "本月无集体访。",
    )
    doc.add_paragraph("（二）重复访")
    _list(
        doc,
        "repeat_cases",
        "{{ r.code }}　{{ r.received_on }}　{{ r.unit }}　{{ r.subject }}",
        "本月无重复访。",
    )

    doc.add_heading("六、超期未办结（截至生成之日）", level=2)
    doc.add_paragraph("截至{{ as_of }}，超期未办结{{ overdue_count }}件。")
    _list(
        doc,
        "overdue",
        "{{ r.code }}　{{ r.unit }}　应于{{ r.due_on }}前办结　{{ r.subject }}",
        "无超期未办结件。",
    )

    doc.add_heading("七、本月预警", level=2)
    _list(doc, "warnings", "【{{ r.level }}】{{ r.raised_on }}　{{ r.title }}", "本月无预警。")
    doc.save(path)
    return path


if __name__ == "__main__":
    print(build())
