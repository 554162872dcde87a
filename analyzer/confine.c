/* SPDX-License-Identifier: GPL-2.0-or-later */
/* confine.c - privilege drop and seccomp filter; see confine.h. */
#include "confine.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sched.h>
#include <ucontext.h>
#include <unistd.h>

int confine_drop_privileges(const char *user)
{
    if (geteuid() != 0)
        return 0;
    if (!user)
        user = "nobody";
    if (strcmp(user, "root") == 0)
        return 0;
    errno = 0;
    const struct passwd *pw = getpwnam(user);
    if (!pw) {
        fprintf(stderr, "wsaudit: -Z %s: %s\n", user, errno ? strerror(errno) : "no such user");
        return -1;
    }
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    if (initgroups(user, gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
        fprintf(stderr, "wsaudit: cannot become user %s: %s\n", user, strerror(errno));
        return -1;
    }
    if (uid != 0 && (setuid(0) == 0 || geteuid() == 0)) { /* the change must be for good */
        fprintf(stderr, "wsaudit: could regain root after becoming %s; stopping\n", user);
        return -1;
    }
    return 0;
}

/* ---- the filter ---- */

static volatile sig_atomic_t refused_said;

/* A call outside the list: refuse it with EPERM (on x86-64 the handler sets the return value;
 * elsewhere the filter returns EPERM itself) and say the first one on stderr. */
static void on_sigsys(int sig, siginfo_t *info, void *uctx)
{
    (void)sig;
#if defined(__x86_64__)
    ucontext_t *uc = uctx;
    uc->uc_mcontext.gregs[REG_RAX] = -EPERM;
#else
    (void)uctx;
#endif
    if (refused_said)
        return;
    refused_said = 1;
    char msg[96] = "wsaudit: the sandbox refused system call ";
    size_t n = strlen(msg);
    char digits[12];
    int k = 0, nr = info->si_syscall;
    do
        digits[k++] = (char)('0' + nr % 10);
    while ((nr /= 10) > 0 && k < (int)sizeof digits);
    while (k > 0)
        msg[n++] = digits[--k];
    memcpy(msg + n, " (refused with EPERM)\n", 23);
    ssize_t w = write(STDERR_FILENO, msg, strlen(msg));
    (void)w;
}

/* what the analysis calls once the inputs and outputs are open */
static const char *const allowed[] = {
    "read", "readv", "pread64", "preadv", "write", "writev", "pwrite64", "lseek", "close",
    "fstat", "newfstatat", "statx", "fstatfs", "fadvise64",
    "mmap", "munmap", "mremap", "mprotect", "brk", "madvise",
    "futex", "set_robust_list", "get_robust_list", "rseq", "sched_yield", "sched_getaffinity",
    "exit", "exit_group", "getpid", "gettid", "tgkill", "getuid", "geteuid", "getgid", "getegid",
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "restart_syscall",
    "getrandom", "clock_gettime", "clock_getres", "gettimeofday", "time", "nanosleep",
    "clock_nanosleep", "fcntl", "dup", "getdents64", "access", "faccessat",
    "faccessat2", "readlink", "uname", "sysinfo"
};

static int add(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned n,
               const struct scmp_arg_cmp *cmp)
{
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR)
        return 0; /* not on this architecture */
    return seccomp_rule_add_array(ctx, action, nr, n, cmp);
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WSAUDIT_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define WSAUDIT_ASAN 1
#endif

/* The filter rule by rule, in one function so that what is allowed can be audited at once. */
int confine_sandbox(void)
{
#ifdef WSAUDIT_ASAN
    /* LeakSanitizer stops the world with ptrace from a forked tracer: the sanitizer build
     * (tests/dev.sh test, second pass) runs unconfined; the normal build is the confined one */
    return 0;
#endif
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
#if defined(__x86_64__)
    uint32_t def = SCMP_ACT_TRAP;
    sigaction(SIGSYS, &sa, NULL);
#else
    uint32_t def = SCMP_ACT_ERRNO(EPERM);
#endif
    scmp_filter_ctx ctx = seccomp_init(def);
    if (!ctx) {
        fprintf(stderr, "wsaudit: note: no system call filter (seccomp unavailable); going on "
                        "unconfined\n");
        return 0;
    }
    int rc = 0;
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0] && rc == 0; i++)
        rc = add(ctx, SCMP_ACT_ALLOW, allowed[i], 0, NULL);
    /* opening: read-only, never creating or truncating (other opens meet the default) */
    const int wmask = O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | O_TMPFILE;
    struct scmp_arg_cmp ro_open = SCMP_A1(SCMP_CMP_MASKED_EQ, (scmp_datum_t)wmask, O_RDONLY);
    struct scmp_arg_cmp ro_openat = SCMP_A2(SCMP_CMP_MASKED_EQ, (scmp_datum_t)wmask, O_RDONLY);
    if (rc == 0)
        rc = add(ctx, SCMP_ACT_ALLOW, "openat", 1, &ro_openat);
    if (rc == 0)
        rc = add(ctx, SCMP_ACT_ALLOW, "open", 1, &ro_open);
    /* threads (clone with CLONE_THREAD), not processes; clone3's arguments cannot be looked
     * at, so it is refused with ENOSYS and the C library falls back to clone */
    struct scmp_arg_cmp thread = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD);
    if (rc == 0)
        rc = add(ctx, SCMP_ACT_ALLOW, "clone", 1, &thread);
    if (rc == 0)
        rc = add(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);
    /* isatty; reading resource limits without changing them */
    struct scmp_arg_cmp tcgets = SCMP_A1(SCMP_CMP_EQ, TCGETS);
    struct scmp_arg_cmp no_new = SCMP_A2(SCMP_CMP_EQ, 0);
    if (rc == 0)
        rc = add(ctx, SCMP_ACT_ALLOW, "ioctl", 1, &tcgets);
    if (rc == 0)
        rc = add(ctx, SCMP_ACT_ALLOW, "prlimit64", 1, &no_new);
    if (rc == 0)
        rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
    if (rc == 0)
        rc = seccomp_load(ctx);
    seccomp_release(ctx);
    if (rc != 0) {
        fprintf(stderr, "wsaudit: note: no system call filter (%s); going on unconfined\n",
                strerror(-rc));
        return 0;
    }
    return 1;
}
