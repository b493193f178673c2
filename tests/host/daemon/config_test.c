// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of aattsd's configuration parser (daemon/config.c): the
 * defaults, every key, comments and blanks, and each error with its line.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "aattsd.h"

static int parse(const char *text, struct config *c, char *msg)
{
	msg[0] = '\0';
	return config_parse(text, c, msg, 256);
}

TEST(empty_is_the_defaults)
{
	struct config c, d;
	char msg[256];

	config_defaults(&d);
	ASSERT_EQ(0, parse("", &c, msg));
	EXPECT_EQ(0, memcmp(&c, &d, sizeof(c)));
	EXPECT_EQ(1000U, c.poll_interval_ms);
	EXPECT_STREQ("aatts", c.control_group);
	EXPECT_EQ(LOG_LVL_INFO, c.log_level);
	EXPECT_STREQ("", c.metrics_file);
	EXPECT_STREQ("balanced", config_modes[c.prefetch_mode]);
	EXPECT_EQ(0U, c.prefetch_budget);
}

TEST(every_key_comments_and_blanks)
{
	struct config c;
	char msg[256];

	ASSERT_EQ(0, parse("# aattsd.conf\n\n  poll_interval_ms =250\n"
			   "log_level= debug  \n\tcontrol_group = tensors\n"
			   "max_clients = 3\nfmap_files=16\n"
			   "fmap_revalidate_ms = 0\n"
			   "metrics_file = /var/lib/node/aattsd.prom\n"
			   "mode = economy\nprefetch_budget = 4000000000\n# end",
			   &c, msg));
	EXPECT_STREQ("/var/lib/node/aattsd.prom", c.metrics_file);
	EXPECT_EQ(250U, c.poll_interval_ms);
	EXPECT_EQ(LOG_LVL_DEBUG, c.log_level);
	EXPECT_STREQ("tensors", c.control_group);
	EXPECT_EQ(3U, c.max_clients);
	EXPECT_EQ(16U, c.fmap_files);
	EXPECT_EQ(0U, c.fmap_revalidate_ms);
	EXPECT_STREQ("economy", config_modes[c.prefetch_mode]);
	EXPECT_EQ(4000000000U, c.prefetch_budget);
	ASSERT_EQ(0, parse("mode = off\n", &c, msg));
	EXPECT_EQ((unsigned int)CONFIG_PREFETCH_OFF, c.prefetch_mode);
	EXPECT_EQ(0u, c.page_cache_advice);
	ASSERT_EQ(0, parse("page_cache_advice = willneed\n", &c, msg));
	EXPECT_EQ(1u, c.page_cache_advice);
	ASSERT_EQ(0, parse("page_cache_advice = off\n", &c, msg));
	EXPECT_EQ(0u, c.page_cache_advice);
}

TEST(errors_name_their_line)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "poll_interval_ms = 99\n", "line 1: poll_interval_ms '99': not an integer in 100..3600000" },
		{ "\n\npoll_interval_ms = 1e3\n", "line 3: poll_interval_ms '1e3'" },
		{ "poll_interval_ms = -5\n", "line 1: poll_interval_ms '-5'" },
		{ "poll_interval_ms = 99999999999999999999\n", "line 1: poll_interval_ms" },
		{ "poll_interval_ms =\n", "line 1: poll_interval_ms ''" },
		{ "# c\nnope = 1\n", "line 2: unknown key 'nope'" },
		{ "max_clients = 2\nmax_clients = 3\n", "line 2: 'max_clients' given twice" },
		{ "just words\n", "line 1: 'just words': not key = value" },
		{ "log_level = loud\n", "line 1: log_level 'loud': not one of" },
		{ "control_group = a b\n", "line 1: control_group 'a b'" },
		{ "max_clients = 0\n", "line 1: max_clients '0'" },
		{ "mode = fast\n", "line 1: mode 'fast': not one of performance, balanced, economy, off" },
		{ "page_cache_advice = yes\n", "line 1: page_cache_advice 'yes': not one of off, willneed" },
		{ "prefetch_budget = 4294967296\n", "line 1: prefetch_budget" },
		{ "metrics_file = metrics.prom\n", "line 1: metrics_file 'metrics.prom': not an absolute path" },
	};
	struct config c;
	char msg[256];
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EXPECT_EQ(-1, parse(cases[i].text, &c, msg));
		EXPECT_EQ(0, strncmp(msg, cases[i].msg, strlen(cases[i].msg)))
			TH_LOG("case %u: got '%s', want '%s...'", i, msg,
			       cases[i].msg);
	}
}

TEST(an_absent_file_is_the_defaults)
{
	struct config c;
	char msg[256];
	bool absent;

	ASSERT_EQ(0, config_load("/nonexistent/aattsd.conf", &c, &absent, msg,
				 sizeof(msg)));
	EXPECT_TRUE(absent);
	EXPECT_EQ(1000U, c.poll_interval_ms);
	EXPECT_EQ(-1, config_load("/", &c, &absent, msg, sizeof(msg)));
}

TEST_HARNESS_MAIN
