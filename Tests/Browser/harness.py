"""The browser tests' one Chromium: sign-in, navigation, screenshots, and a console that must stay clean.

Why one browser for the whole run: starting Chromium costs about a second and a half; the tests
share it and sign in again where they need another key. Every navigation and every action ends
with `settle()`, which fails the test on any SEVERE console entry: a script error, a resource
that did not load, a Content-Security-Policy violation.
"""

import os
import re
import unittest

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

BASE_URL = os.environ["EBBFLOW_BROWSER_BASE_URL"]
ADMIN_KEY = os.environ["EBBFLOW_BROWSER_ADMIN_KEY"]
READ_KEY = os.environ["EBBFLOW_BROWSER_READ_KEY"]
OUTPUT = os.environ["EBBFLOW_BROWSER_OUTPUT"]
WAIT_SECONDS = 20

_driver = None
_shots = [0]


def driver():
    """The run's Chromium, started on first use."""
    global _driver
    if _driver is None:
        options = webdriver.ChromeOptions()
        options.binary_location = os.environ["EBBFLOW_BROWSER_CHROMIUM"]
        for argument in (
            "--headless=new",
            "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
        ):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = Service(executable_path=os.environ["EBBFLOW_BROWSER_DRIVER"])
        _driver = webdriver.Chrome(service=service, options=options)
        _driver.set_page_load_timeout(WAIT_SECONDS)
    return _driver


def quit_driver():
    global _driver
    if _driver is not None:
        _driver.quit()
        _driver = None


class BrowserTest(unittest.TestCase):
    """A test case with the helpers every browser test uses."""

    @property
    def browser(self):
        return driver()

    def open(self, path):
        self.browser.get(BASE_URL + path)
        self.settle(path)

    def settle(self, what):
        """Waits for the document, then fails on any SEVERE console entry since the last look."""
        WebDriverWait(self.browser, WAIT_SECONDS).until(
            lambda b: b.execute_script("return document.readyState") == "complete"
        )
        entries = self.browser.get_log("browser")
        with open(os.path.join(OUTPUT, "console.log"), "a", encoding="utf-8") as log:
            for entry in entries:
                log.write(f"{what}: {entry.get('level')} {entry.get('message')}\n")
        severe = [entry["message"] for entry in entries if entry.get("level") == "SEVERE"]
        if severe:
            self.keep_source(what)
        self.assertEqual(severe, [], f"browser console errors on {what}")

    def shot(self, name):
        """A screenshot kept as test output, numbered in the order taken."""
        _shots[0] += 1
        safe = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")
        self.browser.save_screenshot(os.path.join(OUTPUT, f"{_shots[0]:02d}-{safe}.png"))

    def keep_source(self, name):
        safe = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")
        with open(os.path.join(OUTPUT, f"source-{safe}.html"), "w", encoding="utf-8") as page:
            page.write(self.browser.page_source)

    def sign_in(self, key, next_path="/dashboard/overview"):
        """Signs out whoever is signed in, then signs in with `key` through the form."""
        self.browser.delete_all_cookies()
        self.open("/dashboard/sign-in?next=" + next_path.replace("/", "%2F"))
        field = self.browser.find_element(By.ID, "key")
        field.send_keys(key)
        field.submit()
        self.wait_for(lambda b: "/sign-in" not in b.current_url, "the sign-in to go through")
        self.settle("after sign-in")

    def wait_for(self, condition, what):
        try:
            return WebDriverWait(self.browser, WAIT_SECONDS).until(condition)
        except TimeoutException:
            self.keep_source(what)
            self.fail(f"timed out waiting for {what} (page: {self.browser.current_url})")

    def heading(self):
        return self.browser.find_element(By.TAG_NAME, "h1").text

    def visible(self, css):
        return self.wait_for(expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, css)), css)

    def run(self, result=None):
        # A failed test leaves the page it failed on.
        outcome = super().run(result)
        if result is not None and (result.failures or result.errors):
            try:
                self.keep_source(self.id())
                self.shot("failed-" + self.id())
            except Exception:  # the browser itself may be gone
                pass
        return outcome


def tearDownModule():
    quit_driver()
