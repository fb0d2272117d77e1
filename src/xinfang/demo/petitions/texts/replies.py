"""What staff write along the way: review and re-review replies, notes, reasons."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReviewText:
    """The parts of a review or re-review reply for one outcome."""

    request: str
    facts: str
    decision: str
    legal_basis: str


# {body}: the unit whose answer is being reviewed; {request}: the original request.
REVIEW_TEXTS: dict[str, ReviewText] = {
    "upheld": ReviewText(
        "信访人不服{body}作出的答复意见，申请{stage}。原诉求：{request}",
        "经审查卷宗并听取信访人陈述，{body}对信访人反映的问题进行了调查核实，认定事实清楚，"
        "处理意见符合有关政策规定，程序合法。",
        "维持{body}作出的处理意见。",
        "《信访工作条例》第三十五条、第三十六条。",
    ),
    "changed": ReviewText(
        "信访人不服{body}作出的答复意见，申请{stage}。原诉求：{request}",
        "经审查，{body}认定的基本事实清楚，但处理意见对信访人合理诉求考虑不够充分。",
        "变更原处理意见：在原处理基础上，对信访人的合理诉求予以支持，由原办理单位一个月内落实。",
        "《信访工作条例》第三十五条、第三十六条。",
    ),
    "redo": ReviewText(
        "信访人不服{body}作出的答复意见，申请{stage}。原诉求：{request}",
        "经审查，{body}对信访人反映的主要事实调查不充分，相关证据材料不完整。",
        "撤销原答复意见，由{body}重新调查核实后作出处理，并书面答复信访人。",
        "《信访工作条例》第三十五条。",
    ),
}

RE_REVIEW_FINAL = (
    "本意见为复核意见。信访人仍以同一事实和理由提出信访的，信访工作机构不再受理；如有实际"
    "困难，当地将继续做好帮扶和疏导工作。"
)

ACCEPT_NOTES = (
    "属本单位职责范围，予以受理。",
    "受理，请承办人三日内联系信访人核实情况。",
    "受理。已电话告知信访人受理情况。",
    "受理，按程序办理，注意依法按时答复。",
)
ASSIGN_INSTRUCTIONS = (
    "请认真调查核实，依法按时办结并报送办结报告。",
    "请社区上门了解情况，妥善处理，及时反馈。",
    "请按期办结，办理中如有困难及时报告。",
    "属地管理，请及时处理并书面答复信访人。",
)
# A leader's instructions when the case goes to a handler of the leader's own unit.
HANDLER_INSTRUCTIONS = (
    "请承办人三日内联系信访人，调查核实后拟写答复意见报批。",
    "请牵头办理，会同相关科室核实情况，按期拟写答复意见。",
    "请上门了解情况，依法依规提出处理意见，及时报我审批。",
)
EXTENSION_REASONS = (
    "案情复杂，需等待第三方鉴定结论，经领导批准延期。",
    "涉及多个部门职责，需协调会商后作出处理意见。",
    "需要调取历史档案并进行实地测量，在法定期限内难以办结。",
    "已组织听证，需根据听证意见补充调查。",
)
RETURN_REASONS = (
    "经核实，所反映问题发生地不在本单位辖区，请交办单位另行处理。",
    "该事项属行业主管部门职责，本单位无权处理，特此退回。",
    "所反映的道路属市政管理范围，不属本社区职责，请重新交办。",
)
REVIEW_REASONS = (
    "对答复意见不满意，认为调查不全面。",
    "认为处理结果不公平，申请上级复查。",
    "原答复没有解决实际问题。",
)
RE_REVIEW_REASONS = (
    "对复查意见仍然不服，申请复核。",
    "认为复查意见维持原处理不当。",
)
TERMINATE_REASON = "复核程序已经完成，依法终结。"
