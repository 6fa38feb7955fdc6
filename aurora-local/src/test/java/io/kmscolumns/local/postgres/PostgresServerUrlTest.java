package io.kmscolumns.local.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PostgresServerUrlTest {

    @Test
    void anotherDatabaseKeepsHostPortAndParameters() {
        PostgresUrl url = PostgresUrl.parse("jdbc:postgresql://127.0.0.1:55432/postgres?user=postgres&ssl=false");

        assertThat(url.withDatabase("app_1").jdbc())
                .isEqualTo("jdbc:postgresql://127.0.0.1:55432/app_1?user=postgres&ssl=false");
    }

    @Test
    void psqlUrlCarriesUserAndPasswordEncodedAndDropsJdbcOnlyParameters() {
        PostgresUrl url = PostgresUrl.parse("jdbc:postgresql://db.local:5433/my%20db"
                + "?user=app&password=p%40ss%20word&sslmode=require&loggerLevel=OFF");

        assertThat(url.psql()).isEqualTo("postgresql://app:p%40ss%20word@db.local:5433/my%20db?sslmode=require");
    }

    @Test
    void missingPortMeansTheDefaultPort() {
        assertThat(PostgresUrl.parse("jdbc:postgresql://localhost/postgres?user=postgres").port()).isEqualTo(5432);
    }

    @Test
    void notAPostgresJdbcUrlIsRejectedWithoutEchoingThePassword() {
        assertThatThrownBy(() -> PostgresUrl.parse("jdbc:mysql://h/db?password=secret"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a PostgreSQL JDBC URL")
                .hasMessageNotContaining("secret");
    }
}
