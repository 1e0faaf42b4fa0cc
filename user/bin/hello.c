/* hello: the smallest program; exits with argv[1] as its code (or 0). */
#include <vd.h>

int main(int argc, char **argv, char **envp)
{
	int code = 0;

	(void)envp;
	if (argc > 1)
		for (const char *s = argv[1]; *s >= '0' && *s <= '9'; s++)
			code = code * 10 + (*s - '0');
	return code;
}
