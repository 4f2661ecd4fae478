/*
 * spec_lookup.c - selection and mapping on a loaded task spec, for the
 * pipeline (see spec.h for the contract).
 *
 * Loading sorted the objects by database (by_db_) and each table-by-table
 * object's tables by name (by_name_), so databases and tables are found
 * by binary search with exact comparison; column renames and exclusions
 * are short lists searched linearly, ASCII case-insensitively as MySQL
 * compares column names.  Nothing here allocates or changes the spec.
 */
#include "proto/mysql/ddl_rewrite.h"
#include "src/task/spec_int.h"

#include <string.h>

const struct task_object *
task_spec_find_db(const struct task_spec *s, const char *db)
{
    size_t lo = 0, hi = s->nobjects, mid;
    int r;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        r = strcmp(db, s->by_db_[mid]->db);
        if (r == 0) {
            return s->by_db_[mid];
        }
        if (r < 0) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return NULL;
}

const struct task_table *
task_spec_find_table(const struct task_spec *s, const char *db,
                     const char *table, const struct task_object **obj_out)
{
    const struct task_object *o = task_spec_find_db(s, db);
    size_t lo = 0, hi, mid;
    int r;

    if (obj_out != NULL) {
        *obj_out = NULL;
    }
    if (o == NULL) {
        return NULL;
    }
    if (o->whole_db) {
        if (obj_out != NULL) {
            *obj_out = o;
        }
        return NULL;
    }
    hi = o->ntables;
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        r = strcmp(table, o->by_name_[mid]->name);
        if (r == 0) {
            if (obj_out != NULL) {
                *obj_out = o;
            }
            return o->by_name_[mid];
        }
        if (r < 0) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return NULL;
}

bool
task_spec_table_selected(const struct task_spec *s, const char *db,
                         const char *table)
{
    const struct task_object *o;

    task_spec_find_table(s, db, table, &o);
    return o != NULL;
}

const char *
task_spec_map_db(const struct task_spec *s, const char *db)
{
    const struct task_object *o = task_spec_find_db(s, db);

    return o != NULL ? o->as : NULL;
}

const char *
task_spec_map_table(const struct task_spec *s, const char *db,
                    const char *table)
{
    const struct task_object *o;
    const struct task_table *t = task_spec_find_table(s, db, table, &o);

    if (o == NULL) {
        return NULL;
    }
    return t != NULL ? t->as : table;
}

bool
task_spec_column_excluded(const struct task_table *t, const char *column)
{
    size_t k;

    if (t == NULL) {
        return false;
    }
    for (k = 0; k < t->nexclude_columns; k++) {
        if (task_spec_ascii_casecmp(column, t->exclude_columns[k]) == 0) {
            return true;
        }
    }
    return false;
}

const char *
task_spec_map_column(const struct task_table *t, const char *column)
{
    size_t k;

    if (t == NULL) {
        return column;
    }
    if (task_spec_column_excluded(t, column)) {
        return NULL;
    }
    for (k = 0; k < t->ncolumns; k++) {
        if (task_spec_ascii_casecmp(column, t->columns[k].from) == 0) {
            return t->columns[k].to;
        }
    }
    return column;
}

/* ---- the mapping as the DDL rewriter asks for it ---- */

static const char *
ddl_map_db(void *arg, const char *db)
{
    return task_spec_map_db(arg, db);
}

static const char *
ddl_map_table(void *arg, const char *db, const char *table, bool *rules)
{
    const struct task_object *obj = NULL;
    const struct task_table *t = task_spec_find_table(arg, db, table, &obj);

    if (obj == NULL) {
        return NULL;
    }
    *rules = t != NULL &&
             (t->ncolumns > 0 || t->nexclude_columns > 0 || t->filter != NULL);
    return t != NULL ? t->as : table;
}

static const char *
ddl_map_column(void *arg, const char *db, const char *table,
               const char *column)
{
    return task_spec_map_column(task_spec_find_table(arg, db, table, NULL),
                                column);
}

void
task_spec_ddl_map(const struct task_spec *s, struct ddl_rw_map *map)
{
    map->db = ddl_map_db;
    map->table = ddl_map_table;
    map->column = ddl_map_column;
    map->arg = (void *)s;
}
