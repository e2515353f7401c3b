/*
 * A tiny multiboot kernel in C: checks how it was started, computes a few
 * things a student can step through line by line (built with -Og and frame
 * pointers, so every statement has a line and the call stack unwinds), prints
 * the results on COM1 and exits through the isa-debug-exit port.
 * Exit: V = 0 on success (exit code 1), V = 1 when a check fails (exit code 3).
 */
#include <stdint.h>
#include "io.h"
#include "serial.h"

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u
#define DEBUG_EXIT_PORT 0xF4

struct point {
	int32_t x;
	int32_t y;
};

static uint32_t fibonacci(uint32_t n)
{
	uint32_t previous = 0, current = 1;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t next = previous + current;
		previous = current;
		current = next;
	}
	return previous;
}

static uint32_t count_primes_below(uint32_t limit)
{
	uint32_t count = 0;
	for (uint32_t candidate = 2; candidate < limit; candidate++) {
		uint32_t divisor = 2;
		while (divisor * divisor <= candidate && candidate % divisor != 0)
			divisor++;
		if (divisor * divisor > candidate)
			count++;
	}
	return count;
}

/* Twice the signed area of a polygon (shoelace formula). */
static int32_t doubled_area(const struct point *corners, int count)
{
	int32_t sum = 0;
	for (int i = 0; i < count; i++) {
		const struct point *a = &corners[i];
		const struct point *b = &corners[(i + 1) % count];
		sum += a->x * b->y - b->x * a->y;
	}
	return sum;
}

static void report(const char *label, uint32_t value)
{
	serial_puts(label);
	serial_put_decimal(value);
	serial_putc('\n');
}

static __attribute__((noreturn)) void exit_machine(uint8_t value)
{
	outb(DEBUG_EXIT_PORT, value);
	for (;;)
		__asm__ volatile ("cli; hlt");
}

void kernel_main(uint32_t magic, const void *multiboot_info)
{
	(void)multiboot_info;
	serial_init();
	serial_puts("c-kernel: hello from C\n");

	serial_puts("c-kernel: multiboot magic ");
	serial_put_hex(magic);
	serial_putc('\n');
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC) {
		serial_puts("c-kernel: FAIL, not started by a multiboot loader\n");
		exit_machine(1);
	}

	report("c-kernel: fibonacci(40) = ", fibonacci(40));
	report("c-kernel: primes below 1000 = ", count_primes_below(1000));
	static const struct point square[] = { { 0, 0 }, { 7, 0 }, { 7, 7 }, { 0, 7 } };
	report("c-kernel: doubled area of a 7x7 square = ", (uint32_t)doubled_area(square, 4));

	serial_puts("c-kernel: done\n");
	exit_machine(0);
}
