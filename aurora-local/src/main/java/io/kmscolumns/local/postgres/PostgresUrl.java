package io.kmscolumns.local.postgres;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A single-host PostgreSQL JDBC URL ({@code jdbc:postgresql://host:port/database?user=..&password=..}), able to
 * point at another database of the same server and to render itself as a libpq URI that psql accepts.
 */
final class PostgresUrl {

    private static final String PREFIX = "jdbc:postgresql://";

    /** Query parameters that mean the same to pgJDBC and libpq; the others are JDBC-only and dropped for psql. */
    private static final Set<String> LIBPQ_PARAMETERS =
            Set.of("sslmode", "sslrootcert", "sslcert", "sslkey", "options", "application_name", "connect_timeout");

    private final String host;
    private final int port;
    private final String database;
    private final Map<String, String> parameters;

    private PostgresUrl(String host, int port, String database, Map<String, String> parameters) {
        this.host = host;
        this.port = port;
        this.database = database;
        this.parameters = parameters;
    }

    static PostgresUrl of(String host, int port, String database, String user, String password) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", user);
        if (password != null) {
            parameters.put("password", password);
        }
        return new PostgresUrl(host, port, database, parameters);
    }

    static PostgresUrl parse(String jdbcUrl) {
        if (jdbcUrl == null || !jdbcUrl.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a PostgreSQL JDBC URL (expected " + PREFIX
                    + "host:port/database?user=...): " + redact(jdbcUrl));
        }
        URI uri;
        try {
            uri = new URI(jdbcUrl.substring("jdbc:".length()));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("malformed PostgreSQL JDBC URL (only a single host:port is supported): "
                    + redact(jdbcUrl), e);
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("PostgreSQL JDBC URL without a host (only a single host:port is "
                    + "supported): " + redact(jdbcUrl));
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        if (uri.getRawQuery() != null) {
            for (String pair : uri.getRawQuery().split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = decode(eq < 0 ? pair : pair.substring(0, eq));
                parameters.put(key, eq < 0 ? "" : decode(pair.substring(eq + 1)));
            }
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        String database = decode(path.startsWith("/") ? path.substring(1) : path);
        int port = uri.getPort() < 0 ? 5432 : uri.getPort();
        return new PostgresUrl(uri.getHost(), port, database, parameters);
    }

    String host() {
        return host;
    }

    int port() {
        return port;
    }

    String database() {
        return database;
    }

    String user() {
        return parameters.get("user");
    }

    boolean isLoopback() {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1");
    }

    PostgresUrl withDatabase(String otherDatabase) {
        return new PostgresUrl(host, port, otherDatabase, parameters);
    }

    String jdbc() {
        String query = parameters.entrySet().stream()
                .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&"));
        return PREFIX + host + ":" + port + "/" + encode(database) + (query.isEmpty() ? "" : "?" + query);
    }

    /** A {@code postgresql://} URI for psql and other libpq clients, with the JDBC-only parameters left out. */
    String psql() {
        StringBuilder uri = new StringBuilder("postgresql://");
        String user = parameters.get("user");
        if (user != null && !user.isEmpty()) {
            uri.append(encode(user));
            String password = parameters.get("password");
            if (password != null && !password.isEmpty()) {
                uri.append(':').append(encode(password));
            }
            uri.append('@');
        }
        uri.append(host).append(':').append(port).append('/').append(encode(database));
        String query = parameters.entrySet().stream()
                .filter(e -> LIBPQ_PARAMETERS.contains(e.getKey()))
                .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&"));
        return query.isEmpty() ? uri.toString() : uri + "?" + query;
    }

    /** The URL with any password replaced, for messages. */
    static String redact(String jdbcUrl) {
        return jdbcUrl == null ? "null" : jdbcUrl.replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    @Override
    public String toString() {
        return redact(jdbc());
    }

    private static String encode(String value) {
        // URLEncoder writes form encoding; libpq and pgJDBC decode %XX only, so a space must be %20, not '+'.
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String decode(String value) {
        return URLDecoder.decode(value.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
