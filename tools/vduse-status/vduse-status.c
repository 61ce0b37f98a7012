// SPDX-License-Identifier: GPL-2.0
/*
 * vduse-status: is VDUSE usable on this machine, and if not, why not and
 * what is the one next step. See vduse-status.8 (or --help).
 *
 * Module lookup goes through libkmod, exactly as modprobe resolves names
 * (modules.dep.bin, depmod's search order: updates/ before the kernel's own
 * tree); nothing here parses modules.dep by hand.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <libkmod.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "uapi/vdk/vdpa.h"

#ifndef VDK_VERSION
#define VDK_VERSION "unknown"
#endif
#ifndef VDK_KERNEL_MIN
#define VDK_KERNEL_MIN "5.10"
#endif
#ifndef VDK_KERNEL_MAX
#define VDK_KERNEL_MAX "7.2"
#endif

#define DKMS_TREE "/var/lib/dkms"
#define DKMS_NAME "vduse"
#define CONTROL "/dev/vduse/control"
#define SB_VAR "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"
#define MOKLIST_VAR "/sys/firmware/efi/efivars/MokListRT-605dab50-e046-4300-abb6-3dd810dd8b23"
#define MOKLIST_MIRROR "/sys/firmware/efi/mok-variables/MokListRT"

enum { EXIT_READY = 0, EXIT_NOT_READY = 1, EXIT_USAGE = 2, EXIT_ERROR = 3 };

/* What one module file says about itself (libkmod's modinfo). */
struct info {
	char *version, *srcversion, *description, *signer, *sig_key, *sig_hash;
	bool is_signed, intree;
};

struct mod {
	const char *name;
	const char *intree_rel;		/* where the kernel's own copy lives */
	/* what modprobe would load */
	bool found, builtin;
	char *path;			/* absolute; NULL if builtin or not found */
	const char *rel;		/* path below /lib/modules/KVER */
	const char *origin;		/* in-tree, updates/dkms, updates, extra, builtin, other */
	bool ours;			/* built from vduse-dkms */
	struct info win;
	/* the kernel's own copy, when another one wins */
	char *intree_path;
	bool intree_archived;		/* moved aside by dkms, not in the tree */
	struct info in;
	/* the running kernel only */
	int state;			/* -1 not loaded, else enum kmod_module_initstate */
	char *loaded_srcversion, *loaded_version, *loaded_taint;
	int loaded_matches;		/* 1 the copy modprobe would load, 0 another, -1 unknown */
};

static struct mod mods[] = {
	{ .name = "vdpa", .intree_rel = "kernel/drivers/vdpa/vdpa.ko" },
	{ .name = "virtio_vdpa", .intree_rel = "kernel/drivers/virtio/virtio_vdpa.ko" },
	{ .name = "vhost_vdpa", .intree_rel = "kernel/drivers/vhost/vhost_vdpa.ko" },
	{ .name = "vduse", .intree_rel = "kernel/drivers/vdpa/vdpa_user/vduse.ko" },
};
#define NMODS (sizeof(mods) / sizeof(mods[0]))
#define M_VDPA (&mods[0])
#define M_VIRTIO (&mods[1])
#define M_VHOST (&mods[2])
#define M_VDUSE (&mods[3])

static struct {
	char kver[256];
	char moddir[512];
	bool running;			/* kver is the running kernel */
	bool moddir_ok;
	bool headers;
	bool kernel_bus, kernel_vduse;	/* the kernel's own vdpa / vduse */
	bool in_range;
	/* DKMS */
	bool pkg_src;			/* /usr/src/vduse-<ver>/dkms.conf */
	char src_version[64];
	bool dkms_tree;			/* /var/lib/dkms/vduse/<version> */
	char built_version[64];		/* a version built for kver */
	char built_arch[64];
	char installed_version[64];	/* kernel-<kver>-<arch> link */
	char make_log[512];
	/* signatures */
	int secure_boot;		/* 1 on, 0 off, -1 unknown (no EFI variable) */
	bool efi;
	char lockdown[32];		/* none, integrity, confidentiality, "" unknown */
	int sig_enforce;		/* 1 Y, 0 N, -1 no such parameter */
	bool enforced;
	char mok_cert[256];		/* the dkms signing certificate found */
	int mok_enrolled;		/* 1 in MokListRT, 0 not, -1 cannot tell */
	/* /dev/vduse/control */
	bool control_present, control_chr, control_rdev_ok;
	int control_sys;		/* /sys/class/vduse/control exists */
	unsigned int control_major, control_minor;
	mode_t control_mode;
	char control_owner[64], control_group[64];
	bool control_access;
	/* the management device */
	int mgmt_checked;		/* 1 asked netlink, 0 vdpa family absent, -1 error */
	char mgmt_error[128];
	bool mgmt_vduse;
	char mgmt_list[512];
	/* rpm or dpkg based */
	bool rpm_system;
} st;

static char verdict_id[32] = "ready";
static char verdict_text[512];
static char next_step[512];
static char notes[8][512];
static int nnotes;

/* snprintf that truncates silently (every use here may cut a long path). */
static void sfmt(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void sfmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;

	if (nnotes >= (int)(sizeof(notes) / sizeof(notes[0])))
		return;
	va_start(ap, fmt);
	vsnprintf(notes[nnotes++], sizeof(notes[0]), fmt, ap);
	va_end(ap);
}

