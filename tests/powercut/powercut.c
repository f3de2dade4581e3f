/*
 * powercut.so: an LD_PRELOAD layer that makes a SIGKILL look like a power cut.
 *
 * A SIGKILL keeps everything the process wrote in the kernel's page cache; a power cut loses
 * whatever was not made durable. This layer lets every write through (so the process reads what
 * it wrote) but first appends an undo record to a journal: the file's size and the bytes the
 * write is about to overwrite. fsync() and fdatasync() of a file mark its records durable.
 * After the kill, the test replays the journal backwards for every record not marked durable
 * (tests/tests/crash_safety.rs, `power_cut`), restoring each file as it was at its last sync.
 *
 * The model, stated: file data and sizes become durable only by fsync/fdatasync of that file.
 * sync_file_range() is NOT durable (it neither flushes the drive cache nor the file size; see its
 * man page), nor are writes that were merely flushed to the kernel. Namespace operations
 * (create, rename, unlink) are kept as they happened.
 *
 * Environment: POWERCUT_DIR (only files whose path starts with it are tracked) and
 * POWERCUT_JOURNAL (the undo journal, outside POWERCUT_DIR). Without both, the layer only passes
 * calls through.
 *
 * Journal records (native endianness, written with one write() each under a lock):
 *   'W' u32 len, path, u64 offset, u64 old_size, u64 old_len, old bytes   (a write or truncation)
 *   'S' u32 len, path                                                      (fsync / fdatasync)
 *   'N' u32 len, old path, u32 len, new path                               (rename)
 *   'U' u32 len, path                                                      (unlink)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_FDS 65536

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char *paths[MAX_FDS];
static char dir_prefix[PATH_MAX];
static size_t dir_len;
static int journal_fd = -1;
static int ready;

static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_openat64)(int, const char *, int, ...);
static int (*real_close)(int);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off64_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static ssize_t (*real_pwritev64)(int, const struct iovec *, int, off64_t);
static int (*real_ftruncate)(int, off_t);
static int (*real_ftruncate64)(int, off64_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_rename)(const char *, const char *);
static int (*real_renameat)(int, const char *, int, const char *);
static int (*real_renameat2)(int, const char *, int, const char *, unsigned int);
static int (*real_unlink)(const char *);
static int (*real_unlinkat)(int, const char *, int);
static int (*real_dup2)(int, int);

__attribute__((constructor)) static void init(void) {
    real_open = dlsym(RTLD_NEXT, "open");
    real_open64 = dlsym(RTLD_NEXT, "open64");
    real_openat = dlsym(RTLD_NEXT, "openat");
    real_openat64 = dlsym(RTLD_NEXT, "openat64");
    real_close = dlsym(RTLD_NEXT, "close");
    real_write = dlsym(RTLD_NEXT, "write");
    real_pwrite = dlsym(RTLD_NEXT, "pwrite");
    real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
    real_writev = dlsym(RTLD_NEXT, "writev");
    real_pwritev = dlsym(RTLD_NEXT, "pwritev");
    real_pwritev64 = dlsym(RTLD_NEXT, "pwritev64");
    real_ftruncate = dlsym(RTLD_NEXT, "ftruncate");
    real_ftruncate64 = dlsym(RTLD_NEXT, "ftruncate64");
    real_fsync = dlsym(RTLD_NEXT, "fsync");
    real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
    real_rename = dlsym(RTLD_NEXT, "rename");
    real_renameat = dlsym(RTLD_NEXT, "renameat");
    real_renameat2 = dlsym(RTLD_NEXT, "renameat2");
    real_unlink = dlsym(RTLD_NEXT, "unlink");
    real_unlinkat = dlsym(RTLD_NEXT, "unlinkat");
    real_dup2 = dlsym(RTLD_NEXT, "dup2");
    const char *d = getenv("POWERCUT_DIR");
    const char *j = getenv("POWERCUT_JOURNAL");
    if (!d || !j || !*d || strlen(d) >= sizeof dir_prefix) return;
    if (!realpath(d, dir_prefix)) {
        /* The directory may not exist yet: take the name as given. */
        strncpy(dir_prefix, d, sizeof dir_prefix - 1);
    }
    dir_len = strlen(dir_prefix);
    journal_fd = real_open(j, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    ready = journal_fd >= 0;
}

