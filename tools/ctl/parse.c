// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsctl: parsing of numbers, sizes, ranges, key=value parameters and
 * hints files.  No I/O besides reading the given FILE; unit-tested on the
 * host (tests/host/ctl/parse_test.c).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* A decimal number without sign, blanks or trailing characters. */
int parse_u64(const char *s, uint64_t *v)
{
	unsigned long long n;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*v = n;
	return 0;
}

/*
 * Bytes: a decimal number optionally followed by K, M, G or T (binary
 * multiples, either case, an optional "iB" or "B" after them).
 */
int parse_size(const char *s, uint64_t *v)
{
	unsigned long long n;
	unsigned int shift = 0;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	switch (*end) {
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	case 't': case 'T':
		shift = 40;
		break;
	case '\0':
		break;
	default:
		return -EINVAL;
	}
	if (shift) {
		end++;
		if (!strcmp(end, "iB") || !strcmp(end, "B"))
			end += strlen(end);
	}
	if (*end)
		return -EINVAL;
	if (shift && n > (UINT64_MAX >> shift))
		return -ERANGE;
	*v = (uint64_t)n << shift;
	return 0;
}

/* OFF:LEN, both sizes; LEN at least 1 and OFF + LEN within 2^64. */
int parse_range(const char *s, uint64_t *off, uint64_t *len)
{
	const char *colon = s ? strchr(s, ':') : NULL;
	char head[64];
	int r;

	if (!colon || (size_t)(colon - s) >= sizeof(head))
		return -EINVAL;
	memcpy(head, s, colon - s);
	head[colon - s] = '\0';
	r = parse_size(head, off);
	if (!r)
		r = parse_size(colon + 1, len);
	if (r)
		return r;
	if (!*len)
		return -EINVAL;
	if (*off + *len < *off)
		return -ERANGE;
	return 0;
}

/* KEY=VALUE: KEY 1..AATTS_KEY_MAX-1 characters, VALUE a decimal u64. */
int parse_kv(const char *s, char key[AATTS_KEY_MAX], uint64_t *value)
{
	const char *eq = strchr(s, '=');
	size_t n;

	if (!eq || eq == s)
		return -EINVAL;
	n = eq - s;
	if (n >= AATTS_KEY_MAX)
		return -ERANGE;
	memset(key, 0, AATTS_KEY_MAX);
	memcpy(key, s, n);
	return parse_u64(eq + 1, value);
}

void hints_free(struct hint *hints, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(hints[i].path);
	free(hints);
}

static int hint_line(char *line, struct hint *h, const char **why)
{
	char *end = line + strlen(line), *word;
	uint64_t score;

	while (end > line && isspace((unsigned char)end[-1]))
		*--end = '\0';
	word = end;
	while (word > line && !isspace((unsigned char)word[-1]))
		word--;
	if (word == line) {
		*why = "expected 'PATH SCORE'";
		return -1;
	}
	if (parse_u64(word, &score)) {
		*why = "score is not a decimal number";
		return -1;
	}
	if (score > AATTS_SCORE_MAX) {
		*why = "score above 2147483647";
		return -1;
	}
	end = word;
	while (end > line && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	h->path = strdup(line);
	if (!h->path) {
		*why = "out of memory";
		return -1;
	}
	h->score = (uint32_t)score;
	return 0;
}

int hints_parse(FILE *f, struct hint **hints, size_t *nr, char *msg,
		size_t msglen)
{
	struct hint *v = NULL;
	size_t n = 0, cap = 0, sz = 0;
	unsigned int lineno = 0;
	char *line = NULL, *p;
	const char *why;
	ssize_t len;

	while ((len = getline(&line, &sz, f)) >= 0) {
		lineno++;
		if ((size_t)len != strlen(line)) {
			why = "NUL byte in line";
			goto bad;
		}
		for (p = line; isspace((unsigned char)*p); p++)
			;
		if (!*p || *p == '#')
			continue;
		if (n == cap) {
			struct hint *nv;

			cap = cap ? cap * 2 : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				why = "out of memory";
				goto bad;
			}
			v = nv;
		}
		if (hint_line(p, &v[n], &why))
			goto bad;
		v[n++].line = lineno;
	}
	free(line);
	if (ferror(f)) {
		snprintf(msg, msglen, "read error after line %u", lineno);
		hints_free(v, n);
		return -1;
	}
	*hints = v;
	*nr = n;
	return 0;
bad:
	snprintf(msg, msglen, "line %u: %s", lineno, why);
	free(line);
	hints_free(v, n);
	return -1;
}

int rangev_add(struct rangev *rv, uint64_t off, uint64_t len, uint32_t score)
{
	struct aatts_range *last = rv->nr ? &rv->v[rv->nr - 1] : NULL;

	if (last && last->score == score && last->off + last->len == off) {
		last->len += len;
		return 0;
	}
	if (rv->nr == rv->cap) {
		size_t cap = rv->cap ? rv->cap * 2 : 64;
		struct aatts_range *v = realloc(rv->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		rv->v = v;
		rv->cap = cap;
	}
	rv->v[rv->nr++] = (struct aatts_range){ .off = off, .len = len,
					  .score = score };
	return 0;
}

void rangev_free(struct rangev *rv)
{
	free(rv->v);
	*rv = (struct rangev){ 0 };
}