static void verdict(const char *id, const char *next, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void verdict(const char *id, const char *next, const char *fmt, ...)
{
	va_list ap;

	sfmt(verdict_id, sizeof(verdict_id), "%s", id);
	sfmt(next_step, sizeof(next_step), "%s", next ? next : "");
	va_start(ap, fmt);
	vsnprintf(verdict_text, sizeof(verdict_text), fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------ small helpers */

/* The first line of a file without its newline; false if unreadable. */
static bool read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

/* A whole (small) file; NULL if unreadable. */
static unsigned char *read_all(const char *path, size_t *len)
{
	unsigned char *buf = NULL, *nb;
	size_t cap = 0, n = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	for (;;) {
		if (n == cap) {
			if (cap >= 16u << 20)
				break;
			cap = cap ? cap * 2 : 4096;
			nb = realloc(buf, cap);
			if (!nb)
				break;
			buf = nb;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (!buf)
		return NULL;
	*len = n;
	return buf;
}

static bool is_dir(const char *path)
{
	struct stat s;

	return stat(path, &s) == 0 && S_ISDIR(s.st_mode);
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static bool skip_entry(const char *n)
{
	return n[0] == '.';
}

static char *xstrdup(const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d) {
		fprintf(stderr, "vduse-status: out of memory\n");
		exit(EXIT_ERROR);
	}
	return d;
}

/* "6.1.0-56-amd64" -> 601; 0 if it does not start with N.N */
static int kver_num(const char *v)
{
	unsigned int a, b;

	if (sscanf(v, "%u.%u", &a, &b) != 2)
		return 0;
	return (int)(a * 100 + b);
}

/* ------------------------------------------------------------ modules */

static void info_free(struct info *in)
{
	free(in->version);
	free(in->srcversion);
	free(in->description);
	free(in->signer);
	free(in->sig_key);
	free(in->sig_hash);
	memset(in, 0, sizeof(*in));
}

static void get_info(struct kmod_module *km, struct info *in)
{
	struct kmod_list *list = NULL, *l;

	if (kmod_module_get_info(km, &list) < 0)
		return;
	kmod_list_foreach(l, list) {
		const char *k = kmod_module_info_get_key(l);
		const char *v = kmod_module_info_get_value(l);
		char **dst = NULL;

		if (!k)
			continue;
		if (!strcmp(k, "version"))
			dst = &in->version;
		else if (!strcmp(k, "srcversion"))
			dst = &in->srcversion;
		else if (!strcmp(k, "description"))
			dst = &in->description;
		else if (!strcmp(k, "signer"))
			dst = &in->signer;
		else if (!strcmp(k, "sig_key"))
			dst = &in->sig_key;
		else if (!strcmp(k, "sig_hashalgo"))
			dst = &in->sig_hash;
		else if (!strcmp(k, "intree"))
			in->intree = v && *v == 'Y';
		/* libkmod names every signature it finds "sig_id" */
		if (!strcmp(k, "sig_id") || !strcmp(k, "signer"))
			in->is_signed = true;
		if (dst && !*dst && v)
			*dst = xstrdup(v);
	}
	kmod_module_info_free_list(list);
}

static const char *origin_of(const char *rel)
{
	if (!strncmp(rel, "kernel/", 7))
		return "in-tree";
	if (!strncmp(rel, "updates/dkms/", 13))
		return "updates/dkms";
	if (!strncmp(rel, "updates/", 8))
		return "updates";
	if (!strncmp(rel, "extra/", 6))
		return "extra";
	return "other";
}

static bool described_as_ours(const struct info *in)
{
	const char *d = in->description;
	size_t n;

	if (!d)
		return false;
	n = strlen(d);
	return n >= 12 && !strcmp(d + n - 12, "(vduse-dkms)");
}

static void intree_info(struct kmod_ctx *ctx2, struct mod *m, const char *path)
{
	struct kmod_module *km = NULL;

	m->intree_path = xstrdup(path);
	if (kmod_module_new_from_path(ctx2, path, &km) == 0) {
		get_info(km, &m->in);
		kmod_module_unref(km);
	}
}

/*
 * The kernel's own copy of M: the file at its upstream path, any
 * compression; else the copy dkms (3.0 and later) moved aside when it
 * installed ours: /var/lib/dkms/vduse/original_module/<kver>/<arch>/,
 * put back when vduse-dkms is removed.
 */
static void find_intree(struct kmod_ctx *ctx2, struct mod *m)
{
	static const char *const ext[] = { "", ".xz", ".zst", ".gz" };
	char path[1024], dir[768];
	size_t i, nl = strlen(m->name);
	DIR *d, *ad;
	struct dirent *e, *a;

	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		sfmt(path, sizeof(path), "%s/%s%s", st.moddir, m->intree_rel, ext[i]);
		if (exists(path)) {
			intree_info(ctx2, m, path);
			return;
		}
	}
	sfmt(dir, sizeof(dir), DKMS_TREE "/" DKMS_NAME "/original_module/%s", st.kver);
	d = opendir(dir);
	while (d && !m->intree_path && (e = readdir(d))) {
		if (skip_entry(e->d_name))
			continue;
		sfmt(path, sizeof(path), "%s/%s", dir, e->d_name);
		ad = opendir(path);
		while (ad && !m->intree_path && (a = readdir(ad))) {
			const char *x = a->d_name + nl;

			if (strncmp(a->d_name, m->name, nl) || strncmp(x, ".ko", 3) ||
			    strstr(x, ".origin"))
				continue;
			sfmt(path, sizeof(path), "%s/%s/%s", dir, e->d_name, a->d_name);
			intree_info(ctx2, m, path);
			m->intree_archived = true;
		}
		if (ad)
			closedir(ad);
	}
	if (d)
		closedir(d);
}

static void read_sys(const char *mod, const char *attr, char **dst)
{
	char path[256], buf[256];

	sfmt(path, sizeof(path), "/sys/module/%s/%s", mod, attr);
	if (read_line(path, buf, sizeof(buf)))
		*dst = xstrdup(buf);
}

static void examine_module(struct kmod_ctx *ctx, struct kmod_ctx *ctx2, struct mod *m)
{
	struct kmod_list *list = NULL, *l;
	struct kmod_module *km = NULL;

	if (kmod_module_new_from_lookup(ctx, m->name, &list) == 0) {
		/* the module of that name, else the first a lookup gives */
		kmod_list_foreach(l, list) {
			struct kmod_module *c = kmod_module_get_module(l);

			if (!strcmp(kmod_module_get_name(c), m->name)) {
				km = c;
				break;
			}
			kmod_module_unref(c);
		}
		kmod_module_unref_list(list);
	}
	if (km) {
		const char *p = kmod_module_get_path(km);
		size_t dl = strlen(st.moddir);

		m->found = true;
		if (p) {
			m->path = xstrdup(p);
			m->rel = m->path;
			if (!strncmp(p, st.moddir, dl) && p[dl] == '/')
				m->rel = m->path + dl + 1;
			m->origin = origin_of(m->rel);
		} else {
			m->builtin = true;
			m->origin = "builtin";
		}
		if (m->builtin)
			m->win.intree = true;
		get_info(km, &m->win);
		m->ours = described_as_ours(&m->win);
		if (!strcmp(m->origin, "in-tree"))
			m->win.intree = true;
		if (st.running) {
			int s = kmod_module_get_initstate(km);

			m->state = s < 0 ? -1 : s;
		}
		kmod_module_unref(km);
	}
	if (!m->builtin && (!m->path || strcmp(m->origin, "in-tree")))
		find_intree(ctx2, m);
	if (st.running && m->state >= 0 && m->state != KMOD_MODULE_BUILTIN) {
		read_sys(m->name, "srcversion", &m->loaded_srcversion);
		read_sys(m->name, "version", &m->loaded_version);
		read_sys(m->name, "taint", &m->loaded_taint);
		if (m->loaded_srcversion && m->win.srcversion)
			m->loaded_matches = !strcmp(m->loaded_srcversion, m->win.srcversion);
		else if (m->loaded_taint && m->path)
			/* no srcversion: out-of-tree taint against the file's origin */
			m->loaded_matches = (strchr(m->loaded_taint, 'O') != NULL) ==
					    !m->win.intree;
	}
	if (m->builtin && st.running)
		m->state = KMOD_MODULE_BUILTIN;
}

/* PATH below the module directory without it, else PATH itself. */
static const char *rel_path(const char *path)
{
	size_t dl = strlen(st.moddir);

	if (!strncmp(path, st.moddir, dl) && path[dl] == '/')
		return path + dl + 1;
	return path;
}

static void free_module(struct mod *m)
{
	free(m->path);
	free(m->intree_path);
	free(m->loaded_srcversion);
	free(m->loaded_version);
	free(m->loaded_taint);
	info_free(&m->win);
	info_free(&m->in);
}

/* ------------------------------------------------------------ DKMS */

/* Does DIR (a dkms .../<arch>/module directory) hold any module? */
static bool has_modules(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d)))
		found = strstr(e->d_name, ".ko") != NULL;
	closedir(d);
	return found;
}

static void examine_dkms(void)
{
	char path[1024], target[512];
	DIR *d;
	struct dirent *e;

	/* the package's sources: /usr/src/vduse-<version>/dkms.conf */
	d = opendir("/usr/src");
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, DKMS_NAME "-", sizeof(DKMS_NAME)))
			continue;
		sfmt(path, sizeof(path), "/usr/src/%s/dkms.conf", e->d_name);
		if (exists(path)) {
			st.pkg_src = true;
			sfmt(st.src_version, sizeof(st.src_version), "%s",
				 e->d_name + sizeof(DKMS_NAME));
		}
	}
	if (d)
		closedir(d);

	/*
	 * The dkms tree (dkms 2.8, 3.0 and 3.2 alike):
	 *   /var/lib/dkms/vduse/<version>/<kver>/<arch>/module/ (*.ko*)  built
	 *   /var/lib/dkms/vduse/kernel-<kver>-<arch> -> <version>/<kver>/<arch>
	 *                                                        installed
	 *   /var/lib/dkms/vduse/<version>/build/make.log         last build
	 */
	d = opendir(DKMS_TREE "/" DKMS_NAME);
	while (d && (e = readdir(d))) {
		char kdir[768];
		DIR *ad;
		struct dirent *a;

		if (skip_entry(e->d_name) || !strncmp(e->d_name, "kernel-", 7) ||
		    !strcmp(e->d_name, "original_module"))
			continue;
		st.dkms_tree = true;	/* a version directory: dkms knows vduse */
		sfmt(kdir, sizeof(kdir), DKMS_TREE "/" DKMS_NAME "/%s/%s", e->d_name, st.kver);
		ad = opendir(kdir);
		while (ad && (a = readdir(ad))) {
			if (skip_entry(a->d_name))
				continue;
			sfmt(path, sizeof(path), "%s/%s/module", kdir, a->d_name);
			if (has_modules(path)) {
				sfmt(st.built_version, sizeof(st.built_version), "%s", e->d_name);
				sfmt(st.built_arch, sizeof(st.built_arch), "%s", a->d_name);
			}
		}
		if (ad)
			closedir(ad);
		sfmt(path, sizeof(path), DKMS_TREE "/" DKMS_NAME "/%s/build/make.log", e->d_name);
		if (exists(path))
			sfmt(st.make_log, sizeof(st.make_log), "%s", path);
	}
	if (d)
		closedir(d);

	d = opendir(DKMS_TREE "/" DKMS_NAME);
	while (d && (e = readdir(d))) {
		size_t kl = strlen(st.kver);
		ssize_t n;

		if (strncmp(e->d_name, "kernel-", 7) || strncmp(e->d_name + 7, st.kver, kl) ||
		    e->d_name[7 + kl] != '-')
			continue;
		sfmt(path, sizeof(path), DKMS_TREE "/" DKMS_NAME "/%s", e->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		target[strcspn(target, "/")] = '\0';
		sfmt(st.installed_version, sizeof(st.installed_version), "%s", target);
	}
	if (d)
		closedir(d);
}