/* The absolute path of `path` relative to `dirfd`, in `out`, without resolving the last part
 * (it may not exist yet). Returns 0 when it is under the tracked directory. */
static int tracked_path(int dirfd, const char *path, char *out) {
    if (!ready || !path) return -1;
    char base[PATH_MAX];
    if (path[0] == '/') {
        base[0] = 0;
    } else if (dirfd == AT_FDCWD) {
        if (!getcwd(base, sizeof base)) return -1;
    } else if (dirfd >= 0 && dirfd < MAX_FDS && paths[dirfd]) {
        strncpy(base, paths[dirfd], sizeof base - 1);
        base[sizeof base - 1] = 0;
    } else {
        char link[64];
        snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
        ssize_t n = readlink(link, base, sizeof base - 1);
        if (n < 0) return -1;
        base[n] = 0;
    }
    char joined[PATH_MAX];
    if (base[0]) {
        if ((size_t)snprintf(joined, sizeof joined, "%s/%s", base, path) >= sizeof joined) return -1;
    } else {
        strncpy(joined, path, sizeof joined - 1);
        joined[sizeof joined - 1] = 0;
    }
    /* Resolve the directory part (symlinks such as /tmp -> /private/tmp), keep the name. */
    char *slash = strrchr(joined, '/');
    if (!slash) return -1;
    *slash = 0;
    char dir[PATH_MAX];
    if (!realpath(joined[0] ? joined : "/", dir)) return -1;
    if ((size_t)snprintf(out, PATH_MAX, "%s/%s", dir, slash + 1) >= PATH_MAX) return -1;
    if (strncmp(out, dir_prefix, dir_len) != 0) return -1;
    if (out[dir_len] != '/' && out[dir_len] != 0) return -1;
    return 0;
}

static void journal(const void *a, size_t an, const void *b, size_t bn) {
    /* One record as one write (O_APPEND): a kill never leaves half a record mid-journal. */
    char stack[8192];
    size_t n = an + bn;
    char *buf = n <= sizeof stack ? stack : malloc(n);
    if (!buf) abort();
    memcpy(buf, a, an);
    if (bn) memcpy(buf + an, b, bn);
    size_t done = 0;
    while (done < n) {
        ssize_t w = real_write(journal_fd, buf + done, n - done);
        if (w < 0) {
            if (errno == EINTR) continue;
            abort(); /* a lost undo record would make the test lie */
        }
        done += (size_t)w;
    }
    if (buf != stack) free(buf);
}

static size_t put_path(char *head, char kind, const char *path) {
    uint32_t len = (uint32_t)strlen(path);
    head[0] = kind;
    memcpy(head + 1, &len, 4);
    memcpy(head + 5, path, len);
    return 5 + len;
}

/* Records what [offset, offset + len) of fd's file holds now, and its size. Lock held. */
static void record_preimage(int fd, const char *path, uint64_t offset, uint64_t len) {
    struct stat st;
    if (fstat(fd, &st) != 0) abort();
    uint64_t size = (uint64_t)st.st_size;
    uint64_t old_len = 0;
    if (offset < size) old_len = (size - offset) < len ? (size - offset) : len;
    char head[PATH_MAX + 64];
    size_t h = put_path(head, 'W', path);
    memcpy(head + h, &offset, 8);
    memcpy(head + h + 8, &size, 8);
    memcpy(head + h + 16, &old_len, 8);
    h += 24;
    char *old = old_len ? malloc(old_len) : NULL;
    if (old_len && !old) abort();
    uint64_t got = 0;
    while (got < old_len) {
        ssize_t r = pread(fd, old + got, old_len - got, (off_t)(offset + got));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) abort();
        got += (uint64_t)r;
    }
    journal(head, h, old, old_len);
    free(old);
}

static const char *fd_path(int fd) {
    return (fd >= 0 && fd < MAX_FDS) ? paths[fd] : NULL;
}

static void remember(int fd, const char *path) {
    if (fd < 0 || fd >= MAX_FDS) return;
    free(paths[fd]);
    paths[fd] = path ? strdup(path) : NULL;
}

