package io.kmscolumns.liquibase.statement;

import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import liquibase.Scope;

/**
 * Forwards this library's server notices ({@code RAISE NOTICE 'kms-columns: ...'}) to the Liquibase UI and logger.
 * The CLI's log level defaults to OFF, so messages users must see go to the UI as well.
 */
final class ServerNotices {

    private static final String PREFIX = "kms-columns: ";

    private ServerNotices() {
    }

    static void forward(Statement statement) throws SQLException {
        for (SQLWarning warning = statement.getWarnings(); warning != null; warning = warning.getNextWarning()) {
            String message = warning.getMessage();
            if (message != null && message.startsWith(PREFIX)) {
                tell(message.substring(PREFIX.length()));
            }
        }
        statement.clearWarnings();
    }

    /** A warning users must see: to the UI and to the logger at warning level. */
    static void warn(String message) {
        Scope.getCurrentScope().getUI().sendMessage("kms-columns: WARNING: " + message);
        Scope.getCurrentScope().getLog(ServerNotices.class).warning(message);
    }

    static void tell(String message) {
        Scope.getCurrentScope().getUI().sendMessage("kms-columns: " + message);
        Scope.getCurrentScope().getLog(ServerNotices.class).info(message);
    }
}