/* ------------------------------------------------------------ Secure Boot */

/* The certificate dkms signs with: framework.conf's mok_certificate, else
 * the defaults of dkms 3.x and of Ubuntu's/Debian's shim-signed key. */
static void find_mok_cert(void)
{
	static const char *const conf[] = { "/etc/dkms/framework.conf" };
	static const char *const defaults[] = { "/var/lib/dkms/mok.pub",
						 "/var/lib/shim-signed/mok/MOK.der" };
	char line[512];
	size_t i;

	for (i = 0; i < sizeof(conf) / sizeof(conf[0]); i++) {
		FILE *f = fopen(conf[i], "re");

		while (f && fgets(line, sizeof(line), f)) {
			char *p = line, *v;

			while (isspace((unsigned char)*p))
				p++;
			if (strncmp(p, "mok_certificate=", 16))
				continue;
			v = p + 16;
			v[strcspn(v, "\n")] = '\0';
			if (*v == '"' || *v == '\'') {
				v++;
				v[strcspn(v, "\"'")] = '\0';
			}
			if (*v)
				sfmt(st.mok_cert, sizeof(st.mok_cert), "%s", v);
		}
		if (f)
			fclose(f);
	}
	for (i = 0; !st.mok_cert[0] && i < sizeof(defaults) / sizeof(defaults[0]); i++)
		if (exists(defaults[i]))
			sfmt(st.mok_cert, sizeof(st.mok_cert), "%s", defaults[i]);
}

/* Is the DER certificate (dkms's mok.pub is DER) in the firmware's MOK list
 * as the kernel sees it (MokListRT)? -1 when either cannot be read. */
static int mok_enrolled(const char *cert)
{
	unsigned char *c, *list;
	size_t cl = 0, ll = 0;
	int r = -1;

	c = read_all(cert, &cl);
	if (!c)
		return -1;
	list = read_all(MOKLIST_MIRROR, &ll);
	if (!list)
		list = read_all(MOKLIST_VAR, &ll);
	if (list && cl > 0 && c[0] == 0x30)	/* a DER SEQUENCE, not PEM */
		r = memmem(list, ll, c, cl) != NULL;
	free(c);
	free(list);
	return r;
}

static void examine_signing(void)
{
	unsigned char *sb;
	size_t len = 0;
	char buf[128], *b, *e;

	st.efi = is_dir("/sys/firmware/efi");
	st.secure_boot = -1;
	sb = read_all(SB_VAR, &len);
	if (sb && len >= 5)		/* 4 bytes of attributes, then the value */
		st.secure_boot = sb[4] == 1;
	else if (st.efi)
		st.secure_boot = 0;	/* EFI without the variable: no Secure Boot */
	free(sb);

	st.lockdown[0] = '\0';
	if (read_line("/sys/kernel/security/lockdown", buf, sizeof(buf))) {
		b = strchr(buf, '[');
		e = b ? strchr(b, ']') : NULL;
		if (b && e) {
			*e = '\0';
			sfmt(st.lockdown, sizeof(st.lockdown), "%s", b + 1);
		}
	}
	st.sig_enforce = -1;
	if (read_line("/sys/module/module/parameters/sig_enforce", buf, sizeof(buf)))
		st.sig_enforce = buf[0] == 'Y';
	/* lockdown (integrity or more) refuses unsigned modules as well */
	st.enforced = st.sig_enforce == 1 ||
		      (st.lockdown[0] && strcmp(st.lockdown, "none"));
	find_mok_cert();
	st.mok_enrolled = st.mok_cert[0] ? mok_enrolled(st.mok_cert) : -1;
}

