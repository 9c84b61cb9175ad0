package org.odmwatcher.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The bodies of a {@link JobMessage}: the webhook's JSON and Slack's incoming-webhook message. */
public final class MessageBodies {
  /** Block Kit limits: a header's text, a section's text, a field's text (api.slack.com/reference/block-kit/blocks). */
  private static final int HEADER_MAX = 150;
  private static final int SECTION_MAX = 3000;
  private static final int FIELD_MAX = 2000;

  private final ObjectMapper json;

  public MessageBodies(ObjectMapper json) {
    this.json = json;
  }

  /**
   * The webhook's body, shaped as Standard Webhooks recommends ({@code type}, {@code timestamp},
   * {@code data}) plus the {@code id} of the {@code webhook-id} header:
   *
   * <pre>{@code
   * {"id": "odmw_<jobId>_succeeded", "type": "job.succeeded", "timestamp": "2026-12-06T21:00:00Z",
   *  "data": {"bucket", "folder", "jobId", "manifestETag", "name", "state", "message", "errors",
   *           "createdAt", "finishedAt", "durationSeconds", "outputs", "mainOutputs", "links"}}
   * }</pre>
   */
  public byte[] webhook(JobMessage message, Instant now) {
    ObjectNode root = json.createObjectNode();
    root.put("id", message.id());
    root.put("type", "job." + message.state());
    root.put("timestamp", now.toString());
    ObjectNode data = root.putObject("data");
    data.put("bucket", message.bucket());
    data.put("folder", message.folder());
    data.put("jobId", message.status().jobId());
    data.put("manifestETag", message.status().manifestETag());
    data.put("name", message.status().name());
    data.put("state", message.state());
    data.put("message", message.status().message());
    strings(data.putArray("errors"), message.status().errors() == null ? List.of() : message.status().errors());
    data.put("createdAt", message.status().createdAt().toString());
    data.put("finishedAt", message.status().finishedAt() == null ? null : message.status().finishedAt().toString());
    data.put("durationSeconds", message.durationSeconds());
    strings(data.putArray("outputs"), message.status().outputs() == null ? List.of() : message.status().outputs());
    strings(data.putArray("mainOutputs"), message.mainOutputs());
    ObjectNode links = data.putObject("links");
    message.links().forEach(links::put);
    return bytes(root);
  }

  /**
   * Slack's incoming-webhook message (api.slack.com/messaging/webhooks): {@code text} (the
   * notification's fallback) and {@code blocks}: a header, a section with the folder, state and
   * duration as fields, the failure reasons, the main outputs, and the links in a context block.
   */
  public byte[] slack(JobMessage message) {
    ObjectNode root = json.createObjectNode();
    root.put("text", message.headline());
    ArrayNode blocks = root.putArray("blocks");
    ObjectNode header = blocks.addObject();
    header.put("type", "header");
    header.putObject("text").put("type", "plain_text").put("text", cut(message.headline(), HEADER_MAX)).put("emoji", true);
    ObjectNode facts = blocks.addObject();
    facts.put("type", "section");
    ArrayNode fields = facts.putArray("fields");
    field(fields, "*Folder*\n`s3://" + escape(message.bucket() + "/" + message.folder()) + "`");
    field(fields, "*State*\n" + escape(message.state()));
    field(fields, "*Duration*\n" + escape(message.durationText()));
    if (message.status().images() != null) {
      field(fields, "*Images*\n" + message.status().images());
    }
    List<String> reasons = message.failureReasons();
    if (!reasons.isEmpty()) {
      section(blocks, "*Why*\n" + String.join("\n", reasons.stream().map(r -> "• " + escape(r)).toList()));
    }
    List<String> outputs = message.mainOutputs();
    if (!outputs.isEmpty()) {
      section(blocks, "*Outputs*\n" + String.join("\n", outputs.stream().map(o -> "• `" + escape(o) + "`").toList()));
    }
    ObjectNode context = blocks.addObject();
    context.put("type", "context");
    StringBuilder links = new StringBuilder();
    for (Map.Entry<String, String> link : message.links().entrySet()) {
      if (!links.isEmpty()) {
        links.append("  ·  ");
      }
      links.append(link.getValue().startsWith("http") ? "<" + link.getValue() + "|" + link.getKey() + ">"
          : link.getKey() + ": `" + escape(link.getValue()) + "`");
    }
    context.putArray("elements").addObject().put("type", "mrkdwn").put("text", cut(links.toString(), SECTION_MAX));
    return bytes(root);
  }

  private static void field(ArrayNode fields, String text) {
    fields.addObject().put("type", "mrkdwn").put("text", cut(text, FIELD_MAX));
  }

  private static void section(ArrayNode blocks, String text) {
    ObjectNode section = blocks.addObject();
    section.put("type", "section");
    section.putObject("text").put("type", "mrkdwn").put("text", cut(text, SECTION_MAX));
  }

  /** Slack's mrkdwn escapes: the three control characters {@code & < >} (api.slack.com/reference/surfaces/formatting). */
  static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  private static String cut(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max - 1) + "…";
  }

  private static void strings(ArrayNode array, List<String> values) {
    values.forEach(array::add);
  }

  private byte[] bytes(ObjectNode node) {
    try {
      return json.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
