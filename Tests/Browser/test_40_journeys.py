"""Journeys from a browser: an experiment's variants with their intervals, and promoting one after confirming."""

from selenium.webdriver.common.by import By

from harness import ADMIN_KEY, READ_KEY, BrowserTest


class ExperimentsTest(BrowserTest):
    def test_a_variant_is_promoted_after_its_confirmation(self):
        self.sign_in(READ_KEY, "/dashboard/experiments/welcome_subject")
        self.assertEqual(self.heading(), "Experiment welcome_subject")
        self.assertEqual(self.browser.find_elements(By.LINK_TEXT, "Promote…"), [], "a read key cannot promote")

        self.sign_in(ADMIN_KEY, "/dashboard/experiments")
        self.browser.find_element(By.LINK_TEXT, "welcome_subject").click()
        self.settle("experiment")
        figure = self.browser.find_element(By.CSS_SELECTOR, "figure.chart svg")
        self.assertIn("95 %", figure.find_element(By.TAG_NAME, "title").get_attribute("textContent"))
        self.shot("experiment")
        row = self.browser.find_element(By.XPATH, "//table[@class='variants']//tr[th[starts-with(normalize-space(), 'question')]]")
        row.find_element(By.LINK_TEXT, "Promote…").click()
        self.settle("promote confirmation")
        self.assertEqual(self.heading(), "Promote question?")
        self.assertIn("welcome_1_question", self.browser.find_element(By.CSS_SELECTOR, ".confirm").text)
        self.shot("promote-confirmation")
        self.browser.find_element(By.XPATH, "//button[normalize-space()='Promote question']").click()
        flash = self.visible("p.flash")
        self.settle("promoted")
        self.assertIn("question promoted", flash.text)
        self.assertIn("promoted: question", self.browser.find_element(By.CSS_SELECTOR, ".verdict").text)
        self.assertEqual(self.browser.find_elements(By.LINK_TEXT, "Promote…"), [], "nothing left to promote")
        self.shot("experiment-promoted")


class StreamsTest(BrowserTest):
    def test_streams_show_members_per_stream_shares_and_a_definition(self):
        self.sign_in(ADMIN_KEY, "/dashboard/streams")
        titles = [
            element.get_attribute("textContent")
            for element in self.browser.find_elements(By.CSS_SELECTOR, "figure.chart svg > title")
        ]
        self.assertIn("Members per stream, last 90 days and now", titles)
        self.assertTrue(any(title.startswith("The arbiter's share") for title in titles), titles)
        self.shot("streams")
        self.browser.find_element(By.LINK_TEXT, "welcome").click()
        self.settle("stream welcome")
        self.assertEqual(self.heading(), "Stream welcome")
        self.assertIn("welcome_subject", self.browser.find_element(By.CSS_SELECTOR, "pre.definition").text)
        self.shot("stream-welcome")
        self.browser.find_element(By.LINK_TEXT, "Every decision about welcome").click()
        self.settle("decision log")
        self.assertEqual(self.heading(), "Arbiter decisions")
        self.assertTrue(self.browser.find_elements(By.CSS_SELECTOR, "table.decisions tbody tr"), "the simulation decided")
