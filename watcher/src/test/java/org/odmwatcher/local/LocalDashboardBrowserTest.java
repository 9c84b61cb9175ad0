package org.odmwatcher.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.testing.Browser;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * Local mode's dashboard in headless Chromium, with a job of the test engine (issue 21 row 8): its
 * placeholders looked like a real success (no engine anywhere in the list), opening a job pushed
 * the list's last columns behind a scrollbar, and a pager showed for a single page.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalDashboardBrowserTest {
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private final LocalWorld world;
  private final Browser browser = new Browser(1400, 900);

  LocalDashboardBrowserTest() throws Exception {
    world = LocalWorld.start(Files.createTempDirectory("local-dashboard"), "test", Map.of());
    world.uploadSample("flight/");
    world.awaitState("flight/", "succeeded", PATIENCE);
  }

  @AfterAll
  void close() throws Exception {
    try {
      browser.close();
    } finally {
      world.close();
    }
  }

  private WebElement row() {
    browser.driver.get(world.mode.httpUrl());
    By row = By.cssSelector("tr[data-job='" + LocalWorld.BUCKET + "/flight/']");
    return await().atMost(PATIENCE).ignoreExceptions().until(() -> browser.driver.findElement(row), WebElement::isDisplayed);
  }

  @Test
  void aTestEngineJobIsMarkedTestInTheList() {
    WebElement row = row();
    List<String> headers = browser.driver.findElements(By.cssSelector("thead th")).stream()
        .map(h -> h.getText().toLowerCase()).toList();
    assertThat(headers).contains("engine");
    WebElement badge = row.findElement(By.cssSelector(".engine-test"));
    assertThat(badge.isDisplayed()).isTrue();
    assertThat(badge.getText()).isEqualToIgnoringCase("test");
    assertThat(badge.getAttribute("title")).contains("NOT real processing");
    browser.screenshot("dashboard-local-test-engine");
  }

  @Test
  void openingAJobKeepsTheListWithoutAScrollbar() {
    row().findElement(By.cssSelector("td.folder button")).click();
    await().atMost(PATIENCE).until(() -> browser.driver.findElement(By.id("detail")).isDisplayed());
    Object overflow = browser.driver.executeScript(
        "const w = document.querySelector('.table-wrap'); return w.scrollWidth - w.clientWidth;");
    assertThat(((Number) overflow).intValue()).as("pixels of the list hidden behind a scrollbar").isLessThanOrEqualTo(0);
    browser.screenshot("dashboard-local-job-open");
  }

  @Test
  void aSinglePageHasNoPager() {
    row();
    assertThat(browser.driver.findElement(By.cssSelector("nav.pager")).isDisplayed()).isFalse();
  }
}
