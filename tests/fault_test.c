// SPDX-License-Identifier: Apache-2.0
/*
 * Fault injection, in process: every system call of the mount fails in
 * turn with a chosen errno, and the namespace child dies at every step.
 * Each time, the job must end with the right exit code and message, with
 * nothing attached, no child left (not even a zombie), and the same set of
 * open fds as before.
 *
 * Each case runs in its own process (atf), which first moves into a private
 * mount namespace: nothing reaches the host.
 */
#include <atf-c.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sys/capability.h>
#include <sys/fsuid.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attach.h"
#include "run.h"
#include "facts.h"
#include "show.h"
#include "testlib.h"
#include "userns.h"
#include "utab.h"

struct sandbox {
	char dir[256];
	char src[320];
	char dst[320];
	bool tmpfs;	/* dir is a tmpfs: the kernel can idmap tmpfs */
};

static void sandbox_enter(struct sandbox *sb)
{
	char cmd[1024];
	struct statfs fs;

	ATF_REQUIRE(unshare(CLONE_NEWNS) == 0);
	ATF_REQUIRE(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
	/* In the case's own work directory (kyua's), never a fixed /tmp. */
	ATF_REQUIRE(getcwd(sb->dir, sizeof(sb->dir) - 32));
	strcat(sb->dir, "/fault_test.XXXXXX");
	ATF_REQUIRE(mkdtemp(sb->dir));
	/*
	 * Everything below lives on a filesystem of this namespace only, one
	 * that the running kernel can idmap: e2e_lib.sh's choice, tmpfs where
	 * the kernel can idmap tmpfs (6.3 on), else ext4 on a loop device.
	 */
	snprintf(cmd, sizeof(cmd), ". '%s' && e2e_idmappable_fs '%s'",
		 E2E_LIB, sb->dir);
	ATF_REQUIRE_EQ_MSG(system(cmd), 0, "%s: failed", cmd);
	ATF_REQUIRE(statfs(sb->dir, &fs) == 0);
	sb->tmpfs = fs.f_type == TMPFS_MAGIC;
	snprintf(sb->src, sizeof(sb->src), "%s/src", sb->dir);
	snprintf(sb->dst, sizeof(sb->dst), "%s/dst", sb->dir);
	ATF_REQUIRE(mkdir(sb->src, 0755) == 0);
	ATF_REQUIRE(mkdir(sb->dst, 0755) == 0);
}

/* A case about an idmapped tmpfs: skipped where the kernel cannot idmap
 * tmpfs (e2e_lib.sh found out). */
static void require_tmpfs_idmap(const struct sandbox *sb)
{
	struct utsname u;

	if (sb->tmpfs)
		return;
	ATF_REQUIRE(uname(&u) == 0);
	atf_tc_skip("Linux %s cannot idmap tmpfs (Linux 6.3 can)", u.release);
}

static void sandbox_leave(struct sandbox *sb)
{
	umount2(sb->dir, MNT_DETACH);
	rmdir(sb->dir);
}

/* The open fds, as a bitmap of the first 256. */
static void fd_set_of(unsigned char set[32])
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;

	memset(set, 0, 32);
	ATF_REQUIRE(dir);
	while ((e = readdir(dir))) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] != '.' && fd != dirfd(dir) && fd < 256)
			set[fd / 8] |= (unsigned char)(1u << (fd % 8));
	}
	closedir(dir);
}

static bool is_mounted(const char *path)
{
	char line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	bool found = false;

	ATF_REQUIRE(f);
	while (!found && fgets(line, sizeof(line), f)) {
		char root[1024], point[1024];

		if (sscanf(line, "%*d %*d %*s %1023s %1023s", root, point) == 2)
			found = strcmp(point, path) == 0;
	}
	fclose(f);
	return found;
}

/* -f for the jobs below, as a case sets it. */
static bool job_fake;

/* The whole job as main() would run it, with options @opts. */
static int job_in(const char *mntns, const char *source, const char *target,
		  const char *fstype, const char *opts, bool nomtab,
		  struct diag *d)
{
	char *optv[] = { (char *)opts };
	struct run_config cfg = {
		.source = source,
		.target = target,
		.fstype = fstype,
		.mntns = mntns,
		.opts = optv,
		.nopts = 1,
		.nomtab = nomtab,
		.dry_run = job_fake,
		.rw = -1,
	};
	struct run_state st;
	int rc;

	run_state_init(&st);
	rc = run_prepare(&cfg, &st, d);
	ATF_REQUIRE_EQ_MSG(rc, 0, "%s", d->msg);
	rc = run_mount(&cfg, &st, d);
	run_state_free(&st);
	return rc;
}

/* The whole job as main() would run it, in our namespace. */
static int job_with(const char *source, const char *target, const char *fstype,
		    const char *opts, bool nomtab, struct diag *d)
{
	return job_in(NULL, source, target, fstype, opts, nomtab, d);
}

/* The whole job as main() would run it: run_prepare, then run_mount. */
static int job(const char *source, const char *target, const char *fstype,
	       bool nomtab, struct diag *d)
{
	return job_with(source, target, fstype,
			"uidmap=0:100000:65536,gidmap=0:100000:65536", nomtab, d);
}

/*
 * Run the job with the hooks set by the caller, and check what every
 * failure must leave behind.
 */
static void run_and_check(const struct sandbox *sb, const char *fstype,
			  int want_rc, const char *want_msg)
{
	struct diag d = { "" };
	unsigned char before[32], after[32];
	int rc;

	fd_set_of(before);
	rc = job(fstype ? "none" : sb->src, sb->dst, fstype, true, &d);
	fd_set_of(after);

	ATF_CHECK_EQ_MSG(rc, want_rc, "exit %d, want %d: %s", rc, want_rc,
			 d.msg);
	ATF_CHECK_MSG(strstr(d.msg, want_msg), "message \"%s\" lacks \"%s\"",
		      d.msg, want_msg);
	ATF_CHECK_MSG(!is_mounted(sb->dst), "%s is mounted", sb->dst);
	ATF_CHECK_MSG(memcmp(before, after, sizeof(before)) == 0,
		      "the set of open fds changed");
	require_no_children();
}

/* The fault to inject, for the hook below. */
static enum attach_step fault_step;
static int fault_errno;

static int inject(enum attach_step step)
{
	return step == fault_step ? fault_errno : 0;
}

static void fails_at(enum attach_step step, int err, const char *fstype,
		     int want_rc, const char *want_msg)
{
	struct sandbox sb;

	sandbox_enter(&sb);
	/* A new tmpfs that is really idmapped before the fault. */
	if (fstype && step == ATTACH_MOVE_MOUNT)
		require_tmpfs_idmap(&sb);
	fault_step = step;
	fault_errno = err;
	attach_test_fault = inject;
	run_and_check(&sb, fstype, want_rc, want_msg);
	attach_test_fault = NULL;
	sandbox_leave(&sb);
}

ROOT_CASE(open_tree_enoent, fails_at(ATTACH_OPEN_TREE, ENOENT, NULL, EXIT_MOUNT,
	  "does not exist"))
