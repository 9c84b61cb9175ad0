package org.odmwatcher.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.odmwatcher.workflow.ArgoWorkflowSubmitter;

/**
 * The Kubernetes mock pages a list with {@code limit} as kube-apiserver does (items in key order,
 * a {@code continue} token while more remain), so code that pages is tested against pages, and a
 * bench that measures memory sees what a page costs, not the whole namespace at once.
 */
class ListPagesTest {
  private final KubernetesClient kubernetes = Clients.kubernetes(RealServers.get(), Principal.CONTROLLER);
  private final String namespace = "pages-" + UUID.randomUUID().toString().substring(0, 8);

  @Test
  void aLimitedListComesInPagesWithAContinueTokenUntilTheLastAndAnUnlimitedOneAtOnce() {
    var workflows = kubernetes.genericKubernetesResources(ArgoWorkflowSubmitter.WORKFLOWS).inNamespace(namespace);
    for (String name : List.of("odm-e", "odm-a", "odm-d", "odm-b", "odm-c")) {
      GenericKubernetesResource wf = new GenericKubernetesResource();
      wf.setApiVersion("argoproj.io/v1alpha1");
      wf.setKind("Workflow");
      wf.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace)
          .withLabels(Map.of("workflows.argoproj.io/completed", name.equals("odm-c") ? "false" : "true")).build());
      workflows.resource(wf).create();
    }
    List<List<String>> pages = new ArrayList<>();
    String token = null;
    do {
      GenericKubernetesResourceList page = workflows.withLabel("workflows.argoproj.io/completed", "true")
          .list(new ListOptionsBuilder().withLimit(2L).withContinue(token).build());
      pages.add(page.getItems().stream().map(w -> w.getMetadata().getName()).toList());
      token = page.getMetadata().getContinue();
    } while (token != null && !token.isEmpty() && pages.size() < 10);
    assertThat(pages).containsExactly(List.of("odm-a", "odm-b"), List.of("odm-d", "odm-e"));
    assertThat(workflows.list().getItems()).hasSize(5);
  }
}
