package org.odmwatcher.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * A real headless Chromium driven through Selenium, from Debian's {@code chromium} and {@code
 * chromium-driver} packages ({@code .ci/run} installs them). The driver binary is given explicitly,
 * so Selenium Manager never tries to download one. Each browser gets a fresh profile and download
 * folder; screenshots go to {@code target/screenshots/}.
 */
public final class Browser implements AutoCloseable {
  public static final Path CHROMIUM = Path.of(System.getProperty("chromium.binary", "/usr/bin/chromium"));
  public static final Path CHROMEDRIVER = Path.of(System.getProperty("chromedriver.binary", "/usr/bin/chromedriver"));
  public static final Path SCREENSHOTS = Path.of("target", "screenshots");

  public final ChromeDriver driver;
  public final Path downloads;
  private final Path profile;

  public Browser(int width, int height) {
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
      String missing = "the browser tests need Debian's chromium and chromium-driver ("
          + CHROMIUM + ", " + CHROMEDRIVER + "): apt-get install chromium chromium-driver (.ci/run does)";
      if ("true".equals(System.getenv("CI"))) {
        throw new IllegalStateException(missing); // CI installs them: missing there is a broken set-up
      }
      // A developer's machine with only a JDK and Maven: the rest of the suite still runs.
      throw new org.opentest4j.TestAbortedException("skipped: " + missing);
    }
    try {
      profile = Files.createTempDirectory("chromium-profile");
      downloads = Files.createTempDirectory("chromium-downloads");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--window-size=" + width + "," + height);
    options.setExperimentalOption("prefs", Map.of(
        "download.default_directory", downloads.toString(),
        "download.prompt_for_download", false,
        "safebrowsing.enabled", false));
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
    driver = new ChromeDriver(service, options);
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
    driver.manage().window().setSize(new Dimension(width, height));
  }

  /** Writes a screenshot of the viewport to {@code target/screenshots/<name>.png}. */
  public Path screenshot(String name) {
    return save(driver, name);
  }

  /** {@link #screenshot} of any driver. */
  public static Path save(ChromeDriver driver, String name) {
    try {
      Files.createDirectories(SCREENSHOTS);
      Path file = SCREENSHOTS.resolve(name + ".png");
      Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Files fully downloaded so far (Chromium's partial {@code .crdownload} and hidden temp files left out). */
  public List<Path> downloaded() {
    try (Stream<Path> files = Files.list(downloads)) {
      return files.filter(f -> !f.getFileName().toString().endsWith(".crdownload"))
          .filter(f -> !f.getFileName().toString().startsWith("."))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      for (Path dir : List.of(profile, downloads)) {
        try (Stream<Path> walk = Files.walk(dir)) {
          walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
          // a temp folder left behind is harmless
        }
      }
    }
  }
}
