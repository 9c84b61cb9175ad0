package org.odmwatcher.notify;

import io.micronaut.core.annotation.Nullable;
import jakarta.mail.Authenticator;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.PasswordAuthentication;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.odmwatcher.config.NotifyConfig;

/**
 * Sends a {@link JobMessage} by SMTP (Jakarta Mail, Eclipse Angus): one {@code
 * multipart/alternative} message, plain text and HTML, with the state, duration, failure reasons,
 * main outputs and the dashboard link. Server, port, TLS and authentication come from {@code
 * watcher.notify.smtp-*} (the password from a Secret); each attempt is bounded by the connect and
 * read timeouts. The message carries the idempotency id in {@code X-ODM-Watcher-Id} and a
 * deterministic {@code Message-ID}, so a mail system or a person can tell a retry from a new event.
 */
public final class MailSender {
  private final NotifyConfig config;
  private final @Nullable Session session;

  public MailSender(NotifyConfig config) {
    this.config = config;
    this.session = config.smtpHost() == null || config.smtpHost().isBlank() ? null : session(config);
  }

  private static Session session(NotifyConfig config) {
    Properties p = new Properties();
    String protocol = "tls".equals(config.smtpSecurity()) ? "smtps" : "smtp";
    p.put("mail.transport.protocol", protocol);
    String prefix = "mail." + protocol + ".";
    p.put(prefix + "host", config.smtpHost());
    p.put(prefix + "port", Integer.toString(config.smtpPort()));
    p.put(prefix + "connectiontimeout", Long.toString(config.connectTimeout().toMillis()));
    p.put(prefix + "timeout", Long.toString(config.readTimeout().toMillis()));
    p.put(prefix + "writetimeout", Long.toString(config.readTimeout().toMillis()));
    if ("starttls".equals(config.smtpSecurity())) {
      p.put(prefix + "starttls.enable", "true");
      p.put(prefix + "starttls.required", "true");
    }
    if (!"none".equals(config.smtpSecurity())) {
      p.put(prefix + "ssl.checkserveridentity", "true");
    }
    boolean auth = config.smtpUsername() != null && !config.smtpUsername().isBlank();
    p.put(prefix + "auth", Boolean.toString(auth));
    Authenticator authenticator = !auth ? null : new Authenticator() {
      @Override
      protected PasswordAuthentication getPasswordAuthentication() {
        return new PasswordAuthentication(config.smtpUsername(), config.smtpPassword() == null ? "" : config.smtpPassword());
      }
    };
    return Session.getInstance(p, authenticator);
  }

  /** Sends one message to {@code to}, on the calling thread. */
  public WebhookDeliverer.Attempt send(JobMessage message, List<String> to) {
    if (session == null) {
      return WebhookDeliverer.Attempt.retry("watcher.notify.smtp-host is not set");
    }
    try {
      MimeMessage mail = new MimeMessage(session) {
        @Override
        protected void updateMessageID() throws MessagingException {
          setHeader("Message-ID", "<" + message.id() + "@odm-watcher>");
        }
      };
      mail.setFrom(new InternetAddress(config.smtpFrom(), true));
      for (String address : to) {
        mail.addRecipient(Message.RecipientType.TO, new InternetAddress(address, true));
      }
      mail.setSubject("[ODM] " + message.headline(), StandardCharsets.UTF_8.name());
      mail.setSentDate(Date.from(Instant.now()));
      mail.setHeader("X-ODM-Watcher-Id", message.id());
      MimeMultipart alternative = new MimeMultipart("alternative");
      MimeBodyPart text = new MimeBodyPart();
      text.setText(plain(message), StandardCharsets.UTF_8.name(), "plain");
      MimeBodyPart html = new MimeBodyPart();
      html.setText(html(message), StandardCharsets.UTF_8.name(), "html");
      alternative.addBodyPart(text); // least preferred first (RFC 2046 5.1.4)
      alternative.addBodyPart(html);
      mail.setContent(alternative);
      Transport.send(mail);
      return WebhookDeliverer.Attempt.delivered("sent to " + to.size() + " address(es)");
    } catch (MessagingException | RuntimeException e) {
      return WebhookDeliverer.Attempt.retry(e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  static String plain(JobMessage message) {
    StringBuilder b = new StringBuilder();
    b.append(message.headline()).append("\n\n");
    b.append("Folder:   s3://").append(message.bucket()).append('/').append(message.folder()).append('\n');
    b.append("State:    ").append(message.state()).append(" — ").append(message.status().message()).append('\n');
    b.append("Duration: ").append(message.durationText()).append('\n');
    List<String> reasons = message.failureReasons();
    if (reasons.size() > 1 || !reasons.isEmpty() && !reasons.get(0).equals(message.status().message())) {
      b.append("\nWhy:\n");
      reasons.forEach(r -> b.append("  - ").append(r).append('\n'));
    }
    if (!message.mainOutputs().isEmpty()) {
      b.append("\nOutputs:\n");
      message.mainOutputs().forEach(o -> b.append("  - s3://").append(message.bucket()).append('/').append(o).append('\n'));
    }
    b.append('\n');
    message.links().forEach((name, link) -> b.append(name).append(": ").append(link).append('\n'));
    return b.toString();
  }

  static String html(JobMessage message) {
    StringBuilder b = new StringBuilder("<!doctype html><html><body>");
    b.append("<h2>").append(escape(message.headline())).append("</h2><table>");
    row(b, "Folder", "s3://" + message.bucket() + "/" + message.folder());
    row(b, "State", message.state() + " — " + message.status().message());
    row(b, "Duration", message.durationText());
    b.append("</table>");
    List<String> reasons = message.failureReasons();
    if (!reasons.isEmpty()) {
      b.append("<h3>Why</h3><ul>");
      reasons.forEach(r -> b.append("<li>").append(escape(r)).append("</li>"));
      b.append("</ul>");
    }
    if (!message.mainOutputs().isEmpty()) {
      b.append("<h3>Outputs</h3><ul>");
      message.mainOutputs().forEach(o -> b.append("<li><code>s3://").append(escape(message.bucket() + "/" + o)).append("</code></li>"));
      b.append("</ul>");
    }
    b.append("<p>");
    for (Map.Entry<String, String> link : message.links().entrySet()) {
      if (link.getValue().startsWith("http")) {
        b.append("<a href=\"").append(escape(link.getValue())).append("\">").append(escape(link.getKey())).append("</a> ");
      } else {
        b.append(escape(link.getKey())).append(": <code>").append(escape(link.getValue())).append("</code> ");
      }
    }
    return b.append("</p></body></html>").toString();
  }

  private static void row(StringBuilder b, String name, String value) {
    b.append("<tr><th align=\"left\">").append(escape(name)).append("</th><td>").append(escape(value)).append("</td></tr>");
  }

  /** The five characters HTML gives a meaning to in text and attribute values. */
  private static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;");
  }

}
