import re

from playwright.sync_api import expect


def test_secretariat_logs_in_and_sees_the_home_page(page, browser_login, secretariat):
    browser_login(secretariat)

    expect(page.get_by_role("heading", level=1)).to_have_text("Comité Technique National")
    expect(page.get_by_role("navigation", name="Navigation principale")).to_contain_text("Sessions")
    expect(page).to_have_title(re.compile("Tableau de bord"))
