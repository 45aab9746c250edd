// Declarations only; LLVMFuzzerRunDriver comes from libFuzzer (clang_rt.fuzzer).
#include "CFuzzDriver.h"
