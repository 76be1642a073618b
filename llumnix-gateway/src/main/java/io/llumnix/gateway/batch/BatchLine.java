package io.llumnix.gateway.batch;

import static java.util.Objects.requireNonNull;

/**
 * One request of an input file: {@code {"custom_id", "method", "url", "body"}}.
 *
 * @param index position among the file's requests, from 0: the key of its result in the journal
 * @param lineNumber the line of the file it came from, from 1 (for error messages)
 * @param body the request body as JSON text
 */
record BatchLine(int index, int lineNumber, String customId, String url, String body) {

    BatchLine {
        requireNonNull(customId, "customId is null");
        requireNonNull(url, "url is null");
        requireNonNull(body, "body is null");
    }
}
