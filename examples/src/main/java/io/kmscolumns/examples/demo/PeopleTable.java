package io.kmscolumns.examples.demo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.LocalDate;
import java.util.Locale;
import java.util.Random;

import net.datafaker.Faker;

/**
 * The demo's sample table {@code demo.person}: generated people with an e-mail address ({@code text}), a
 * national id ({@code varchar(11)}) and a birth date ({@code date}), the three kinds of columns the demo encrypts.
 *
 * <p>The data comes from datafaker with a fixed seed, so the same seed and row count always give the same table.
 * About one e-mail in fifty is {@code NULL}, because real columns have gaps and encryption must keep them.
 */
public final class PeopleTable {

    /** Schema of the sample table. */
    public static final String SCHEMA = "demo";
    /** Name of the sample table. */
    public static final String TABLE = "person";
    /** Primary key column, used to order and compare rows. */
    public static final String KEY = "id";
    /** The columns the demo changelog encrypts, in changelog order. */
    public static final String[] ENCRYPTED_COLUMNS = {"email", "national_id", "birth_date"};

    private static final int INSERT_BATCH = 1000;
    private static final LocalDate OLDEST_BIRTH_DATE = LocalDate.of(1935, 1, 1);
    private static final int BIRTH_DATE_SPAN_DAYS = 70 * 365;

    private PeopleTable() {
    }

    /**
     * Creates schema {@code demo} and table {@code demo.person} and inserts {@code rows} generated people.
     *
     * @param connection a connection with auto-commit on, allowed to create schemas
     * @param rows       how many people to insert
     * @param seed       seed of the fake-data generator
     */
    public static void create(Connection connection, int rows, long seed) throws SQLException {
        try (Statement ddl = connection.createStatement()) {
            ddl.execute("CREATE SCHEMA IF NOT EXISTS demo");
            ddl.execute("DROP TABLE IF EXISTS demo.person");
            ddl.execute("CREATE TABLE demo.person ("
                    + " id bigint PRIMARY KEY,"
                    + " first_name text NOT NULL,"
                    + " last_name text NOT NULL,"
                    + " email text,"
                    + " phone text,"
                    + " national_id varchar(11) NOT NULL,"
                    + " birth_date date NOT NULL,"
                    + " city text NOT NULL)");
        }

        Faker faker = new Faker(Locale.US, new Random(seed));
        String insert = "INSERT INTO demo.person"
                + " (id, first_name, last_name, email, phone, national_id, birth_date, city)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (PreparedStatement statement = connection.prepareStatement(insert)) {
            for (int id = 1; id <= rows; id++) {
                addPerson(statement, faker, id);
                if (id % INSERT_BATCH == 0 || id == rows) {
                    statement.executeBatch();
                }
            }
            connection.commit();
        } catch (SQLException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    private static void addPerson(PreparedStatement statement, Faker faker, int id) throws SQLException {
        String firstName = faker.name().firstName();
        String lastName = faker.name().lastName();
        String localPart = (firstName + "." + lastName).toLowerCase(Locale.ROOT).replaceAll("[^a-z.]", "");

        statement.setLong(1, id);
        statement.setString(2, firstName);
        statement.setString(3, lastName);
        if (faker.random().nextInt(50) == 0) {
            statement.setNull(4, Types.VARCHAR);
        } else {
            statement.setString(4, faker.internet().emailAddress(localPart));
        }
        statement.setString(5, faker.phoneNumber().cellPhone());
        statement.setString(6, faker.idNumber().ssnValid());
        LocalDate birthDate = OLDEST_BIRTH_DATE.plusDays(faker.random().nextInt(BIRTH_DATE_SPAN_DAYS));
        statement.setObject(7, birthDate);
        statement.setString(8, faker.address().city());
        statement.addBatch();
    }
}
