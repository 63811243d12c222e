package io.feedbus.cli;

import io.feedbus.event.FeedbusException;
import io.feedbus.ops.Logs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.PrintWriter;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A command that talks to a running broker over HTTP: data goes to stdout, errors to stderr as one
 * line, and the exit code says what happened ({@link ExitCodes}).
 */
abstract class BrokerCommand implements Callable<Integer> {

  @Option(names = "--url", paramLabel = "URL[,URL...]", defaultValue = "${env:FEEDBUS_URL:-http://127.0.0.1:8080}",
      description = {"The broker, or several nodes of a cluster separated by commas: a command goes to the next one",
          "when one cannot be reached (env FEEDBUS_URL). Default: ${DEFAULT-VALUE}"})
  String url;

  /** The nodes of --url, in order. */
  List<URI> urls = List.of();
  /** The node the current attempt talks to. */
  URI base;

  @Option(names = "--api-key", paramLabel = "KEY", defaultValue = "${env:FEEDBUS_API_KEY}",
      description = "A service API key (env FEEDBUS_API_KEY; prefer it: arguments show in ps), sent as 'Authorization: apikey <key>'.")
  String apiKey;

  @Option(names = "--token", paramLabel = "JWT", defaultValue = "${env:FEEDBUS_TOKEN}",
      description = "A user's JWT (env FEEDBUS_TOKEN), sent as 'Authorization: Bearer <JWT>'.")
  String token;

  @Option(names = "--timeout", paramLabel = "MILLIS", defaultValue = "30000",
      description = "How long to wait for the broker's answer. Default: ${DEFAULT-VALUE}")
  long timeoutMillis;

  @Spec
  CommandSpec spec;

  /** A broker's error answer (status and body), or a failure to reach it. */
  static final class BrokerError extends RuntimeException {
    final int exitCode;

    BrokerError(int exitCode, String message) {
      super(message);
      this.exitCode = exitCode;
    }
  }

  /** Does the work; completes with the exit code, or fails with a {@link BrokerError} / {@link FeedbusException}. */
  abstract Future<Integer> run(Vertx vertx, WebClient http);

  @Override
  public Integer call() throws Exception {
    Logs.quiet();
    List<URI> parsed = new ArrayList<>();
    for (String one : url.split(",")) {
      try {
        URI uri = URI.create(one.trim());
        if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
          throw new IllegalArgumentException("expected http://host:port");
        }
        parsed.add(uri);
      } catch (IllegalArgumentException e) {
        return fail(ExitCodes.USAGE, "--url " + one.trim() + " is not a broker URL: " + e.getMessage());
      }
    }
    urls = List.copyOf(parsed);
    if (present(apiKey) && present(token)) {
      return fail(ExitCodes.USAGE, "give --api-key or --token, not both (FEEDBUS_API_KEY, FEEDBUS_TOKEN)");
    }
    Vertx vertx = Vertx.vertx();
    try {
      Throwable unreachable = null;
      // One node after the other while a node cannot be reached at all; an answer, even an error, is final.
      for (URI node : urls) {
        base = node;
        WebClient http = client(vertx, node);
        try {
          Future<Integer> result;
          try {
            result = run(vertx, http);
          } catch (RuntimeException e) {
            result = Future.failedFuture(e);
          }
          return result.toCompletionStage().toCompletableFuture().get();
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof BrokerError) {
            return fail(((BrokerError) cause).exitCode, cause.getMessage());
          }
          if (cause instanceof FeedbusException) {
            FeedbusException fe = (FeedbusException) cause;
            return fail(fe.status() >= 500 ? ExitCodes.UNAVAILABLE : ExitCodes.REFUSED, fe.code() + ": " + fe.getMessage());
          }
          unreachable = cause;
        } finally {
          http.close();
        }
      }
      return fail(ExitCodes.UNAVAILABLE, "cannot reach the broker at " + url + ": " + unreachable);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  WebClient client(Vertx vertx, URI node) {
    return WebClient.create(vertx, new WebClientOptions()
        .setDefaultHost(node.getHost())
        .setDefaultPort(port(node))
        .setSsl("https".equals(node.getScheme()))
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMillis)));
  }

  static int port(URI node) {
    return node.getPort() > 0 ? node.getPort() : "https".equals(node.getScheme()) ? 443 : 80;
  }

  private static boolean present(String value) {
    return value != null && !value.isBlank();
  }

  /** The {@code Authorization} header for the credential given ({@code --api-key} or {@code --token}), or null. */
  String authorization() {
    if (present(apiKey)) {
      return "apikey " + apiKey.trim();
    }
    return present(token) ? "Bearer " + token.trim() : null;
  }

  /** A GET of the server-sent event stream at {@code uri} on {@code node}, with the credential given, if any. */
  io.vertx.core.http.RequestOptions eventStream(URI node, String uri) {
    io.vertx.core.http.RequestOptions request = new io.vertx.core.http.RequestOptions()
        .setMethod(io.vertx.core.http.HttpMethod.GET)
        .setHost(node.getHost()).setPort(port(node)).setSsl("https".equals(node.getScheme()))
        .setURI(uri).putHeader("accept", "text/event-stream").setConnectTimeout(timeoutMillis);
    String authorization = authorization();
    return authorization == null ? request : request.putHeader("Authorization", authorization);
  }

  /** The request with the credential given, if any. */
  <T> HttpRequest<T> authorized(HttpRequest<T> request) {
    String authorization = authorization();
    return authorization == null ? request : request.putHeader("Authorization", authorization);
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  /** Prints one line of data and flushes it (scripts read line by line). */
  void print(String line) {
    out().println(line);
    out().flush();
  }

  int fail(int exitCode, String message) {
    PrintWriter err = spec.commandLine().getErr();
    err.println("feedbus " + spec.name() + ": " + message);
    err.flush();
    return exitCode;
  }

  /** The JSON body of a 2xx answer, or a {@link BrokerError} with the broker's {@code {error, message}}. */
  Future<Buffer> body(HttpResponse<Buffer> response) {
    if (response.statusCode() / 100 == 2) {
      return Future.succeededFuture(response.body() == null ? Buffer.buffer() : response.body());
    }
    return Future.failedFuture(errorOf(response.statusCode(), response.body()));
  }

  static BrokerError errorOf(int status, Buffer body) {
    String detail = body == null ? "" : body.toString();
    try {
      JsonObject json = new JsonObject(detail);
      detail = json.getString("error", "error") + ": " + json.getString("message", "");
    } catch (DecodeException | ClassCastException e) {
      detail = detail.isBlank() ? "(no body)" : detail;
    }
    return new BrokerError(status >= 500 ? ExitCodes.UNAVAILABLE : ExitCodes.REFUSED, "broker answered " + status + " " + detail);
  }

  /** Epoch milliseconds, or an ISO-8601 instant such as {@code 2026-11-22T10:00:00Z}. */
  static long parseTime(String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      try {
        return Instant.parse(value).toEpochMilli();
      } catch (DateTimeParseException e2) {
        throw new BrokerError(ExitCodes.REFUSED, "--since " + value + " is neither epoch milliseconds nor an ISO-8601 instant (2026-11-22T10:00:00Z)");
      }
    }
  }
}