ROOT_CASE(open_tree_enosys, fails_at(ATTACH_OPEN_TREE, ENOSYS, NULL, EXIT_MOUNT,
	  "Linux 5.12 or later"))
ROOT_CASE(open_tree_enomem, fails_at(ATTACH_OPEN_TREE, ENOMEM, NULL, EXIT_SYSTEM,
	  "Cannot allocate memory"))
ROOT_CASE(mount_setattr_einval, fails_at(ATTACH_MOUNT_SETATTR, EINVAL, NULL,
	  EXIT_MOUNT, "does not support idmapped mounts"))
ROOT_CASE(mount_setattr_enosys, fails_at(ATTACH_MOUNT_SETATTR, ENOSYS, NULL,
	  EXIT_MOUNT, "Linux 5.12 or later"))
ROOT_CASE(mount_setattr_eperm, fails_at(ATTACH_MOUNT_SETATTR, EPERM, NULL,
	  EXIT_MOUNT, "not permitted to idmap"))
ROOT_CASE(move_mount_enoent, fails_at(ATTACH_MOVE_MOUNT, ENOENT, NULL, EXIT_MOUNT,
	  "mount point"))
ROOT_CASE(move_mount_ebusy, fails_at(ATTACH_MOVE_MOUNT, EBUSY, NULL, EXIT_MOUNT,
	  "Device or resource busy"))
ROOT_CASE(fsopen_enodev, fails_at(ATTACH_FSOPEN, ENODEV, "tmpfs", EXIT_MOUNT,
	  "unknown filesystem type"))
ROOT_CASE(fsopen_emfile, fails_at(ATTACH_FSOPEN, EMFILE, "tmpfs", EXIT_SYSTEM,
	  "fsopen tmpfs"))
ROOT_CASE(fsconfig_einval, fails_at(ATTACH_FSCONFIG, EINVAL, "tmpfs", EXIT_MOUNT,
	  "source rejected"))
ROOT_CASE(fsmount_einval, fails_at(ATTACH_FSMOUNT, EINVAL, "tmpfs", EXIT_MOUNT,
	  "tmpfs: fsmount: Invalid argument"))
/* What Linux before 6.3 says to an idmap of a new tmpfs (EINVAL, measured
 * on Debian 12's 6.1): the message names the version. */
ROOT_CASE(newfs_setattr_einval, fails_at(ATTACH_MOUNT_SETATTR, EINVAL, "tmpfs",
	  EXIT_MOUNT, "tmpfs does not support idmapped mounts on this kernel (idmapping tmpfs needs Linux 6.3 or later)"))
ROOT_CASE(newfs_move_mount_eacces, fails_at(ATTACH_MOVE_MOUNT, EACCES, "tmpfs",
	  EXIT_MOUNT, "Permission denied"))

/* -f with a new tmpfs idmaps it as the mount would (creating a tmpfs writes
 * nothing), so that before Linux 6.3 it fails as the mount would. */
ROOT_TC(newfs_fake_setattr_einval)
ATF_TC_BODY(newfs_fake_setattr_einval, tc)
{
	(void)tc;
	job_fake = true;
	fails_at(ATTACH_MOUNT_SETATTR, EINVAL, "tmpfs", EXIT_MOUNT,
		 "tmpfs does not support idmapped mounts on this kernel (idmapping tmpfs needs Linux 6.3 or later)");
	job_fake = false;
}

/* The same for a tmpfs source (a bind). */
ROOT_TC(tmpfs_source_setattr_einval)
ATF_TC_BODY(tmpfs_source_setattr_einval, tc)
{
	struct sandbox sb;
	char want[512];

	(void)tc;
	sandbox_enter(&sb);
	ATF_REQUIRE(mount("tmpfs", sb.src, "tmpfs", 0, "mode=0755") == 0);
	fault_step = ATTACH_MOUNT_SETATTR;
	fault_errno = EINVAL;
	attach_test_fault = inject;
	snprintf(want, sizeof(want),
		 "tmpfs at \"%s\" does not support idmapped mounts on this kernel (idmapping tmpfs needs Linux 6.3 or later)",
		 sb.src);
	run_and_check(&sb, NULL, EXIT_MOUNT, want);
	attach_test_fault = NULL;
	umount2(sb.src, MNT_DETACH);
	sandbox_leave(&sb);
}

/*
 * SRC is resolved once.  If its path turns into a symlink to /proc between
 * the clone and the failure, the reason still names what was cloned
 * (the sandbox's filesystem), not what the path names now (proc).
 */
static const struct sandbox *swap_sb;

static int swap_source(enum attach_step step)
{
	char old[400];

	if (step != ATTACH_MOUNT_SETATTR)
		return 0;
	snprintf(old, sizeof(old), "%s.old", swap_sb->src);
	ATF_REQUIRE(rename(swap_sb->src, old) == 0);
	ATF_REQUIRE(symlink("/proc", swap_sb->src) == 0);
	return EINVAL;
}

ROOT_TC(source_swapped_after_clone)
ATF_TC_BODY(source_swapped_after_clone, tc)
{
	struct sandbox sb;

	(void)tc;
	sandbox_enter(&sb);
	swap_sb = &sb;
	attach_test_fault = swap_source;
	run_and_check(&sb, NULL, EXIT_MOUNT, sb.tmpfs ? "tmpfs at" : "ext4 at");
	attach_test_fault = NULL;
	sandbox_leave(&sb);
}

/*
 * A kernel older than 6.15: idmapping an idmapped source fails with EPERM,
 * and open_tree_attr() does not exist.  The message says what and why.
 */
ROOT_TC(already_idmapped_old_kernel)
ATF_TC_BODY(already_idmapped_old_kernel, tc)
{
	struct sandbox sb;
	struct diag d = { "" };
	char first[400];

	(void)tc;
	sandbox_enter(&sb);
	/* The source: an idmapped mount of src. */
	snprintf(first, sizeof(first), "%s/first", sb.dir);
	ATF_REQUIRE(mkdir(first, 0755) == 0);
	ATF_REQUIRE_EQ_MSG(job(sb.src, first, NULL, true, &d), 0, "%s", d.msg);

	/* Without open_tree_attr(), the kernel's EPERM stands. */
	fault_step = ATTACH_OPEN_TREE_ATTR;
	fault_errno = ENOSYS;
	attach_test_fault = inject;
	strcpy(sb.src, first);
	run_and_check(&sb, NULL, EXIT_MOUNT,
		      "is already an idmapped mount: giving it a new idmap needs open_tree_attr() (Linux 6.15 or later)");
	attach_test_fault = NULL;
	umount2(first, MNT_DETACH);
	sandbox_leave(&sb);
}

/* The utab record is the same whether its source and root come from
 * statmount() or, on a kernel without it, from mountinfo. */
