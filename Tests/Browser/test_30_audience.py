"""The audience from a browser: the overview's charts, a contact found by email, its timeline, and suppressing it."""

from selenium.webdriver.common.by import By

from harness import ADMIN_KEY, BrowserTest


class AudienceTest(BrowserTest):
    def test_the_overview_draws_the_audience_and_its_activity(self):
        self.sign_in(ADMIN_KEY)
        titles = [
            element.get_attribute("textContent")
            for element in self.browser.find_elements(By.CSS_SELECTOR, "figure.chart svg > title")
        ]
        self.assertIn("The audience by status, last 90 days and now", titles)
        self.assertTrue(any(title.startswith("Events per hour") for title in titles), titles)
        legend = self.browser.find_element(By.CSS_SELECTOR, "#h-audience + figure svg").get_attribute("textContent")
        for band in ("active", "engaged", "inactive", "ads", "suppressed"):
            self.assertIn(band, legend)
        self.shot("overview-charts")

    def test_a_contact_is_found_by_email_read_and_suppressed(self):
        self.sign_in(ADMIN_KEY, "/dashboard/contacts")
        search = self.browser.find_element(By.ID, "q")
        search.send_keys("C0000007@Example.com")  # an address matches ignoring case
        search.submit()
        self.wait_for(lambda b: "/dashboard/contacts/c0000007" in b.current_url, "the contact's page")
        self.settle("contact")
        self.assertEqual(self.heading(), "Contact c0000007")
        self.assertTrue(self.browser.find_elements(By.CSS_SELECTOR, ".timeline .entry"), "a simulated contact has a history")
        self.assertIn("Engagement score", self.browser.find_element(By.CSS_SELECTOR, "figure.chart svg > title").get_attribute("textContent"))
        self.shot("contact")

        self.browser.find_element(By.LINK_TEXT, "Suppress…").click()
        self.settle("suppress confirmation")
        self.assertEqual(self.heading(), "Suppress c0000007?")
        reason = self.browser.find_element(By.ID, "reason")
        reason.clear()
        reason.send_keys("asked by phone")
        self.shot("suppress-confirmation")
        self.browser.find_element(By.XPATH, "//button[normalize-space()='Suppress c0000007']").click()
        flash = self.visible("p.flash")
        self.settle("suppressed")
        self.assertIn("contact c0000007 suppressed", flash.text)
        self.assertIn("suppressed", self.browser.find_element(By.CSS_SELECTOR, ".facts").text)
        newest = self.browser.find_element(By.CSS_SELECTOR, ".timeline .entry")
        self.assertIn("suppressed", newest.text)
        self.assertIn("asked by phone", newest.text)
        self.assertTrue(self.browser.find_elements(By.LINK_TEXT, "Unsuppress…"))
        self.shot("contact-suppressed")
