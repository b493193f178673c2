// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsd: the control protocol (Documentation/aattsd.rst).  One JSON
 * object per line each way.  A request is {"v": 1, "op": NAME} plus the
 * op's own fields and an optional "id" (a string or an integer, echoed in
 * the reply).  A reply is {"v": 1, "ok": true, ...} or {"v": 1, "ok":
 * false, "error": CODE, "message": TEXT}.  Every request is checked whole:
 * JSON, an object, "v" an integer this daemon speaks, "op" known, every
 * field known to the op and of its type.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json.h>

#include "aattsd.h"
#include "fmap.h"
#include "observer.h"
#include "record.h"

/* The reply as a line; room is left for the '\n' that control.c adds. */
static char *to_line(struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	size_t n = strlen(s);
	char *line = malloc(n + 2);

	if (line)
		memcpy(line, s, n + 1);
	json_object_put(o);
	return line;
}

static struct json_object *reply_new(bool ok, struct json_object *id)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "v", json_object_new_int(AATTSD_PROTO_VERSION));
	json_object_object_add(o, "ok", json_object_new_boolean(ok));
	if (id)
		json_object_object_add(o, "id", json_object_get(id));
	return o;
}

static char *verror(struct json_object *id, const char *code,
		    const char *fmt, va_list ap)
{
	struct json_object *o = reply_new(false, id);
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	json_object_object_add(o, "error", json_object_new_string(code));
	json_object_object_add(o, "message", json_object_new_string(msg));
	return to_line(o);
}

char *protocol_error(const char *code, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = verror(NULL, code, fmt, ap);
	va_end(ap);
	return s;
}

static char *error_id(struct json_object *id, const char *code,
		      const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static char *error_id(struct json_object *id, const char *code,
		      const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = verror(id, code, fmt, ap);
	va_end(ap);
	return s;
}

static void add_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_int64((int64_t)v));
}

/*
 * aattsctl list --json's object, the events counted, and "prefetch" (the
 * planner's counters in blocks) once the device has prefetch state.
 */
static struct json_object *dev_obj(const struct aattsd *d,
				   const struct device *dv)
{
	struct json_object *o = aatts_dev_json(&dv->dev), *p;
	struct prefetch_stats ps;

	json_object_object_add(o, "events", json_object_new_int64((int64_t)dv->events));
	if (!prefetch_get(d, dv->dev.devt, &ps)) {
		p = json_object_new_object();
		add_u64(p, "issued", ps.issued);
		add_u64(p, "used", ps.used);
		add_u64(p, "wasted", ps.wasted);
		add_u64(p, "read_blocks", ps.read_blocks);
		add_u64(p, "lead_ms", ps.used ? ps.lead_ns / ps.used / 1000000 : 0);
		add_u64(p, "markov_extents", ps.markov);
		add_u64(p, "seq_extents", ps.seq);
		add_u64(p, "advised", ps.advised);
		add_u64(p, "advised_bytes", ps.advised_bytes);
		add_u64(p, "requests", ps.requests);
		add_u64(p, "errors", ps.errors);
		add_u64(p, "busy", ps.busy);
		add_u64(p, "started", ps.started);
		add_u64(p, "level", ps.level);
		json_object_object_add(o, "prefetch", p);
	}
	return o;
}

static char *op_hello(struct aattsd *d, struct json_object *req,
		      struct json_object *id)
{
	struct json_object *o = reply_new(true, id);
	struct json_object *v = json_object_new_array();
	char *caps = caps_text();

	(void)req;
	json_object_object_add(o, "daemon", json_object_new_string("aattsd"));
	json_object_object_add(o, "version",
			       json_object_new_string(AATTSD_VERSION));
	json_object_array_add(v, json_object_new_int(AATTSD_PROTO_VERSION));
	json_object_object_add(o, "protocols", v);
	add_u64(o, "pid", (uint64_t)getpid());
	json_object_object_add(o, "capabilities",
			       json_object_new_string(caps ? caps : "?"));
	json_object_object_add(o, "recording",
			       json_object_new_boolean(d->record_path != NULL));
	json_object_object_add(o, "observing",
			       json_object_new_boolean(d->obs != NULL));
	free(caps);
	return to_line(o);
}

