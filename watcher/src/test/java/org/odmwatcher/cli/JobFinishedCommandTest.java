package org.odmwatcher.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.Principal;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * {@code job-finished}, the WorkflowTemplate's exit handler, run in-process with the environment its
 * container gets (the template's {@code record-status} env, keys of the Workflow pods' identity), so
 * its S3 calls are the Workflow pods' in the IAM contract.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JobFinishedCommandTest implements TestPropertyProvider {
  private final PipelineFixture world = new PipelineFixture("finished", "finished");

  @Override
  public Map<String, String> getProperties() {
    return world.properties();
  }

  @AfterAll
  void close() {
    world.close();
  }

  /** What the template's record-status step sets (workflowtemplate-odm-process.yaml), for this test's store. */
  private Map<String, String> containerEnvironment(Principal principal) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("WATCHER_S3_ENDPOINT", world.servers.s3Endpoint());
    env.put("WATCHER_S3_REGION", "us-east-1");
    env.put("WATCHER_S3_PATH_STYLE", "true");
    env.put("AWS_REGION", "us-east-1");
    env.put("WATCHER_ARGO_WATCH", "false");
    env.put("WATCHER_SQS_ENABLED", "false");
    env.put("AWS_ACCESS_KEY_ID", principal.accessKey());
    env.put("AWS_SECRET_ACCESS_KEY", principal.secretKey());
    return env;
  }

  @Test
  void theExitHandlerRecordsSucceededWithTheResultsUsingTheWorkflowPodsKeys() {
    String folder = "flight/";
    world.uploadImages(folder, 3);
    world.putManifest(folder, "{\"name\": \"exit handler\"}");
    world.notifyCreated(folder + "odm.json");
    String jobId = world.awaitState(folder, "submitted").path("jobId").asText();
    world.s3.putObject(b -> b.bucket(world.bucket).key(folder + "results/odm_orthophoto/odm_orthophoto.tif"),
        RequestBody.fromString("orthophoto"));

    int exit = JobFinishedCommand.run(
        new String[] {"--bucket", world.bucket, "--prefix", folder, "--job-id", jobId,
            "--results-prefix", folder + "results/", "--phase", "Succeeded"},
        containerEnvironment(Principal.WORKFLOW));

    assertThat(exit).isZero();
    JsonNode status = world.status(folder).orElseThrow();
    assertThat(status.path("state").asText()).isEqualTo("succeeded");
    assertThat(status.path("outputs").toString()).contains("results/odm_orthophoto/odm_orthophoto.tif");
  }

  @Test
  void theOutputsAreListedUnderTheResultsPrefixItIsGivenNotItsOwnDefaultResultsFolder() {
    // A watcher configured with watcher.manifest.results-folder=odm-results/ renders that prefix into
    // the Workflow; the exit handler runs with the defaults (results/) and must follow the argument.
    String folder = "custom-results/";
    String jobId = submitted(folder);
    world.s3.putObject(b -> b.bucket(world.bucket).key(folder + "odm-results/odm_orthophoto/odm_orthophoto.tif"),
        RequestBody.fromString("orthophoto"));
    world.s3.putObject(b -> b.bucket(world.bucket).key(folder + "results/odm_orthophoto/odm_orthophoto.tif"),
        RequestBody.fromString("someone else's"));

    int exit = JobFinishedCommand.run(
        new String[] {"--bucket", world.bucket, "--prefix", folder, "--job-id", jobId,
            "--results-prefix", folder + "odm-results/", "--phase", "Succeeded"},
        containerEnvironment(Principal.WORKFLOW));

    assertThat(exit).isZero();
    JsonNode status = world.status(folder).orElseThrow();
    assertThat(status.path("state").asText()).isEqualTo("succeeded");
    // with the job's STAC Item, written under the same prefix before the listing (issue 23)
    assertThat(status.path("outputs").toString())
        .isEqualTo("[\"odm-results/odm_orthophoto/odm_orthophoto.tif\",\"odm-results/stac-item.json\"]");
  }

  @Test
  void aFailedRunRecordsTheFailedStepAndItsReasonFromArgosQuotedFailureList() {
    String folder = "failed-step/";
    String jobId = submitted(folder);
    // {{workflow.failures}} as the argv element gets it: Argo strconv.Quotes the JSON array.
    String failures = "\"[{\\\"displayName\\\":\\\"process(0)\\\",\\\"message\\\":\\\"main: OOMKilled (exit code 137)\\\","
        + "\\\"templateName\\\":\\\"process\\\",\\\"phase\\\":\\\"Failed\\\",\\\"podName\\\":\\\"odm-x-process-1\\\","
        + "\\\"finishedAt\\\":\\\"2026-11-27T15:00:00Z\\\"},{\\\"displayName\\\":\\\"odm-x\\\",\\\"message\\\":\\\"\\\","
        + "\\\"templateName\\\":\\\"main\\\",\\\"phase\\\":\\\"Failed\\\",\\\"podName\\\":\\\"odm-x\\\",\\\"finishedAt\\\":null}]\"";

    int exit = JobFinishedCommand.run(
        new String[] {"--bucket", world.bucket, "--prefix", folder, "--job-id", jobId, "--phase", "Failed", "--failures", failures},
        containerEnvironment(Principal.WORKFLOW));

    assertThat(exit).isZero();
    JsonNode status = world.status(folder).orElseThrow();
    assertThat(status.path("state").asText()).isEqualTo("failed");
    assertThat(status.path("message").asText()).isEqualTo("process failed: main: OOMKilled (exit code 137)");
  }

  @Test
  void anUnreadableFailureListStillRecordsTheFailure() {
    String folder = "failed-unreadable/";
    String jobId = submitted(folder);

    int exit = JobFinishedCommand.run(
        new String[] {"--bucket", world.bucket, "--prefix", folder, "--job-id", jobId, "--phase", "Error", "--failures", "[{not json"},
        containerEnvironment(Principal.WORKFLOW));

    assertThat(exit).isZero();
    JsonNode status = world.status(folder).orElseThrow();
    assertThat(status.path("state").asText()).isEqualTo("failed");
    assertThat(status.path("message").asText()).isEqualTo("workflow error");
  }

  private String submitted(String folder) {
    world.uploadImages(folder, 1);
    world.putManifest(folder, "{}");
    world.notifyCreated(folder + "odm.json");
    return world.awaitState(folder, "submitted").path("jobId").asText();
  }

  @Test
  void keysTheStoreDoesNotKnowFailTheExitHandlerSoArgoRetriesIt() {
    String folder = "unknown-keys/";
    world.uploadImages(folder, 3);
    world.putManifest(folder, "{\"name\": \"exit handler\"}");
    world.notifyCreated(folder + "odm.json");
    String jobId = world.awaitState(folder, "submitted").path("jobId").asText();
    Map<String, String> env = containerEnvironment(Principal.WORKFLOW);
    env.put("AWS_ACCESS_KEY_ID", "not-a-principal");

    int exit = JobFinishedCommand.run(
        new String[] {"--bucket", world.bucket, "--prefix", folder, "--job-id", jobId, "--phase", "Failed"}, env);

    assertThat(exit).as("the keys come from the given environment, and S3 refuses unknown ones").isNotZero();
    assertThat(world.status(folder).orElseThrow().path("state").asText()).isEqualTo("submitted");
  }
}
