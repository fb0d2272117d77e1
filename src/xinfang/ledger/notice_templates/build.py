"""Build the default notice templates (`python -m xinfang.ledger.notice_templates.build`).

Each is a small Word file with docxtpl tags ({{ name }}); an administrator may replace any
of them with the unit's own layout using the same tags (the settings' notice templates).
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

HERE = Path(__file__).resolve().parent
FONT = "SimSun"  # 宋体
PETITIONER_HEAD = "{{ petitioner_name }}："

# key: (addressee line, body paragraphs with their tags, signer)
BODIES: dict[str, tuple[str, list[str], str]] = {
    "accept": (
        PETITIONER_HEAD,
        [
            "你（你们）于{{ received_on }}以{{ channel }}形式反映的“{{ subject }}”"
            "（查询码 {{ tracking_code }}）已于{{ accepted_on }}受理。",
            "我单位将于{{ conclude_by }}前办结并书面答复。",
        ],
        "{{ unit_name }}",
    ),
    "decline": (
        PETITIONER_HEAD,
        [
            "你（你们）于{{ received_on }}反映的“{{ subject }}”（查询码 {{ tracking_code }}），"
            "经审查，决定不予受理。",
            "理由：{{ reason }}{% if cited %}；{{ cited }}{% endif %}",
            "请通过以下途径反映：{{ go_instead }}",
        ],
        "{{ unit_name }}",
    ),
    "forward": (
        PETITIONER_HEAD,
        [
            "你（你们）于{{ received_on }}反映的“{{ subject }}”（查询码 {{ tracking_code }}），"
            "已于{{ decided_on }}{{ action }}{{ to_unit }}办理，请与其联系。",
        ],
        "{{ unit_name }}",
    ),
    "extend": (
        PETITIONER_HEAD,
        [
            "你（你们）反映的“{{ subject }}”（查询码 {{ tracking_code }}），"
            "原定于{{ from_date }}前办结。",
            "延期理由：{{ reason }}",
            "经批准延期{{ days }}日，办结期限延至{{ new_date }}。",
        ],
        "{{ unit_name }}",
    ),
    "reply": (
        PETITIONER_HEAD,
        [
            "信访事项：{{ subject }}（查询码 {{ tracking_code }}）",
            "信访诉求：{{ request }}",
            "调查核实情况：{{ facts }}",
            "处理意见：{{ decision }}（{{ outcome }}）",
            "政策法律依据：{{ legal_basis }}",
            "如对本答复意见不服，可自收到本意见书之日起{{ window_days }}日内"
            "向{{ window_body }}请求复查。",
        ],
        "{{ responsible_unit }}",
    ),
    "review": (
        PETITIONER_HEAD,
        [
            "信访事项：{{ subject }}（查询码 {{ tracking_code }}）",
            "复查请求：{{ request }}",
            "复查查明情况：{{ facts }}",
            "复查意见：{{ decision }}（{{ outcome }}）",
            "政策法律依据：{{ legal_basis }}",
            "如对本复查意见不服，可自收到本意见书之日起{{ window_days }}日内"
            "向{{ window_body }}请求复核。",
        ],
        "{{ reviewing_unit }}",
    ),
    "re_review": (
        PETITIONER_HEAD,
        [
            "信访事项：{{ subject }}（查询码 {{ tracking_code }}）",
            "复核请求：{{ request }}",
            "复核查明情况：{{ facts }}",
            "复核意见：{{ decision }}（{{ outcome }}）",
            "政策法律依据：{{ legal_basis }}",
            "本复核意见为最终意见。信访人以同一事实和理由再次提出信访的，不再受理。",
        ],
        "{{ re_reviewing_unit }}",
    ),
    "supervision": (
        "{{ to_unit }}：",
        [
            "信访事项：{{ subject }}（查询码 {{ tracking_code }}）",
            "督办方式：{{ level }}",
            "督办要求：{{ requirements }}",
            "请于{{ due_on }}前反馈办理情况。",
        ],
        "{{ issued_by }}  {{ issued_on }}",
    ),
    "assign_slip": (
        "{{ to_unit }}：",
        [
            "现将以下信访事项交你单位办理，请于{{ conclude_by }}前办结，并报送办结报告。",
            "信访事项：{{ subject }}（查询码 {{ tracking_code }}）",
            "收到日期：{{ received_on }}    信访方式：{{ channel }}",
            "信访人：{{ petitioner_names }}",
            "主要内容：{{ content }}",
            "交办意见：{{ instructions }}",
        ],
        "{{ from_unit }}",
    ),
    "register_form": (
        "",
        [
            "查询码：{{ tracking_code }}",
            "收到日期：{{ received_on }}    信访方式：{{ channel }}",
            "登记单位：{{ receiving_unit }}    责任单位：{{ responsible_unit }}",
            "信访人：{{ petitioner_names }}    人数：{{ headcount }}",
            "标题：{{ subject }}",
            "问题类别：{{ category }}    被反映对象：{{ accused }}",
            "主要诉求和事实理由：{{ content }}",
            "办理状态：{{ state }}",
        ],
        "{{ receiving_unit }}",
    ),
}


def _font(run, size: float) -> None:
    run.font.name = FONT
    run.font.size = Pt(size)
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)


def build(key: str, head: str, body: list[str], signer: str) -> Document:
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin = section.bottom_margin = Cm(3.7 - 1.2)
    section.left_margin = section.right_margin = Cm(2.7)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run("{{ title }}"), 22)
    if head:
        _font(doc.add_paragraph().add_run(head), 16)
    for line in body:
        p = doc.add_paragraph()
        p.paragraph_format.first_line_indent = Pt(32)
        _font(p.add_run(line), 16)
    if signer:
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _font(p.add_run(signer), 16)
    return doc


def main() -> None:
    for key, (head, body, signer) in BODIES.items():
        build(key, head, body, signer).save(HERE / f"{key}.docx")


if __name__ == "__main__":
    main()
