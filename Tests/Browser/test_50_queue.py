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
