"""Issue 16 in the browser: the registrar links a new case as the same matter from the
similar-cases panel; the handler drafts its reply beside the replies given to the most
similar cases; a draft that contradicts the answer on the same matter is flagged for the
leader who approves it."""

from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot
from tests.petitions.factories import REPLY, register
from xinfang.petitions.models import EventKind, Petition, PetitionEvent
from xinfang.workflow import services as wf

SUBJECT = "幸福村征地拆迁补偿款一直没有发放"
CONTENT = "幸福村二组去年征地拆迁，村委会截留征地补偿款，至今没有发放到户，请求督促发放补偿款。"
GRANTED = {**REPLY, "decision": "经核实，补偿款确未发放，责成村委会十日内发放到户。"}


def test_link_the_same_matter_then_draft_beside_precedents_and_flag_the_leader(
    org, dc_registrar, dc_leader, dc_handler, page
):
    first = register(dc_registrar, org.dongcheng, subject=SUBJECT, content=CONTENT)
    first = wf.petition_accept(petition=first, actor=dc_leader)
    first = wf.petition_start(petition=first, actor=dc_handler)
    first = wf.petition_conclude(petition=first, actor=dc_leader, reply=GRANTED)

    # The registrar types the same matter brought by another person and links it.
    login(page, "dc_registrar")
    page.goto(f"{page.base}/petitions/new/")
    page.select_option("#id_receiving_unit", str(org.dongcheng.pk))
    page.check("#id_is_anonymous")
    page.fill("#id_subject", SUBJECT)
    page.fill("#id_content", CONTENT + "我们组的人都没有拿到。")
    card = page.locator(f'#similar [data-petition="{first.pk}"]')
    expect(card).to_be_visible()
    expect(card).to_contain_text("十日内发放到户")
    expect(card).to_contain_text("东城街道")
    card.locator(".xf-mark-same-matter").click()
    expect(page.locator("#same-matter-chosen")).to_contain_text("关联为同一事项")
    page.select_option("#id_category", str(first.category_id))
    page.click("#register-submit")
    expect(page.locator("#same-matter-links")).to_be_visible()
    new = Petition.objects.exclude(pk=first.pk).get()
    assert new.same_matter_as_id == first.pk
    wf.petition_accept(petition=new, actor=dc_leader)
    wf.petition_start(petition=new, actor=dc_handler)

    # The handler drafts beside the earlier reply, and answers the other way.
    page.context.clear_cookies()
    login(page, "dc_handler")
    page.goto(f"{page.base}/petitions/{new.pk}/")
    precedents = page.locator("#reply-precedents")
    expect(precedents.locator(f'[data-petition="{first.pk}"]')).to_contain_text("十日内发放到户")
    page.fill("#id_draft-facts", "经核实，补偿款已足额发放。")
    page.fill("#id_draft-decision", "诉求不予支持。")
    page.fill("#id_draft-legal_basis", "《土地管理法》第四十八条。")
    page.select_option("#id_draft-outcome", "not_upheld")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("body")).to_contain_text("答复意见草稿已保存")

    # The leader who approves sees the flag, with the earlier answer.
    page.context.clear_cookies()
    login(page, "dc_leader")
    page.goto(f"{page.base}/petitions/{new.pk}/")
    flag = page.locator("#reply-conflict")
    expect(flag).to_contain_text("答复结论不一致")
    expect(flag.locator(f'a[href="/petitions/{first.pk}/"]')).to_be_visible()
    assert PetitionEvent.objects.filter(petition=new, kind=EventKind.REPLY_CONFLICT).exists()
    screenshot(page, "reply_conflict")
