/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rss_run - run a command and write its peak resident set size (KiB) to a file.
 *
 *   rss_run OUTFILE CMD [ARGS...]
 *
 * A small C parent, so the child's ru_maxrss (which counts from the fork) is not inflated by a
 * large parent such as the Python benchmark driver. The command's exit status is passed on.
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: rss_run OUTFILE CMD [ARGS...]\n");
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0)
        return 2;
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0)
        return 2;
    FILE *f = fopen(argv[1], "w");
    if (f) {
        fprintf(f, "%ld\n", ru.ru_maxrss);
        fclose(f);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
