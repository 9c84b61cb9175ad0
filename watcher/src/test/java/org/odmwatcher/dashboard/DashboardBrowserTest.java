package org.odmwatcher.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.testing.Browser;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.argo.TestArgo;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;

/**
 * The dashboard in a real headless Chromium, against the real watcher (SQS pipeline, Workflows in
 * the Kubernetes mock run by the test Argo, S3Proxy): sign-in, jobs appearing, progress moving as
 * the Workflow advances, an invalid job's reasons, the job view opened by click and by keyboard, a result
 * downloaded, a failure's hint, the tablet layout, and the copy of the page in the bucket reading
 * the summary object. Screenshots land in {@code target/screenshots/}.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardBrowserTest implements TestPropertyProvider {
  private static final String TOKEN = "dashboard-test-token";
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  private final PipelineFixture world = new PipelineFixture("dash", "dash");
  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private Browser browser;

  @Inject EmbeddedServer server;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> p = new LinkedHashMap<>(world.properties());
    p.put("watcher.api.enabled", "true");
    p.put("watcher.api.bucket", world.bucket);
    p.put("watcher.api.token", TOKEN);
    p.put("watcher.dashboard.summary-interval", "300ms");
    p.put("watcher.dashboard.publish-site", "true");
    p.put("watcher.dashboard.argo-ui-url", "https://argo.example.org/");
    // A pod no node takes is said after a second (aJobWaitingForANodeShowsTheSchedulersReasonAndAHint).
    p.put("watcher.placement.unschedulable-after", "1s");
    return p;
  }

  @BeforeAll
  void signIn() {
    browser = new Browser(1400, 900);
    browser.driver.get(base());
    WebElement token = await().atMost(PATIENCE).until(() -> browser.driver.findElement(By.id("token")), WebElement::isDisplayed);
    browser.screenshot("dashboard-sign-in");
    assertThat(browser.driver.findElement(By.id("list")).isDisplayed()).isFalse();
    token.sendKeys("not-the-token", Keys.ENTER);
    await().atMost(PATIENCE).until(() -> browser.driver.findElement(By.id("signin-error")).getText(), t -> !t.isEmpty());
    token.clear();
    token.sendKeys(TOKEN, Keys.ENTER);
    await().atMost(PATIENCE).until(() -> browser.driver.findElement(By.id("list")).isDisplayed());
  }

  @AfterAll
  void close() {
    try {
      if (browser != null) {
        overview();
      }
    } finally {
      if (browser != null) {
        browser.close();
      }
      world.close();
    }
  }

  /** The picture in docs/dashboard.md: every job of this class in the list, the out-of-memory failure open. */
  private void overview() {
    browser.driver.get("about:blank");
    browser.driver.get(base() + "#job=" + world.bucket + "%2Ffarm-d%2Foom%2F");
    await().atMost(PATIENCE).ignoreExceptions()
        .until(() -> browser.driver.findElements(By.cssSelector("#rows tr")).size() >= 6
            && browser.driver.findElement(By.cssSelector("#detail .hint")).isDisplayed());
    browser.screenshot("dashboard-overview");
  }

  @Test
  void aNewJobAppearsAndItsProgressMovesWithTheWorkflow() {
    String folder = "farm-a/flight-1/";
    world.uploadImages(folder, 6);
    world.putManifest(folder, "{\"name\": \"Farm A, flight 1\", \"options\": {\"dsm\": true}}");
    world.notifyCreated(folder + "odm.json");
    world.awaitState(folder, "submitted");

    browser.driver.get(base());
    WebElement row = awaitRow(folder, "submitted");
    assertThat(row.getText()).contains("Farm A, flight 1").contains("6");

    try (TestArgo argo = world.startArgo()) {
      argo.hold(folder, "workspace");
      for (String step : STEPS) {
        argo.hold(folder, step);
      }
      awaitRow(folder, "running");
      // Each step held in turn: the list shows the stage and the progress status.json has (local
      // mode's shape: download 1 %, ODM's stages, upload 95 %), and the progress rises.
      argo.release(folder, "workspace");
      int previous = -1;
      for (String step : STEPS) {
        // While the process pod is held before ODM starts, the stage is ODM's first, dataset.
        String stage = step.equals("process") ? "dataset" : step;
        JsonNode status = awaitStage(folder, stage);
        int progress = status.path("progress").asInt();
        assertThat(progress).isGreaterThan(previous).isLessThan(100);
        await().atMost(PATIENCE).ignoreExceptions().until(() -> progressOf(folder), String.valueOf(progress)::equals);
        await().atMost(PATIENCE).ignoreExceptions()
            .untilAsserted(() -> assertThat(rowOf(folder).getText()).contains(stage).contains(progress + "%"));
        if (step.equals("process")) {
          browser.screenshot("dashboard-list-running");
        }
        previous = progress;
        argo.release(folder, step);
      }
      JsonNode end = await().atMost(PATIENCE)
          .until(() -> world.status(folder).orElseThrow(), s -> s.path("state").asText().matches("succeeded|failed"));
      assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("succeeded");
      await().atMost(PATIENCE).ignoreExceptions().until(() -> progressOf(folder), "100"::equals);
    }
  }

  private static final List<String> STEPS = List.of("download", "process", "upload");

  private JsonNode awaitStage(String folder, String stage) {
    return await().atMost(PATIENCE)
        .until(() -> world.status(folder).orElseThrow(), s -> stage.equals(s.path("stage").asText()));
  }

  @Test
  void anInvalidJobShowsEveryReasonInItsView() {
    String folder = "farm-b/broken/";
    world.uploadImages(folder, 2);
    world.putManifest(folder, "{\"options\": {\"no-such-option\": 1, \"dsm\": \"maybe\"}}");
    world.notifyCreated(folder + "odm.json");
    JsonNode status = world.awaitState(folder, "invalid");
    List<String> reasons = json.convertValue(status.path("errors"), json.getTypeFactory().constructCollectionType(List.class, String.class));
    assertThat(reasons).hasSizeGreaterThanOrEqualTo(2);

    browser.driver.get(base());
    awaitRow(folder, "invalid").findElement(By.cssSelector("td.folder button")).click();
    WebElement detail = browser.driver.findElement(By.id("detail"));
    await().atMost(PATIENCE).until(() -> detail.findElements(By.cssSelector("#reasons li")).size() == reasons.size());
    List<String> shown = detail.findElements(By.cssSelector("#reasons li")).stream().map(WebElement::getText).toList();
    assertThat(shown).containsExactlyElementsOf(reasons);
    assertThat(browser.driver.switchTo().activeElement().getAttribute("id")).isEqualTo("detail");
    browser.screenshot("dashboard-invalid-job");

    // Escape closes the view again
    browser.driver.switchTo().activeElement().sendKeys(Keys.ESCAPE);
    await().atMost(PATIENCE).until(() -> !detail.isDisplayed());

    // filter by state, then by text
    WebElement invalidOnly = browser.driver.findElement(By.cssSelector("button[data-state=invalid]"));
    invalidOnly.click();
    await().atMost(PATIENCE).ignoreExceptions().until(() -> badges().stream().allMatch("invalid"::equals) && !badges().isEmpty());
    assertThat(browser.driver.findElement(By.cssSelector("button[data-state=invalid]")).getAttribute("aria-pressed")).isEqualTo("true");
    browser.driver.findElement(By.cssSelector("button[data-state=invalid]")).click();
    browser.driver.findElement(By.id("q")).sendKeys("farm-b");
    await().atMost(PATIENCE).ignoreExceptions().until(() -> browser.driver.findElements(By.cssSelector("#rows tr")).stream()
        .map(r -> r.getAttribute("data-job")).toList(), rows -> rows.equals(List.of(world.bucket + "/" + folder)));
  }

  private List<String> badges() {
    return browser.driver.findElements(By.cssSelector("#rows .badge")).stream().map(WebElement::getText).toList();
  }

  @Test
  void aFinishedJobOpensByKeyboardAndItsResultDownloads() throws Exception {
    String folder = "farm-c/done/";
    world.uploadImages(folder, 3);
    world.putManifest(folder, "{\"name\": \"Farm C\"}");
    String workflow;
    try (TestArgo argo = world.startArgo()) {
      world.notifyCreated(folder + "odm.json");
      // the whole run: the stand-in ODM writes odm.log, the upload step puts it under results/
      JsonNode done = world.awaitState(folder, "succeeded");
      workflow = done.path("workflow").path("name").asText();
      argo.awaitStatus(workflow, s -> s.get("finishedAt") != null);
      assertThat(done.path("outputs").toString()).contains("results/odm.log");
    }
    byte[] log = world.s3.getObjectAsBytes(b -> b.bucket(world.bucket).key(folder + "results/odm.log")).asByteArray();
    assertThat(new String(log, java.nio.charset.StandardCharsets.UTF_8)).contains("ODM app finished");

    browser.driver.get(base());
    WebElement open = awaitRow(folder, "succeeded").findElement(By.cssSelector("td.folder button"));
    open.sendKeys(Keys.ENTER); // keyboard, not mouse
    WebElement link = await().atMost(PATIENCE)
        .until(() -> browser.driver.findElements(By.linkText("results/odm.log")), l -> !l.isEmpty()).get(0);
    WebElement detail = browser.driver.findElement(By.id("detail"));
    assertThat(detail.getText()).contains("Farm C").contains("succeeded").contains(workflow);
    assertThat(detail.findElement(By.partialLinkText("open in Argo UI")).getAttribute("href"))
        .isEqualTo("https://argo.example.org/workflows/" + world.namespace + "/" + workflow);
    browser.screenshot("dashboard-job-succeeded");

    link.click();
    await().atMost(PATIENCE).until(() -> browser.downloaded().size() == 1);
    Path file = browser.downloaded().get(0);
    assertThat(file.getFileName().toString()).isEqualTo("odm.log");
    assertThat(Files.readAllBytes(file)).isEqualTo(log);
  }

  @Test
  void aFailedJobExplainsOutOfMemory() {
    String folder = "farm-d/oom/";
    world.uploadImages(folder, 2);
    world.putManifest(folder, "{}");
    JsonNode failed;
    try (TestArgo argo = world.startArgo()) {
      argo.failOdmNext(folder, 137); // the kernel's OOM killer: SIGKILL, 128 + 9
      world.notifyCreated(folder + "odm.json");
      failed = world.awaitState(folder, "failed");
      argo.awaitStatus(failed.path("workflow").path("name").asText(), s -> s.get("finishedAt") != null);
    }
    assertThat(failed.path("message").asText()).contains("process").contains("exit code 137");

    browser.driver.get(base() + "#job=" + java.net.URLEncoder.encode(world.bucket + "/" + folder, java.nio.charset.StandardCharsets.UTF_8));
    WebElement hint = await().atMost(PATIENCE)
        .until(() -> browser.driver.findElements(By.cssSelector("#detail .hint")), l -> !l.isEmpty()).get(0);
    assertThat(hint.getText()).contains("Out of memory");
    assertThat(browser.driver.findElement(By.id("detail")).getText()).contains(failed.path("message").asText());
    browser.screenshot("dashboard-failed-out-of-memory");
  }

  @Test
  void aJobWaitingForANodeShowsTheSchedulersReasonAndAHint() {
    String folder = "farm-e/no-node/";
    world.uploadImages(folder, 2);
    world.putManifest(folder, "{}");
    try (TestArgo argo = world.startArgo()) {
      // a cluster whose only nodes are too small for ODM's 4Gi
      argo.scheduleWith(new org.odmwatcher.testing.argo.SchedulerEmulation(List.of(
          new org.odmwatcher.config.NodeClassConfig("small", "2Gi", 2, 0, "spot", Map.of(), List.of()))));
      world.notifyCreated(folder + "odm.json");
      JsonNode waiting = await().atMost(Duration.ofSeconds(60)).until(() -> world.status(folder).orElse(null),
          s -> s != null && s.path("message").asText().startsWith("waiting for a node: "));
      assertThat(waiting.path("message").asText()).contains("0/1 nodes are available: 1 Insufficient memory.");

      browser.driver.get(base() + "#job=" + java.net.URLEncoder.encode(world.bucket + "/" + folder, java.nio.charset.StandardCharsets.UTF_8));
      WebElement hint = await().atMost(PATIENCE)
          .until(() -> browser.driver.findElements(By.cssSelector("#detail .hint")), l -> !l.isEmpty()).get(0);
      assertThat(hint.getText()).contains("No node can run this step yet").contains("split");
      assertThat(browser.driver.findElement(By.id("detail")).getText()).contains("Insufficient memory");
      browser.screenshot("dashboard-waiting-for-a-node");
      world.putManifest(folder, "{\"cancel\": true}");
      world.notifyCreated(folder + "odm.json");
      world.awaitState(folder, "canceled");
    }
  }

  @Test
  void onATabletTheListDropsSecondaryColumnsAndStaysUsable() {
    world.uploadImages("tablet/", 1);
    world.putManifest("tablet/", "{}");
    world.notifyCreated("tablet/odm.json");
    world.awaitState("tablet/", "submitted");
    try (Browser tablet = new Browser(768, 1024)) {
      tablet.driver.get(base());
      WebElement token = await().atMost(PATIENCE).until(() -> tablet.driver.findElement(By.id("token")), WebElement::isDisplayed);
      token.sendKeys(TOKEN, Keys.ENTER);
      await().atMost(PATIENCE).until(() -> !tablet.driver.findElements(By.cssSelector("tr[data-job='" + world.bucket + "/tablet/']")).isEmpty());
      List<WebElement> headers = tablet.driver.findElements(By.cssSelector("thead th"));
      List<String> visible = headers.stream().filter(WebElement::isDisplayed).map(h -> h.getText().toLowerCase()).toList();
      assertThat(visible).containsExactly("folder", "name", "state", "progress", "updated");
      tablet.screenshot("dashboard-tablet");
    }
  }

  @Test
  void theListRefreshesByItselfButNotWhileTheTabIsHidden() {
    browser.driver.get(base());
    await().atMost(PATIENCE).until(() -> browser.driver.findElement(By.id("list")).isDisplayed());
    // count the page's calls to the feed from inside the page
    browser.driver.executeScript(
        "window.feedCalls = 0; const f = window.fetch;"
            + "window.fetch = (u, o) => { if (String(u).startsWith('jobs')) window.feedCalls++; return f(u, o); };");
    await().atMost(PATIENCE).until(() -> feedCalls() >= 2); // every 3 s by itself
    // the tab goes to the background: the browser says so through the Page Visibility API
    browser.driver.executeScript(
        "Object.defineProperty(document, 'hidden', {configurable: true, get: () => true});"
            + "Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'hidden'});"
            + "document.dispatchEvent(new Event('visibilitychange')); window.hiddenAt = window.feedCalls;");
    await().during(Duration.ofSeconds(7)).atMost(Duration.ofSeconds(8))
        .until(() -> feedCalls() == ((Number) browser.driver.executeScript("return window.hiddenAt;")).longValue());
    browser.driver.executeScript(
        "Object.defineProperty(document, 'hidden', {configurable: true, get: () => false});"
            + "Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'visible'});"
            + "document.dispatchEvent(new Event('visibilitychange'));");
    long before = ((Number) browser.driver.executeScript("return window.hiddenAt;")).longValue();
    await().atMost(PATIENCE).until(() -> feedCalls() > before); // catches up at once when shown again
  }

  private long feedCalls() {
    return ((Number) browser.driver.executeScript("return window.feedCalls;")).longValue();
  }

  @Test
  void theFeedNeedsTheTokenInAHeaderOrTheSignInCookieNeverInTheUrl() throws Exception {
    assertThat(get("/jobs", Map.of()).statusCode()).isEqualTo(401);
    assertThat(get("/jobs?token=" + TOKEN, Map.of()).statusCode()).isEqualTo(401);
    assertThat(get("/jobs", Map.of("Authorization", "Bearer " + TOKEN)).statusCode()).isEqualTo(200);
    String cookie = browser.driver.manage().getCookieNamed("odm_dashboard").getValue();
    assertThat(cookie).doesNotContain(TOKEN);
    assertThat(browser.driver.manage().getCookieNamed("odm_dashboard").isHttpOnly()).isTrue();
    assertThat(get("/jobs", Map.of("Cookie", "odm_dashboard=" + cookie)).statusCode()).isEqualTo(200);
    assertThat(get("/", Map.of()).statusCode()).isEqualTo(200); // the page itself is public; its data is not
  }

  @Test
  void theCopyOfThePageInTheBucketReadsTheSummaryAndTheStatusFiles() {
    String folder = "static/flight/";
    world.uploadImages(folder, 4);
    world.putManifest(folder, "{\"name\": \"Static flight\"}");
    world.notifyCreated(folder + "odm.json");
    world.awaitState(folder, "submitted");
    await().atMost(PATIENCE).until(() -> summaryMentions(folder));
    // What an operator does for a static dashboard: let anonymous readers GET the page, the summary
    // and the status files (a bucket policy on AWS, `mc anonymous set download` on MinIO). S3Proxy
    // grants anonymous reads per object only (gaul/s3proxy S3ProxyHandler.checkPublicAccess reads
    // the blob's access), so the test marks exactly those objects public-read.
    for (String key : List.of("dashboard/index.html", "dashboard/assets/app.js", "dashboard/assets/style.css",
        "dashboard/dashboard.json", "index.json", folder + "status.json")) {
      world.s3.putObjectAcl(b -> b.bucket(world.bucket).key(key).acl(ObjectCannedACL.PUBLIC_READ));
    }

    try (Browser reader = new Browser(1400, 900)) {
      reader.driver.get(world.servers.s3Endpoint() + "/" + world.bucket + "/dashboard/index.html");
      WebElement row = await().atMost(PATIENCE)
          .until(() -> reader.driver.findElements(By.cssSelector("tr[data-job='" + world.bucket + "/" + folder + "']")), l -> !l.isEmpty())
          .get(0);
      assertThat(row.getText()).contains("Static flight").contains("submitted");
      assertThat(reader.driver.findElement(By.tagName("body")).getAttribute("data-source")).isEqualTo("static");
      row.findElement(By.cssSelector("td.folder button")).click();
      await().atMost(PATIENCE).until(() -> reader.driver.findElement(By.id("detail")).getText(), t -> t.contains("Job id"));
      assertThat(reader.driver.findElement(By.id("detail")).getText()).contains("s3://" + world.bucket + "/" + folder);
      reader.screenshot("dashboard-static-bucket");
    }
  }

  private boolean summaryMentions(String folder) {
    try {
      String summary = world.s3.getObjectAsBytes(b -> b.bucket(world.bucket).key("index.json")).asUtf8String();
      return summary.contains("\"folder\":\"" + folder + "\"");
    } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
      return false;
    }
  }

  private HttpResponse<String> get(String path, Map<String, String> headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base().replaceAll("/$", "") + path));
    headers.forEach(request::header);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String base() {
    return "http://localhost:" + server.getPort() + "/";
  }

  private WebElement awaitRow(String folder, String state) {
    By row = By.cssSelector("tr[data-job='" + world.bucket + "/" + folder + "']");
    return await().atMost(PATIENCE)
        .ignoreExceptions()
        .until(() -> browser.driver.findElement(row), r -> r.findElement(By.cssSelector(".badge")).getText().equals(state));
  }

  private WebElement rowOf(String folder) {
    return browser.driver.findElement(By.cssSelector("tr[data-job='" + world.bucket + "/" + folder + "']"));
  }

  private String progressOf(String folder) {
    return rowOf(folder).findElement(By.cssSelector("[role=progressbar]")).getAttribute("aria-valuenow");
  }
}
