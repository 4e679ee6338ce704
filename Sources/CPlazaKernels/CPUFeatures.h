#ifndef C_PLAZA_CPU_FEATURES_H
#define C_PLAZA_CPU_FEATURES_H

// What the CPU running the kernels offers, asked at run time (the package is built for baseline
// x86-64: no compiler flags). Internal to CPlazaKernels.
#if defined(__x86_64__)
static inline int plaza_cpu_has_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
}

static inline int plaza_cpu_has_ssse3(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("ssse3");
}

static inline int plaza_cpu_has_sse42(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2");
}

static inline int plaza_cpu_has_popcnt_bmi(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("bmi");
}
#endif

#endif