static char *record_of(const struct sandbox *sb, const char *utab)
{
	struct diag d = { "" };
	char *text = NULL;
	size_t cap = 0;
	FILE *f;

	ATF_REQUIRE_EQ_MSG(job(sb->src, sb->dst, NULL, false, &d), 0, "%s",
			   d.msg);
	f = fopen(utab, "re");
	ATF_REQUIRE(f);
	ATF_REQUIRE(getline(&text, &cap, f) > 0);
	fclose(f);
	ATF_REQUIRE(umount2(sb->dst, MNT_DETACH) == 0);
	ATF_REQUIRE(unlink(utab) == 0);
	/* Each mount has an id of its own. */
	ATF_REQUIRE_MSG(strstr(text, ",x-idmap.id="), "record: %s", text);
	*strstr(text, ",x-idmap.id=") = '\0';
	return text;
}

ROOT_TC(utab_record_without_statmount)
ATF_TC_BODY(utab_record_without_statmount, tc)
{
	struct sandbox sb;
	char utab[400], *a, *b;

	(void)tc;
	sandbox_enter(&sb);
	snprintf(utab, sizeof(utab), "%s/utab", sb.dir);
	ATF_REQUIRE(setenv("LIBMOUNT_UTAB", utab, 1) == 0);
	a = record_of(&sb, utab);
	utab_test_no_statmount = true;
	b = record_of(&sb, utab);
	utab_test_no_statmount = false;
	ATF_CHECK_STREQ(a, b);
	ATF_CHECK_MSG(strstr(a, sb.tmpfs ? "SRC=tmpfs " : "SRC=/dev/loop") &&
		      strstr(a, " ROOT=/src "), "record: %s", a);
	free(a);
	free(b);
	unsetenv("LIBMOUNT_UTAB");
	sandbox_leave(&sb);
}

/* Does the running kernel tell a mount's maps (statmount(), Linux 6.15)?
 * The controls below ask the kernel only where it can answer. */
static bool kernel_tells_maps(void)
{
	struct utsname u;
	unsigned int major = 0, minor = 0;

	ATF_REQUIRE(uname(&u) == 0);
	ATF_REQUIRE(sscanf(u.release, "%u.%u", &major, &minor) == 2);
	return major > 6 || (major == 6 && minor >= 15);
}

/* The id that the record of the mount at @path names. */
static uint64_t record_id_of(const char *path)
{
	int fd = open(path, O_PATH | O_CLOEXEC);
	uint64_t id;

	ATF_REQUIRE(fd >= 0);
	id = facts_record_id(fd);
	close(fd);
	ATF_REQUIRE(id != 0);
	return id;
}

/*
 * Before Linux 6.15, --show reads the mapping back from the mount's own
 * utab record: statmount() is missing (ENOSYS, Linux 6.1) or tells no
 * maps (6.8 to 6.14).  Each way, the origin is the record.
 */
static void show_from_utab_as(int statmount_fault)
{
	struct sandbox sb;
	struct diag d = { "" };
	enum facts_origin from = FACTS_FROM_KERNEL;
	char utab[400], *text = NULL;

	sandbox_enter(&sb);
	snprintf(utab, sizeof(utab), "%s/utab", sb.dir);
	ATF_REQUIRE(setenv("LIBMOUNT_UTAB", utab, 1) == 0);
	ATF_REQUIRE_EQ_MSG(job(sb.src, sb.dst, NULL, false, &d), 0, "%s", d.msg);

	/* The control: a kernel from 6.15 on tells the maps itself. */
	ATF_CHECK_EQ_MSG(show_mount(sb.dst, -1, &text, &from, &d), 0, "%s", d.msg);
	ATF_CHECK_EQ(from, kernel_tells_maps() ? FACTS_FROM_KERNEL :
						 FACTS_FROM_RECORD);
	free(text);
	text = NULL;

	facts_test_statmount = statmount_fault;
	ATF_CHECK_EQ_MSG(show_mount(sb.dst, -1, &text, &from, &d), 0, "%s", d.msg);
	ATF_CHECK_STREQ(text ? text : "",
			"uidmap=0:100000:65536,gidmap=0:100000:65536");
	ATF_CHECK_EQ(from, FACTS_FROM_RECORD);
	free(text);
	text = NULL;
	/* Not idmapped, and idmapped without a record. */
	ATF_CHECK_EQ(show_mount(sb.dir, -1, &text, &from, &d), -ENODATA);
	ATF_CHECK(strstr(d.msg, "is not an idmapped mount"));
	ATF_REQUIRE(unlink(utab) == 0);
	ATF_CHECK_EQ(show_mount(sb.dst, -1, &text, &from, &d), -ENODATA);
	ATF_CHECK_MSG(strstr(d.msg, "utab has no record"), "%s", d.msg);
	facts_test_statmount = 0;
	unsetenv("LIBMOUNT_UTAB");
	umount2(sb.dst, MNT_DETACH);
	sandbox_leave(&sb);
}

ROOT_TC(show_from_utab)
ATF_TC_BODY(show_from_utab, tc)
{
	(void)tc;
	show_from_utab_as(FACTS_TEST_NO_MAPS);
}

ROOT_TC(show_from_utab_enosys)
ATF_TC_BODY(show_from_utab_enosys, tc)
{
	(void)tc;
	show_from_utab_as(ENOSYS);
}

/*
 * A record of mount(8)'s shape names SRC, not the device, so libmount does
 * not merge it into the mount table: --show reads utab itself, and takes
 * only the record that names this very mount's id; a record for the same
 * target that names another mount (an older one, or none) is not its.
 */
ROOT_TC(show_from_utab_mount8_shape)
ATF_TC_BODY(show_from_utab_mount8_shape, tc)
{
	struct sandbox sb;
	struct diag d = { "" };
	enum facts_origin from;
	char utab[400], *text = NULL;
	uint64_t id;
	FILE *f;

	(void)tc;
	sandbox_enter(&sb);
	snprintf(utab, sizeof(utab), "%s/utab", sb.dir);
	ATF_REQUIRE(setenv("LIBMOUNT_UTAB", utab, 1) == 0);
	ATF_REQUIRE_EQ_MSG(job(sb.src, sb.dst, NULL, true, &d), 0, "%s", d.msg);
	id = record_id_of(sb.dst);
	f = fopen(utab, "w");
	ATF_REQUIRE(f);
	fprintf(f, "SRC=%s TARGET=/elsewhere ROOT=/ OPTS=x-idmap.uidmap=1:2:3,x-idmap.gidmap=1:2:3,x-idmap.id=%" PRIu64 "\n"
		"SRC=%s TARGET=%s ROOT=/ OPTS=x-idmap.uidmap=\"0:100000:1000,1000:0:1\",x-idmap.gidmap=0:100000:65536,x-foo=a\\040b,x-systemd.automount,x-idmap.id=%" PRIu64 "\n"
		"SRC=%s TARGET=%s ROOT=/ OPTS=x-idmap.uidmap=7:7:7,x-idmap.gidmap=7:7:7,x-idmap.id=%" PRIu64 "\n"
		"SRC=%s TARGET=%s ROOT=/ OPTS=x-idmap.uidmap=8:8:8,x-idmap.gidmap=8:8:8\n",
		sb.src, id, sb.src, sb.dst, id, sb.src, sb.dst, id + 1,
		sb.src, sb.dst);
	ATF_REQUIRE(fclose(f) == 0);

	facts_test_statmount = FACTS_TEST_NO_MAPS;
	ATF_CHECK_EQ_MSG(show_mount(sb.dst, -1, &text, &from, &d), 0, "%s", d.msg);
	ATF_CHECK_STREQ(text ? text : "",
			"uidmap=\"0:100000:1000,1000:0:1\",gidmap=0:100000:65536");
	free(text);
	facts_test_statmount = 0;
	unsetenv("LIBMOUNT_UTAB");
	umount2(sb.dst, MNT_DETACH);
	sandbox_leave(&sb);
}

