package org.odmwatcher.workflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.odmwatcher.config.ArgoConfig;
import org.odmwatcher.config.S3Config;

/**
 * Renders the Workflow for a {@link JobSpec}: loads {@code workflow/workflow.yaml} from the
 * classpath once, then sets name, namespace, labels, annotations, the WorkflowTemplate reference
 * and every parameter of {@link WorkflowParameters} in code.
 */
public final class WorkflowRenderer {
  private static final String RESOURCE = "/workflow/workflow.yaml";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ArgoConfig argo;
  private final S3Config s3;
  private final OdmArguments odmArguments;
  private final GenericKubernetesResource skeleton;

  public WorkflowRenderer(ArgoConfig argo, S3Config s3, OdmArguments odmArguments) {
    this.argo = argo;
    this.s3 = s3;
    this.odmArguments = odmArguments;
    try (InputStream in = WorkflowRenderer.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing classpath resource " + RESOURCE);
      }
      this.skeleton = Serialization.unmarshal(in, GenericKubernetesResource.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public GenericKubernetesResource render(JobSpec job) {
    GenericKubernetesResource wf = Serialization.clone(skeleton);
    ObjectMeta meta = wf.getMetadata();
    meta.setName(job.jobId().workflowName());
    meta.setNamespace(argo.namespace());
    Map<String, String> labels = new LinkedHashMap<>(meta.getLabels() == null ? Map.of() : meta.getLabels());
    labels.put(WorkflowLabels.MANAGED_BY, WorkflowLabels.MANAGED_BY_VALUE);
    labels.put(WorkflowLabels.JOB_ID, job.jobId().value());
    labels.put(WorkflowLabels.BUCKET_HASH, JobId.shortHash(job.bucket()));
    labels.put(WorkflowLabels.PREFIX_HASH, JobId.shortHash(job.bucket() + "/" + job.folder()));
    meta.setLabels(labels);
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(WorkflowLabels.BUCKET, job.bucket());
    annotations.put(WorkflowLabels.PREFIX, job.folder());
    annotations.put(WorkflowLabels.MANIFEST_ETAG, job.manifestETag());
    if (job.manifest().name() != null) {
      annotations.put(WorkflowLabels.JOB_NAME, job.manifest().name());
    }
    meta.setAnnotations(annotations);

    @SuppressWarnings("unchecked")
    Map<String, Object> spec = (Map<String, Object>) wf.getAdditionalProperties().get("spec");
    spec.put("workflowTemplateRef", Map.of("name", argo.workflowTemplate()));
    spec.put("arguments", Map.of("parameters", parameters(job)));
    return wf;
  }

  /** The parameters as name → value, in {@link WorkflowParameters#ALL}'s order. */
  public Map<String, String> parameterValues(JobSpec job) {
    ResourceSizing size = ResourceSizing.forImages(job.images().size(), job.imageBytes());
    Map<String, String> values = new LinkedHashMap<>();
    values.put(WorkflowParameters.BUCKET, job.bucket());
    values.put(WorkflowParameters.PREFIX, job.folder());
    values.put(WorkflowParameters.JOB_ID, job.jobId().value());
    values.put(WorkflowParameters.ODM_ARGS, toJson(odmArguments.render(job.manifest())));
    values.put(WorkflowParameters.OUTPUTS, toJson(job.manifest().outputs()));
    values.put(WorkflowParameters.IMAGE_COUNT, Integer.toString(job.images().size()));
    values.put(WorkflowParameters.S3_ENDPOINT, s3.hasEndpoint() ? s3.endpoint() : "");
    values.put(WorkflowParameters.S3_REGION, s3.region());
    values.put(WorkflowParameters.S3_PATH_STYLE, Boolean.toString(s3.pathStyle()));
    values.put(WorkflowParameters.RESULTS_PREFIX, job.resultsPrefix());
    values.put(WorkflowParameters.MEMORY, size.memory());
    values.put(WorkflowParameters.CPU, size.cpu());
    values.put(WorkflowParameters.WORKSPACE_SIZE, size.workspace());
    return values;
  }

  private List<Map<String, String>> parameters(JobSpec job) {
    List<Map<String, String>> list = new ArrayList<>();
    parameterValues(job).forEach((name, value) -> list.add(Map.of("name", name, "value", value)));
    return list;
  }

  private static String toJson(List<String> values) {
    try {
      return JSON.writeValueAsString(values);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
