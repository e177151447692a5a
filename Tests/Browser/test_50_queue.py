"""The queue from a browser: a schedule run now; a discarded job retried (with its confirmation)."""

from selenium.webdriver.common.by import By

from harness import ADMIN_KEY, READ_KEY, BrowserTest


class SchedulesTest(BrowserTest):
    def test_a_schedule_runs_now_and_a_read_key_sees_no_buttons(self):
        self.sign_in(READ_KEY, "/dashboard/schedules")
        self.assertEqual(self.heading(), "Schedules")
        self.assertEqual(self.browser.find_elements(By.CSS_SELECTOR, "table.schedules form"), [])

        self.sign_in(ADMIN_KEY, "/dashboard/schedules")
        row = self.browser.find_element(By.XPATH, "//table[@class='schedules']//tr[th[normalize-space()='audience_snapshot']]")
        row.find_element(By.XPATH, ".//button[normalize-space()='Run now']").click()
        flash = self.visible("p.flash")
        self.settle("schedule run now")
        self.assertIn("schedule audience_snapshot due now", flash.text)
        self.shot("schedule-run-now")


class JobsTest(BrowserTest):
    def test_a_discarded_job_is_retried_and_a_bulk_action_says_how_many(self):
        self.sign_in(ADMIN_KEY, "/dashboard/jobs")
        self.assertEqual(self.heading(), "Jobs")
        self.browser.find_element(By.XPATH, "//nav[@class='job-tabs']//a[starts-with(normalize-space(), 'Discarded')]").click()
        self.settle("discarded tab")
        self.shot("jobs-discarded")
        row = self.browser.find_element(By.XPATH, "//table[contains(@class, 'jobs')]//tr[td[normalize-space()='browser_test_unknown_kind']]")
        job_id = row.find_element(By.XPATH, "./th").text
        row.find_element(By.XPATH, "./th/a").click()
        self.settle("discarded job")
        self.assertEqual(self.heading(), f"Job {job_id}")
        self.assertIn("unknown_kind", self.browser.find_element(By.CSS_SELECTOR, "ol.job-timeline").text)
        self.shot("job-discarded")
        self.browser.find_element(By.XPATH, "//button[normalize-space()='Retry']").click()
        flash = self.visible("p.flash")
        self.settle("job retried")
        self.assertIn(f"retried job {job_id}", flash.text)
        self.shot("job-retried")

        self.open("/dashboard/jobs?state=available&kind=browser_test_unknown_kind")
        self.settle("available jobs of the kind")
        self.browser.find_element(By.LINK_TEXT, "Cancel every matching job…").click()
        self.settle("bulk confirmation")
        self.assertEqual(self.heading(), "Cancel jobs?")
        self.assertIn("Cancel 1 available job of kind browser_test_unknown_kind", self.browser.find_element(By.CSS_SELECTOR, ".confirm-count").text)
        self.shot("jobs-bulk-confirmation")
        self.browser.find_element(By.XPATH, "//button[normalize-space()='Cancel 1 job']").click()
        flash = self.visible("p.flash")
        self.settle("bulk cancelled")
        self.assertIn("cancelled 1; skipped 0; none remain", flash.text)

        self.sign_in(READ_KEY, f"/dashboard/jobs/{job_id}")
        self.assertEqual(self.browser.find_elements(By.CSS_SELECTOR, "main form button"), [], "a read key sees no action")
        self.open("/dashboard/workers")
        self.settle("workers and outbox")
        self.assertEqual(self.heading(), "Workers and outbox")
        self.shot("workers")