/*
 * remount compares a mapping given with the mount's: where statmount()
 * cannot tell the maps (ENOSYS on Linux 6.1, no maps before 6.15), with
 * the mount's utab record, and with nothing when there is none.
 */
static void remount_maps_as(int statmount_fault)
{
	struct sandbox sb;
	struct diag d = { "" };
	char utab[PATH_MAX];

	sandbox_enter(&sb);
	snprintf(utab, sizeof(utab), "%s/utab", sb.dir);
	ATF_REQUIRE(setenv("LIBMOUNT_UTAB", utab, 1) == 0);
	ATF_REQUIRE_EQ_MSG(job(sb.src, sb.dst, NULL, false, &d), 0, "%s", d.msg);

	facts_test_statmount = statmount_fault;
	ATF_CHECK_EQ_MSG(job_with(sb.src, sb.dst, NULL,
				  "remount,ro,uidmap=0:100000:65536,gidmap=0:100000:65536",
				  true, &d), 0, "%s", d.msg);
	d.msg[0] = '\0';
	ATF_CHECK_EQ(job_with(sb.src, sb.dst, NULL,
			      "remount,ro,uidmap=0:7:1,gidmap=0:7:1", true, &d),
		     EXIT_MOUNT);
	ATF_CHECK_MSG(strstr(d.msg, "remount: mounted with uidmap=0:100000:65536,gidmap=0:100000:65536, but the options say uidmap=0:7:1,gidmap=0:7:1;"),
		      "%s", d.msg);
	/* Without the record, nothing tells the mapping: not compared. */
	ATF_REQUIRE(unlink(utab) == 0);
	ATF_CHECK_EQ_MSG(job_with(sb.src, sb.dst, NULL,
				  "remount,ro,uidmap=0:7:1,gidmap=0:7:1", true,
				  &d), 0, "%s", d.msg);
	/* The control: a kernel from 6.15 on tells the maps itself, and
	 * the mapping is compared without the record. */
	facts_test_statmount = 0;
	ATF_CHECK_EQ(job_with(sb.src, sb.dst, NULL,
			      "remount,ro,uidmap=0:7:1,gidmap=0:7:1", true, &d),
		     kernel_tells_maps() ? EXIT_MOUNT : 0);
	unsetenv("LIBMOUNT_UTAB");
	umount2(sb.dst, MNT_DETACH);
	sandbox_leave(&sb);
}

ROOT_TC(remount_maps_enosys)
ATF_TC_BODY(remount_maps_enosys, tc)
{
	(void)tc;
	remount_maps_as(ENOSYS);
}

ROOT_TC(remount_maps_no_maps)
ATF_TC_BODY(remount_maps_no_maps, tc)
{
	(void)tc;
	remount_maps_as(FACTS_TEST_NO_MAPS);
}

/* How many records utab holds. */
static int utab_records(const char *utab)
{
	FILE *f = fopen(utab, "re");
	char *line = NULL;
	size_t cap = 0;
	int n = 0;

	if (!f)
		return 0;
	while (getline(&line, &cap, f) > 0)
		n++;
	free(line);
	fclose(f);
	return n;
}

/*
 * recursive records every idmapped mount of the tree, one libmount update
 * each.  When one fails part-way, the tree stays mounted (exit 16) and
 * the records already written are taken back: none is left.
 */
ROOT_TC(recursive_record_fails_part_way)
ATF_TC_BODY(recursive_record_fails_part_way, tc)
{
	const char *opts =
		"recursive,uidmap=0:100000:65536,gidmap=0:100000:65536";
	struct sandbox sb;
	struct diag d = { "" };
	char utab[PATH_MAX], sub[PATH_MAX];

	(void)tc;
	sandbox_enter(&sb);
	snprintf(utab, sizeof(utab), "%s/utab", sb.dir);
	ATF_REQUIRE(setenv("LIBMOUNT_UTAB", utab, 1) == 0);
	for (const char *s = "ab"; *s; s++) {
		snprintf(sub, sizeof(sub), "%s/%c", sb.src, *s);
		ATF_REQUIRE(mkdir(sub, 0755) == 0);
		ATF_REQUIRE(mount("tmpfs", sub, "tmpfs", 0, NULL) == 0);
	}

	utab_test_fail_write = 3;
	ATF_CHECK_EQ(job_with(sb.src, sb.dst, NULL, opts, false, &d), EXIT_UTAB);
	utab_test_fail_write = 0;
	ATF_CHECK_MSG(strstr(d.msg, "but cannot record its mapping in") &&
		      strstr(d.msg, "; the records already written for this tree (2) were removed again"),
		      "%s", d.msg);
	ATF_CHECK_EQ(utab_records(utab), 0);
	ATF_CHECK(is_mounted(sb.dst));
	ATF_REQUIRE(umount2(sb.dst, MNT_DETACH) == 0);

	/* The control: the whole tree, three records. */
	ATF_CHECK_EQ_MSG(job_with(sb.src, sb.dst, NULL, opts, false, &d), 0,
			 "%s", d.msg);
	ATF_CHECK_EQ(utab_records(utab), 3);
	umount2(sb.dst, MNT_DETACH);
	unsetenv("LIBMOUNT_UTAB");
	sandbox_leave(&sb);
}

/* Layers l1 (a file of on-disk uid 0), upper and work in the sandbox, and
 * the options that name them. */
