// SPDX-License-Identifier: GPL-2.0
/* Task names as valid UTF-8, for every output format. */
#include <string.h>
#include "comm.h"

#define UTF8_REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */
#define UTF8_MAX_SEQ 4                  /* the longest UTF-8 sequence */

/* Length of the UTF-8 sequence that lead byte c starts, 0 if none can. */
static size_t seq_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if ((c & 0xE0) == 0xC0)
		return c < 0xC2 ? 0 : 2; /* 0xC0, 0xC1: overlong forms of ASCII */
	if ((c & 0xF0) == 0xE0)
		return 3;
	if ((c & 0xF8) == 0xF0)
		return 4;
	return 0;
}

void rt_comm_utf8(const char *comm, size_t len, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)comm;
	size_t i = 0, o = 0, n, k;

	while (i < len && p[i] && o + UTF8_MAX_SEQ < outlen) {
		n = seq_len(p[i]);
		for (k = 1; n && k < n; k++)
			if (i + k >= len || (p[i + k] & 0xC0) != 0x80) /* not a continuation byte */
				n = 0;
		if (!n) {
			memcpy(out + o, UTF8_REPLACEMENT, sizeof(UTF8_REPLACEMENT) - 1);
			o += sizeof(UTF8_REPLACEMENT) - 1;
			i++;
			continue;
		}
		memcpy(out + o, p + i, n);
		o += n;
		i += n;
	}
	out[o] = 0;
}