/* ------------------------------------------------------------ /dev/vduse/control */

static void examine_control(void)
{
	struct stat s;
	char buf[64];

	st.control_sys = read_line("/sys/class/vduse/control/dev", buf, sizeof(buf)) &&
			 sscanf(buf, "%u:%u", &st.control_major, &st.control_minor) == 2;
	if (lstat(CONTROL, &s) != 0)
		return;
	st.control_present = true;
	st.control_chr = S_ISCHR(s.st_mode);
	st.control_rdev_ok = st.control_chr &&
			     (!st.control_sys || (major(s.st_rdev) == st.control_major &&
						  minor(s.st_rdev) == st.control_minor));
	st.control_mode = s.st_mode & 07777;
	{
		struct passwd *pw = getpwuid(s.st_uid);
		struct group *gr = getgrgid(s.st_gid);

		if (pw)
			sfmt(st.control_owner, sizeof(st.control_owner), "%s", pw->pw_name);
		else
			sfmt(st.control_owner, sizeof(st.control_owner), "%u", (unsigned int)s.st_uid);
		if (gr)
			sfmt(st.control_group, sizeof(st.control_group), "%s", gr->gr_name);
		else
			sfmt(st.control_group, sizeof(st.control_group), "%u", (unsigned int)s.st_gid);
		endpwent();
		endgrent();
	}
	st.control_access = access(CONTROL, R_OK | W_OK) == 0;
}

/* ------------------------------------------------------------ netlink */

#define NLBUF 16384

struct nlreq {
	struct nlmsghdr n;
	struct genlmsghdr g;
	char attrs[256];
};

static int nl_send(int fd, struct nlreq *r)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	return sendto(fd, r, r->n.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
}

static void nl_put_str(struct nlreq *r, unsigned short type, const char *s)
{
	struct nlattr *a = (struct nlattr *)((char *)r + NLMSG_ALIGN(r->n.nlmsg_len));
	size_t l = strlen(s) + 1;

	a->nla_type = type;
	a->nla_len = (unsigned short)(NLA_HDRLEN + l);
	memcpy((char *)a + NLA_HDRLEN, s, l);
	r->n.nlmsg_len = NLMSG_ALIGN(r->n.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

/* Walk the attributes of a generic netlink message. */
#define for_each_attr(a, nlh)                                                           \
	for (a = (struct nlattr *)((char *)NLMSG_DATA(nlh) + GENL_HDRLEN);                  \
	     (char *)a + NLA_HDRLEN <= (char *)(nlh) + (nlh)->nlmsg_len &&                  \
	     a->nla_len >= NLA_HDRLEN &&                                                    \
	     (char *)a + a->nla_len <= (char *)(nlh) + (nlh)->nlmsg_len;                    \
	     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))

/* Receive until the answer to SEQ is complete; CB sees each data message.
 * Returns 0 or -errno (an NLMSG_ERROR answer's). */
static int nl_recv(int fd, unsigned int seq, void (*cb)(struct nlmsghdr *, void *), void *arg)
{
	char *buf = malloc(NLBUF);
	int ret = -EIO;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = recv(fd, buf, NLBUF, 0);
		struct nlmsghdr *h;
		bool done = false;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			break;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned int)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE) {
				ret = 0;
				done = true;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				ret = e->error;
				done = true;
				break;
			}
			cb(h, arg);
			if (!(h->nlmsg_flags & NLM_F_MULTI)) {
				ret = 0;
				done = true;
				break;
			}
		}
		if (done)
			break;
	}
	free(buf);
	return ret;
}

static void family_cb(struct nlmsghdr *h, void *arg)
{
	struct nlattr *a;

	for_each_attr(a, h)
		if (a->nla_type == CTRL_ATTR_FAMILY_ID && a->nla_len >= NLA_HDRLEN + 2)
			memcpy(arg, (char *)a + NLA_HDRLEN, 2);
}

static void mgmtdev_cb(struct nlmsghdr *h, void *arg)
{
	struct nlattr *a;
	char bus[64] = "", dev[64] = "", one[140];
	size_t used;

	(void)arg;
	for_each_attr(a, h) {
		size_t l = a->nla_len - NLA_HDRLEN;
		char *dst = a->nla_type == VDPA_ATTR_MGMTDEV_BUS_NAME ? bus :
			    a->nla_type == VDPA_ATTR_MGMTDEV_DEV_NAME ? dev : NULL;

		if (!dst || l == 0)
			continue;
		if (l > 63)
			l = 63;
		memcpy(dst, (char *)a + NLA_HDRLEN, l);
		dst[l] = '\0';
	}
	if (!dev[0])
		return;
	/* the vduse management device has no bus: its handle is "vduse" */
	if (!bus[0] && !strcmp(dev, "vduse"))
		st.mgmt_vduse = true;
	sfmt(one, sizeof(one), "%s%s%s", bus, bus[0] ? "/" : "", dev);
	used = strlen(st.mgmt_list);
	sfmt(st.mgmt_list + used, sizeof(st.mgmt_list) - used, "%s%s", used ? " " : "", one);
}

/* `vdpa mgmtdev show`, spoken directly: the generic netlink family "vdpa",
 * VDPA_CMD_MGMTDEV_GET as a dump. Works with our bus and the kernel's. */
static void examine_mgmtdev(void)
{
	struct nlreq r;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 5 };
	unsigned short family = 0;
	int fd, err;

	st.mgmt_checked = -1;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0) {
		sfmt(st.mgmt_error, sizeof(st.mgmt_error), "netlink socket: %s", strerror(errno));
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		sfmt(st.mgmt_error, sizeof(st.mgmt_error), "netlink bind: %s", strerror(errno));
		goto out;
	}
	memset(&r, 0, sizeof(r));
	r.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r.n.nlmsg_type = GENL_ID_CTRL;
	r.n.nlmsg_flags = NLM_F_REQUEST;
	r.n.nlmsg_seq = 1;
	r.g.cmd = CTRL_CMD_GETFAMILY;
	r.g.version = 1;
	nl_put_str(&r, CTRL_ATTR_FAMILY_NAME, VDPA_GENL_NAME);
	err = nl_send(fd, &r);
	if (!err)
		err = nl_recv(fd, 1, family_cb, &family);
	if (err == -ENOENT || (!err && !family)) {
		st.mgmt_checked = 0;	/* no "vdpa" family: no bus loaded */
		goto out;
	}
	if (err) {
		sfmt(st.mgmt_error, sizeof(st.mgmt_error), "resolving the vdpa netlink family: %s",
			 strerror(-err));
		goto out;
	}
	memset(&r, 0, sizeof(r));
	r.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r.n.nlmsg_type = family;
	r.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	r.n.nlmsg_seq = 2;
	r.g.cmd = VDPA_CMD_MGMTDEV_GET;
	r.g.version = VDPA_GENL_VERSION;
	err = nl_send(fd, &r);
	if (!err)
		err = nl_recv(fd, 2, mgmtdev_cb, NULL);
	if (err) {
		sfmt(st.mgmt_error, sizeof(st.mgmt_error), "vdpa mgmtdev dump: %s", strerror(-err));
		goto out;
	}
	st.mgmt_checked = 1;
