#ifndef C_FUZZ_DRIVER_H
#define C_FUZZ_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver entry point (compiler-rt, `-sanitize=fuzzer`): runs the fuzzing loop
/// (or the given inputs) with `callback` as the target, parsing libFuzzer's command line.
int LLVMFuzzerRunDriver(int *argc, char ***argv,
                        int (*callback)(const uint8_t *data, size_t size));

#endif
