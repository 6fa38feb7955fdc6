package io.kmscolumns.liquibase.change;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import liquibase.change.Change;
import org.junit.jupiter.api.Test;

/**
 * Pins the checksums of the parity changelog's changes: a change here means every applied changeset using these
 * change types would fail validation after an upgrade ("checksum was ... is now ...").
 */
class ChecksumTest {

    @Test
    void checksumsOfAppliedChangesStayPinned() throws Exception {
        List<String> checksums = Changelogs.changes("changelogs/parity/changelog.xml").stream()
                .map(change -> change.generateCheckSum().toString()).toList();

        assertThat(checksums).containsExactly(
                "9:db8a50035e5b93defe4b7c1f71695786",
                "9:e57c47d6160c5912ccc35d1157bd319d",
                "9:d44a721496a22607179efa34b91392ee",
                "9:74b83c7b3c2e1a76d0c84ad2b55a01a2");
    }

    @Test
    void batchSizeAndPauseDoNotChangeTheColumnChecksum() {
        EncryptColumnChange tuned = encryptEmail();
        tuned.setBatchSize(1000);
        tuned.setPauseMillis(250);

        assertThat(tuned.generateCheckSum()).isEqualTo(encryptEmail().generateCheckSum());
    }

    @Test
    void dependentViewsAndUserTriggersDoNotChangeTheColumnChecksum() {
        EncryptColumnChange handled = encryptEmail();
        handled.setDependentViews("recreate");
        handled.setUserTriggers("fire");

        assertThat(handled.generateCheckSum()).isEqualTo(encryptEmail().generateCheckSum());
    }

    @Test
    void timeoutsDoNotChangeTheFunctionsChecksum() {
        CreateEncryptFunctionsChange tuned = functions();
        tuned.setRequestTimeoutMs(120_000);
        tuned.setConnectTimeoutMs(5_000);

        assertThat(tuned.generateCheckSum()).isEqualTo(functions().generateCheckSum());
    }

    @Test
    void verifyLambdaDoesNotChangeTheFunctionsChecksum() {
        CreateEncryptFunctionsChange unverified = functions();
        unverified.setVerifyLambda(false);

        assertThat(unverified.generateCheckSum()).isEqualTo(functions().generateCheckSum());
    }

    @Test
    void schemaRelevantAttributesChangeTheChecksum() {
        EncryptColumnChange otherContext = encryptEmail();
        otherContext.setEncryptionContext("{\"tenant\":\"other\"}");
        EncryptColumnChange noTrigger = encryptEmail();
        noTrigger.setInstallTrigger(false);
        CreateEncryptFunctionsChange otherRoles = functions();
        otherRoles.setDecryptRoles("auditor");

        assertThat(otherContext.generateCheckSum()).isNotEqualTo(encryptEmail().generateCheckSum());
        assertThat(noTrigger.generateCheckSum()).isNotEqualTo(encryptEmail().generateCheckSum());
        assertThat(otherRoles.generateCheckSum()).isNotEqualTo(functions().generateCheckSum());
    }

    @Test
    void encryptAndDecryptOfTheSameColumnHaveDifferentChecksums() {
        Change decrypt = encryptEmail().createInverses()[0];

        assertThat(decrypt.generateCheckSum()).isNotEqualTo(encryptEmail().generateCheckSum());
    }

    private static EncryptColumnChange encryptEmail() {
        EncryptColumnChange change = new EncryptColumnChange();
        change.setTableName("customers");
        change.setColumnName("email");
        change.setBatchSize(100);
        return change;
    }

    private static CreateEncryptFunctionsChange functions() {
        CreateEncryptFunctionsChange change = new CreateEncryptFunctionsChange();
        change.setLambdaFunction("kms-crypto");
        change.setDecryptRoles("reader");
        change.setRequestTimeoutMs(10_000);
        return change;
    }
}