out:
	close(fd);
}

/* ------------------------------------------------------------ the verdict */

static bool signature_blocks(const struct mod *m)
{
	return st.enforced && m->found && !m->builtin && !m->win.is_signed;
}

/* The next step when our modules are not there for this kernel. */
static void not_built(const char *what)
{
	char step[512];

	if (!st.in_range) {
		verdict("unsupported-kernel", "boot a kernel between " VDK_KERNEL_MIN " and " VDK_KERNEL_MAX,
			"%s, and Linux %s is outside vduse-dkms's range (" VDK_KERNEL_MIN " to "
			VDK_KERNEL_MAX ")", what, st.kver);
		return;
	}
	if (!st.pkg_src && !st.dkms_tree) {
		verdict("not-installed", st.rpm_system ? "dnf install vduse-dkms" : "apt install vduse-dkms",
			"%s, and vduse-dkms is not installed", what);
		return;
	}
	if (st.built_version[0]) {
		sfmt(step, sizeof(step), "dkms install " DKMS_NAME "/%s -k %s",
			 st.built_version, st.kver);
		verdict("built-not-installed", step,
			"%s: DKMS built vduse %s for %s but did not install it", what,
			st.built_version, st.kver);
		return;
	}
	if (!st.headers) {
		sfmt(step, sizeof(step), st.rpm_system ? "dnf install kernel-devel-%s" :
			 "apt install linux-headers-%s", st.kver);
		verdict("not-built", step,
			"%s: vduse-dkms is not built for %s, whose headers are not installed",
			what, st.kver);
		return;
	}
	sfmt(step, sizeof(step), "dkms autoinstall -k %s%s%s", st.kver,
		 st.make_log[0] ? "; if it fails, read " : "", st.make_log);
	verdict("not-built", step, "%s: vduse-dkms is not built for %s (its headers are installed)",
		what, st.kver);
}

static void decide(void)
{
	char step[512];
	const struct mod *blocked = NULL;
	size_t i;

	if (!st.moddir_ok) {
		verdict("no-kernel", NULL, "no module tree %s: is %s installed?", st.moddir, st.kver);
		sfmt(next_step, sizeof(next_step), st.rpm_system ? "dnf install kernel-%s" :
			 "apt install linux-image-%s", st.kver);
		return;
	}
	if (!M_VDUSE->found || !M_VDPA->found) {
		not_built(!M_VDUSE->found ? "modprobe cannot find vduse" :
			  "modprobe finds vduse but not the vdpa bus it needs");
		return;
	}
	for (i = 0; i < NMODS && !blocked; i++)
		if ((&mods[i] == M_VDUSE || &mods[i] == M_VDPA) && mods[i].path &&
		    !exists(mods[i].path))
			blocked = &mods[i];
	if (blocked) {
		sfmt(step, sizeof(step), "depmod -a %s", st.kver);
		verdict("depmod", step, "modprobe's index names %s for %s, but the file is missing",
			blocked->rel, blocked->name);
		return;
	}
	for (i = 0; i < NMODS && !blocked; i++)
		if ((&mods[i] == M_VDUSE || &mods[i] == M_VDPA) && signature_blocks(&mods[i]) &&
		    (mods[i].state < 0 || mods[i].loaded_matches == 0))
			blocked = &mods[i];
	if (blocked) {
		const char *v = st.installed_version[0] ? st.installed_version :
				st.src_version[0] ? st.src_version : "<version>";

		sfmt(step, sizeof(step), "install openssl, then rebuild so that dkms signs it: "
		     "dkms remove " DKMS_NAME "/%s -k %s; dkms autoinstall -k %s", v, st.kver, st.kver);
		verdict("unsigned", step,
			"%s (%s) is not signed, and this kernel loads only signed modules (%s)",
			blocked->name, blocked->rel, st.secure_boot == 1 ? "Secure Boot" :
			"lockdown or module.sig_enforce");
		return;
	}
	for (i = 0; i < NMODS && !blocked; i++)
		if ((&mods[i] == M_VDUSE || &mods[i] == M_VDPA) && st.enforced &&
		    !mods[i].win.intree && mods[i].win.is_signed && st.mok_enrolled == 0 &&
		    (mods[i].state < 0 || mods[i].loaded_matches == 0))
			blocked = &mods[i];
	if (blocked) {
		sfmt(step, sizeof(step), "enroll the DKMS MOK key: mokutil --import %s, then reboot",
			 st.mok_cert);
		verdict("key-not-enrolled", step,
			"%s is signed by \"%s\", but the DKMS key %s is not enrolled and this kernel "
			"loads only signed modules", blocked->name,
			blocked->win.signer ? blocked->win.signer : "?", st.mok_cert);
		return;
	}
	if (!st.running) {
		verdict("ready", NULL, "modprobe vduse would load %s%s on %s", M_VDUSE->builtin ?
			"the built-in vduse" : M_VDUSE->rel, M_VDUSE->ours ? " (vduse-dkms)" : "",
			st.kver);
		return;
	}
	if (M_VDUSE->state < 0) {
		verdict("not-loaded", "modprobe vduse", "vduse is not loaded (modprobe would load %s%s)",
			M_VDUSE->rel, M_VDUSE->ours ? ", vduse-dkms" : ", the kernel's own");
		return;
	}
	if (M_VDPA->state >= 0 && M_VDPA->loaded_matches == 0) {
		verdict("stale", "modprobe -r vduse virtio_vdpa vhost_vdpa vdpa; modprobe vduse",
			"the loaded vdpa is not the copy modprobe would load now (%s)", M_VDPA->rel);
		return;
	}
	if (M_VDUSE->loaded_matches == 0) {
		verdict("stale", "rmmod vduse; modprobe vduse",
			"the loaded vduse is %s, but modprobe would now load %s%s",
			M_VDUSE->loaded_taint && strchr(M_VDUSE->loaded_taint, 'O') ?
			"an out-of-tree build that is not installed" : "the kernel's own",
			M_VDUSE->rel, M_VDUSE->ours ? " (vduse-dkms)" : "");
		return;
	}
	if (M_VDUSE->state != KMOD_MODULE_LIVE && M_VDUSE->state != KMOD_MODULE_BUILTIN) {
		verdict("loading", "wait a moment and run vduse-status again",
			"vduse is %s", M_VDUSE->state == KMOD_MODULE_COMING ? "still loading" : "unloading");
		return;
	}
	if (!st.control_present || !st.control_chr || !st.control_rdev_ok) {
		if (st.control_sys)
			sfmt(step, sizeof(step), "udevadm trigger --subsystem-match=vduse "
				 "(or: mkdir -p /dev/vduse; mknod -m 600 " CONTROL " c %u %u)",
				 st.control_major, st.control_minor);
		else
			sfmt(step, sizeof(step), "rmmod vduse; modprobe vduse");
		verdict("no-control", step, CONTROL " %s although vduse is loaded",
			!st.control_present ? "is missing" : !st.control_chr ?
			"is not a character device" : "has the wrong device number");
		return;
	}
	if (st.mgmt_checked == 0) {
		verdict("no-mgmtdev", "modprobe -r vduse; modprobe vduse",
			"the vdpa netlink family is missing although vduse is loaded");
		return;
	}
	if (st.mgmt_checked == 1 && !st.mgmt_vduse) {
		verdict("no-mgmtdev", "rmmod vduse; modprobe vduse",
			"vduse is loaded but its management device is not on the vdpa bus");
		return;
	}
	if (!st.control_access) {
		verdict("no-access", "run it as root, or see the opt-in group rule "
			"61-vduse-group.rules (README.Debian)",
			"you (uid %u) cannot open " CONTROL " (%04o %s:%s)", (unsigned int)getuid(),
			(unsigned int)st.control_mode, st.control_owner, st.control_group);
		return;
	}
	verdict("ready", NULL, "VDUSE is usable on %s: vduse %s (%s%s)", st.kver,
		M_VDUSE->win.version ? M_VDUSE->win.version : "",
		M_VDUSE->builtin ? "built-in" : M_VDUSE->rel, M_VDUSE->ours ? ", vduse-dkms" : "");
}

