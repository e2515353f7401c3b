#!/bin/sh
# Runs one example guest on QEMU, the reference machine, and prints its COM1 output.
# Usage: examples/run-qemu.sh guest.asm|kernel.elf [seconds]   (default time limit: 10 s)
# Input on stdin is fed to COM1. The script exits with QEMU's exit code:
# (V << 1) | 1 when the guest wrote V to port 0xF4, 124 when the time limit ran out.
set -eu
guest=$1
limit=${2:-10}
case $guest in
*.asm)
	kernel=$(mktemp)
	trap 'rm -f "$kernel"' EXIT
	# -i: the guests %include "../lib/…" relative to their own folder, as Ringside does.
	nasm -f bin -i "$(dirname "$guest")/" "$guest" -o "$kernel"
	;;
*) kernel=$guest ;;
esac
# No -nographic: with it SeaBIOS and iPXE print their banners on COM1 too. -net none drops the
# iPXE ROM; -no-reboot turns a triple fault into a clean stop instead of an endless reboot loop.
set +e
timeout "$limit" qemu-system-i386 -kernel "$kernel" -display none -serial stdio -monitor none \
	-net none -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04
status=$?
exit $status
