"""The open-data page in headless Chromium, against a real `plaza serve` on a loopback port.

Run by .ci/run after `swift test` (which builds .build/debug/plaza):
    python -m unittest discover -s Tests/Browser -v
PLAZA_BINARY overrides the binary; SCREENSHOT names where the screenshot goes (docs/screenshot.png).
"""

import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("PLAZA_BINARY", os.path.join(ROOT, ".build", "debug", "plaza"))
SCREENSHOT = os.environ.get("SCREENSHOT", os.path.join(ROOT, "docs", "screenshot.png"))
BARS_SQL = "SELECT agencia, count(*) AS solicitudes\nFROM reportes\nGROUP BY agencia\nORDER BY solicitudes DESC"


class PageTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.scratch = tempfile.mkdtemp(prefix="plaza-browser-")
        database = os.path.join(cls.scratch, "ciudad")
        subprocess.run([BINARY, "import", "--db", database, "--quiet", os.path.join(ROOT, "Examples", "reportes.csv")],
                       check=True)
        cls.server = subprocess.Popen([BINARY, "serve", "--db", database, "--port", "0"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        line = ""
        deadline = time.time() + 30
        while time.time() < deadline and "http://" not in line:
            line = cls.server.stderr.readline()
            if line == "" and cls.server.poll() is not None:
                break
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not match:
            cls.server.kill()
            raise RuntimeError("plaza serve did not start: " + line)
        cls.base = "http://127.0.0.1:%s/" % match.group(1)
        options = Options()
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         "--window-size=1280,900", "--lang=en-US"):
            options.add_argument(argument)
        service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
        cls.browser = webdriver.Chrome(service=service, options=options)
        cls.wait = WebDriverWait(cls.browser, 20)

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()
        cls.server.terminate()
        cls.server.wait(timeout=10)
        shutil.rmtree(cls.scratch, ignore_errors=True)

    def open(self, path=""):
        self.browser.get(self.base + path)
        self.wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, ".table-entry")))

    def run_query(self, sql):
        editor = self.browser.find_element(By.ID, "sql")
        editor.clear()
        editor.send_keys(sql)
        editor.send_keys(Keys.CONTROL, Keys.ENTER)

    def wait_for_result(self):
        return self.wait.until(ready.visibility_of_element_located((By.CSS_SELECTOR, "#result table")))

    def bars(self):
        return self.browser.find_elements(By.CSS_SELECTOR, "#chart svg[data-kind='bar'] rect.bar")

    def test_catalog_lists_the_table_with_its_columns(self):
        self.open()
        entry = self.browser.find_element(By.CSS_SELECTOR, ".table-entry[data-table='reportes']")
        self.assertIn("8 rows", entry.text)
        entry.find_element(By.TAG_NAME, "summary").click()
        self.wait.until(lambda _: entry.find_elements(By.CSS_SELECTOR, ".sample table"))
        self.assertEqual(len(entry.find_elements(By.CSS_SELECTOR, "li")), 5)
        self.assertEqual(len(entry.find_elements(By.CSS_SELECTOR, ".sample tbody tr")), 5)

    def test_clicking_a_table_queries_it(self):
        self.open()
        self.browser.find_element(By.CSS_SELECTOR, ".table-entry[data-table='reportes'] button.table-name").click()
        table = self.wait_for_result()
        self.assertEqual(len(table.find_elements(By.CSS_SELECTOR, "tbody tr")), 8)

    def test_query_shows_table_types_time_and_bars_then_screenshot(self):
        self.open()
        self.run_query(BARS_SQL)
        table = self.wait_for_result()
        rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
        self.assertEqual([row.text.split("\n")[0] for row in rows][0], "Agua y Drenaje 4")
        self.assertEqual(len(rows), 3)
        self.assertEqual([t.text for t in table.find_elements(By.CSS_SELECTOR, "th .type")], ["VARCHAR", "BIGINT"])
        self.assertRegex(self.browser.find_element(By.ID, "result-status").text, r"^3 rows in [0-9.]+ ms")
        self.wait.until(lambda _: len(self.bars()) == 3)
        self.assertEqual(self.bars()[0].get_attribute("data-value"), "Agua y Drenaje: 4")
        # Hovering a bar shows its values.
        webdriver.ActionChains(self.browser).move_to_element(self.bars()[1]).perform()
        tooltip = self.browser.find_element(By.ID, "tooltip")
        self.wait.until(lambda _: tooltip.is_displayed())
        self.assertIn(": 2", tooltip.text)
        webdriver.ActionChains(self.browser).move_to_element(self.browser.find_element(By.ID, "run")).perform()
        self.wait.until(lambda _: not tooltip.is_displayed())
        os.makedirs(os.path.dirname(SCREENSHOT), exist_ok=True)
        self.browser.save_screenshot(SCREENSHOT)

    def test_error_shows_its_caret_under_the_column(self):
        self.open()
        self.run_query("SELECT agencia,\n  colonai FROM reportes")
        box = self.wait.until(ready.visibility_of_element_located((By.ID, "error")))
        self.assertIn('did you mean "colonia"', box.text)
        self.assertIn("line 2, column 3", box.text)
        self.assertEqual(self.browser.find_element(By.ID, "error-line").text, "  colonai FROM reportes")
        caret = self.browser.execute_script("return document.getElementById('error-caret').textContent")
        self.assertEqual(caret, "  ^")
        self.assertEqual(self.browser.find_element(By.CSS_SELECTOR, "#gutter .bad").text, "2")

    def test_shared_link_reproduces_query_and_chart(self):
        self.open()
        self.run_query(BARS_SQL)
        self.wait.until(lambda _: len(self.bars()) == 3)
        self.browser.find_element(By.ID, "share").click()
        link = self.browser.current_url
        self.assertIn("sql=", link)
        self.browser.get("about:blank")
        self.browser.get(link)
        self.wait.until(lambda _: len(self.bars()) == 3)
        self.assertEqual(self.browser.find_element(By.ID, "sql").get_attribute("value"), BARS_SQL)

    def test_chart_kind_and_language_come_from_the_url(self):
        sql = "SELECT monto FROM reportes"
        self.open("?" + urllib.parse.urlencode({"sql": sql, "chart": "histogram", "lang": "es"}))
        self.wait.until(lambda _: self.browser.find_elements(By.CSS_SELECTOR, "#chart svg[data-kind='histogram'] rect.bin"))
        self.assertEqual(self.browser.find_element(By.ID, "run").text, "Ejecutar")
        self.assertEqual(self.browser.find_element(By.ID, "chart-kind").get_attribute("value"), "histogram")
        csv = self.browser.find_element(By.ID, "download-csv").get_attribute("href")
        self.assertIn("format=csv", csv)
        # The other downloads carry the same query; fetched, they are the files themselves.
        for kind, magic in (("parquet", b"PAR1"), ("xlsx", b"PK\x03\x04"), ("arrow", b"\xff\xff\xff\xff")):
            link = self.browser.find_element(By.ID, "download-" + kind).get_attribute("href")
            self.assertIn("format=" + kind, link)
            self.assertIn(urllib.parse.quote_plus(sql), link)
            with urllib.request.urlopen(link) as response:
                self.assertEqual(response.read(4), magic)


if __name__ == "__main__":
    unittest.main()
