package org.odmwatcher.api.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * One entry of NodeODM's {@code GET /options}: the default {@code value} as a string (NodeODM
 * converts every default to a string), {@code domain} a string or, for enums, a list.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record NodeOption(String name, String type, String value, JsonNode domain, String help) {}