static void add_notes(void)
{
	if (!M_VDUSE->found || !st.moddir_ok)
		return;
	if (!M_VDUSE->ours && M_VDUSE->win.intree && (st.pkg_src || st.dkms_tree) &&
	    st.in_range)
		note("vduse-dkms is installed but modprobe uses the kernel's own vduse: "
		     "vduse-dkms is not %s for %s", st.built_version[0] ? "installed" : "built",
		     st.kver);
	if (M_VDUSE->ours && M_VDUSE->intree_path)
		note("both the kernel's vduse (%s) and vduse-dkms's (%s) are present: "
		     "modprobe loads vduse-dkms's (%s)", rel_path(M_VDUSE->intree_path),
		     M_VDUSE->rel, M_VDUSE->intree_archived ?
		     "dkms moved the kernel's aside; removing vduse-dkms puts it back" :
		     "depmod searches updates/ first");
	if (st.running && M_VDUSE->state >= 0) {
		if (M_VIRTIO->found && M_VIRTIO->state < 0 && M_VHOST->found && M_VHOST->state < 0)
			note("neither virtio_vdpa nor vhost_vdpa is loaded: a VDUSE device added with "
			     "`vdpa dev add` gets no driver (modprobe virtio_vdpa for /dev/vdX, "
			     "vhost_vdpa for a VM)");
		else if (!M_VIRTIO->found && !M_VHOST->found)
			note("modprobe finds neither virtio_vdpa nor vhost_vdpa: VDUSE devices get no "
			     "driver");
	}
	if (st.control_present && st.running && (st.control_mode & 0066))
		note(CONTROL " is accessible to group %s (mode %04o): its members can create "
		     "devices the kernel trusts (README.Debian, Device access)", st.control_group,
		     (unsigned int)st.control_mode);
	if (st.mgmt_checked < 0 && st.running && M_VDUSE->state >= 0)
		note("could not ask the vdpa bus for its management devices: %s", st.mgmt_error);
}

/* ------------------------------------------------------------ output */

static void json_str(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		default:
			if (*p < 0x20)
				printf("\\u%04x", *p);
			else
				putchar(*p);
		}
	}
	putchar('"');
}

static void json_kv(const char *k, const char *v, bool comma)
{
	printf("\"%s\":", k);
	json_str(v);
	if (comma)
		putchar(',');
}

static const char *tri(int v)
{
	return v < 0 ? "null" : v ? "true" : "false";
}

static const char *state_name(int s)
{
	switch (s) {
	case KMOD_MODULE_LIVE:
		return "live";
	case KMOD_MODULE_BUILTIN:
		return "builtin";
	case KMOD_MODULE_COMING:
		return "coming";
	case KMOD_MODULE_GOING:
		return "going";
	default:
		return "not-loaded";
	}
}

static void json_info(const struct info *in)
{
	printf("{");
	json_kv("version", in->version, true);
	json_kv("srcversion", in->srcversion, true);
	json_kv("description", in->description, true);
	printf("\"signed\":%s,", in->is_signed ? "true" : "false");
	json_kv("signer", in->signer, true);
	json_kv("sig_key", in->sig_key, true);
	printf("\"intree\":%s}", in->intree ? "true" : "false");
}