/* Before an open: a truncating open of a tracked file records the whole file. Lock held. */
static int before_open(int dirfd, const char *path, int flags, char *full) {
    int track = tracked_path(dirfd, path, full) == 0;
    if (track && (flags & O_TRUNC) && (flags & (O_WRONLY | O_RDWR))) {
        int old = real_openat(AT_FDCWD, full, O_RDONLY | O_CLOEXEC);
        if (old >= 0) {
            record_preimage(old, full, 0, UINT64_MAX);
            real_close(old);
        }
    }
    return track;
}

static mode_t mode_of(int flags, va_list ap) {
    return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

#define OPEN_BODY(dirfd, call)                                  \
    va_list ap;                                                 \
    va_start(ap, flags);                                        \
    mode_t mode = mode_of(flags, ap);                           \
    va_end(ap);                                                 \
    char full[PATH_MAX];                                        \
    pthread_mutex_lock(&lock);                                  \
    int track = before_open(dirfd, path, flags, full);          \
    int fd = call;                                              \
    if (fd >= 0) remember(fd, track ? full : NULL);             \
    pthread_mutex_unlock(&lock);                                \
    return fd;

int open(const char *path, int flags, ...) { OPEN_BODY(AT_FDCWD, real_open(path, flags, mode)) }
int open64(const char *path, int flags, ...) { OPEN_BODY(AT_FDCWD, real_open64(path, flags, mode)) }
int openat(int dirfd, const char *path, int flags, ...) {
    OPEN_BODY(dirfd, real_openat(dirfd, path, flags, mode))
}
int openat64(int dirfd, const char *path, int flags, ...) {
    OPEN_BODY(dirfd, real_openat64(dirfd, path, flags, mode))
}

int close(int fd) {
    pthread_mutex_lock(&lock);
    remember(fd, NULL);
    int r = real_close(fd);
    pthread_mutex_unlock(&lock);
    return r;
}

int dup2(int old, int new) {
    pthread_mutex_lock(&lock);
    int r = real_dup2(old, new);
    if (r >= 0) remember(new, fd_path(old));
    pthread_mutex_unlock(&lock);
    return r;
}

/* Where a write without an offset lands. */
static uint64_t current_offset(int fd) {
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && (fl & O_APPEND)) {
        struct stat st;
        return fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
    }
    off_t o = lseek(fd, 0, SEEK_CUR);
    return o < 0 ? 0 : (uint64_t)o;
}

static size_t iov_len(const struct iovec *iov, int n) {
    size_t t = 0;
    for (int i = 0; i < n; i++) t += iov[i].iov_len;
    return t;
}

#define GUARDED(fd, offset_expr, len_expr, call)               \
    do {                                                       \
        const char *p_ = fd_path(fd);                          \
        if (!p_) return call;                                  \
        pthread_mutex_lock(&lock);                             \
        p_ = fd_path(fd);                                      \
        if (p_) record_preimage(fd, p_, (offset_expr), (len_expr)); \
        ssize_t r_ = call;                                     \
        pthread_mutex_unlock(&lock);                           \
        return r_;                                             \
    } while (0)

ssize_t write(int fd, const void *buf, size_t n) {
    GUARDED(fd, current_offset(fd), n, real_write(fd, buf, n));
}
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) {
    GUARDED(fd, (uint64_t)off, n, real_pwrite(fd, buf, n, off));
}
ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off) {
    GUARDED(fd, (uint64_t)off, n, real_pwrite64(fd, buf, n, off));
}
ssize_t writev(int fd, const struct iovec *iov, int cnt) {
    GUARDED(fd, current_offset(fd), iov_len(iov, cnt), real_writev(fd, iov, cnt));
}
ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off) {
    GUARDED(fd, (uint64_t)off, iov_len(iov, cnt), real_pwritev(fd, iov, cnt, off));
}
ssize_t pwritev64(int fd, const struct iovec *iov, int cnt, off64_t off) {
    GUARDED(fd, (uint64_t)off, iov_len(iov, cnt), real_pwritev64(fd, iov, cnt, off));
}

