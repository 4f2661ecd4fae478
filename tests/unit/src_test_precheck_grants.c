/*
 * src_test_precheck_grants.c - SHOW GRANTS lines as MySQL 5.6-8.4 and
 * MariaDB 10.x-11.x print them, read into the privileges the prechecks
 * look for: global, database (with LIKE patterns) and table grants,
 * ALL PRIVILEGES, MySQL 8's REPLICA and dynamic privileges, MariaDB's
 * BINLOG MONITOR, and lines that grant nothing here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "src/task/precheck_int.h"

static void
add(struct pc_grants *g, const char *line)
{
    pc_grants_add_line(g, line, strlen(line));
}

static void
test_mysql_57_replication_account(void **state)
{
    struct pc_grants g;

    (void)state;
    memset(&g, 0, sizeof(g));
    add(&g, "GRANT SELECT, RELOAD, REPLICATION SLAVE, REPLICATION CLIENT "
            "ON *.* TO 'repl'@'%'");
    assert_false(g.failed);
    assert_int_equal(pc_grants_have(&g, PC_PRIV_SELECT | PC_PRIV_RELOAD |
                                    PC_PRIV_REPL_SLAVE |
                                    PC_PRIV_REPL_CLIENT, NULL, NULL),
                     PC_PRIV_SELECT | PC_PRIV_RELOAD | PC_PRIV_REPL_SLAVE |
                     PC_PRIV_REPL_CLIENT);
    assert_int_equal(pc_grants_have(&g, PC_PRIV_INSERT, "shop", "t"), 0);
    /* global SELECT reaches every table */
    assert_int_equal(pc_grants_have(&g, PC_PRIV_SELECT, "shop", "orders"),
                     PC_PRIV_SELECT);
    pc_grants_free(&g);
}

static void
test_mysql_8_replica_and_dynamic_lines(void **state)
{
    struct pc_grants g;

    (void)state;
    memset(&g, 0, sizeof(g));
    add(&g, "GRANT SELECT, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO "
            "`repl`@`%`");
    /* dynamic privileges and roles: nothing the checks need */
    add(&g, "GRANT BACKUP_ADMIN,REPLICATION_SLAVE_ADMIN ON *.* TO "
            "`repl`@`%`");
    add(&g, "GRANT `r_read`@`%` TO `repl`@`%`");
    assert_false(g.failed);
    assert_int_equal(pc_grants_have(&g, PC_PRIV_REPL_SLAVE |
                                    PC_PRIV_REPL_CLIENT, NULL, NULL),
                     PC_PRIV_REPL_SLAVE | PC_PRIV_REPL_CLIENT);
    assert_int_equal(pc_grants_have(&g, PC_PRIV_SUPER, NULL, NULL), 0);
    pc_grants_free(&g);
}

static void
test_all_privileges_and_usage(void **state)
{
    struct pc_grants g;

    (void)state;
    memset(&g, 0, sizeof(g));
    add(&g, "GRANT USAGE ON *.* TO 'app'@'%' IDENTIFIED BY PASSWORD "
            "'*0123456789ABCDEF0123456789ABCDEF01234567'");
    assert_int_equal(pc_grants_have(&g, PC_PRIV_ALL, NULL, NULL), 0);
    add(&g, "GRANT ALL PRIVILEGES ON `shop`.* TO 'app'@'%'");
    assert_int_equal(pc_grants_have(&g, PC_PRIV_CREATE | PC_PRIV_INSERT,
                                    "shop", NULL),
                     PC_PRIV_CREATE | PC_PRIV_INSERT);
    assert_int_equal(pc_grants_have(&g, PC_PRIV_INSERT, "crm", NULL), 0);
    pc_grants_free(&g);
}

static void
test_database_patterns_and_tables(void **state)
{
    struct pc_grants g;

    (void)state;
    memset(&g, 0, sizeof(g));
    /* `shop\_%`: an escaped underscore, then any suffix */
    add(&g, "GRANT SELECT ON `shop\\_%`.* TO 'r'@'%'");
    add(&g, "GRANT SELECT, INSERT ON `crm`.`users` TO 'r'@'%'");
    assert_false(g.failed);
    assert_int_equal(pc_grants_have(&g, PC_PRIV_SELECT, "shop_eu", "t"),
                     PC_PRIV_SELECT);
    assert_int_equal(pc_grants_have(&g, PC_PRIV_SELECT, "shopXeu", "t"), 0);
    assert_int_equal(pc_grants_have(&g, PC_PRIV_SELECT | PC_PRIV_INSERT,
                                    "crm", "users"),
                     PC_PRIV_SELECT | PC_PRIV_INSERT);
    assert_int_equal(pc_grants_have(&g, PC_PRIV_SELECT, "crm", "orders"), 0);
    pc_grants_free(&g);
}

static void
test_mariadb_binlog_monitor(void **state)
{
    struct pc_grants g;

    (void)state;
    memset(&g, 0, sizeof(g));
    add(&g, "GRANT SELECT, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO "
            "`repl`@`%` IDENTIFIED BY PASSWORD "
            "'*0123456789ABCDEF0123456789ABCDEF01234567'");
    assert_int_equal(pc_grants_have(&g, PC_PRIV_REPL_CLIENT, NULL, NULL),
                     PC_PRIV_REPL_CLIENT);
    pc_grants_free(&g);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mysql_57_replication_account),
        cmocka_unit_test(test_mysql_8_replica_and_dynamic_lines),
        cmocka_unit_test(test_all_privileges_and_usage),
        cmocka_unit_test(test_database_patterns_and_tables),
        cmocka_unit_test(test_mariadb_binlog_monitor),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
