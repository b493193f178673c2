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

/* A line-oriented file: blank lines and '#' comment lines are skipped. */
struct lines {
	FILE *f;
	char *line;
	size_t sz;
	unsigned int no;	/* of the line read last */
};

/*
 * The next line with content, its leading blanks skipped, in *p: 1; 0 at
 * the end of the file (or a read error: ferror); -1 with *why when the
 * line holds a NUL byte.
 */
static int next_line(struct lines *l, char **p, const char **why)
{
	ssize_t len;
	char *s;

	while ((len = getline(&l->line, &l->sz, l->f)) >= 0) {
		l->no++;
		if ((size_t)len != strlen(l->line)) {
			*why = "NUL byte in line";
			return -1;
		}
		for (s = l->line; isspace((unsigned char)*s); s++)
			;
		if (*s && *s != '#') {
			*p = s;
			return 1;
		}
	}
	return 0;
}

/*
 * Room for element n of v (capacity *cap, doubling from first): v, or
 * the array moved; NULL when out of memory (v is then unchanged).
 */
static void *grow(void *v, size_t n, size_t *cap, size_t elem, size_t first)
{
	size_t c = *cap ? *cap * 2 : first;
	void *nv;

	if (n < *cap)
		return v;
	nv = realloc(v, c * elem);
	if (nv)
		*cap = c;
	return nv;
}

int hints_parse(FILE *f, struct hint **hints, size_t *nr, char *msg,
		size_t msglen)
{
	struct lines l = { .f = f };
	struct hint *v = NULL, *nv;
	size_t n = 0, cap = 0;
	const char *why;
	char *p;
	int r;

	while ((r = next_line(&l, &p, &why)) > 0) {
		nv = grow(v, n, &cap, sizeof(*v), 64);
		if (!nv) {
			why = "out of memory";
			goto bad;
		}
		v = nv;
		if (hint_line(p, &v[n], &why))
			goto bad;
		v[n++].line = l.no;
	}
	if (r < 0)
		goto bad;
	free(l.line);
	if (ferror(f)) {
		snprintf(msg, msglen, "read error after line %u", l.no);
		hints_free(v, n);
		return -1;
	}
	*hints = v;
	*nr = n;
	return 0;
bad:
	snprintf(msg, msglen, "line %u: %s", l.no, why);
	free(l.line);
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

/*
 * aattstab (Documentation/aattstab.rst): one device per line,
 *   NAME SLOW FAST [BLOCK_SIZE [POLICY [OPTIONS]]]
 * "-" for a default; '#' starts a comment.
 */
static const char *const tab_policies[] = {
	"default", "lru", "fifo", "lfu", "minio", "isa",
};

void tab_free(struct tab_entry *v, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		free(v[i].slow);
		free(v[i].fast);
	}
	free(v);
}

/*
 * A device: an absolute path, or UUID=, PARTUUID=, LABEL=, PARTLABEL=
 * taken as the /dev/disk/by-* link udev makes.
 */
static char *tab_device(const char *s, const char **why)
{
	static const struct {
		const char *tag;
		const char *dir;
	} tags[] = {
		{ "UUID=", "/dev/disk/by-uuid/" },
		{ "PARTUUID=", "/dev/disk/by-partuuid/" },
		{ "LABEL=", "/dev/disk/by-label/" },
		{ "PARTLABEL=", "/dev/disk/by-partlabel/" },
	};
	char *path;
	size_t i, n;

	if (s[0] == '/') {
		path = strdup(s);
		goto out;
	}
	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		n = strlen(tags[i].tag);
		if (strncmp(s, tags[i].tag, n))
			continue;
		if (!s[n] || strchr(s + n, '/') || !strcmp(s + n, ".") ||
		    !strcmp(s + n, "..")) {
			*why = "invalid UUID=, PARTUUID=, LABEL= or PARTLABEL= value";
			return NULL;
		}
		if (asprintf(&path, "%s%s", tags[i].dir, s + n) < 0)
			path = NULL;
		goto out;
	}
	*why = "a device is an absolute path, UUID=, PARTUUID=, LABEL= or PARTLABEL=";
	return NULL;
out:
	if (!path)
		*why = "out of memory";
	return path;
}

static int tab_options(char *s, struct tab_entry *e, const char **why)
{
	char *opt, *save = NULL;

	if (!strcmp(s, "-"))
		return 0;
	for (opt = strtok_r(s, ",", &save); opt;
	     opt = strtok_r(NULL, ",", &save)) {
		if (!strncmp(opt, "mode=", 5)) {
			if (e->mode) {
				*why = "mode given twice";
				return -1;
			}
			if (!strcmp(opt + 5, "writethrough"))
				e->mode = "writethrough";
			else if (!strcmp(opt + 5, "writearound"))
				e->mode = "writearound";
			else {
				*why = "mode is writethrough or writearound";
				return -1;
			}
		} else {
			*why = "unknown option (known: mode=writethrough|writearound)";
			return -1;
		}
	}
	if (!e->mode) {		/* "," alone, or ",," */
		*why = "empty options";
		return -1;
	}
	return 0;
}