static void overlay_layers(const struct sandbox *sb, char *opts, size_t size)
{
	char path[400];
	int fd;

	snprintf(path, sizeof(path), "%s/l1", sb->src);
	ATF_REQUIRE(mkdir(path, 0755) == 0);
	snprintf(path, sizeof(path), "%s/l1/a", sb->src);
	ATF_REQUIRE((fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/upper", sb->src);
	ATF_REQUIRE(mkdir(path, 0755) == 0);
	snprintf(path, sizeof(path), "%s/work", sb->src);
	ATF_REQUIRE(mkdir(path, 0755) == 0);
	snprintf(opts, size,
		 "uidmap=0:100000:65536,gidmap=0:100000:65536,lowerdir=%s/l1,upperdir=%s/upper,workdir=%s/work",
		 sb->src, sb->src, sb->src);
}

/* Is the running kernel at least @major.@minor? */
static bool kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	ATF_REQUIRE(uname(&u) == 0);
	ATF_REQUIRE(sscanf(u.release, "%d.%d", &ma, &mi) == 2);
	return ma > major || (ma == major && mi >= minor);
}

static int mountinfo_lines(void)
{
	char line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int n = 0;

	ATF_REQUIRE(f);
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

/* The overlay job of @opts fails (exit 32, @want in the message) and
 * leaves no mount and no fd. */
static void overlay_fails(const struct sandbox *sb, const char *opts,
			  const char *want)
{
	struct diag d = { "" };
	unsigned char before[32], after[32];
	int lines = mountinfo_lines();

	fd_set_of(before);
	ATF_CHECK_EQ(job_with("overlay", sb->dst, "overlay", opts, true, &d),
		     EXIT_MOUNT);
	fd_set_of(after);
	CHECK_MSG_HAS(&d, want);
	ATF_CHECK(memcmp(before, after, sizeof(before)) == 0);
	ATF_CHECK_EQ(mountinfo_lines(), lines);
}

/*
 * Before Linux 6.15 the first FSCONFIG_SET_FD of a layer fails: EBADF on
 * 6.5 to 6.14 (measured on 6.12), EOPNOTSUPP where overlayfs has only the
 * legacy mount API (measured on 6.1).  The helper then stages the layers
 * in a child's private mount namespace, for real here: the overlay works,
 * idmapped, copy-up lands as the on-disk owner, exactly one mount is new
 * (no staging mount is left), no child, no fd.
 */
static void staged_route(int err)
{
	struct sandbox sb;
	struct diag d = { "" };
	unsigned char before[32], after[32];
	char opts[1536], path[400];
	struct stat st;
	int fd, lines;

	sandbox_enter(&sb);
	overlay_layers(&sb, opts, sizeof(opts));
	fault_step = ATTACH_OVERLAY_FD;
	fault_errno = err;
	attach_test_fault = inject;
	fd_set_of(before);
	lines = mountinfo_lines();
	ATF_CHECK_EQ_MSG(job_with("overlay", sb.dst, "overlay", opts, true, &d),
			 0, "%s", d.msg);
	fd_set_of(after);
	attach_test_fault = NULL;
	ATF_CHECK(memcmp(before, after, sizeof(before)) == 0);
	ATF_CHECK_EQ(mountinfo_lines(), lines + 1);
	ATF_REQUIRE(is_mounted(sb.dst));
	snprintf(path, sizeof(path), "%s/a", sb.dst);
	ATF_REQUIRE(stat(path, &st) == 0);
	ATF_CHECK_EQ(st.st_uid, 100000);
	/* Copy-up works: the upper is writable as its owner. */
	ATF_REQUIRE((fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)) >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/upper/a", sb.src);
	ATF_REQUIRE(stat(path, &st) == 0);
	ATF_CHECK_EQ(st.st_uid, 0);
	/* Our own credentials never changed: the child took the owner's. */
	ATF_CHECK_EQ(setfsuid((uid_t)-1), 0);
	require_no_children();
	umount2(sb.dst, MNT_DETACH);
	ATF_CHECK_EQ(mountinfo_lines(), lines);
	sandbox_leave(&sb);
}

ROOT_CASE(overlay_staged_ebadf, staged_route(EBADF))
ROOT_CASE(overlay_staged_eopnotsupp, staged_route(EOPNOTSUPP))

/*
 * The staged route names the layers to overlayfs by string, and one
 * fsconfig() value holds at most 255 bytes.  @n lower layers (each with a
 * file of its own, on-disk 0, the first on top) and an upper, on the route
 * of @err: named by fd number, 60 fit in one lowerdir= (as "fd/N" they
 * did not); 150 do not, and go one by one as lowerdir+= where overlayfs
 * has the new mount API (EBADF), or are refused, naming the version and
 * the limit, where it has only the legacy one (EOPNOTSUPP).  Either way
 * no fd, child or mount is left but the overlay.
 */
static void staged_layers(int err, int n, bool works)
{
	struct sandbox sb;
	struct diag d = { "" };
	unsigned char before[32], after[32];
	size_t size = (size_t)n * 512 + 1024, len;
	char *opts = malloc(size);
	char path[512];
	struct stat st;
	int fd, lines, rc;

	ATF_REQUIRE(opts);
	sandbox_enter(&sb);
	len = (size_t)snprintf(opts, size,
		"uidmap=0:100000:65536,gidmap=0:100000:65536,upperdir=%s/upper,workdir=%s/work,lowerdir=",
		sb.src, sb.src);
	for (int k = 0; k < n; k++) {
		snprintf(path, sizeof(path), "%s/layer%03d", sb.src, k);
		ATF_REQUIRE(mkdir(path, 0755) == 0);
		len += (size_t)snprintf(opts + len, size - len, "%s%s",
					k ? ":" : "", path);
		snprintf(path, sizeof(path), "%s/layer%03d/f%d", sb.src, k, k);
		ATF_REQUIRE((fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC,
				       0644)) >= 0);
		ATF_REQUIRE(write(fd, path, strlen(path)) > 0);
		close(fd);
		/* "top" in every layer: the first one's shows. */
		snprintf(path, sizeof(path), "%s/layer%03d/top", sb.src, k);
		ATF_REQUIRE((fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC,
				       0644)) >= 0);
		ATF_REQUIRE(write(fd, k ? "x" : "0", 1) == 1);
		close(fd);
	}
	ATF_REQUIRE(len < size);
	snprintf(path, sizeof(path), "%s/upper", sb.src);
	ATF_REQUIRE(mkdir(path, 0755) == 0);
	snprintf(path, sizeof(path), "%s/work", sb.src);
	ATF_REQUIRE(mkdir(path, 0755) == 0);

	fault_step = ATTACH_OVERLAY_FD;
	fault_errno = err;
	attach_test_fault = inject;
	fd_set_of(before);
	lines = mountinfo_lines();
	rc = job_with("overlay", sb.dst, "overlay", opts, true, &d);
	fd_set_of(after);
	attach_test_fault = NULL;
	ATF_CHECK(memcmp(before, after, sizeof(before)) == 0);
	require_no_children();
	if (works) {
		char c = 0;

		ATF_CHECK_EQ_MSG(rc, 0, "%s", d.msg);
		ATF_CHECK_EQ(mountinfo_lines(), lines + 1);
		for (int k = 0; k < n; k += n - 1) {
			snprintf(path, sizeof(path), "%s/f%d", sb.dst, k);
			ATF_CHECK_MSG(stat(path, &st) == 0 &&
				      st.st_uid == 100000, "%s", path);
		}
		snprintf(path, sizeof(path), "%s/top", sb.dst);
		ATF_REQUIRE((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0);
		ATF_CHECK(read(fd, &c, 1) == 1 && c == '0');
		close(fd);
		umount2(sb.dst, MNT_DETACH);
	} else {
		char want[64];

		ATF_CHECK_EQ_MSG(rc, EXIT_MOUNT, "%s", d.msg);
		snprintf(want, sizeof(want), "%d lower layers", n);
		CHECK_MSG_HAS(&d, want);
		CHECK_MSG_HAS(&d, "at most 255 bytes");
		CHECK_MSG_HAS(&d, "Linux 6.8 or later");
		ATF_CHECK(!strchr(d.msg, '\n'));
		ATF_CHECK(!is_mounted(sb.dst));
	}
	ATF_CHECK_EQ(mountinfo_lines(), lines);
	free(opts);
	sandbox_leave(&sb);
}

ROOT_CASE(overlay_staged_60_layers_legacy, staged_layers(EOPNOTSUPP, 60, true))
ROOT_CASE(overlay_staged_150_layers_legacy, staged_layers(EOPNOTSUPP, 150, false))
ROOT_CASE(overlay_staged_150_layers, staged_layers(EBADF, 150, true))

/* A "container": a process in mount and PID namespaces of its own, whose
 * init has mounted a /proc of its own, where our PIDs do not exist. */
static pid_t container_start(void)
{
	int ready[2];
	char c;
	pid_t outer;

	ATF_REQUIRE(pipe2(ready, O_CLOEXEC) == 0);
	outer = fork();
	ATF_REQUIRE(outer >= 0);
	if (outer == 0) {
		pid_t init;

		if (unshare(CLONE_NEWNS | CLONE_NEWPID) < 0)
			_exit(1);
		init = fork();
		if (init == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (mount("proc", "/proc", "proc", 0, NULL) < 0)
				_exit(1);
			if (write(ready[1], "x", 1) != 1)
				_exit(1);
			for (;;)
				pause();
		}
		waitpid(init, NULL, 0);
		_exit(0);
	}
	close(ready[1]);
	ATF_REQUIRE_MSG(read(ready[0], &c, 1) == 1, "the container did not start");
	close(ready[0]);
	return outer;
}

/* Lines of the mountinfo of @pid that mention @path (or all, for ""). */
static int mountinfo_lines_of(pid_t pid, const char *path)
{
	char name[64], line[4096];
	FILE *f;
	int n = 0;

	snprintf(name, sizeof(name), "/proc/%d/mountinfo", (int)pid);
	f = fopen(name, "re");
	ATF_REQUIRE(f);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, path) != NULL;
	fclose(f);
	return n;
}

