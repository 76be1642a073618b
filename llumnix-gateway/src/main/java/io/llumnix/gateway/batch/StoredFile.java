package io.llumnix.gateway.batch;

import static java.util.Objects.requireNonNull;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A file of the Files API: its OpenAI object plus who may see it ({@code owner}: the API key's name, empty when the
 * gateway is open). Its metadata file on disk holds {@link #toJson} including the owner.
 */
record StoredFile(String id, long bytes, long createdAt, String filename, String purpose, String owner) {

    StoredFile {
        requireNonNull(id, "id is null");
        requireNonNull(filename, "filename is null");
        requireNonNull(purpose, "purpose is null");
        requireNonNull(owner, "owner is null");
    }

    /** The OpenAI file object. */
    ObjectNode toApiJson(JsonMapper json) {
        ObjectNode o = json.createObjectNode();
        o.put("id", id);
        o.put("object", "file");
        o.put("bytes", bytes);
        o.put("created_at", createdAt);
        o.put("filename", filename);
        o.put("purpose", purpose);
        o.put("status", "processed");
        o.putNull("status_details");
        o.putNull("expires_at");
        return o;
    }

    /** What the metadata file holds: the API object and the owner. */
    ObjectNode toJson(JsonMapper json) {
        ObjectNode o = toApiJson(json);
        o.put("_owner", owner);
        return o;
    }

    static StoredFile fromJson(JsonNode n) {
        return new StoredFile(n.get("id").asString(), n.get("bytes").asLong(), n.get("created_at").asLong(), n.get("filename").asString(),
                n.get("purpose").asString(), n.path("_owner").asString(""));
    }
}
