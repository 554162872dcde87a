/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Corpus replay for the fuzz targets in a normal build (no libFuzzer): every file named on the
 * command line (directories are not walked) is given to LLVMFuzzerTestOneInput whole, then in
 * every 97th prefix of up to 4 KiB, so the suite exercises the targets on real capture bytes.
 * Files after "--whole" (the fuzzing corpus, already minimised) are given whole only.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    unsigned long runs = 0;
    int whole_only = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--whole") == 0) {
            whole_only = 1;
            continue;
        }
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 1;
        }
        size_t cap = 1 << 16, n = 0;
        uint8_t *buf = malloc(cap);
        size_t k;
        while (buf && (k = fread(buf + n, 1, cap - n, f)) > 0) {
            n += k;
            if (n == cap) {
                uint8_t *nb = realloc(buf, cap * 2);
                if (!nb)
                    break;
                buf = nb;
                cap *= 2;
            }
        }
        fclose(f);
        if (!buf)
            return 1;
        LLVMFuzzerTestOneInput(buf, n);
        runs++;
        for (size_t p = 1; !whole_only && p < n && p <= 4096; p += 97, runs++)
            LLVMFuzzerTestOneInput(buf, p);
        free(buf);
    }
    printf("replayed %lu inputs\n", runs);
    return 0;
}
