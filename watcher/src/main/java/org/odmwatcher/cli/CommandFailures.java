package org.odmwatcher.cli;

import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Optional;
import org.odmwatcher.local.PortInUseException;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * How the commands fail: one line on stderr that says what is wrong and what to do, exit code 1,
 * and the stack trace only with {@code --verbose} (added to every command made here). What a pilot
 * or operator meets on day one is explained (no keys, wrong keys, S3 not reachable, a port taken);
 * anything else is named by its type and message, still on one line.
 */
public final class CommandFailures implements CommandLine.IExecutionExceptionHandler {
  static final String VERBOSE = "--verbose";
  private static final String LOAD_KEYS = "set -a; . ./odm-data/local.env; set +a";

  /** {@code command} ready to execute: failures explained, {@code --verbose} for the stack trace. */
  public static CommandLine commandLine(Object command) {
    CommandLine cli = new CommandLine(command);
    cli.getCommandSpec().addOption(OptionSpec.builder(VERBOSE)
        .description("On an error, print its stack trace too (for a bug report)").build());
    return cli.setExecutionExceptionHandler(new CommandFailures());
  }

  @Override
  public int handleExecutionException(Exception e, CommandLine cli, ParseResult parsed) {
    PrintWriter err = cli.getErr();
    Optional<S3Options> s3 = cli.getMixins().values().stream()
        .filter(S3Options.class::isInstance).map(S3Options.class::cast).findFirst();
    boolean verbose = parsed.hasMatchedOption(VERBOSE);
    err.println(cli.getCommandName() + ": " + explain(e, s3.map(S3Options::endpoint).orElse(null),
        s3.map(S3Options::accessKeyInUse).orElse(null))
        + (verbose || known(e) ? "" : " (run again with " + VERBOSE + " for the stack trace)"));
    if (verbose) {
      e.printStackTrace(err);
    }
    err.flush();
    return 1;
  }

  /** What went wrong and what to do, on one line. */
  static String explain(Throwable e, String endpoint, String accessKey) {
    if (e instanceof PortInUseException port) {
      return "port " + port.port() + " on " + port.host() + " is in use ("
          + (port.server() == PortInUseException.Server.S3
              ? "the S3 server's): choose another with --port"
              : "the dashboard's and NodeODM API's): choose another with --http-port (0 = any free port)");
    }
    if (e instanceof S3Exception s3 && s3.awsErrorDetails() != null && s3.awsErrorDetails().errorCode() != null) {
      String code = s3.awsErrorDetails().errorCode();
      return switch (code) {
        case "SignatureDoesNotMatch" -> "the secret key does not match access key " + accessKey + " (" + code
            + "): load the keys again (" + LOAD_KEYS + ") or check --secret-key / AWS_SECRET_ACCESS_KEY";
        case "InvalidAccessKeyId" -> "unknown access key id " + accessKey + " (" + code
            + "): load the keys again (" + LOAD_KEYS + ") or check --access-key / AWS_ACCESS_KEY_ID";
        case "AccessDenied" -> "access key " + accessKey + " may not do this (" + code
            + "): its policy does not allow it on this bucket and folder";
        case "NoSuchBucket" -> "no such bucket at " + (endpoint == null ? "AWS" : endpoint) + " (" + code
            + "): check the bucket in s3://bucket/folder/ (local mode's is odm unless --bucket)";
        default -> "S3 refused: " + code + " (" + s3.awsErrorDetails().errorMessage() + ")";
      };
    }
    if (e instanceof SdkClientException client) {
      if (String.valueOf(client.getMessage()).startsWith("Unable to load credentials")) {
        return "no S3 keys: load ./odm-data/local.env (" + LOAD_KEYS + "),"
            + " or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or an AWS profile)";
      }
      Optional<String> unreachable = unreachable(client);
      if (unreachable.isPresent()) {
        return endpoint == null
            ? "cannot reach S3 (" + unreachable.get() + "): check the network, or --endpoint / AWS_ENDPOINT_URL"
            : "cannot reach the S3 endpoint " + endpoint + " (" + unreachable.get() + "): is `local` running?"
                + " (or check --endpoint / AWS_ENDPOINT_URL)";
      }
    }
    if (e instanceof IllegalArgumentException) {
      return e.getMessage();
    }
    return e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  private static boolean known(Throwable e) {
    return e instanceof PortInUseException || e instanceof S3Exception || e instanceof SdkClientException
        || e instanceof IllegalArgumentException;
  }

  /** Why no connection could be made, if that is what failed. */
  private static Optional<String> unreachable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException) {
        return Optional.of("connection refused");
      }
      if (t instanceof UnknownHostException) {
        return Optional.of("unknown host " + t.getMessage());
      }
      if (t instanceof NoRouteToHostException) {
        return Optional.of("no route to host");
      }
      if (t instanceof SocketTimeoutException) {
        return Optional.of("timed out");
      }
    }
    return Optional.empty();
  }
}