static void print_json(void)
{
	size_t i;
	int n;
	char mode[8];

	printf("{");
	json_kv("tool_version", VDK_VERSION, true);
	json_kv("kernel", st.kver, true);
	printf("\"running\":%s,", st.running ? "true" : "false");
	json_kv("verdict", verdict_id, true);
	printf("\"ready\":%s,", strcmp(verdict_id, "ready") ? "false" : "true");
	json_kv("reason", verdict_text, true);
	json_kv("next_step", next_step[0] ? next_step : NULL, true);
	json_kv("module_dir", st.moddir, true);
	printf("\"module_dir_present\":%s,", st.moddir_ok ? "true" : "false");
	printf("\"headers\":%s,", st.headers ? "true" : "false");
	printf("\"in_supported_range\":%s,", st.in_range ? "true" : "false");
	printf("\"kernel_vdpa_bus\":%s,\"kernel_vduse\":%s,", st.kernel_bus ? "true" : "false",
	       st.kernel_vduse ? "true" : "false");
	printf("\"modules\":[");
	for (i = 0; i < NMODS; i++) {
		struct mod *m = &mods[i];

		printf("%s{", i ? "," : "");
		json_kv("name", m->name, true);
		printf("\"found\":%s,", m->found ? "true" : "false");
		json_kv("path", m->path, true);
		json_kv("origin", m->found ? m->origin : NULL, true);
		printf("\"vduse_dkms\":%s,", m->ours ? "true" : "false");
		printf("\"file\":");
		if (m->found)
			json_info(&m->win);
		else
			printf("null");
		printf(",\"intree_copy\":");
		if (m->intree_path) {
			printf("{");
			json_kv("path", m->intree_path, true);
			printf("\"archived_by_dkms\":%s,\"file\":", m->intree_archived ? "true" : "false");
			json_info(&m->in);
			printf("}");
		} else {
			printf("null");
		}
		if (st.running) {
			printf(",");
			json_kv("state", state_name(m->state), true);
			json_kv("loaded_version", m->loaded_version, true);
			json_kv("loaded_srcversion", m->loaded_srcversion, true);
			json_kv("loaded_taint", m->loaded_taint, true);
			printf("\"loaded_is_winner\":%s", m->state < 0 ? "null" : tri(m->loaded_matches));
		}
		printf("}");
	}
	printf("],\"dkms\":{");
	json_kv("source_version", st.src_version[0] ? st.src_version : NULL, true);
	printf("\"tree\":%s,", st.dkms_tree ? "true" : "false");
	json_kv("built_version", st.built_version[0] ? st.built_version : NULL, true);
	json_kv("built_arch", st.built_arch[0] ? st.built_arch : NULL, true);
	json_kv("installed_version", st.installed_version[0] ? st.installed_version : NULL, true);
	json_kv("make_log", st.make_log[0] ? st.make_log : NULL, false);
	printf("},\"signing\":{");
	printf("\"efi\":%s,\"secure_boot\":%s,", st.efi ? "true" : "false", tri(st.secure_boot));
	json_kv("lockdown", st.lockdown[0] ? st.lockdown : NULL, true);
	printf("\"sig_enforce\":%s,\"enforced\":%s,", tri(st.sig_enforce),
	       st.enforced ? "true" : "false");
	json_kv("mok_certificate", st.mok_cert[0] ? st.mok_cert : NULL, true);
	printf("\"mok_enrolled\":%s}", tri(st.mok_enrolled));
	if (st.running) {
		printf(",\"control\":{");
		json_kv("path", CONTROL, true);
		printf("\"present\":%s,\"char_device\":%s,", st.control_present ? "true" : "false",
		       st.control_chr ? "true" : "false");
		sfmt(mode, sizeof(mode), "%04o", (unsigned int)st.control_mode);
		json_kv("mode", st.control_present ? mode : NULL, true);
		json_kv("owner", st.control_present ? st.control_owner : NULL, true);
		json_kv("group", st.control_present ? st.control_group : NULL, true);
		printf("\"access\":%s}", st.control_access ? "true" : "false");
		printf(",\"mgmtdev\":{\"checked\":%s,\"vdpa_family\":%s,\"vduse\":%s,",
		       tri(st.mgmt_checked < 0 ? -1 : 1), st.mgmt_checked == 1 ? "true" : "false",
		       st.mgmt_vduse ? "true" : "false");
		json_kv("all", st.mgmt_checked == 1 ? st.mgmt_list : NULL, true);
		json_kv("error", st.mgmt_error[0] ? st.mgmt_error : NULL, false);
		printf("}");
	}
	printf(",\"notes\":[");
	for (n = 0; n < nnotes; n++) {
		if (n)
			putchar(',');
		json_str(notes[n]);
	}
	printf("]}\n");
}

static const char *sig_text(const struct info *in, char *buf, size_t len)
{
	if (!in->is_signed)
		return "unsigned";
	sfmt(buf, len, "signed by %s%s%s", in->signer && *in->signer ? in->signer : "(unknown)",
		 in->sig_hash ? ", " : "", in->sig_hash ? in->sig_hash : "");
	return buf;
}

static void print_human(void)
{
	size_t i;
	int n;
	char sig[256];

	if (!strcmp(verdict_id, "ready"))
		printf("READY: %s\n", verdict_text);
	else
		printf("NOT READY [%s]: %s\n", verdict_id, verdict_text);
	if (next_step[0])
		printf("next step: %s\n", next_step);
	for (n = 0; n < nnotes; n++)
		printf("note: %s\n", notes[n]);
	printf("\n%-13s %s%s\n", "kernel", st.kver, st.running ? " (running)" : " (--kver: not running, no loaded state)");
	if (!st.moddir_ok)
		return;
	printf("%-13s vDPA bus: %s; VDUSE: %s; headers: %s\n", "kernel's own",
	       st.kernel_bus ? "yes" : "no (CONFIG_VDPA unset)",
	       st.kernel_vduse ? "yes" : "no", st.headers ? "installed" : "not installed");
	for (i = 0; i < NMODS; i++) {
		struct mod *m = &mods[i];

		if (!m->found) {
			printf("%-13s modprobe: not found\n", m->name);
		} else {
			printf("%-13s modprobe loads %s (%s%s)\n", m->name,
			       m->builtin ? "the built-in module" : m->rel, m->origin,
			       m->ours ? ", vduse-dkms" : "");
			printf("%-13s version %s, srcversion %s, %s\n", "",
			       m->win.version ? m->win.version : "-",
			       m->win.srcversion ? m->win.srcversion : "-",
			       m->builtin ? "built in" : sig_text(&m->win, sig, sizeof(sig)));
		}
		if (m->intree_path)
			printf("%-13s kernel's own copy %s%s (srcversion %s, %s)%s\n", "",
			       m->intree_archived ? "moved aside by dkms: " : "",
			       rel_path(m->intree_path),
			       m->in.srcversion ? m->in.srcversion : "-",
			       sig_text(&m->in, sig, sizeof(sig)), m->found ? ": not used" : "");
		if (st.running && m->state >= 0 && m->state != KMOD_MODULE_BUILTIN)
			printf("%-13s loaded (%s, srcversion %s, taint '%s'): %s\n", "",
			       state_name(m->state),
			       m->loaded_srcversion ? m->loaded_srcversion : "-",
			       m->loaded_taint ? m->loaded_taint : "", m->loaded_matches == 1 ?
			       "the copy modprobe loads" : m->loaded_matches == 0 ?
			       "NOT the copy modprobe would load now" : "cannot tell which copy");
		else if (st.running && m->found)
			printf("%-13s %s\n", "", m->state == KMOD_MODULE_BUILTIN ? "built in" : "not loaded");
	}
	printf("%-13s ", "DKMS");
	if (!st.pkg_src && !st.dkms_tree)
		printf("vduse-dkms is not installed\n");
	else
		printf("sources %s%s; built for %s: %s%s%s; installed: %s\n",
		       st.src_version[0] ? "/usr/src/" DKMS_NAME "-" : "none",
		       st.src_version, st.kver,
		       st.built_version[0] ? st.built_version : "no",
		       st.built_arch[0] ? "/" : "", st.built_arch,
		       st.installed_version[0] ? st.installed_version : "no");
	printf("%-13s Secure Boot: %s; lockdown: %s; module signatures: %s\n", "signing",
	       st.secure_boot == 1 ? "on" : st.secure_boot == 0 ? "off" : "unknown (no EFI)",
	       st.lockdown[0] ? st.lockdown : "unknown", st.enforced ? "enforced" : "not enforced");
	if (st.mok_cert[0])
		printf("%-13s DKMS key %s: %s\n", "", st.mok_cert,
		       st.mok_enrolled == 1 ? "enrolled (in MokListRT)" :
		       st.mok_enrolled == 0 ? "NOT enrolled" : "enrolment unknown (no MokListRT)");
	if (!st.running)
		return;
	printf("%-13s ", "control");
	if (st.control_present)
		printf(CONTROL " %s %04o %s:%s%s\n", st.control_chr ? "char device" : "NOT a char device",
		       (unsigned int)st.control_mode, st.control_owner, st.control_group,
		       st.control_access ? ", you can open it" : ", you cannot open it");
	else
		printf(CONTROL " missing%s\n", st.control_sys ? " (the kernel has it: /sys/class/vduse/control)" : "");
	printf("%-13s ", "mgmtdev");
	if (st.mgmt_checked == 1)
		printf("vdpa bus management devices: %s%s\n", st.mgmt_list[0] ? st.mgmt_list : "none",
		       st.mgmt_vduse ? "" : " (no vduse)");
	else if (st.mgmt_checked == 0)
		printf("no vdpa netlink family (no vDPA bus loaded)\n");
	else
		printf("unknown: %s\n", st.mgmt_error);
}

