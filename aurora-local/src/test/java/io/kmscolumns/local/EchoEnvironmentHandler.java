package io.kmscolumns.local;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A test function for the stack's tests (lambda-fn's real handler is another module): answers with the event it
 * received and the non-secret parts of the environment the stack gave it.
 */
public class EchoEnvironmentHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {

    private final Map<String, String> environment;

    public EchoEnvironmentHandler(Map<String, String> environment) {
        this.environment = environment;
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("event", event);
        response.put("kmsKeyId", environment.get("KMS_KEY_ID"));
        response.put("region", environment.get("AWS_REGION"));
        response.put("kmsEndpoint", environment.get("AWS_ENDPOINT_URL_KMS"));
        response.put("accessKeyId", environment.get("AWS_ACCESS_KEY_ID"));
        return response;
    }
}
