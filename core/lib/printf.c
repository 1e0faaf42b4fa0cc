/*
 * Formatted output: a small vsnprintf and the console printer.
 *
 * The formatter writes through a bounded sink so that vd_snprintf and
 * kprintf share one implementation; kprintf formats into a stack buffer
 * per call and writes it under the console lock, so lines from different
 * CPUs do not interleave mid-line.
 */
#include <veridian/hal.h>
#include <veridian/printf.h>
#include <veridian/spinlock.h>
#include <veridian/string.h>

struct sink {
	char *buf;
	size_t size; /* capacity including the terminating NUL */
	size_t len;  /* characters the full output has so far */
};

static void sink_put(struct sink *s, char c)
{
	if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

static void sink_repeat(struct sink *s, char c, int n)
{
	while (n-- > 0)
		sink_put(s, c);
}

enum {
	F_LEFT = 1,  /* '-' */
	F_ZERO = 2,  /* '0' */
	F_PLUS = 4,  /* '+' */
	F_SPACE = 8, /* ' ' */
	F_ALT = 16,  /* '#' */
};

/* Emit one integer conversion with sign, prefix, precision and width. */
static void put_number(struct sink *s, unsigned long long v, bool negative,
		       unsigned base, bool upper, int flags, int width,
		       int prec)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;
	const char *prefix = "";

	if (prec == 0 && v == 0) {
		n = 0; /* C: precision 0 prints nothing for 0 */
	} else {
		do {
			tmp[n++] = digits[v % base];
			v /= base;
		} while (v);
	}
	if (negative)
		prefix = "-";
	else if (flags & F_PLUS)
		prefix = "+";
	else if (flags & F_SPACE)
		prefix = " ";
	if ((flags & F_ALT) && base == 16 && n > 0)
		prefix = upper ? "0X" : "0x";
	if ((flags & F_ALT) && base == 8 && (n == 0 || tmp[n - 1] != '0'))
		prefix = "0";

	int zeros = prec > n ? prec - n : 0;
	int body = (int)vd_strlen(prefix) + zeros + n;
	int pad = width > body ? width - body : 0;

	if (prec < 0 && (flags & F_ZERO) && !(flags & F_LEFT)) {
		zeros += pad;
		pad = 0;
	}
	if (!(flags & F_LEFT))
		sink_repeat(s, ' ', pad);
	for (const char *p = prefix; *p; p++)
		sink_put(s, *p);
	sink_repeat(s, '0', zeros);
	while (n)
		sink_put(s, tmp[--n]);
	if (flags & F_LEFT)
		sink_repeat(s, ' ', pad);
}

static void put_string(struct sink *s, const char *str, int flags, int width,
		       int prec)
{
	if (!str)
		str = "(null)";
	size_t len = prec >= 0 ? vd_strnlen(str, (size_t)prec) : vd_strlen(str);
	int pad = width > (int)len ? width - (int)len : 0;

	if (!(flags & F_LEFT))
		sink_repeat(s, ' ', pad);
	for (size_t i = 0; i < len; i++)
		sink_put(s, str[i]);
	if (flags & F_LEFT)
		sink_repeat(s, ' ', pad);
}

int vd_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = {buf, size, 0};

	while (*fmt) {
		if (*fmt != '%') {
			sink_put(&s, *fmt++);
			continue;
		}
		fmt++;

		int flags = 0;
		for (;; fmt++) {
			if (*fmt == '-')
				flags |= F_LEFT;
			else if (*fmt == '0')
				flags |= F_ZERO;
			else if (*fmt == '+')
				flags |= F_PLUS;
			else if (*fmt == ' ')
				flags |= F_SPACE;
			else if (*fmt == '#')
				flags |= F_ALT;
			else
				break;
		}

		int width = 0;
		if (*fmt == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				flags |= F_LEFT;
				width = -width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				width = width * 10 + (*fmt++ - '0');
		}

		int prec = -1;
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					prec = prec * 10 + (*fmt++ - '0');
			}
		}

		/* Length modifier: 0 int, 1 long, 2 long long, -1 short,
		 * -2 char, 3 size_t/ptrdiff_t/intmax_t (all 64-bit here). */
		int len = 0;
		if (*fmt == 'h') {
			len = -1;
			if (*++fmt == 'h') {
				len = -2;
				fmt++;
			}
		} else if (*fmt == 'l') {
			len = 1;
			if (*++fmt == 'l') {
				len = 2;
				fmt++;
			}
		} else if (*fmt == 'z' || *fmt == 't' || *fmt == 'j') {
			len = 3;
			fmt++;
		}

		char conv = *fmt;
		if (!conv)
			break;
		fmt++;

		switch (conv) {
		case 'd':
		case 'i': {
			long long v;
			if (len >= 2)
				v = va_arg(ap, long long);
			else if (len == 1)
				v = va_arg(ap, long);
			else
				v = va_arg(ap, int);
			if (len == -1)
				v = (short)v;
			else if (len == -2)
				v = (signed char)v;
			unsigned long long mag =
				v < 0 ? 0ull - (unsigned long long)v
				      : (unsigned long long)v;
			put_number(&s, mag, v < 0, 10, false, flags, width,
				   prec);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			unsigned long long v;
			if (len >= 2)
				v = va_arg(ap, unsigned long long);
			else if (len == 1)
				v = va_arg(ap, unsigned long);
			else
				v = va_arg(ap, unsigned int);
			if (len == -1)
				v = (unsigned short)v;
			else if (len == -2)
				v = (unsigned char)v;
			unsigned base = conv == 'u' ? 10 : conv == 'o' ? 8 : 16;
			put_number(&s, v, false, base, conv == 'X',
				   flags & ~(F_PLUS | F_SPACE), width, prec);
			break;
		}
		case 'p': {
			uintptr_t v = (uintptr_t)va_arg(ap, void *);
			put_number(&s, v, false, 16, false, F_ALT | flags,
				   width, prec);
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);
			char str[2] = {c, 0};
			put_string(&s, str, flags, width, -1);
			if (c == 0) /* "%c" with NUL still counts one char */
				sink_put(&s, 0);
			break;
		}
		case 's':
			put_string(&s, va_arg(ap, const char *), flags, width,
				   prec);
			break;
		case '%':
			sink_put(&s, '%');
			break;
		default:
			/* Unknown conversion: print it verbatim. */
			sink_put(&s, '%');
			sink_put(&s, conv);
			break;
		}
	}
	if (size)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return (int)s.len;
}

int vd_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vd_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static struct vd_spinlock console_lock = VD_SPINLOCK_INIT;

static void console_write_locked(const char *s, size_t len)
{
	VD_ASSERT_HELD(&console_lock);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			hal_console_putc('\r');
		hal_console_putc(s[i]);
	}
}

void vd_console_write(const char *s, size_t len)
{
	hal_irqstate_t st = vd_spin_lock_irqsave(&console_lock);
	console_write_locked(s, len);
	vd_spin_unlock_irqrestore(&console_lock, st);
}

int vkprintf(const char *fmt, va_list ap)
{
	char buf[256];
	int n = vd_vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < (int)sizeof(buf)) {
		vd_console_write(buf, (size_t)n);
	} else {
		/* Too long for the stack buffer: print the truncated
		 * part and mark it, rather than allocate in a printer. */
		vd_console_write(buf, sizeof(buf) - 1);
		vd_console_write("...[truncated]\n", 15);
	}
	return n;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vkprintf(fmt, ap);
	va_end(ap);
	return n;
}
