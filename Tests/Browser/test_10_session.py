"""Signing in and out: a wrong key is refused with a reason, a read key sees pages but no actions."""

from selenium.webdriver.common.by import By

from harness import ADMIN_KEY, READ_KEY, BrowserTest


class SessionTest(BrowserTest):
    def test_a_wrong_key_is_refused_then_a_read_key_signs_in_and_out(self):
        self.browser.delete_all_cookies()
        self.open("/dashboard/overview")
        self.assertIn("/dashboard/sign-in", self.browser.current_url, "a page without a session asks to sign in")
        self.shot("sign-in")
        field = self.browser.find_element(By.ID, "key")
        field.send_keys("ebf_aaaaaaaaaaaa_not-a-key")
        field.submit()
        error = self.visible("p.error")
        # A refused sign-in answers 401, which the console reports as a failed load: read it
        # here, before the next check, and expect exactly that.
        entries = self.browser.get_log("browser")
        self.assertTrue(all("401" in entry["message"] for entry in entries if entry["level"] == "SEVERE"), entries)
        self.assertIn("not an active read or admin key", error.text)

        self.sign_in(READ_KEY, "/dashboard/overview")
        self.assertEqual(self.heading(), "Overview")
        self.assertIn("browser-reader", self.browser.find_element(By.CSS_SELECTOR, ".who").text)
        self.shot("overview-read-key")

        self.browser.find_element(By.CSS_SELECTOR, ".who button[type=submit]").click()
        self.wait_for(lambda b: "/dashboard/sign-in" in b.current_url, "sign-out")
        self.settle("sign-out")
        self.open("/dashboard/overview")
        self.assertIn("/dashboard/sign-in", self.browser.current_url, "signed out: pages ask to sign in again")

    def test_live_parts_refresh_without_a_reload(self):
        self.sign_in(ADMIN_KEY)
        status = self.browser.find_element(By.CSS_SELECTOR, "[data-live-status]")
        self.wait_for(lambda b: status.text.startswith("Updated"), "a live refresh (EBBFLOW_DASHBOARD_REFRESH_SECONDS=1)")
        self.settle("live refresh")
        toggle = self.browser.find_element(By.CSS_SELECTOR, "[data-live-toggle]")
        toggle.click()
        self.assertEqual(toggle.get_attribute("aria-pressed"), "true")
        self.assertIn("paused", status.text)
