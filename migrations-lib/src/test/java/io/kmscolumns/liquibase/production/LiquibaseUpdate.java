package io.kmscolumns.liquibase.production;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import liquibase.Scope;
import liquibase.command.CommandScope;
import liquibase.resource.DirectoryResourceAccessor;

/**
 * Writes one-changeset changelogs into a directory and runs {@code update} on them through Liquibase's command
 * API, as the CLI would, on a connection marked with {@link #APPLICATION_NAME} so a test can find and end it.
 */
final class LiquibaseUpdate {

    /** The {@code application_name} of Liquibase's database session. */
    static final String APPLICATION_NAME = "kms-production-liquibase";

    private static final String HEADER = """
            <?xml version="1.0" encoding="UTF-8"?>
            <databaseChangeLog
                xmlns="http://www.liquibase.org/xml/ns/dbchangelog"
                xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                xmlns:kms="http://kmscolumns.io/liquibase"
                xsi:schemaLocation="http://www.liquibase.org/xml/ns/dbchangelog
                    http://www.liquibase.org/xml/ns/dbchangelog/dbchangelog-latest.xsd
                    http://kmscolumns.io/liquibase http://kmscolumns.io/liquibase/kms-columns-1.0.xsd">
            """;

    private final String jdbcUrl;
    private final Path directory;

    LiquibaseUpdate(String jdbcUrl, Path directory) {
        this.jdbcUrl = jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?") + "ApplicationName=" + APPLICATION_NAME;
        this.directory = directory;
    }

    /** The changelog that installs the emulation's extension and the encrypt/decrypt functions. */
    String functionsChangelog(String lambdaFunction) throws IOException {
        return write("functions.xml", """
                  <changeSet id="install-aws-lambda" author="production">
                    <kms:installAwsLambda/>
                  </changeSet>
                  <changeSet id="encrypt-functions" author="production">
                    <kms:createEncryptFunctions lambdaFunction="%s" requestTimeoutMs="30000"/>
                  </changeSet>
                """.formatted(lambdaFunction));
    }

    /** A changelog with one non-transactional changeset {@code encrypt-<table>} encrypting the column. */
    String encryptChangelog(String table, String column, int batchSize) throws IOException {
        return write("encrypt-" + table + ".xml", """
                  <changeSet id="%s" author="production" runInTransaction="false">
                    <kms:encryptColumn tableName="%s" columnName="%s" batchSize="%d"/>
                  </changeSet>
                """.formatted(changeSetId(table), table, column, batchSize));
    }

    static String changeSetId(String table) {
        return "encrypt-" + table;
    }

    /** Runs {@code update} on a changelog written by this object. */
    void update(String changelog) throws Exception {
        Scope.child(Map.of(Scope.Attr.resourceAccessor.name(), new DirectoryResourceAccessor(directory)), () -> {
            new CommandScope("update").addArgumentValue("url", jdbcUrl)
                    .addArgumentValue("changelogFile", changelog).execute();
        });
    }

    /** Runs {@code releaseLocks}, what an operator does after a Liquibase session died holding the lock. */
    void releaseLocks() throws Exception {
        Scope.child(Map.of(Scope.Attr.resourceAccessor.name(), new DirectoryResourceAccessor(directory)), () -> {
            new CommandScope("releaseLocks").addArgumentValue("url", jdbcUrl).execute();
        });
    }

    /** Whether DATABASECHANGELOG records the changeset as run. */
    boolean ran(String changeSetId) throws SQLException {
        try (Connection connection = DriverManager.getConnection(jdbcUrl);
             PreparedStatement query = connection.prepareStatement(
                     "SELECT count(*) FROM databasechangelog WHERE id = ? AND author = 'production'")) {
            query.setString(1, changeSetId);
            try (ResultSet row = query.executeQuery()) {
                row.next();
                return row.getLong(1) > 0;
            }
        }
    }

    /** Whether DATABASECHANGELOGLOCK is held. */
    boolean locked() throws SQLException {
        try (Connection connection = DriverManager.getConnection(jdbcUrl);
             PreparedStatement query = connection.prepareStatement(
                     "SELECT count(*) FROM databasechangeloglock WHERE locked")) {
            try (ResultSet row = query.executeQuery()) {
                row.next();
                return row.getLong(1) > 0;
            }
        }
    }

    private String write(String name, String changeSets) throws IOException {
        Files.writeString(directory.resolve(name), HEADER + changeSets + "</databaseChangeLog>\n",
                StandardCharsets.UTF_8);
        return name;
    }
}
