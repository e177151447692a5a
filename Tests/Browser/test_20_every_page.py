"""Every page of the navigation opens, has its heading, and each chart has a title and a data table."""

from selenium.webdriver.common.by import By

from harness import ADMIN_KEY, BrowserTest


class EveryPageTest(BrowserTest):
    def test_every_navigation_link_opens_a_complete_page(self):
        self.sign_in(ADMIN_KEY)
        links = [
            (link.text, link.get_attribute("href"))
            for link in self.browser.find_elements(By.CSS_SELECTOR, "header nav a")
        ]
        self.assertGreaterEqual(len(links), 7, links)
        for title, href in links:
            with self.subTest(page=title):
                self.browser.get(href)
                self.settle(title)
                self.assertEqual(self.heading(), title, "each page is headed by its navigation title")
                current = self.browser.find_element(By.CSS_SELECTOR, "header nav a[aria-current=page]")
                self.assertEqual(current.text, title)
                for figure in self.browser.find_elements(By.CSS_SELECTOR, "figure"):
                    svg = figure.find_element(By.TAG_NAME, "svg")
                    self.assertEqual(svg.get_attribute("role"), "img")
                    self.assertTrue(svg.find_element(By.TAG_NAME, "title").get_attribute("textContent").strip())
                    self.assertTrue(figure.find_elements(By.CSS_SELECTOR, "details table"), "a table behind the chart")
                self.shot(title)
