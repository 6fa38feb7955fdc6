package io.kmscolumns.lambda;

import java.util.List;
import java.util.Map;

/**
 * One parsed request: the operation, the values in request order (null entries allowed) and the encryption context.
 *
 * @param operation encrypt or decrypt
 * @param batch true for the {@code event_texts} form (answered with {@code results}), false for {@code event_text}
 * @param values the values, in order; a null entry stays null in the answer
 * @param context the KMS encryption context; empty when the request has none
 */
public record CryptoRequest(Operation operation, boolean batch, List<String> values, Map<String, String> context) {

    /**
     * Names a value's place in the request for error messages, never the value itself.
     *
     * @param index position in {@link #values()}
     * @return {@code event_texts[3]} for a batch, {@code event_text} for a single value
     */
    public String where(int index) {
        return batch ? "event_texts[" + index + "]" : "event_text";
    }

    /**
     * @return how many values are not null, that is how many KMS calls the request needs
     */
    public int nonNullCount() {
        int count = 0;
        for (String value : values) {
            if (value != null) {
                count++;
            }
        }
        return count;
    }
}