/* A truncation records the bytes past the new end (none when the file grows). */
static int truncated(int fd, uint64_t len, int (*call)(int, off64_t)) {
    const char *p = fd_path(fd);
    if (!p) return call(fd, (off64_t)len);
    pthread_mutex_lock(&lock);
    p = fd_path(fd);
    if (p) record_preimage(fd, p, len, UINT64_MAX);
    int r = call(fd, (off64_t)len);
    pthread_mutex_unlock(&lock);
    return r;
}
static int ftruncate_off(int fd, off64_t len) { return real_ftruncate(fd, (off_t)len); }
int ftruncate(int fd, off_t len) { return truncated(fd, (uint64_t)len, ftruncate_off); }
int ftruncate64(int fd, off64_t len) { return truncated(fd, (uint64_t)len, real_ftruncate64); }

static int synced(int fd, int (*call)(int)) {
    int r = call(fd);
    const char *p = fd_path(fd);
    if (r == 0 && p) {
        pthread_mutex_lock(&lock);
        p = fd_path(fd);
        if (p) {
            char head[PATH_MAX + 8];
            size_t h = put_path(head, 'S', p);
            journal(head, h, NULL, 0);
        }
        pthread_mutex_unlock(&lock);
    }
    return r;
}
int fsync(int fd) { return synced(fd, real_fsync); }
int fdatasync(int fd) { return synced(fd, real_fdatasync); }

/* A rename: records old and new name (either may be outside the tracked directory: ""). */
static void after_rename(int ofd, const char *o, int nfd, const char *n) {
    char from[PATH_MAX], to[PATH_MAX];
    int t1 = tracked_path(ofd, o, from) == 0, t2 = tracked_path(nfd, n, to) == 0;
    if (!t1 && !t2) return;
    if (!t1) from[0] = 0;
    if (!t2) to[0] = 0;
    uint32_t l1 = (uint32_t)strlen(from), l2 = (uint32_t)strlen(to);
    char rec[2 * PATH_MAX + 16];
    size_t h = 0;
    rec[h++] = 'N';
    memcpy(rec + h, &l1, 4); h += 4;
    memcpy(rec + h, from, l1); h += l1;
    memcpy(rec + h, &l2, 4); h += 4;
    memcpy(rec + h, to, l2); h += l2;
    journal(rec, h, NULL, 0);
    if (t1)
        for (int fd = 0; fd < MAX_FDS; fd++)
            if (paths[fd] && strcmp(paths[fd], from) == 0) remember(fd, t2 ? to : NULL);
}

int rename(const char *o, const char *n) {
    pthread_mutex_lock(&lock);
    int r = real_rename(o, n);
    if (r == 0) after_rename(AT_FDCWD, o, AT_FDCWD, n);
    pthread_mutex_unlock(&lock);
    return r;
}
int renameat(int ofd, const char *o, int nfd, const char *n) {
    pthread_mutex_lock(&lock);
    int r = real_renameat(ofd, o, nfd, n);
    if (r == 0) after_rename(ofd, o, nfd, n);
    pthread_mutex_unlock(&lock);
    return r;
}
int renameat2(int ofd, const char *o, int nfd, const char *n, unsigned int flags) {
    pthread_mutex_lock(&lock);
    int r = real_renameat2(ofd, o, nfd, n, flags);
    if (r == 0) after_rename(ofd, o, nfd, n);
    pthread_mutex_unlock(&lock);
    return r;
}

static void after_unlink(int dirfd, const char *path) {
    char full[PATH_MAX];
    if (tracked_path(dirfd, path, full) != 0) return;
    char head[PATH_MAX + 8];
    size_t h = put_path(head, 'U', full);
    journal(head, h, NULL, 0);
}
int unlink(const char *path) {
    pthread_mutex_lock(&lock);
    int r = real_unlink(path);
    if (r == 0) after_unlink(AT_FDCWD, path);
    pthread_mutex_unlock(&lock);
    return r;
}
int unlinkat(int dirfd, const char *path, int flags) {
    pthread_mutex_lock(&lock);
    int r = real_unlinkat(dirfd, path, flags);
    if (r == 0 && !(flags & AT_REMOVEDIR)) after_unlink(dirfd, path);
    pthread_mutex_unlock(&lock);
    return r;
}
