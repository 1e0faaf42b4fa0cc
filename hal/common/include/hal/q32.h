/*
 * 32.32 fixed-point scale factors, for converting between a hardware
 * counter's ticks and nanoseconds without dividing on the hot path:
 * compute ns-per-tick (or ticks-per-ns) once with hal_q32_div*, then
 * every conversion is one 64x64->128-bit multiply and a shift.
 */
#ifndef HAL_Q32_H
#define HAL_Q32_H

#include <veridian/types.h>

/* num / den as 32.32, rounded down / up.  num must be below 2^32 (the
 * rates and NSEC_PER_SEC used here are). */
static inline uint64_t hal_q32_div(uint64_t num, uint64_t den)
{
	return (num << 32) / den;
}

static inline uint64_t hal_q32_div_up(uint64_t num, uint64_t den)
{
	return ((num << 32) + den - 1) / den;
}

/* a * q (q in 32.32), rounded down / up. */
static inline uint64_t hal_q32_mul(uint64_t a, uint64_t q)
{
	return (uint64_t)(((unsigned __int128)a * q) >> 32);
}

static inline uint64_t hal_q32_mul_up(uint64_t a, uint64_t q)
{
	return (uint64_t)(((unsigned __int128)a * q + 0xffffffffu) >> 32);
}

#endif /* HAL_Q32_H */
