#include "serial.h"
#include "io.h"

#define COM1 0x3F8
#define LSR_TRANSMIT_EMPTY 0x20

void serial_init(void)
{
	outb(COM1 + 1, 0x00);	/* no UART interrupts */
	outb(COM1 + 3, 0x80);	/* DLAB: ports +0/+1 become the divisor */
	outb(COM1 + 0, 0x01);	/* divisor 1: 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);	/* 8 data bits, no parity, 1 stop bit */
}

void serial_putc(char c)
{
	while ((inb(COM1 + 5) & LSR_TRANSMIT_EMPTY) == 0)
		;
	outb(COM1, (uint8_t)c);
}

void serial_puts(const char *s)
{
	while (*s)
		serial_putc(*s++);
}

void serial_put_hex(uint32_t value)
{
	serial_puts("0x");
	for (int shift = 28; shift >= 0; shift -= 4)
		serial_putc("0123456789abcdef"[(value >> shift) & 0xF]);
}

void serial_put_decimal(uint32_t value)
{
	char digits[10];
	int n = 0;
	do {
		digits[n++] = (char)('0' + value % 10);
		value /= 10;
	} while (value != 0);
	while (n > 0)
		serial_putc(digits[--n]);
}
