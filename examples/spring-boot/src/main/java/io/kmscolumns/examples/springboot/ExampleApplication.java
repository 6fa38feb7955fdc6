package io.kmscolumns.examples.springboot;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A service that migrates its database at start-up: Spring Boot runs the Liquibase changelog
 * {@code db/changelog/db.changelog-master.yaml}, which encrypts {@code customer.email} through KMS Columns, before
 * the application reports itself started.
 */
@SpringBootApplication
public class ExampleApplication {

    private static final Logger LOG = LoggerFactory.getLogger(ExampleApplication.class);

    /** Starts the application. */
    public static void main(String[] args) {
        // Liquibase reads its own settings from system properties and LIQUIBASE_* variables, not from Spring's
        // properties: turn off its product analytics calls unless the environment already decided.
        if (System.getProperty("liquibase.analytics.enabled") == null
                && System.getenv("LIQUIBASE_ANALYTICS_ENABLED") == null) {
            System.setProperty("liquibase.analytics.enabled", "false");
        }
        SpringApplication.run(ExampleApplication.class, args);
    }

    /** Reports, without values, how many e-mails are stored encrypted once the migrations ran. */
    @Bean
    ApplicationRunner reportEncryptedColumn(JdbcTemplate jdbc) {
        return args -> {
            Long encrypted = jdbc.queryForObject(
                    "SELECT count(*) FROM customer WHERE email LIKE 'kms:v1:%'", Long.class);
            Long present = jdbc.queryForObject("SELECT count(email) FROM customer", Long.class);
            LOG.info("customer.email: {} of {} values stored encrypted", encrypted, present);
        };
    }
}
