import type { RawData, WebSocket } from 'ws'
import { z } from 'zod'
import type { HostController } from '../host/controller'
import type { PushStats } from './push-stats'

/**
 * The WebSocket protocol at /api, one JSON object per message:
 *   request  {id, method, args}        id: a number or short string chosen by the client
 *   reply    {id, result} | {id, error}  error: text (a rejected call or a malformed frame;
 *                                        id is null when the frame had none)
 *   push     {push: 'events' | 'status', payload}
 * Frames are validated here; `args` are validated by the controller. Nothing a client
 * sends can throw out of this file.
 */

export const MAX_FRAME_BYTES = 1 << 20
/**
 * A client this far behind is dropped at once; it reconnects and resumes with
 * ready(lastSeq). A live session streams well under 1 MiB/s, so a reading client never
 * gets near it.
 */
export const MAX_BUFFERED_BYTES = 8 << 20
/** A client with more than this queued... */
export const SLOW_BUFFERED_BYTES = 1 << 20
/** ...for this long (ms) is dropped too. */
export const SLOW_CLIENT_MS = 10_000

const requestSchema = z.object({
  id: z.union([z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), z.string().max(64)]),
  method: z.string().max(64),
  args: z.array(z.unknown()).max(16),
})

export type RequestId = z.infer<typeof requestSchema>['id']

export function attachSocket(socket: WebSocket, controller: HostController, now: () => number = Date.now, stats?: PushStats): void {
  /** ms since epoch the queue went over SLOW_BUFFERED_BYTES; null while under it. */
  let behindSince: number | null = null
  const send = (message: object): void => {
    if (socket.readyState !== socket.OPEN) return
    const queued = socket.bufferedAmount
    if (queued <= SLOW_BUFFERED_BYTES) behindSince = null
    else behindSince ??= now()
    const tooSlow = queued > MAX_BUFFERED_BYTES || (behindSince !== null && now() - behindSince > SLOW_CLIENT_MS)
    if (tooSlow) {
      // The close reason (at most 123 bytes) says why; the client reconnects and resumes.
      const mib = (queued / (1 << 20)).toFixed(1)
      socket.close(1013, `client too slow: ${mib} MiB of events unread; reconnect and resume`)
      return
    }
    let text: string
    try {
      text = JSON.stringify(message)
    } catch (error) {
      // A reply too large to encode (JSON.stringify: "Invalid string length") becomes an error
      // reply; it must never reject inside the host, whose exit would kill every node.
      const id = (message as { id?: RequestId }).id
      if (id === undefined) return
      text = JSON.stringify({ id, error: `reply could not be sent: ${(error as Error).message}` })
    }
    if (stats && 'push' in message) stats.count(text)
    socket.send(text, (error) => {
      if (error) socket.terminate()
    })
  }
  // A page: gossip per message above the hop-summary threshold (electron/host/clients.ts).
  const client = controller.openClient(
    {
      events: (payload) => send({ push: 'events', payload }),
      status: (payload) => send({ push: 'status', payload }),
    },
    { summarise: true },
  )
  socket.on('message', (data: RawData, isBinary: boolean) => {
    const frame = parseFrame(data, isBinary)
    if (!frame.ok) return send({ id: frame.id, error: frame.error })
    const { id, method, args } = frame.request
    controller
      .call(method, args, client)
      .then(
        (result) => send({ id, result: result ?? null }),
        (error: Error) => send({ id, error: error.message }),
      )
      .catch(() => socket.terminate())
  })
  socket.on('close', () => client.close())
  socket.on('error', () => client.close())
}

type Frame =
  | { ok: true; request: z.infer<typeof requestSchema> }
  | { ok: false; id: RequestId | null; error: string }

export function parseFrame(data: RawData, isBinary: boolean): Frame {
  if (isBinary) return { ok: false, id: null, error: 'malformed frame: expected a text frame' }
  let value: unknown
  try {
    value = JSON.parse(rawText(data))
  } catch {
    return { ok: false, id: null, error: 'malformed frame: not JSON' }
  }
  const parsed = requestSchema.safeParse(value)
  if (parsed.success) return { ok: true, request: parsed.data }
  const id = requestSchema.shape.id.safeParse((value as { id?: unknown } | null)?.id)
  const issue = parsed.error.issues[0]
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : ''
  return { ok: false, id: id.success ? id.data : null, error: `malformed frame: ${issue?.message ?? 'invalid'}${where}` }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data as ArrayBuffer).toString('utf8')
}
