/* Bitmap operations; see include/veridian/bitmap.h. */
#include <veridian/bitmap.h>

/* Mask of the valid bits in the last word of an nbits-long map. */
static unsigned long last_word_mask(size_t nbits)
{
	size_t rem = nbits % VD_BITS_PER_WORD;

	return rem ? (1ul << rem) - 1 : ~0ul;
}

void vd_bitmap_zero(unsigned long *map, size_t nbits)
{
	for (size_t i = 0; i < VD_BITMAP_WORDS(nbits); i++)
		map[i] = 0;
}

void vd_bitmap_fill(unsigned long *map, size_t nbits)
{
	size_t words = VD_BITMAP_WORDS(nbits);

	for (size_t i = 0; i < words; i++)
		map[i] = ~0ul;
	if (words)
		map[words - 1] &= last_word_mask(nbits);
}

size_t vd_bitmap_find_first_set(const unsigned long *map, size_t nbits)
{
	size_t words = VD_BITMAP_WORDS(nbits);

	for (size_t i = 0; i < words; i++) {
		unsigned long w = map[i];
		if (i == words - 1)
			w &= last_word_mask(nbits);
		if (w)
			return i * VD_BITS_PER_WORD + (size_t)__builtin_ctzl(w);
	}
	return nbits;
}

size_t vd_bitmap_find_first_clear(const unsigned long *map, size_t nbits)
{
	size_t words = VD_BITMAP_WORDS(nbits);

	for (size_t i = 0; i < words; i++) {
		unsigned long w = ~map[i];
		if (i == words - 1)
			w &= last_word_mask(nbits);
		if (w)
			return i * VD_BITS_PER_WORD + (size_t)__builtin_ctzl(w);
	}
	return nbits;
}

size_t vd_bitmap_find_last_set(const unsigned long *map, size_t nbits)
{
	for (size_t i = VD_BITMAP_WORDS(nbits); i-- > 0;) {
		unsigned long w = map[i];
		if (i == VD_BITMAP_WORDS(nbits) - 1)
			w &= last_word_mask(nbits);
		if (w)
			return i * VD_BITS_PER_WORD + VD_BITS_PER_WORD - 1 -
			       (size_t)__builtin_clzl(w);
	}
	return nbits;
}

void vd_bitmap_set_range(unsigned long *map, size_t start, size_t count)
{
	for (size_t i = start; i < start + count; i++)
		vd_bitmap_set(map, i);
}

void vd_bitmap_clear_range(unsigned long *map, size_t start, size_t count)
{
	for (size_t i = start; i < start + count; i++)
		vd_bitmap_clear(map, i);
}

size_t vd_bitmap_weight(const unsigned long *map, size_t nbits)
{
	size_t n = 0, words = VD_BITMAP_WORDS(nbits);

	for (size_t i = 0; i < words; i++) {
		unsigned long w = map[i];
		if (i == words - 1)
			w &= last_word_mask(nbits);
		n += (size_t)__builtin_popcountl(w);
	}
	return n;
}
