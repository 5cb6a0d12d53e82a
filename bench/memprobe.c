// SPDX-License-Identifier: Apache-2.0
/*
 * memprobe.so: preloaded into a command (LD_PRELOAD), it appends one line
 * to the file named by $MEMPROBE_OUT as the command exits:
 *
 *   COMM HEAP_KIB PRIVATE_KIB
 *
 * HEAP is malloc's heap: mallinfo2()'s arena (the bytes taken with brk)
 * plus hblkhd (the chunks mapped on their own).  Run the command with
 * GLIBC_TUNABLES=glibc.malloc.trim_threshold=...:glibc.malloc.mmap_threshold=...
 * set high (bench/run does), and the brk heap never shrinks, so that this
 * is its peak (top_pad=0 too: it grows by pages, not by 128 KiB).
 * PRIVATE is Anonymous of /proc/self/smaps_rollup: the memory that is the
 * process's own, its heap, stack, and the pages of its libraries that it
 * wrote (relocations, data), unlike ru_maxrss, which counts every page of
 * libc and the rest.  Private_Clean and Private_Dirty are no measure of it:
 * they count the page cache of a file that no other process happens to
 * map, clean or, for a binary just copied, dirty.
 *
 * A destructor, so it runs after main() returns or exit(): a preloaded
 * library is finalized after the libraries the program loaded.
 */
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long anon_kib(void)
{
	char line[256];
	long sum = 0, v;
	FILE *f = fopen("/proc/self/smaps_rollup", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Anonymous: %ld kB", &v) == 1)
			sum += v;
	fclose(f);
	return sum;
}

__attribute__((destructor)) static void memprobe_report(void)
{
	const char *out = getenv("MEMPROBE_OUT");
	struct mallinfo2 mi = mallinfo2();
	char comm[32] = "?", line[128];
	int fd;
	ssize_t n;

	if (!out)
		return;
	fd = open("/proc/self/comm", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, comm, sizeof(comm) - 1);
		comm[n > 0 ? n : 0] = '\0';
		comm[strcspn(comm, "\n")] = '\0';
		close(fd);
	}
	n = snprintf(line, sizeof(line), "%s %zu %ld\n", comm,
		     (mi.arena + mi.hblkhd) / 1024, anon_kib());
	fd = open(out, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, line, (size_t)n) != n) {
		/* nothing to be done at exit */
	}
	close(fd);
}
