#!/bin/sh
# Re-records the reference output of every example guest from QEMU: the files the
# Ringside tests compare against. Run from anywhere; needs nasm and qemu-system-i386.
# A guest's <name>.input.txt, when present, is typed into COM1.
set -u
cd "$(dirname "$0")"
record() { # guest.asm output-file seconds
	name=${1%.asm}
	input=/dev/null
	[ -f "$name.input.txt" ] && input=$name.input.txt
	./run-qemu.sh "$1" "$3" <"$input" >"$2" 2>/dev/null
	echo "$1: QEMU exit status $?"
}
record demo/kernel.asm demo/expected-output.txt 10
for guest in tests/*.asm; do
	case $guest in
	*-forever.asm) limit=2 ;;	# never exits: the time limit ends it (status 124)
	*) limit=10 ;;
	esac
	record "$guest" "${guest%.asm}.expected.txt" "$limit"
done