/*
 * The staged route with -N into a container that has its own /proc: the
 * staging child names the layers through our /proc/self, held open from
 * before -N (the container's /proc has no "self" of ours).  The overlay
 * is the container's, idmapped, and only it is new there.  The job runs in
 * a child of the test, which -N moves into the container.
 */
ROOT_TC(overlay_staged_into_container)
ATF_TC_BODY(overlay_staged_into_container, tc)
{
	struct sandbox sb;
	char opts[4096], ns[64], path[PATH_MAX];
	struct stat st;
	int status, lines;
	pid_t ctr, pid;

	(void)tc;
	sandbox_enter(&sb);
	overlay_layers(&sb, opts, sizeof(opts));
	ctr = container_start();
	snprintf(ns, sizeof(ns), "/proc/%d/ns/mnt", (int)ctr);
	lines = mountinfo_lines_of(ctr, "");
	pid = fork();
	ATF_REQUIRE(pid >= 0);
	if (pid == 0) {
		struct diag d = { "" };
		int rc;

		fault_step = ATTACH_OVERLAY_FD;
		fault_errno = EBADF;
		attach_test_fault = inject;
		rc = job_in(ns, "overlay", sb.dst, "overlay", opts, true, &d);
		if (rc != 0)
			fprintf(stderr, "job: %d: %s\n", rc, d.msg);
		_exit(rc);
	}
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "status %#x", status);
	ATF_CHECK_EQ(mountinfo_lines_of(ctr, ""), lines + 1);
	ATF_CHECK_EQ(mountinfo_lines_of(ctr, sb.dst), 1);
	snprintf(path, sizeof(path), "/proc/%d/root%s/a", (int)ctr, sb.dst);
	ATF_CHECK(stat(path, &st) == 0 && st.st_uid == 100000);
	ATF_CHECK(!is_mounted(sb.dst));
	kill(ctr, SIGKILL);
	ATF_REQUIRE(waitpid(ctr, NULL, 0) == ctr);
	require_no_children();
	sandbox_leave(&sb);
}

/* Only a legacy overlayfs (EOPNOTSUPP, before 6.5) lacks data-only
 * layers: refused in one line that names the version, nothing left. */
ROOT_TC(overlay_legacy_data_layers)
ATF_TC_BODY(overlay_legacy_data_layers, tc)
{
	struct sandbox sb;
	char opts[4096], more[8192];
	int lines;

	(void)tc;
	sandbox_enter(&sb);
	overlay_layers(&sb, opts, sizeof(opts));
	/* A lower-only overlay of two layers and two data-only ones. */
	snprintf(more, sizeof(more), "%s/l2", sb.src);
	ATF_REQUIRE(mkdir(more, 0755) == 0);
	snprintf(more, sizeof(more), "%s/l2/b", sb.src);
	ATF_REQUIRE(mkdir(more, 0755) == 0);
	snprintf(more, sizeof(more), "%s/d1", sb.src);
	ATF_REQUIRE(mkdir(more, 0755) == 0);
	snprintf(more, sizeof(more), "%s/d1/only-data", sb.src);
	ATF_REQUIRE(mkdir(more, 0755) == 0);
	snprintf(more, sizeof(more),
		 "uidmap=0:100000:65536,gidmap=0:100000:65536,metacopy=on,lowerdir=%s/l1:%s/l2::%s/d1::%s/work",
		 sb.src, sb.src, sb.src, sb.src);
	lines = mountinfo_lines();
	fault_step = ATTACH_OVERLAY_FD;
	fault_errno = EOPNOTSUPP;
	attach_test_fault = inject;
	{
		struct diag d = { "" };

		ATF_CHECK_EQ(job_with("overlay", sb.dst, "overlay", more, true,
				      &d), EXIT_MOUNT);
		CHECK_MSG_HAS(&d, "data-only layers");
		CHECK_MSG_HAS(&d, "Linux 6.5 or later");
	}
	/* The same with EBADF (6.5 to 6.14) stages them, where the kernel
	 * has them (overlayfs before 6.18 wants metacopy=on with them). */
	fault_errno = EBADF;
	if (kernel_at_least(6, 5)) {
		struct diag d = { "" };

		char path[PATH_MAX];
		struct stat st;

		ATF_CHECK_EQ_MSG(job_with("overlay", sb.dst, "overlay", more,
					  true, &d), 0, "%s", d.msg);
		ATF_CHECK_EQ(mountinfo_lines(), lines + 1);
		/* Both lower layers merged, idmapped; the data ones not. */
		snprintf(path, sizeof(path), "%s/b", sb.dst);
		ATF_CHECK(stat(path, &st) == 0 && st.st_uid == 100000);
		snprintf(path, sizeof(path), "%s/a", sb.dst);
		ATF_CHECK(stat(path, &st) == 0 && st.st_uid == 100000);
		snprintf(path, sizeof(path), "%s/only-data", sb.dst);
		ATF_CHECK(stat(path, &st) < 0);
		umount2(sb.dst, MNT_DETACH);
	}
	attach_test_fault = NULL;
	ATF_CHECK_EQ(mountinfo_lines(), lines);
	require_no_children();
	sandbox_leave(&sb);
}

/* EBADF for the layer fds, then the creation fails in the staging child
 * (and only there: the hook checks that it runs in another process). */
