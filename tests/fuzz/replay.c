// SPDX-License-Identifier: Apache-2.0
/*
 * Replays the fuzzer's seed and regression corpora through its target,
 * as part of make check: every input that ever crashed stays fixed.  An
 * invariant failure aborts, which kyua reports as a broken test.
 */
#include <atf-c.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	ATF_REQUIRE_MSG(d, "cannot open %s", dir);
	while ((e = readdir(d))) {
		char path[4096], buf[65536];
		FILE *f;
		size_t len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f = fopen(path, "rb");
		ATF_REQUIRE_MSG(f, "cannot open %s", path);
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
		n++;
	}
	closedir(d);
	return n;
}

ATF_TC_WITHOUT_HEAD(seeds);
ATF_TC_BODY(seeds, tc)
{
	(void)tc;
	ATF_CHECK(replay_dir(FUZZ_DIR "/seeds") > 10);
}

ATF_TC_WITHOUT_HEAD(regressions);
ATF_TC_BODY(regressions, tc)
{
	(void)tc;
	replay_dir(FUZZ_DIR "/regressions");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, seeds);
	ATF_TP_ADD_TC(tp, regressions);
	return atf_no_error();
}
