/* The program bench/spawn runs: exits at once. Linked statically so that an
 * exec of it loads no shared library and the spawn cost is the kernel's. */
int main(void)
{
	return 0;
}