static int tab_line(char *p, struct tab_entry *e, const char **why)
{
	static const char blanks[] = " \t\r\n\v\f";
	char *w[6], *save = NULL, *hash, *tok;
	unsigned int n = 0;
	size_t i;

	hash = strchr(p, '#');
	if (hash)
		*hash = '\0';
	for (tok = strtok_r(p, blanks, &save); tok;
	     tok = strtok_r(NULL, blanks, &save)) {
		if (n == 6) {
			*why = "too many fields (at most 6)";
			return -1;
		}
		w[n++] = tok;
	}
	if (n < 3) {
		*why = "expected 'NAME SLOW FAST [BLOCK_SIZE [POLICY [OPTIONS]]]'";
		return -1;
	}
	if (strlen(w[0]) >= AATTS_NAME_MAX || strchr(w[0], '/') ||
	    !strcmp(w[0], ".") || !strcmp(w[0], "..")) {
		*why = "NAME must be 1..127 characters without '/'";
		return -1;
	}
	strcpy(e->name, w[0]);
	e->block_bytes = 128 << 10;
	e->policy = NULL;
	e->mode = NULL;
	e->slow = tab_device(w[1], why);
	if (!e->slow)
		return -1;
	e->fast = tab_device(w[2], why);
	if (!e->fast)
		goto bad;
	if (!strcmp(e->slow, e->fast)) {
		*why = "the slow and the fast device are the same";
		goto bad;
	}
	if (n > 3 && strcmp(w[3], "-")) {
		uint64_t bs;

		if (parse_size(w[3], &bs) || bs & (bs - 1) ||
		    bs < AATTS_BLOCK_SECTORS_MIN * 512ULL ||
		    bs > AATTS_BLOCK_SECTORS_MAX * 512ULL) {
			*why = "block size must be a power of two from 4K to 1G";
			goto bad;
		}
		e->block_bytes = bs;
	}
	if (n > 4 && strcmp(w[4], "-")) {
		for (i = 0; i < sizeof(tab_policies) / sizeof(tab_policies[0]); i++)
			if (!strcmp(w[4], tab_policies[i]))
				e->policy = tab_policies[i];
		if (!e->policy) {
			*why = "unknown policy (default, lru, fifo, lfu, minio, isa)";
			goto bad;
		}
	}
	if (n > 5 && tab_options(w[5], e, why))
		goto bad;
	return 0;
bad:
	free(e->slow);
	free(e->fast);
	e->slow = e->fast = NULL;
	return -1;
}

int tab_parse(FILE *f, struct tab_entry **entries, size_t *nr, char *msg,
	      size_t msglen)
{
	struct lines l = { .f = f };
	struct tab_entry *v = NULL, *nv;
	size_t n = 0, cap = 0, i;
	const char *why;
	char *p;
	int r;

	while ((r = next_line(&l, &p, &why)) > 0) {
		nv = grow(v, n, &cap, sizeof(*v), 16);
		if (!nv) {
			why = "out of memory";
			goto bad;
		}
		v = nv;
		if (tab_line(p, &v[n], &why))
			goto bad;
		v[n].line = l.no;
		for (i = 0; i < n; i++) {
			if (!strcmp(v[i].name, v[n].name)) {
				snprintf(msg, msglen, "line %u: %s already on line %u",
					 l.no, v[n].name, v[i].line);
				goto dup;
			}
			if (!strcmp(v[i].slow, v[n].slow) ||
			    !strcmp(v[i].fast, v[n].fast) ||
			    !strcmp(v[i].slow, v[n].fast) ||
			    !strcmp(v[i].fast, v[n].slow)) {
				snprintf(msg, msglen, "line %u: a device of line %u used again",
					 l.no, v[i].line);
				goto dup;
			}
		}
		n++;
	}
	if (r < 0)
		goto bad;
	free(l.line);
	if (ferror(f)) {
		snprintf(msg, msglen, "read error after line %u", l.no);
		tab_free(v, n);
		return -1;
	}
	*entries = v;
	*nr = n;
	return 0;
dup:
	n++;
	free(l.line);
	tab_free(v, n);
	return -1;
bad:
	snprintf(msg, msglen, "line %u: %s", l.no, why);
	free(l.line);
	tab_free(v, n);
	return -1;
}
