// The Debug Adapter Protocol face of a guest run: maps requests onto the
// GuestRuntime and its stops, events and output back into DAP messages. Every
// handler answers, with an error response when anything goes wrong: a bad
// request must never take the adapter down.

import {
	LoggingDebugSession, InitializedEvent, StoppedEvent, OutputEvent, ExitedEvent, TerminatedEvent, Thread,
	StackFrame, Scope, Source, Handles, Event,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { basename } from 'node:path';
import { EXCEPTION_FILTERS, isFilterId } from './exception-filters';
import { evaluateExpression, ExpressionError } from './expression';
import { hexBytes } from './disassembler';
import { disassembleAround } from './disassembly-view';
import { GuestRuntime, type StopInfo } from './guest-runtime';
import type { GuestMachine } from './guest-machine';
import { LaunchConfigError, parseLaunchConfig, type LaunchConfig } from './launch-config';
import { openProgram, ProgramOpenError } from './program-loader';
import { descriptorTableNodes, hex32, monitorNodes, registerNodes, registerValue, type VariableNode } from './variables';
import { frameLabel, walkStack } from './stack-walk';

const THREAD_ID = 1;
const MAX_FRAMES = 64;

class RequestError extends Error {}

export class RingsideDebugSession extends LoggingDebugSession {
	private runtime: GuestRuntime | undefined;
	private config: LaunchConfig | undefined;
	private readonly variableHandles = new Handles<() => VariableNode[]>();
	private readonly configured: Promise<void>;
	private markConfigured!: () => void;
	/** Launch attribute `trace`: every DAP message is echoed to the debug console. */
	private tracing = false;

	constructor() {
		super();
		this.setDebuggerLinesStartAt1(true);
		this.setDebuggerColumnsStartAt1(true);
		this.configured = new Promise((resolve) => { this.markConfigured = resolve; });
	}

	private get machine(): GuestMachine {
		if (!this.runtime) throw new RequestError('no program is loaded: send launch first');
		return this.runtime.machine;
	}

	private get live(): GuestRuntime {
		if (!this.runtime) throw new RequestError('no program is loaded: send launch first');
		if (this.runtime.ended) throw new RequestError('the guest has ended');
		return this.runtime;
	}

	/** Runs a handler, turning any throw into an error response. */
	private guard<R extends DebugProtocol.Response>(response: R, handler: () => void | Promise<void>): void {
		const fail = (error: unknown): void => {
			const message = error instanceof Error ? error.message : String(error);
			if (!(error instanceof RequestError || error instanceof LaunchConfigError || error instanceof ProgramOpenError || error instanceof ExpressionError)) {
				// Not the user's mistake: keep the stack where a developer will find it.
				process.stderr.write(`ringside adapter: ${response.command} failed: ${error instanceof Error ? error.stack : message}\n`);
			}
			this.sendErrorResponse(response, { id: 1001, format: '{_message}', variables: { _message: message }, showUser: true });
		};
		try {
			const result = handler();
			if (result instanceof Promise) result.catch(fail);
		} catch (error) {
			fail(error);
		}
	}

	protected override dispatchRequest(request: DebugProtocol.Request): void {
		if (this.tracing) this.trace(`← ${request.command} ${JSON.stringify(request.arguments ?? {})}`);
		super.dispatchRequest(request);
	}

	override sendResponse(response: DebugProtocol.Response): void {
		if (this.tracing) this.trace(`→ ${response.command} ${response.success ? 'ok' : `failed: ${response.message}`} ${JSON.stringify(response.body ?? {})}`);
		super.sendResponse(response);
	}

	override sendEvent(event: DebugProtocol.Event): void {
		if (this.tracing) this.trace(`→ event ${event.event} ${JSON.stringify(event.body ?? {})}`);
		super.sendEvent(event);
	}

	/** Bypasses sendEvent, so tracing never traces itself. */
	private trace(line: string): void {
		const text = line.length > 2000 ? `${line.slice(0, 2000)}…` : line;
		super.sendEvent(new OutputEvent(`[dap] ${text}\n`, 'console'));
	}

	protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
		response.body = {
			...response.body,
			supportsConfigurationDoneRequest: true,
			supportsExceptionInfoRequest: true,
			exceptionBreakpointFilters: EXCEPTION_FILTERS.map((f) => ({ filter: f.filter, label: f.label, description: f.description, default: f.default })),
			supportsInstructionBreakpoints: true,
			supportsDisassembleRequest: true,
			supportsReadMemoryRequest: true,
			supportsSteppingGranularity: true,
			supportsTerminateRequest: true,
			supportsSetVariable: true,
			supportsEvaluateForHovers: true,
			supportsConditionalBreakpoints: true,
			supportsHitConditionalBreakpoints: true,
			supportsLoadedSourcesRequest: false,
			supportsSteppingGranularityInstruction: true,
		} as DebugProtocol.Capabilities;
		this.sendResponse(response);
	}

	protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
		this.sendResponse(response);
		this.markConfigured();
	}

	protected override launchRequest(response: DebugProtocol.LaunchResponse, args: DebugProtocol.LaunchRequestArguments): void {
		this.guard(response, async () => {
			const raw = (args ?? {}) as unknown as Record<string, unknown>;
			this.tracing = raw.trace === true;
			if (this.tracing) this.trace(`← launch ${JSON.stringify(raw)}`);
			const config = parseLaunchConfig(raw);
			let machine: GuestMachine;
			try {
				machine = await openProgram(config);
			} catch (error) {
				if (error instanceof ProgramOpenError) {
					for (const d of error.diagnostics) {
						const output = new OutputEvent(`${d.file}:${d.line}:${d.column}: ${d.message}\n`, 'stderr') as DebugProtocol.OutputEvent;
						output.body.source = new Source(basename(d.file), d.file);
						output.body.line = d.line;
						output.body.column = d.column;
						this.sendEvent(output);
					}
				}
				throw error;
			}
			this.config = config;
			const runtime = new GuestRuntime(machine, { observeEvents: true });
			this.runtime = runtime;
			runtime.conditionEvaluator = (condition) => this.evaluate(condition) !== 0;
			this.wireRuntime(runtime);
			if (config.serialInput) runtime.serialInput(Buffer.from(config.serialInput, 'latin1'));
			this.sendStatus();
			this.sendResponse(response);
			this.sendEvent(new InitializedEvent());
			await this.configured;
			if (config.stopOnEntry) runtime.stopAtEntry();
			else runtime.continue();
		});
	}

	private wireRuntime(runtime: GuestRuntime): void {
		runtime.on('output', (text) => this.sendEvent(new OutputEvent(text, 'stdout')));
		runtime.on('monitorEvents', (events, dropped) => this.sendEvent(new Event('ringside/monitorEvents', dropped > 0 ? { events, dropped } : { events })));
		runtime.on('stopped', (info) => this.onStopped(info));
		runtime.on('exited', (code) => {
			this.sendEvent(new ExitedEvent(code));
			this.sendEvent(new TerminatedEvent());
		});
		runtime.on('ended', (message) => {
			this.sendEvent(new OutputEvent(`${message}\n`, 'console'));
			this.sendEvent(new TerminatedEvent());
		});
	}

	private onStopped(info: StopInfo): void {
		this.variableHandles.reset();
		this.sendStatus();
		const reason = info.reason === 'idle' || info.reason === 'limit' || info.reason === 'unsupported' ? 'pause' : info.reason;
		const stopped = new StoppedEvent(reason, THREAD_ID) as DebugProtocol.StoppedEvent;
		if (info.description) stopped.body.description = info.description;
		if (info.filter) stopped.body.text = info.filter;
		stopped.body.allThreadsStopped = true;
		if ((info.reason === 'idle' || info.reason === 'unsupported') && info.description) this.sendEvent(new OutputEvent(`${info.description}\n`, 'console'));
		this.sendEvent(stopped);
	}

	private sendStatus(): void {
		if (!this.runtime || !this.config) return;
		const machine = this.runtime.machine;
		const hardware = machine.hardware();
		this.sendEvent(new Event('ringside/status', {
			virtualRing: machine.guest().cpl, realRing: hardware.cpl, executionMode: hardware.executionMode, virtualization: this.config.virtualization,
		}));
	}

	protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
		this.guard(response, () => {
			const runtime = this.live;
			const path = args.source.path;
			const map = runtime.machine.program.sourceMap;
			const specs: Array<{ address: number; condition?: string; hitCondition?: string }> = [];
			const breakpoints = (args.breakpoints ?? []).map((bp): DebugProtocol.Breakpoint => {
				const problem = this.checkConditions(bp.condition, bp.hitCondition);
				if (problem) return { verified: false, line: bp.line, message: problem };
				if (!path) return { verified: false, line: bp.line, message: 'the breakpoint has no source path' };
				if (!map) return { verified: false, line: bp.line, message: 'the program has no source map (no line information)' };
				const file = map.files().find((f) => samePath(f, path));
				if (!file) return { verified: false, line: bp.line, message: `${basename(path)} is not part of the loaded program` };
				const line = map.nearestLineWithCode(file, bp.line);
				if (line === undefined) return { verified: false, line: bp.line, message: `no code at or after line ${bp.line}` };
				const addresses = map.addressesFor(file, line);
				for (const address of addresses) specs.push({ address, condition: bp.condition, hitCondition: bp.hitCondition });
				return {
					verified: true, line, source: args.source, instructionReference: hex32(addresses[0]),
					message: line !== bp.line ? `moved from line ${bp.line} to line ${line}, the first with code` : undefined,
				};
			});
			runtime.setSourceBreakpoints(specs);
			response.body = { breakpoints };
			this.sendResponse(response);
		});
	}

	protected override setInstructionBreakpointsRequest(response: DebugProtocol.SetInstructionBreakpointsResponse, args: DebugProtocol.SetInstructionBreakpointsArguments): void {
		this.guard(response, () => {
			const runtime = this.live;
			const specs: Array<{ address: number; condition?: string; hitCondition?: string }> = [];
			const breakpoints = args.breakpoints.map((bp): DebugProtocol.Breakpoint => {
				const problem = this.checkConditions(bp.condition, bp.hitCondition);
				if (problem) return { verified: false, message: problem };
				let address: number;
				try {
					address = (this.evaluate(bp.instructionReference) + (bp.offset ?? 0)) >>> 0;
				} catch (error) {
					return { verified: false, message: error instanceof Error ? error.message : String(error) };
				}
				specs.push({ address, condition: bp.condition, hitCondition: bp.hitCondition });
				return { verified: true, instructionReference: hex32(address) };
			});
			runtime.setInstructionBreakpoints(specs);
			response.body = { breakpoints };
			this.sendResponse(response);
		});
	}

	private checkConditions(condition?: string, hitCondition?: string): string | undefined {
		if (hitCondition && !/^\s*(>=|>|==|=|%)?\s*\d+\s*$/.test(hitCondition)) return `hit condition '${hitCondition}' must be N, >N, >=N, ==N or %N`;
		if (condition) {
			try {
				this.evaluate(condition);
			} catch (error) {
				return `condition: ${error instanceof Error ? error.message : String(error)}`;
			}
		}
		return undefined;
	}

	protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
		this.guard(response, () => {
			const runtime = this.live;
			const ids = [...args.filters, ...(args.filterOptions ?? []).map((o) => o.filterId)];
			const unknown = ids.filter((id) => !isFilterId(id));
			if (unknown.length > 0) throw new RequestError(`unknown exception filter ${unknown.map((u) => `'${u}'`).join(', ')}; known: ${EXCEPTION_FILTERS.map((f) => f.filter).join(', ')}`);
			runtime.setExceptionFilters(ids.filter(isFilterId));
			response.body = { breakpoints: ids.map(() => ({ verified: true })) };
			this.sendResponse(response);
		});
	}

	protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
		response.body = { threads: [new Thread(THREAD_ID, 'Virtual CPU')] };
		this.sendResponse(response);
	}

	protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
		this.guard(response, () => {
			const machine = this.machine;
			const frames = walkStack(machine, MAX_FRAMES);
			const start = args.startFrame ?? 0;
			const count = args.levels && args.levels > 0 ? args.levels : frames.length;
			const hardware = machine.hardware();
			response.body = {
				totalFrames: frames.length,
				stackFrames: frames.slice(start, start + count).map((frame, i) => {
					const index = start + i;
					const name = index === 0
						? `${frameLabel(machine, frame.address)} [ring ${machine.guest().cpl} (real ${hardware.cpl}), ${hardware.executionMode}]`
						: frameLabel(machine, frame.address);
					const where = machine.program.sourceMap?.lineFor(frame.address);
					const sf = new StackFrame(index, name, where ? new Source(basename(where.file), where.file) : undefined, where?.line ?? 0, 1) as DebugProtocol.StackFrame;
					sf.instructionPointerReference = hex32(frame.address);
					if (!where) sf.presentationHint = 'subtle';
					return sf;
				}),
			};
			this.sendResponse(response);
		});
	}

	protected override scopesRequest(response: DebugProtocol.ScopesResponse): void {
		this.guard(response, () => {
			const machine = this.machine;
			response.body = {
				scopes: [
					new Scope('Registers', this.variableHandles.create(() => registerNodes(machine)), false),
					new Scope('Monitor', this.variableHandles.create(() => monitorNodes(machine)), false),
					new Scope('Descriptor Tables', this.variableHandles.create(() => descriptorTableNodes(machine)), true),
				],
			};
			this.sendResponse(response);
		});
	}

	protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
		this.guard(response, () => {
			const nodes = this.nodesOf(args.variablesReference);
			response.body = {
				variables: nodes.map((node): DebugProtocol.Variable => ({
					name: node.name, value: node.value,
					variablesReference: node.children ? this.variableHandles.create(node.children) : 0,
					memoryReference: node.memoryReference,
					presentationHint: node.set ? undefined : { attributes: ['readOnly'] },
				})),
			};
			this.sendResponse(response);
		});
	}

	private nodesOf(reference: number): VariableNode[] {
		const build = this.variableHandles.get(reference);
		if (!build) throw new RequestError(`no variables with reference ${reference} (they are dropped at every stop)`);
		return build();
	}

	protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
		this.guard(response, () => {
			if (this.live.running) throw new RequestError('the guest is running: pause it first');
			const node = this.nodesOf(args.variablesReference).find((n) => n.name === args.name);
			if (!node) throw new RequestError(`no variable named '${args.name}' here`);
			if (!node.set) throw new RequestError(`${args.name} is read-only: it belongs to the monitor's state or is derived`);
			node.set(this.evaluate(args.value));
			const updated = this.nodesOf(args.variablesReference).find((n) => n.name === args.name);
			response.body = { value: updated?.value ?? args.value };
			this.sendResponse(response);
		});
	}

	private evaluate(text: string): number {
		const machine = this.machine;
		return evaluateExpression(text, {
			register: (name) => registerValue(machine, name),
			symbol: (name) => machine.program.symbols?.lookup(name)?.address,
			readDword: (address) => {
				const bytes = machine.readLinear(address, 4);
				return bytes.length === 4 ? new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) : undefined;
			},
		});
	}

	protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
		this.guard(response, () => {
			const value = this.evaluate(args.expression);
			response.body = { result: `${hex32(value)} (${value})`, variablesReference: 0, memoryReference: hex32(value) };
			this.sendResponse(response);
		});
	}

	protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
		this.guard(response, () => {
			const runtime = this.live;
			response.body = { allThreadsContinued: true };
			this.sendResponse(response);
			runtime.continue();
		});
	}

	protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
		this.step(response, args.granularity, (runtime) => runtime.stepLine(true));
	}

	protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
		this.step(response, args.granularity, (runtime) => runtime.stepLine(false));
	}

	protected override stepOutRequest(response: DebugProtocol.StepOutResponse): void {
		this.step(response, undefined, (runtime) => runtime.stepOut());
	}

	private step(response: DebugProtocol.Response, granularity: DebugProtocol.SteppingGranularity | undefined, byLine: (runtime: GuestRuntime) => void): void {
		this.guard(response, () => {
			const runtime = this.live;
			if (runtime.running) throw new RequestError('the guest is running: pause it first');
			this.sendResponse(response);
			if (granularity === 'instruction' || !runtime.machine.program.sourceMap) runtime.stepInstruction();
			else byLine(runtime);
		});
	}

	protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
		this.guard(response, () => {
			const runtime = this.live;
			this.sendResponse(response);
			runtime.pause();
		});
	}

	protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
		this.guard(response, () => {
			const stop = this.live.lastStopInfo;
			if (!stop || stop.reason !== 'exception' || !stop.filter) throw new RequestError('the guest is not stopped on an exception breakpoint');
			const event = stop.event;
			response.body = {
				exceptionId: stop.filter,
				description: stop.description,
				breakMode: 'always',
				details: {
					message: stop.description,
					typeName: event?.instructionClass ?? event?.kind ?? stop.filter,
					evaluateName: event?.instruction,
					stackTrace: event ? `${event.instruction || '(no instruction)'} at ${hex32(event.address)} [${event.instructionClass ?? event.kind}]\nmonitor: ${event.action}${detailLine(event.detail)}` : undefined,
				},
			};
			this.sendResponse(response);
		});
	}

	protected override disassembleRequest(response: DebugProtocol.DisassembleResponse, args: DebugProtocol.DisassembleArguments): void {
		this.guard(response, () => {
			const machine = this.machine;
			const origin = (this.evaluate(args.memoryReference) + (args.offset ?? 0)) >>> 0;
			const count = Math.max(0, Math.min(args.instructionCount, 4096));
			response.body = { instructions: disassembleAround(machine, origin, args.instructionOffset ?? 0, count) };
			this.sendResponse(response);
		});
	}

	protected override readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): void {
		this.guard(response, () => {
			const machine = this.machine;
			const address = (this.evaluate(args.memoryReference) + (args.offset ?? 0)) >>> 0;
			const count = Math.max(0, Math.min(args.count, 1 << 20));
			const bytes = machine.readLinear(address, count);
			response.body = { address: hex32(address), data: Buffer.from(bytes).toString('base64'), unreadableBytes: count - bytes.length };
			this.sendResponse(response);
		});
	}

	protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
		this.runtime?.flush();
		this.runtime?.dispose();
		this.sendResponse(response);
		this.sendEvent(new TerminatedEvent());
	}

	protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
		this.runtime?.dispose();
		this.sendResponse(response);
	}

	protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
		this.guard(response, () => {
			switch (command) {
				case 'ringside/translationCache':
					response.body = { blocks: this.translationCache() };
					break;
				case 'ringside/translatedBlock':
					response.body = this.translatedBlock(args);
					break;
				default:
					throw new RequestError(`unknown request '${command}'`);
			}
			this.sendResponse(response);
		});
	}

	private located(address: number): { source?: { path: string }; line?: number } {
		const where = this.machine.program.sourceMap?.lineFor(address, 0);
		return where ? { source: { path: where.file }, line: where.line } : {};
	}

	private translationCache(): unknown[] {
		return this.machine.translatedBlocks().map((b) => ({
			id: b.id, guestStart: b.guestStart, guestEnd: b.guestEnd, instructions: b.instructions, rewritten: b.rewritten, executions: b.executions,
			...this.located(b.guestStart),
		}));
	}

	private translatedBlock(args: unknown): unknown {
		const id = (args as { id?: unknown } | undefined)?.id;
		if (typeof id !== 'number') throw new RequestError('ringside/translatedBlock needs { id: number }');
		const block = this.machine.translatedBlocks().find((b) => b.id === id);
		if (!block) throw new RequestError(`no translated block with id ${id}`);
		return {
			guest: block.guest.map((g) => ({ address: g.address, bytes: hexBytes(g.bytes), text: g.text, class: g.instructionClass, ...this.located(g.address) })),
			translation: block.translation,
		};
	}
}

function samePath(a: string, b: string): boolean {
	return process.platform === 'win32' || process.platform === 'darwin' ? a.toLowerCase() === b.toLowerCase() : a === b;
}

/** An event's figures (vector, error code, CR2...) as one line; numbers in hex, -1 meaning none. */
function detailLine(detail: Record<string, number | string | boolean> | undefined): string {
	const parts = Object.entries(detail ?? {})
		.filter(([, value]) => value !== -1)
		.map(([key, value]) => `${key} ${typeof value === 'number' ? `0x${(value >>> 0).toString(16)}` : String(value)}`);
	return parts.length === 0 ? '' : `\n${parts.join(', ')}`;
}