static pid_t test_pid;

static int fail_staged_create(enum attach_step step)
{
	if (step == ATTACH_OVERLAY_FD)
		return EBADF;
	return step == ATTACH_FSCONFIG && getpid() != test_pid ? EIO : 0;
}

ROOT_TC(overlay_staged_create_fails)
ATF_TC_BODY(overlay_staged_create_fails, tc)
{
	struct sandbox sb;
	char opts[4096];

	(void)tc;
	sandbox_enter(&sb);
	overlay_layers(&sb, opts, sizeof(opts));
	test_pid = getpid();
	attach_test_fault = fail_staged_create;
	overlay_fails(&sb, opts,
		      "overlay: cannot create the overlay: Input/output error");
	attach_test_fault = NULL;
	ATF_CHECK(!is_mounted(sb.dst));
	require_no_children();
	sandbox_leave(&sb);
}

/* The sandbox whose upper the hook below swaps. */
static const struct sandbox *swap_sb;

/* Between realpath() and the opens inside the idmapped clone, upper and
 * work become symlinks to directories outside that clone, on a mount that
 * is not idmapped. */
static int swap_upper(enum attach_step step)
{
	static const char *const names[] = { "upper", "work" };
	char path[PATH_MAX], real[PATH_MAX], outside[PATH_MAX - 16];

	snprintf(outside, sizeof(outside), "%s/outside", swap_sb->dir);
	if (step != ATTACH_OVERLAY_OPEN || access(outside, F_OK) == 0)
		return 0;
	ATF_REQUIRE(mkdir(outside, 0777) == 0);
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", outside, names[i]);
		ATF_REQUIRE(mkdir(path, 0777) == 0);
		ATF_REQUIRE(chmod(path, 0777) == 0);
		snprintf(real, sizeof(real), "%s/%s.real", swap_sb->src,
			 names[i]);
		snprintf(path, sizeof(path), "%s/%s", swap_sb->src, names[i]);
		ATF_REQUIRE(rename(path, real) == 0);
		snprintf(real, sizeof(real), "%s/%s", outside, names[i]);
		ATF_REQUIRE(symlink(real, path) == 0);
	}
	return 0;
}

/*
 * Issue 18, item 8: the upper swapped for a symlink after the helper
 * resolved it must not lead the open out of the idmapped clone (overlayfs
 * would get a non-idmapped upper): refused, nothing mounted or written.
 */
ROOT_TC(overlay_upper_swapped)
ATF_TC_BODY(overlay_upper_swapped, tc)
{
	struct sandbox sb;
	char opts[4096], path[PATH_MAX];
	struct stat st;

	(void)tc;
	sandbox_enter(&sb);
	overlay_layers(&sb, opts, sizeof(opts));
	swap_sb = &sb;
	attach_test_fault = swap_upper;
	overlay_fails(&sb, opts, "changed while it was opened");
	attach_test_fault = NULL;
	ATF_CHECK(!is_mounted(sb.dst));
	snprintf(path, sizeof(path), "%s/outside/work/work", sb.dir);
	ATF_CHECK_MSG(stat(path, &st) < 0, "overlayfs wrote outside the clone");
	require_no_children();
	sandbox_leave(&sb);
}

/* What the credentials were when overlayfs was asked to create. */
struct create_creds {
	uid_t fsuid;
	bool dac_override;
};
/* Shared, so that a staging child (kernels before 6.15) can tell too. */
static struct create_creds *seen_at_create;

static int fail_create(enum attach_step step)
{
	cap_t caps;
	cap_flag_value_t v = CAP_CLEAR;

	/* The context's own options are set as root: only the creation
	 * runs as the upper's owner. */
	if (step != ATTACH_FSCONFIG || setfsuid((uid_t)-1) == 0)
		return 0;
	seen_at_create->fsuid = (uid_t)setfsuid((uid_t)-1);
	caps = cap_get_proc();
	cap_get_flag(caps, CAP_DAC_OVERRIDE, CAP_EFFECTIVE, &v);
	cap_free(caps);
	seen_at_create->dac_override = v == CAP_SET;
	return EIO;
}

/*
 * The overlay is created as the upper directory's owner seen through the
 * idmap (on-disk 0 -> 100000), with every capability kept; when that
 * fails, the helper is root again, with the capabilities it had.
 */
ROOT_TC(overlay_create_credentials)
ATF_TC_BODY(overlay_create_credentials, tc)
{
	struct sandbox sb;
	char opts[4096];
	cap_t caps_before, caps_after;

	(void)tc;
	sandbox_enter(&sb);
	overlay_layers(&sb, opts, sizeof(opts));
	seen_at_create = mmap(NULL, sizeof(*seen_at_create),
			      PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ATF_REQUIRE(seen_at_create != MAP_FAILED);
	caps_before = cap_get_proc();
	ATF_REQUIRE(caps_before);
	attach_test_fault = fail_create;
	{
		struct diag d = { "" };

		ATF_CHECK_EQ(job_with("overlay", sb.dst, "overlay", opts, true,
				      &d), EXIT_MOUNT);
		ATF_CHECK_MSG(strstr(d.msg, "cannot create the overlay"), "%s",
			      d.msg);
	}
	attach_test_fault = NULL;
	ATF_CHECK_EQ(seen_at_create->fsuid, 100000);
	ATF_CHECK(seen_at_create->dac_override);
	ATF_CHECK_EQ(setfsuid((uid_t)-1), 0);
	ATF_CHECK_EQ(setfsgid((gid_t)-1), 0);
	caps_after = cap_get_proc();
	ATF_CHECK(caps_after && cap_compare(caps_before, caps_after) == 0);
	cap_free(caps_before);
	cap_free(caps_after);
	ATF_CHECK(!is_mounted(sb.dst));
	require_no_children();
	sandbox_leave(&sb);
}

/*
 * Issue 18, item 9: when the capabilities raised for the upper's owner
 * cannot be set back, the helper stops (exit 2, one line) rather than go
 * on with them raised; nothing is mounted.  In a child, which exits.  On
 * the staged route (before 6.15) the owner's credentials are the staging
 * child's, which stops; the job then fails here, our credentials as they
 * were: the child exits 2 for that too.
 */
static bool caps_staged;

static int caps_fault(enum attach_step step)
{
	if (step == ATTACH_OVERLAY_FD && caps_staged)
		return EBADF;
	return step == ATTACH_CAPS_RESTORE ? EPERM : 0;
}

static void caps_not_restored(bool staged)
{
	struct sandbox sb;
	char opts[4096];
	int status, lines;
	pid_t pid;

	caps_staged = staged;
	sandbox_enter(&sb);
	overlay_layers(&sb, opts, sizeof(opts));
	lines = mountinfo_lines();
	pid = fork();
	ATF_REQUIRE(pid >= 0);
	if (pid == 0) {
		struct diag d = { "" };

		cap_t before = cap_get_proc(), after;
		int rc;

		attach_test_fault = caps_fault;
		rc = job_with("overlay", sb.dst, "overlay", opts, true, &d);
		after = cap_get_proc();
		_exit(rc != 0 && setfsuid((uid_t)-1) == 0 && before && after &&
		      cap_compare(before, after) == 0 ? 2 : 0);
	}
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 2,
		      "status %#x: the job went on", status);
	ATF_CHECK(!is_mounted(sb.dst));
	ATF_CHECK_EQ(mountinfo_lines(), lines);
	require_no_children();
	sandbox_leave(&sb);
}

