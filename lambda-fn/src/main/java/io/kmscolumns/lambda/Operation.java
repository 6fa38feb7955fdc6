package io.kmscolumns.lambda;

/** What a request asks for, as named by its {@code event_type}. */
public enum Operation {

    /** {@code "enc"}: plaintexts in, ciphertexts out. */
    ENCRYPT("enc"),

    /** {@code "dec"}: ciphertexts in, plaintexts out. */
    DECRYPT("dec");

    private final String eventType;

    Operation(String eventType) {
        this.eventType = eventType;
    }

    /**
     * @return the protocol name, {@code enc} or {@code dec}
     */
    public String eventType() {
        return eventType;
    }

    /**
     * @param eventType the request's {@code event_type}
     * @return the operation, or null if the name is not one of the protocol's
     */
    static Operation fromEventType(String eventType) {
        for (Operation operation : values()) {
            if (operation.eventType.equals(eventType)) {
                return operation;
            }
        }
        return null;
    }
}
