package io.kmscolumns.liquibase.change;

import java.util.List;
import java.util.Map;
import liquibase.Scope;
import liquibase.change.Change;
import liquibase.changelog.ChangeLogParameters;
import liquibase.changelog.ChangeSet;
import liquibase.changelog.DatabaseChangeLog;
import liquibase.parser.ChangeLogParserFactory;
import liquibase.resource.ClassLoaderResourceAccessor;
import liquibase.resource.ResourceAccessor;

/** Parses test changelogs from the classpath with Liquibase's own parsers. */
final class Changelogs {

    private Changelogs() {
    }

    static DatabaseChangeLog parse(String path) throws Exception {
        ResourceAccessor accessor = new ClassLoaderResourceAccessor();
        return Scope.child(Map.of(Scope.Attr.resourceAccessor.name(), accessor),
                () -> ChangeLogParserFactory.getInstance().getParser(path, accessor)
                        .parse(path, new ChangeLogParameters(), accessor));
    }

    static List<Change> changes(String path) throws Exception {
        return parse(path).getChangeSets().stream().map(ChangeSet::getChanges).flatMap(List::stream).toList();
    }
}
