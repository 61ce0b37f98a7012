// SPDX-License-Identifier: GPL-2.0
/*
 * nbd-attach: attach the kernel's NBD client (/dev/nbdN) to an NBD server
 * listening on a unix socket (qemu-storage-daemon --nbd-server), with no
 * proxy in between. The guest has no nbd-client, and `qemu-nbd -c` would
 * put a second daemon (qemu-nbd's own NBD client and server) in the data
 * path; the benchmark measures the kernel NBD client against the same
 * qemu-storage-daemon that serves the VDUSE export.
 *
 *   nbd-attach [-c CONNS] [-b BLKSIZE] SOCKET EXPORT /dev/nbdN
 *       fixed-newstyle handshake (NBD_OPT_EXPORT_NAME) on CONNS connections
 *       (default 1; the kernel makes one hardware queue per connection),
 *       then NBD_DO_IT: stays in the foreground until disconnected.
 *   nbd-attach -d /dev/nbdN
 *       NBD_DISCONNECT; the attached process then returns.
 * Exit status 0 on success; errors name the step and errno.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/nbd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_CONNS 8
#define NBD_MAGIC_INIT 0x4e42444d41474943ULL /* "NBDMAGIC" */
#define NBD_MAGIC_OPT 0x49484156454f5054ULL  /* "IHAVEOPT" */
#define NBD_HS_FIXED_NEWSTYLE 1
#define NBD_HS_NO_ZEROES 2
#define NBD_OPT_EXPORT_NAME_ 1

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nbd-attach [-c CONNS] [-b BLKSIZE] SOCKET EXPORT /dev/nbdN\n"
		"       nbd-attach -d /dev/nbdN\n"
		"Attach the kernel NBD client to an NBD server on a unix socket\n"
		"(fixed-newstyle, NBD_OPT_EXPORT_NAME) and stay in NBD_DO_IT until\n"
		"disconnected; -d disconnects. CONNS connections (default 1, at most %d),\n"
		"block size BLKSIZE (default 512).\n", MAX_CONNS);
}

static int die(const char *what)
{
	fprintf(stderr, "nbd-attach: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void io_all(int fd, void *buf, size_t len, int wr, const char *what)
{
	char *p = buf;

	while (len) {
		ssize_t n = wr ? write(fd, p, len) : read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EPIPE;
			die(what);
		}
		p += n;
		len -= n;
	}
}

/* One connection through the handshake; returns the socket, sets size/flags. */
static int handshake(const char *path, const char *name, uint64_t *size,
		     uint16_t *tflags)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint64_t magic, v64;
	uint16_t hs, v16;
	uint32_t v32, cflags;
	char zeroes[124];
	int s;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		die("socket path");
	}
	strcpy(sa.sun_path, path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		die("socket");
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("connect");
	io_all(s, &magic, 8, 0, "read the server's magic");
	if (be64toh(magic) != NBD_MAGIC_INIT) {
		errno = EPROTO;
		die("not an NBD server");
	}
	io_all(s, &magic, 8, 0, "read the option magic");
	if (be64toh(magic) != NBD_MAGIC_OPT) {
		errno = EPROTO;
		die("not a newstyle NBD server");
	}
	io_all(s, &hs, 2, 0, "read the handshake flags");
	hs = be16toh(hs);
	if (!(hs & NBD_HS_FIXED_NEWSTYLE)) {
		errno = EPROTO;
		die("not a fixed-newstyle NBD server");
	}
	cflags = NBD_HS_FIXED_NEWSTYLE | (hs & NBD_HS_NO_ZEROES);
	v32 = htobe32(cflags);
	io_all(s, &v32, 4, 1, "send the client flags");
	v64 = htobe64(NBD_MAGIC_OPT);
	io_all(s, &v64, 8, 1, "send the option");
	v32 = htobe32(NBD_OPT_EXPORT_NAME_);
	io_all(s, &v32, 4, 1, "send the option");
	v32 = htobe32(strlen(name));
	io_all(s, &v32, 4, 1, "send the option");
	io_all(s, (void *)name, strlen(name), 1, "send the export name");
	io_all(s, &v64, 8, 0, "read the export size (unknown export?)");
	io_all(s, &v16, 2, 0, "read the transmission flags");
	if (!(cflags & NBD_HS_NO_ZEROES))
		io_all(s, zeroes, sizeof(zeroes), 0, "read the padding");
	*size = be64toh(v64);
	*tflags = be16toh(v16);
	return s;
}

int main(int argc, char **argv)
{
	int conns = 1, blksize = 512, opt, i, fd, socks[MAX_CONNS];
	uint64_t size = 0;
	uint16_t tflags = 0;
	const char *dis = NULL;

	while ((opt = getopt(argc, argv, "c:b:d:h")) != -1) {
		switch (opt) {
		case 'c':
			conns = atoi(optarg);
			break;
		case 'b':
			blksize = atoi(optarg);
			break;
		case 'd':
			dis = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (dis) {
		fd = open(dis, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			die(dis);
		if (ioctl(fd, NBD_DISCONNECT) < 0)
			die("NBD_DISCONNECT");
		return 0;
	}
	if (argc - optind != 3 || conns < 1 || conns > MAX_CONNS ||
	    blksize < 512 || (blksize & (blksize - 1))) {
		usage(stderr);
		return 2;
	}
	for (i = 0; i < conns; i++)
		socks[i] = handshake(argv[optind], argv[optind + 1], &size, &tflags);
	if (!size || size % blksize) {
		errno = EINVAL;
		die("export size");
	}
	fd = open(argv[optind + 2], O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die(argv[optind + 2]);
	if (ioctl(fd, NBD_SET_BLKSIZE, (unsigned long)blksize) < 0)
		die("NBD_SET_BLKSIZE");
	if (ioctl(fd, NBD_SET_SIZE_BLOCKS, (unsigned long)(size / blksize)) < 0)
		die("NBD_SET_SIZE_BLOCKS");
	if (ioctl(fd, NBD_SET_FLAGS, (unsigned long)tflags) < 0)
		die("NBD_SET_FLAGS");
	for (i = 0; i < conns; i++)
		if (ioctl(fd, NBD_SET_SOCK, (unsigned long)socks[i]) < 0)
			die("NBD_SET_SOCK");
	fprintf(stderr, "nbd-attach: %s: %llu bytes, flags 0x%x, %d connection(s)\n",
		argv[optind + 2], (unsigned long long)size, tflags, conns);
	/* Returns after NBD_DISCONNECT (or a dead server). */
	if (ioctl(fd, NBD_DO_IT) < 0 && errno != EPIPE && errno != ECONNRESET)
		fprintf(stderr, "nbd-attach: NBD_DO_IT ended: %s\n", strerror(errno));
	ioctl(fd, NBD_CLEAR_SOCK);
	return 0;
}
