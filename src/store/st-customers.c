/* st-customers.c - customers, scoped to what the caller may see */
#include "st-common.h"

#include <string.h>

#define CUSTOMER_COLS "c.id, c.name, c.contact, c.phone, c.email, c.address, c.created_at, c.updated_at"

/* The visibility condition of PROCEDURE §1 on customers c; arguments VISIBLE_ARGS. */
#define CUSTOMER_VISIBLE                                                                    \
	"(? = 0 OR (? = 1 AND EXISTS (SELECT 1 FROM projects p JOIN project_members m"      \
	" ON m.project_id = p.id WHERE p.customer_id = c.id AND m.user_id = ?))"            \
	" OR (? = 2 AND c.id = ?))"

int store_customer_insert(struct db *db, json_t *f, int64_t now, int64_t *id)
{
	return db_get_int(db, id,
			  "INSERT INTO customers (name, contact, phone, email, address, created_at,"
			  " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
			  jv_text(f, "name"), jv_text(f, "contact"), jv_text(f, "phone"),
			  jv_text(f, "email"), jv_text(f, "address"), DI(now), DI(now));
}

static const struct patch_col customer_cols[] = {
	{ "name", false, "UPDATE customers SET name = ?, updated_at = ? WHERE id = ?" },
	{ "contact", false, "UPDATE customers SET contact = ?, updated_at = ? WHERE id = ?" },
	{ "phone", false, "UPDATE customers SET phone = ?, updated_at = ? WHERE id = ?" },
	{ "email", false, "UPDATE customers SET email = ?, updated_at = ? WHERE id = ?" },
	{ "address", false, "UPDATE customers SET address = ?, updated_at = ? WHERE id = ?" },
};

int store_customer_update(struct db *db, int64_t id, json_t *fields, int64_t now)
{
	return st_patch(db, customer_cols, ARRAY_SIZE(customer_cols), fields, id, now);
}

json_t *store_customer_get(struct db *db, const struct actor *who, int64_t id)
{
	struct db_stmt *st = db_query(db, "SELECT " CUSTOMER_COLS " FROM customers c"
					  " WHERE c.id = ? AND " CUSTOMER_VISIBLE,
				      DI(id), VISIBLE_ARGS(who));
	json_t *o = db_step(st) == DB_ROW ? store_row_json(st) : NULL;
	db_done(st);
	return o;
}

json_t *store_customers_list(struct db *db, const struct actor *who)
{
	return store_rows_json(db_query(db, "SELECT " CUSTOMER_COLS " FROM customers c"
					    " WHERE " CUSTOMER_VISIBLE " ORDER BY c.id",
					VISIBLE_ARGS(who)));
}

bool store_customer_exists(struct db *db, int64_t id)
{
	int64_t n = 0;
	return db_get_int(db, &n, "SELECT count(*) FROM customers WHERE id = ?", DI(id)) == 0 &&
	       n > 0;
}
