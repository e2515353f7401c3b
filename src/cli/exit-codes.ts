// Ringside's own exit codes are even, so they never collide with a guest's:
// a guest that writes V to port 0xF4 exits with (V << 1) | 1, always odd.

export const enum ExitCode {
	Usage = 2,
	CannotLoad = 4,
	TripleFault = 6,
	HaltedForever = 8,
	InstructionLimit = 10,
	Internal = 12,
	/** The guest did something the monitor cannot virtualize (it maps every slot the monitor's region could move to). */
	UnsupportedGuest = 14,
}
