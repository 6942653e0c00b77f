"""The web console (/_emulator/console) in a real headless Chromium, driven by selenium and Debian's chromedriver:
pages load, show what the API created, and follow a status change. `UPDATE_SCREENSHOTS=1` saves the pages to docs/."""
import os
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import ROLE, create_domain, create_profile, wait_for_status

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(argument)
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    yield driver
    driver.quit()


def retried(action):
    """A page showing a status in motion reloads itself every second: an element found just before a reload is stale
    when read. Find and read again (the content is the same while the status is held)."""
    for _ in range(20):
        try:
            return action()
        except StaleElementReferenceException:
            continue
    return action()


def text_of(browser, element_id):
    return retried(lambda: browser.find_element(By.ID, element_id).text)


def click_link(browser, text):
    retried(lambda: browser.find_element(By.LINK_TEXT, text).click())


def screenshot(browser, name):
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        browser.save_screenshot(str(DOCS / f"console-{name}.png"))


def test_the_console_shows_what_the_api_made_and_follows_a_status_change(make_emulator, browser):
    emulator = make_emulator()
    client = emulator.client(account="111122223333")
    domain = create_domain(client, name="platform")
    domain_id = domain["DomainId"]
    create_profile(client, domain_id, "alice")
    client.update_domain(DomainId=domain_id, DefaultUserSettings={"ExecutionRole": ROLE + "2"})
    wait_for_status(client, domain_id, "InService")
    emulator.control("POST", "holds", {"resource": domain_id})
    client.update_domain(DomainId=domain_id, DefaultUserSettings={"ExecutionRole": ROLE + "3"})

    browser.get(emulator.url + "/_emulator/console")
    assert "Accounts and regions" in browser.title
    rows = retried(lambda: [row.text for row in browser.find_elements(By.CSS_SELECTOR, "#scopes tr")])
    assert any("111122223333" in row and "us-east-1" in row for row in rows)
    screenshot(browser, "accounts")
    click_link(browser, "111122223333")
    domains = text_of(browser, "domains")
    assert "platform" in domains and domain_id in domains and "Updating" in domains
    click_link(browser, "platform")

    assert text_of(browser, "status") == "Updating"
    assert "alice" in text_of(browser, "profiles")
    history = text_of(browser, "history")
    assert "UpdateDomain" in history and "DefaultUserSettings.ExecutionRole" in history and ROLE + "3" in history
    assert '"ExecutionRole" : "' + ROLE + '3"' in text_of(browser, "settings")
    screenshot(browser, "domain")

    # The page refreshes itself while a status moves: released, the domain becomes InService on screen.
    emulator.control("DELETE", "holds?resource=" + domain_id)
    WebDriverWait(browser, 15).until(lambda page: text_of(page, "status") == "InService")
    assert "Updating → InService" in text_of(browser, "history")


def test_the_console_lists_fault_rules_and_requests(make_emulator, browser):
    emulator = make_emulator()
    client = emulator.client(account="111122223333")
    client.list_domains()
    emulator.control("POST", "faults", {"operation": "UpdateDomain", "error": {"code": "ThrottlingException"},
                                        "count": 2})
    browser.get(emulator.url + "/_emulator/console")
    browser.find_element(By.LINK_TEXT, "Fault rules").click()
    faults = browser.find_element(By.ID, "faults").text
    assert "UpdateDomain" in faults and "error ThrottlingException (HTTP 400)" in faults
    screenshot(browser, "faults")
    browser.find_element(By.LINK_TEXT, "Requests").click()
    requests = browser.find_element(By.ID, "requests").text
    assert "ListDomains" in requests and "111122223333" in requests
    screenshot(browser, "requests")


def test_an_unknown_domain_page_is_a_404_page(make_emulator):
    import urllib.error
    import urllib.request
    emulator = make_emulator()
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(emulator.url + "/_emulator/console/domains/111122223333/us-east-1/d-nothing")
    assert caught.value.code == 404