ROOT_CASE(overlay_caps_not_restored, caps_not_restored(false))
ROOT_CASE(overlay_caps_not_restored_staged, caps_not_restored(true))

/* Right before our create: another overlay mount, made with mount(2),
 * fails and logs its reason to the kernel log; then ours fails too. */
static const char *other_lower;

static int other_mount_fails_first(enum attach_step step)
{
	char opts[200];

	if (step != ATTACH_FSCONFIG || setfsuid((uid_t)-1) == 0)
		return 0;
	snprintf(opts, sizeof(opts), "lowerdir=%s", other_lower);
	if (mount("overlay", other_lower, "overlay", 0, opts) == 0)
		umount2(other_lower, MNT_DETACH);
	return EINVAL;
}

/*
 * Issue 18, item 11: the kernel log is everyone's.  A line that another
 * mount logged while ours was being created is not given as our cause:
 * quoted, it is said to be maybe about another mount.
 */
ROOT_TC(overlay_foreign_log_line)
ATF_TC_BODY(overlay_foreign_log_line, tc)
{
	struct sandbox sb;
	char opts[4096], lower[PATH_MAX];
	struct diag d = { "" };
	const char *line = "overlayfs: at least 2 lowerdir are needed while upperdir nonexistent";
	const char *at;

	(void)tc;
	sandbox_enter(&sb);
	overlay_layers(&sb, opts, sizeof(opts));
	snprintf(lower, sizeof(lower), "%s/l1", sb.src);
	other_lower = lower;
	attach_test_fault = other_mount_fails_first;
	ATF_CHECK_EQ(job_with("overlay", sb.dst, "overlay", opts, true, &d),
		     EXIT_MOUNT);
	attach_test_fault = NULL;
	CHECK_MSG_HAS(&d, "overlay: cannot create the overlay: Invalid argument");
	at = strstr(d.msg, line);
	if (at) {
		const char *caveat = strstr(d.msg, "maybe about another mount");

		ATF_CHECK_MSG(caveat && caveat < at,
			      "another mount's log line given as the cause: %s",
			      d.msg);
	}
	ATF_CHECK(!is_mounted(sb.dst));
	require_no_children();
	sandbox_leave(&sb);
}

static void child_dies_at(enum userns_step step)
{
	struct sandbox sb;

	sandbox_enter(&sb);
	testlib_kill_at = step;
	userns_test_hook = testlib_kill_child;
	alarm(20);
	run_and_check(&sb, NULL, EXIT_SYSTEM, "");
	alarm(0);
	userns_test_hook = NULL;
	sandbox_leave(&sb);
}

ROOT_CASE(child_dies_before_maps, child_dies_at(USERNS_BEFORE_MAPS))
ROOT_CASE(child_dies_between_maps, child_dies_at(USERNS_BETWEEN_MAPS))
ROOT_CASE(child_dies_before_nsfd, child_dies_at(USERNS_BEFORE_NSFD))

/* And the same job with no fault at all mounts: the checks above are not
 * passing for want of a mount. */
ROOT_TC(no_fault_mounts)
ATF_TC_BODY(no_fault_mounts, tc)
{
	struct sandbox sb;
	struct diag d = { "" };

	(void)tc;
	sandbox_enter(&sb);
	ATF_CHECK_EQ_MSG(job(sb.src, sb.dst, NULL, true, &d), 0, "%s", d.msg);
	ATF_CHECK(is_mounted(sb.dst));
	require_no_children();
	umount2(sb.dst, MNT_DETACH);
	sandbox_leave(&sb);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, open_tree_enoent);
	ATF_TP_ADD_TC(tp, open_tree_enosys);
	ATF_TP_ADD_TC(tp, open_tree_enomem);
	ATF_TP_ADD_TC(tp, mount_setattr_einval);
	ATF_TP_ADD_TC(tp, mount_setattr_enosys);
	ATF_TP_ADD_TC(tp, mount_setattr_eperm);
	ATF_TP_ADD_TC(tp, move_mount_enoent);
	ATF_TP_ADD_TC(tp, move_mount_ebusy);
	ATF_TP_ADD_TC(tp, fsopen_enodev);
	ATF_TP_ADD_TC(tp, fsopen_emfile);
	ATF_TP_ADD_TC(tp, fsconfig_einval);
	ATF_TP_ADD_TC(tp, fsmount_einval);
	ATF_TP_ADD_TC(tp, newfs_setattr_einval);
	ATF_TP_ADD_TC(tp, newfs_move_mount_eacces);
	ATF_TP_ADD_TC(tp, tmpfs_source_setattr_einval);
	ATF_TP_ADD_TC(tp, newfs_fake_setattr_einval);
	ATF_TP_ADD_TC(tp, source_swapped_after_clone);
	ATF_TP_ADD_TC(tp, already_idmapped_old_kernel);
	ATF_TP_ADD_TC(tp, show_from_utab);
	ATF_TP_ADD_TC(tp, show_from_utab_enosys);
	ATF_TP_ADD_TC(tp, remount_maps_enosys);
	ATF_TP_ADD_TC(tp, remount_maps_no_maps);
	ATF_TP_ADD_TC(tp, recursive_record_fails_part_way);
	ATF_TP_ADD_TC(tp, utab_record_without_statmount);
	ATF_TP_ADD_TC(tp, show_from_utab_mount8_shape);
	ATF_TP_ADD_TC(tp, overlay_staged_ebadf);
	ATF_TP_ADD_TC(tp, overlay_staged_eopnotsupp);
	ATF_TP_ADD_TC(tp, overlay_staged_60_layers_legacy);
	ATF_TP_ADD_TC(tp, overlay_staged_150_layers_legacy);
	ATF_TP_ADD_TC(tp, overlay_staged_150_layers);
	ATF_TP_ADD_TC(tp, overlay_staged_into_container);
	ATF_TP_ADD_TC(tp, overlay_legacy_data_layers);
	ATF_TP_ADD_TC(tp, overlay_staged_create_fails);
	ATF_TP_ADD_TC(tp, overlay_upper_swapped);
	ATF_TP_ADD_TC(tp, overlay_caps_not_restored);
	ATF_TP_ADD_TC(tp, overlay_caps_not_restored_staged);
	ATF_TP_ADD_TC(tp, overlay_foreign_log_line);
	ATF_TP_ADD_TC(tp, overlay_create_credentials);
	ATF_TP_ADD_TC(tp, child_dies_before_maps);
	ATF_TP_ADD_TC(tp, child_dies_between_maps);
	ATF_TP_ADD_TC(tp, child_dies_before_nsfd);
	ATF_TP_ADD_TC(tp, no_fault_mounts);
	return atf_no_error();
}
