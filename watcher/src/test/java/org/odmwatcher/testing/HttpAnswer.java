package org.odmwatcher.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import java.io.IOException;

/** Status and JSON body of an HTTP answer, whatever the status (the webhook's 2xx, 4xx and 5xx alike). */
public record HttpAnswer(int status, JsonNode body) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public static HttpAnswer exchange(HttpClient http, MutableHttpRequest<?> request) {
    try {
      HttpResponse<String> response = http.toBlocking().exchange(request, Argument.STRING, Argument.STRING);
      return new HttpAnswer(response.code(), json(response.getBody().orElse("")));
    } catch (HttpClientResponseException e) {
      return new HttpAnswer(e.code(), json(e.getResponse().getBody(String.class).orElse("")));
    }
  }

  private static JsonNode json(String text) {
    try {
      return text.isEmpty() ? JSON.missingNode() : JSON.readTree(text);
    } catch (IOException e) {
      throw new AssertionError("answer is not JSON: " + text, e);
    }
  }
}
