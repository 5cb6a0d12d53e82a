// SPDX-License-Identifier: Apache-2.0
#include <atf-c.h>

ATF_TC_WITHOUT_HEAD(placeholder);
ATF_TC_BODY(placeholder, tc)
{
	(void)tc;
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, placeholder);
	return atf_no_error();
}
