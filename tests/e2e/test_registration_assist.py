"""Issue 16 in the browser: as the registrar types the subject and content, the three
likeliest categories appear (none chosen until clicked) and cases with near-identical text
appear beside the form."""

from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot
from tests.petitions.factories import register
from tests.workflow.test_category_suggester import WAGES, concluded_cases
from xinfang.petitions.models import Category
from xinfang.workflow.category_suggester import suggester_train_from_cases


def test_suggestions_and_similar_cases_appear_as_the_registrar_types(org, dc_registrar, page):
    # The suggester learns from concluded cases; the similar cases are any recent ones.
    concluded_cases(org)
    earlier = [
        register(
            dc_registrar, org.dongcheng, subject=subject, content=content, category="labour.wages"
        )
        for subject, content in WAGES
    ]
    assert suggester_train_from_cases() is not None
    wages = Category.objects.get(code="labour.wages")

    login(page, "dc_registrar")
    page.goto(f"{page.base}/petitions/new/")
    page.fill("#id_subject", "工地拖欠农民工工资")
    page.fill("#id_content", "在建筑工地干活半年，老板拖欠工资三万元不发，请求追讨工资。")
    panel = page.locator("#category-suggestions")
    take = panel.locator(f'.xf-take-category[data-category="{wages.pk}"]')
    expect(take).to_be_visible()
    # Shown, not chosen: the category stays empty until the registrar clicks.
    expect(page.locator("#id_category")).to_have_value("")
    # Every wages case was answered by 东城街道: the category decides the unit.
    expect(panel.locator(f'[data-suggested-unit="{org.dongcheng.pk}"]')).to_contain_text("东城街道")
    similar = page.locator("#similar")
    expect(similar.locator(f'[data-petition="{earlier[0].pk}"]')).to_be_visible()
    expect(similar).to_contain_text("拖欠农民工工资")
    take.click()
    expect(page.locator("#id_category")).to_have_value(str(wages.pk))
    assert page.locator('[name="suggested_categories"]').input_value().startswith("labour.wages")
    screenshot(page, "registration_suggestions")