/* ------------------------------------------------------------ main */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: vduse-status [--kver KVER] [--json] [--quiet]\n"
"\n"
"Tell whether VDUSE (vDPA Device in Userspace) is usable on this machine,\n"
"and if not, why not and the one next step. The first line is the verdict:\n"
"  READY: ...                  VDUSE is usable (exit status 0)\n"
"  NOT READY [ID]: ...         followed by \"next step: ...\"\n"
"Verdict IDs: no-kernel, unsupported-kernel, not-installed, not-built,\n"
"built-not-installed, depmod, unsigned, key-not-enrolled, not-loaded,\n"
"stale, loading, no-control, no-mgmtdev, no-access (vduse-status(8)).\n"
"\n"
"It examines, for the running kernel (or KVER):\n"
"  - whether the kernel has its own vDPA bus and VDUSE;\n"
"  - for vdpa, virtio_vdpa, vhost_vdpa and vduse: which file modprobe would\n"
"    load (libkmod lookup: updates/ wins over the kernel's tree), whether it\n"
"    is vduse-dkms's or the kernel's, version, srcversion, signer, and the\n"
"    kernel's own copy it shadows; whether it is loaded and whether the\n"
"    loaded module is that copy (srcversion);\n"
"  - whether DKMS built and installed vduse for the kernel (/var/lib/dkms),\n"
"    and whether the kernel's headers are installed;\n"
"  - Secure Boot, lockdown, module.sig_enforce, the DKMS signing key and\n"
"    whether it is enrolled (MokListRT);\n"
"  - /dev/vduse/control: present, device number, mode, owner, group, and\n"
"    whether you can open it;\n"
"  - the vduse management device on the vdpa bus (vdpa netlink, as\n"
"    `vdpa mgmtdev show`).\n"
"\n"
"  --kver KVER  examine KVER's module tree (/lib/modules/KVER) instead;\n"
"               then READY means `modprobe vduse` would work once KVER runs\n"
"               (nothing about loaded modules or /dev/vduse)\n"
"  --json       one JSON object on standard output instead of text\n"
"  --quiet      print only the verdict line and the next step\n"
"  --version    print the version\n"
"  -h, --help   this text\n"
"\n"
"Exit status: 0 ready, 1 not ready, 2 usage error, 3 could not examine\n"
"(out of memory, libkmod failed).\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kver", required_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct kmod_ctx *ctx = NULL, *ctx2 = NULL;
	struct utsname u;
	const char *kver = NULL;
	bool json = false, quiet = false;
	int c, n;
	size_t i;

	while ((c = getopt_long(argc, argv, "k:jqVh", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			kver = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'V':
			printf("vduse-status %s\n", VDK_VERSION);
			return EXIT_READY;
		case 'h':
			usage(stdout);
			return EXIT_READY;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (uname(&u) != 0) {
		perror("vduse-status: uname");
		return EXIT_ERROR;
	}
	if (kver && (!*kver || strchr(kver, '/') || strlen(kver) >= sizeof(st.kver))) {
		fprintf(stderr, "vduse-status: bad --kver '%s'\n", kver);
		return EXIT_USAGE;
	}
	sfmt(st.kver, sizeof(st.kver), "%s", kver ? kver : u.release);
	st.running = !strcmp(st.kver, u.release);
	sfmt(st.moddir, sizeof(st.moddir), "/lib/modules/%s", st.kver);
	st.moddir_ok = is_dir(st.moddir);
	{
		char p[600];

		sfmt(p, sizeof(p), "%s/build/Makefile", st.moddir);
		st.headers = exists(p);
	}
	n = kver_num(st.kver);
	st.in_range = n >= kver_num(VDK_KERNEL_MIN) && n <= kver_num(VDK_KERNEL_MAX);
	st.rpm_system = !exists("/usr/bin/dpkg") && exists("/usr/bin/rpm");
	for (i = 0; i < NMODS; i++) {
		mods[i].state = -1;
		mods[i].loaded_matches = -1;
	}

	if (st.moddir_ok) {
		ctx = kmod_new(st.moddir, NULL);
		ctx2 = kmod_new(st.moddir, NULL);
		if (!ctx || !ctx2) {
			fprintf(stderr, "vduse-status: libkmod could not open %s\n", st.moddir);
			kmod_unref(ctx);
			kmod_unref(ctx2);
			return EXIT_ERROR;
		}
		for (i = 0; i < NMODS; i++)
			examine_module(ctx, ctx2, &mods[i]);
		st.kernel_bus = M_VDPA->intree_path || (M_VDPA->found && M_VDPA->win.intree);
		st.kernel_vduse = M_VDUSE->intree_path || (M_VDUSE->found && M_VDUSE->win.intree);
		kmod_unref(ctx);
		kmod_unref(ctx2);
	}
	examine_dkms();
	examine_signing();
	if (st.running) {
		examine_control();
		if (M_VDUSE->state >= 0 || M_VDPA->state >= 0)
			examine_mgmtdev();
		else
			st.mgmt_checked = 0;
	}
	decide();
	add_notes();

	if (json) {
		print_json();
	} else if (quiet) {
		if (!strcmp(verdict_id, "ready"))
			printf("READY: %s\n", verdict_text);
		else
			printf("NOT READY [%s]: %s\n", verdict_id, verdict_text);
		if (next_step[0])
			printf("next step: %s\n", next_step);
	} else {
		print_human();
	}
	for (i = 0; i < NMODS; i++)
		free_module(&mods[i]);
	if (fflush(stdout) != 0)
		return EXIT_ERROR;
	return strcmp(verdict_id, "ready") ? EXIT_NOT_READY : EXIT_READY;
}
