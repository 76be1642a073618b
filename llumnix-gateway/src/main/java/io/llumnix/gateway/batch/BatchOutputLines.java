package io.llumnix.gateway.batch;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Lines of output and error files in OpenAI's shape: {@code {"id": "batch_req_…", "custom_id", "response":
 * {"status_code", "request_id", "body"}, "error": null}} for an answered request (whatever its status), and
 * {@code {"id", "custom_id", "response": null, "error": {"code", "message"}}} for one that got no answer. Stateless.
 */
final class BatchOutputLines {

    private BatchOutputLines() {}

    static ObjectNode answered(JsonMapper json, BatchLine line, LineExecutor.Answered a) {
        ObjectNode out = json.createObjectNode();
        out.put("id", BatchIds.request());
        out.put("custom_id", line.customId());
        ObjectNode response = out.putObject("response");
        response.put("status_code", a.statusCode());
        JsonNode body;
        try {
            body = json.readTree(a.body());
        } catch (JacksonException e) {
            body = json.getNodeFactory().stringNode(a.body());
        }
        response.put("request_id", a.requestId().isEmpty() ? body.path("id").asString("") : a.requestId());
        response.set("body", body);
        out.putNull("error");
        return out;
    }

    static ObjectNode failed(JsonMapper json, BatchLine line, String code, String message) {
        ObjectNode out = json.createObjectNode();
        out.put("id", BatchIds.request());
        out.put("custom_id", line.customId());
        out.putNull("response");
        ObjectNode error = out.putObject("error");
        error.put("code", code);
        error.put("message", message);
        return out;
    }
}
