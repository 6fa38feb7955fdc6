package io.kmscolumns.liquibase.statement;

import io.kmscolumns.liquibase.sql.FunctionSet;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import liquibase.exception.DatabaseException;

/**
 * The check {@code createEncryptFunctions} runs after creating the functions (under the JDBC executor only): one
 * fixed text encrypted and decrypted through them, so a wrong function name, region, network path, permission or
 * key fails the changeset that names the Lambda, not the first {@code encryptColumn}.
 */
public final class LambdaProbe {

    private static final String PROBE_TEXT = "kms-columns createEncryptFunctions probe";
    // The keys encryptColumn sends by default, so a key policy restricted to them (the deploy template's
    // EncryptionContextKeys="table,column") accepts the probe too.
    private static final String PROBE_CONTEXT = "{\"table\":\"kms_columns.probe\",\"column\":\"probe\"}";

    private final FunctionSet functions;
    private final String lambdaFunction;

    /**
     * @param functions      the functions just created
     * @param lambdaFunction the Lambda function they call, as configured
     */
    public LambdaProbe(FunctionSet functions, String lambdaFunction) {
        this.functions = functions;
        this.lambdaFunction = lambdaFunction;
    }

    /** Encrypts and decrypts the probe text; throws naming the function, the error and the likely causes. */
    void run(Connection connection) throws DatabaseException {
        String sql = "SELECT " + functions.decrypt() + "(" + functions.encrypt() + "(?, ?::jsonb), ?::jsonb)";
        try (PreparedStatement probe = connection.prepareStatement(sql)) {
            probe.setString(1, PROBE_TEXT);
            probe.setString(2, PROBE_CONTEXT);
            probe.setString(3, PROBE_CONTEXT);
            try (ResultSet row = probe.executeQuery()) {
                row.next();
                if (!PROBE_TEXT.equals(row.getString(1))) {
                    throw failure("the probe text did not come back unchanged from " + functions.decrypt() + ".");
                }
            }
        } catch (SQLException e) {
            throw failure(e.getMessage());
        }
    }

    private DatabaseException failure(String error) {
        return new DatabaseException("kms-columns: createEncryptFunctions created the functions, but a probe "
                + "encrypt-and-decrypt through Lambda function " + lambdaFunction + " failed: " + error
                + " Likely causes: a wrong function name or ARN (lambdaFunction) or region (region); no network "
                + "path from the database to Lambda (VPC endpoint or NAT); the database's IAM role may not invoke "
                + "the function (lambda:InvokeFunction); the function's role may not use the KMS key, or the key is "
                + "disabled. The changeset is not marked as run, and inside its transaction (the default) the "
                + "functions are rolled back too. Fix the cause (or the attributes) and run update again; set "
                + "verifyLambda=\"false\" to create the functions without this check, e.g. while the database "
                + "cannot reach Lambda yet.");
    }
}