static char *op_devices(struct aattsd *d, struct json_object *req,
			struct json_object *id)
{
	struct json_object *o, *v, *name = NULL;
	size_t i;

	if (json_object_object_get_ex(req, "name", &name) &&
	    !json_object_is_type(name, json_type_string))
		return error_id(id, "bad_request", "\"name\" must be a string");
	if (name && !devtab_find_name(&d->devs, json_object_get_string(name)))
		return error_id(id, "no_device", "aattsd serves no device '%.128s'",
				json_object_get_string(name));
	o = reply_new(true, id);
	v = json_object_new_array();
	for (i = 0; i < d->devs.nr; i++)
		if (!name || !strcmp(d->devs.v[i].dev.name,
				     json_object_get_string(name)))
			json_object_array_add(v, dev_obj(d, &d->devs.v[i]));
	json_object_object_add(o, "devices", v);
	return to_line(o);
}

static char *op_stats(struct aattsd *d, struct json_object *req,
		      struct json_object *id)
{
	struct json_object *o = reply_new(true, id);
	struct json_object *s = json_object_new_object();

	(void)req;
	add_u64(s, "uptime_ms", (now_ns() - d->started_ns) / 1000000);
	add_u64(s, "devices", d->devs.nr);
	add_u64(s, "netlink_events", d->nl_events);
	add_u64(s, "netlink_overruns", d->nl_overruns);
	add_u64(s, "uevents", d->uevents);
	add_u64(s, "resyncs", d->resyncs);
	add_u64(s, "polls", d->polls);
	add_u64(s, "reloads", d->reloads);
	add_u64(s, "reload_errors", d->reload_errors);
	add_u64(s, "requests", d->requests);
	add_u64(s, "request_errors", d->request_errors);
	add_u64(s, "clients", d->nr_clients);
	add_u64(s, "clients_refused", d->clients_refused);
	add_u64(s, "poll_interval_ms", d->cfg.poll_interval_ms);
	add_u64(s, "metrics_writes", d->metrics_writes);
	if (d->obs) {
		struct json_object *oj = json_object_new_object();
		struct aatts_observer_stats os;

		observer_get_stats(d, &os);
		add_u64(oj, "ranges", os.ranges);
		add_u64(oj, "reads", os.reads);
		add_u64(oj, "drops", os.drops);
		add_u64(oj, "evicted_runs", os.evicted_runs);
		add_u64(oj, "consumed", d->obs_ranges);
		add_u64(oj, "flushes", d->obs_flushes);
		json_object_object_add(s, "observers", oj);
	}
	if (d->rec) {
		struct json_object *rj = json_object_new_object();
		struct record_stats rs;
		struct fmap_stats fs;
		size_t files;

		record_get_stats(d, &rs, &fs, &files);
		add_u64(rj, "ranges", rs.ranges);
		add_u64(rj, "cached", rs.cached);
		add_u64(rj, "recorded", rs.recorded);
		add_u64(rj, "declared", rs.declared);
		add_u64(rj, "gone", rs.gone);
		add_u64(rj, "errors", rs.errors);
		add_u64(rj, "fmap_files", files);
		add_u64(rj, "fmap_hits", fs.hits);
		add_u64(rj, "fmap_misses", fs.misses);
		add_u64(rj, "fmap_maps", fs.maps);
		add_u64(rj, "fmap_unchanged", fs.unchanged);
		add_u64(rj, "fmap_evictions", fs.evictions);
		json_object_object_add(s, "record", rj);
	}
	trainer_stats(d, s);
	json_object_object_add(o, "stats", s);
	return to_line(o);
}

struct op {
	const char *name;
	const char *const *fields;	/* besides v, op and id */
	char *(*fn)(struct aattsd *d, struct json_object *req,
		    struct json_object *id);
	trainer_op_fn tfn;		/* or a trainer op (trainer.c) */
};

static char *op_trainer(struct aattsd *d, struct peer *p, trainer_op_fn fn,
			struct json_object *req, struct json_object *id)
{
	struct json_object *o = reply_new(true, id);
	struct trainer_err e = { .code = "internal" };

