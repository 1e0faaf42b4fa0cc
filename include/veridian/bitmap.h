/*
 * Veridian: fixed-size bitmaps over arrays of unsigned long.
 *
 * Used for the scheduler's priority bitmap (O(1) highest set bit), frame
 * bookkeeping and id allocation.  Callers provide the storage:
 *     unsigned long bits[VD_BITMAP_WORDS(n)];
 */
#ifndef VERIDIAN_BITMAP_H
#define VERIDIAN_BITMAP_H

#include <veridian/types.h>

#define VD_BITS_PER_WORD (sizeof(unsigned long) * 8)
#define VD_BITMAP_WORDS(nbits)                                                 \
	(((nbits) + VD_BITS_PER_WORD - 1) / VD_BITS_PER_WORD)

static inline void vd_bitmap_set(unsigned long *map, size_t bit)
{
	map[bit / VD_BITS_PER_WORD] |= 1ul << (bit % VD_BITS_PER_WORD);
}

static inline void vd_bitmap_clear(unsigned long *map, size_t bit)
{
	map[bit / VD_BITS_PER_WORD] &= ~(1ul << (bit % VD_BITS_PER_WORD));
}

static inline bool vd_bitmap_test(const unsigned long *map, size_t bit)
{
	return (map[bit / VD_BITS_PER_WORD] >> (bit % VD_BITS_PER_WORD)) & 1;
}

void vd_bitmap_zero(unsigned long *map, size_t nbits);
void vd_bitmap_fill(unsigned long *map, size_t nbits);
/* Index of the first set / clear bit, or nbits if there is none. */
size_t vd_bitmap_find_first_set(const unsigned long *map, size_t nbits);
size_t vd_bitmap_find_first_clear(const unsigned long *map, size_t nbits);
/* Index of the highest set bit, or nbits if none. */
size_t vd_bitmap_find_last_set(const unsigned long *map, size_t nbits);
/* Set/clear a run [start, start+count). */
void vd_bitmap_set_range(unsigned long *map, size_t start, size_t count);
void vd_bitmap_clear_range(unsigned long *map, size_t start, size_t count);
size_t vd_bitmap_weight(const unsigned long *map, size_t nbits);

#endif /* VERIDIAN_BITMAP_H */
