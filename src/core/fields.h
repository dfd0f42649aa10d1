/* fields.h - formats of the identifiers people type: usernames, project codes, e-mail */
#ifndef KF_FIELDS_H
#define KF_FIELDS_H

#include <stdbool.h>

#define PASSWORD_MIN_CHARS 12
#define PASSWORD_MAX_BYTES 256

/* ^[a-z0-9][a-z0-9._-]{1,31}$ */
bool field_username_ok(const char *s);
/* ^[A-Za-z0-9_-]{1,32}$ */
bool field_code_ok(const char *s);
/* one '@' with text on both sides and a dot in the domain; no spaces */
bool field_email_ok(const char *s);
/* digits, spaces and + - ( ) only, at least 3 digits */
bool field_phone_ok(const char *s);
/* at least PASSWORD_MIN_CHARS characters, at most PASSWORD_MAX_BYTES bytes */
bool field_password_ok(const char *s);

#endif