	if (fn(d, p, req, o, &e)) {
		json_object_put(o);
		return error_id(id, e.code, "%s", e.msg);
	}
	return to_line(o);
}

static const char *const no_fields[] = { NULL };
static const char *const devices_fields[] = { "name", NULL };

static const struct op ops[] = {
	{ "hello", no_fields, op_hello, NULL },
	{ "devices", devices_fields, op_devices, NULL },
	{ "stats", no_fields, op_stats, NULL },
	{ "manifest", trainer_manifest_fields, NULL, trainer_manifest },
	{ "importance", trainer_importance_fields, NULL, trainer_importance },
	{ "order", trainer_order_fields, NULL, trainer_order },
	{ "epoch_end", trainer_epoch_end_fields, NULL, trainer_epoch_end },
	{ "residency", trainer_residency_fields, NULL, trainer_residency },
};

static bool known(const char *k, const char *const *fields)
{
	if (!strcmp(k, "v") || !strcmp(k, "op") || !strcmp(k, "id"))
		return true;
	for (; *fields; fields++)
		if (!strcmp(k, *fields))
			return true;
	return false;
}

static char *handle(struct aattsd *d, struct peer *p, struct json_object *req)
{
	struct json_object *v, *op, *id = NULL;
	const struct op *o = NULL;
	const char *name;
	unsigned int i;
	int64_t ver;

	if (!json_object_is_type(req, json_type_object))
		return protocol_error("bad_request", "a request is a JSON object");
	if (json_object_object_get_ex(req, "id", &id) &&
	    !json_object_is_type(id, json_type_string) &&
	    !json_object_is_type(id, json_type_int))
		return protocol_error("bad_request",
				      "\"id\" must be a string or an integer");
	if (!json_object_object_get_ex(req, "v", &v) ||
	    !json_object_is_type(v, json_type_int))
		return error_id(id, "bad_request",
				"\"v\" (the protocol version, an integer) is missing");
	ver = json_object_get_int64(v);
	if (ver != AATTSD_PROTO_VERSION)
		return error_id(id, "unsupported_version",
				"protocol version %" PRId64 " is not spoken here (versions: %d)",
				ver, AATTSD_PROTO_VERSION);
	if (!json_object_object_get_ex(req, "op", &op) ||
	    !json_object_is_type(op, json_type_string))
		return error_id(id, "bad_request", "\"op\" (a string) is missing");
	name = json_object_get_string(op);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(name, ops[i].name))
			o = &ops[i];
	if (!o)
		return error_id(id, "unknown_op", "unknown op '%.64s'", name);
	json_object_object_foreach(req, k, val) {
		(void)val;
		if (!known(k, o->fields))
			return error_id(id, "bad_request",
					"op %s has no field '%.64s'", o->name, k);
	}
	if (o->tfn)
		return op_trainer(d, p, o->tfn, req, id);
	return o->fn(d, req, id);
}

/* Anything but blanks after the object? */
static bool trailing(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p != ' ' && *p != '\t')
			return true;
	return false;
}

char *protocol_handle(struct aattsd *d, struct peer *p, const char *line,
		      size_t len)
{
	struct json_tokener *tok;
	struct json_object *req;
	enum json_tokener_error e;
	char *r;

	if (len && line[len - 1] == '\r')
		len--;
	if (memchr(line, '\0', len)) {
		d->request_errors++;
		return protocol_error("parse", "a NUL byte in the request");
	}
	tok = json_tokener_new();
	if (!tok)
		return NULL;
	req = json_tokener_parse_ex(tok, line, (int)len);
	e = json_tokener_get_error(tok);
	if (e == json_tokener_continue)
		e = json_tokener_error_parse_eof;
	else if (!e && trailing(line + json_tokener_get_parse_end(tok),
				line + len))
		e = json_tokener_error_parse_unexpected;
	json_tokener_free(tok);
	if (e) {
		json_object_put(req);
		d->request_errors++;
		return protocol_error("parse", "not JSON: %s",
				      json_tokener_error_desc(e));
	}
	r = handle(d, p, req);
	json_object_put(req);
	if (r && strstr(r, "\"ok\":false"))
		d->request_errors++;
	return r;
}
