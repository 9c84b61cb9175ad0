package org.odmwatcher.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.util.Set;

/**
 * The official STAC 1.1.0 Item and projection extension v2.0.0 JSON schemas, resolved offline from
 * src/test/resources/stac/ (provenance: PROVENANCE.md there): every STAC Item a test sees must
 * satisfy both.
 */
public final class StacSchema {
  public static final String ITEM = "https://schemas.stacspec.org/v1.1.0/item-spec/json-schema/item.json";
  public static final String PROJECTION = "https://stac-extensions.github.io/projection/v2.0.0/schema.json";

  private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7, builder -> builder
      .schemaMappers(m -> m
          .mapPrefix("https://schemas.stacspec.org/v1.1.0/item-spec/json-schema/", "classpath:stac/item-spec/")
          .mapPrefix("https://stac-extensions.github.io/projection/v2.0.0/", "classpath:stac/projection/")
          .mapPrefix("https://geojson.org/schema/", "classpath:stac/geojson/")));

  private StacSchema() {}

  /** What the schema at {@code schemaUrl} (one of the above) finds wrong with {@code item}. */
  public static Set<ValidationMessage> problems(JsonNode item, String schemaUrl) {
    return FACTORY.getSchema(SchemaLocation.of(schemaUrl)).validate(item);
  }

  /** Fails the test unless {@code item} is a valid STAC 1.1.0 Item using the projection extension. */
  public static void assertValid(JsonNode item) {
    assertThat(problems(item, ITEM)).as("STAC 1.1.0 Item schema: %s", item).isEmpty();
    assertThat(problems(item, PROJECTION)).as("projection v2.0.0 schema: %s", item).isEmpty();
  }
}
