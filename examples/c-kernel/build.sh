#!/bin/sh
# Builds kernel.elf with only gcc -m32 (gcc-multilib), nasm and ld. Same steps as the Makefile.
# DWARF 4 line tables for the debugger; one RWX load segment keeps the linker script short.
set -eu
cd "$(dirname "$0")"
CFLAGS="-m32 -ffreestanding -fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables -nostdlib -gdwarf-4 -Og -fno-omit-frame-pointer -Wall -Wextra"
nasm -f elf32 -g -F dwarf entry.asm -o entry.o
gcc $CFLAGS -c kernel.c -o kernel.o
gcc $CFLAGS -c serial.c -o serial.o
ld -m elf_i386 -z noexecstack --no-warn-rwx-segments -T linker.ld -o kernel.elf entry.o kernel.o serial.o
echo "built $(pwd)/kernel.elf"
