/* fields.c - identifier formats */
#include "fields.h"
#include "../lib/text.h"

#include <string.h>

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool field_username_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n > 32 || !is_lower_alnum(s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!is_lower_alnum(s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

bool field_code_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!is_lower_alnum(c) && !(c >= 'A' && c <= 'Z') && c != '_' && c != '-')
			return false;
	}
	return true;
}

bool field_email_ok(const char *s)
{
	const char *at = strchr(s, '@');
	if (!at || at == s || strchr(at + 1, '@') || strpbrk(s, " \t\r\n<>\"'"))
		return false;
	const char *dot = strrchr(at + 1, '.');
	return dot && dot > at + 1 && dot[1] != '\0';
}

bool field_phone_ok(const char *s)
{
	int digits = 0;
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			digits++;
		else if (!strchr(" +-()", *s))
			return false;
	}
	return digits >= 3;
}

bool field_password_ok(const char *s)
{
	return strlen(s) <= PASSWORD_MAX_BYTES && utf8_chars(s) >= PASSWORD_MIN_CHARS;
}
