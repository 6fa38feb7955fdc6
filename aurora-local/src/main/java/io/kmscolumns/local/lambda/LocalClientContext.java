package io.kmscolumns.local.lambda;

import com.amazonaws.services.lambda.runtime.Client;
import com.amazonaws.services.lambda.runtime.ClientContext;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The client context a caller passed in {@code X-Amz-Client-Context}: base64 of a JSON object with the optional
 * members {@code client}, {@code custom} and {@code env}, as the mobile SDKs send it.
 */
final class LocalClientContext implements ClientContext {

    private final Client client;
    private final Map<String, String> custom;
    private final Map<String, String> environment;

    LocalClientContext(JsonNode json) {
        JsonNode clientJson = json.path("client");
        this.client = new LocalClient(text(clientJson, "installation_id"), text(clientJson, "app_title"),
                text(clientJson, "app_version_name"), text(clientJson, "app_version_code"),
                text(clientJson, "app_package_name"));
        this.custom = strings(json.path("custom"));
        this.environment = strings(json.path("env"));
    }

    @Override
    public Client getClient() {
        return client;
    }

    @Override
    public Map<String, String> getCustom() {
        return custom;
    }

    @Override
    public Map<String, String> getEnvironment() {
        return environment;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static Map<String, String> strings(JsonNode node) {
        Map<String, String> map = new LinkedHashMap<>();
        node.properties().forEach(entry -> map.put(entry.getKey(), entry.getValue().asText()));
        return Map.copyOf(map);
    }

    private record LocalClient(String installationId, String appTitle, String appVersionName,
                               String appVersionCode, String appPackageName) implements Client {
        @Override
        public String getInstallationId() {
            return installationId;
        }

        @Override
        public String getAppTitle() {
            return appTitle;
        }

        @Override
        public String getAppVersionName() {
            return appVersionName;
        }

        @Override
        public String getAppVersionCode() {
            return appVersionCode;
        }

        @Override
        public String getAppPackageName() {
            return appPackageName;
        }
    }
}
