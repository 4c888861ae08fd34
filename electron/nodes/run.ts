import type { Role } from './cli'
import { parseNodeArgs } from './cli'
import { type MachineFactory, startNode } from './node-runtime'
import { type ResolveIo, defaultIo } from './resolve'

export type { MachineFactory } from './node-runtime'

/**
 * The life of a node process of its own (seed.js, peer.js): flags -> one node
 * (node-runtime.ts) -> exit. Exit codes: 0 clean stop (SIGTERM/SIGINT, or the IPC parent
 * went away), 2 bad flags, config, port in use or non-local IP (one line on stderr),
 * otherwise the code of the machine's `exit` effect.
 */

function usageError(role: Role, message: string): never {
  process.stderr.write(`gossip-${role}: ${message}\n`)
  process.exit(2)
}

/** Loaded only when a terminal user must be asked (saves start-up time for every other node). */
async function askOnTerminal(question: string): Promise<string | null> {
  const { createInterface } = await import('node:readline')
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout })
    let answered = false
    rl.question(question, (answer) => {
      answered = true
      rl.close()
      resolve(answer)
    })
    rl.once('close', () => {
      if (!answered) resolve(null)
    })
  })
}

export async function runNode(role: Role, argv: readonly string[], createMachine: MachineFactory): Promise<void> {
  // Host commands that arrive before the node exists wait here (the listener is set before
  // any await, so none is missed).
  const early: unknown[] = []
  let onCommand: (message: unknown) => void = (message) => void early.push(message)
  if (process.send) process.on('message', (message) => onCommand(message))
  const parsed = parseNodeArgs(role, argv)
  if (parsed.kind === 'help') {
    process.stdout.write(parsed.text)
    return
  }
  if (parsed.kind === 'error') usageError(role, parsed.message)
  const io: ResolveIo = defaultIo(process.stdin.isTTY ? askOnTerminal : null)
  const send = process.send?.bind(process)
  const started = await startNode(parsed.args, io, createMachine, {
    forward: send ? (event) => void send(event) : undefined,
    console: true,
    ended: (end) => process.exit(end.code ?? 137),
    pending: () => early.splice(0),
  })
  if (!started.ok) usageError(role, started.message)
  const node = started.node
  onCommand = (message) => node.command(message)
  if (send) {
    // The app that forked us is gone (even SIGKILLed): no node may outlive it.
    process.on('disconnect', () => {
      node.flushNow()
      process.exit(0)
    })
  }
  let signalled = false
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      node.flushNow()
      process.exit(0)
    }
    signalled = true
    node.stop(signal)
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
}
