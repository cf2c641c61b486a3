/**
 * The fan-out ceiling: a bare `ws` server with pre-serialised messages.
 * - `{ hello: i }`: the client's index, so socket i here is subscriber i of the digestql run.
 * - `{ trigger: { texts, lists } }`: the burst: socket i gets the messages texts[k] for k in lists[i], in one write per socket.
 * - `{ tick: { id, to, size } }`: one steady item: every socket in `to` gets one message naming item `id`.
 */
import { WebSocketServer, type WebSocket } from 'ws';
import { textFrames } from '../src/server/ws/socket-send';

const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.env.PORT) });
const sockets: WebSocket[] = [];
const pad = (size: number, head: string) => head + 'x'.repeat(Math.max(0, size - head.length - 3)) + '"}}';

wss.on('connection', (ws) => {
  ws.on('message', (raw) => {
    const msg = JSON.parse(String(raw)) as {
      hello?: number;
      trigger?: { texts: string[]; lists: number[][] };
      tick?: { id: string; to: number[]; size: number };
    };
    if (msg.hello !== undefined) sockets[msg.hello] = ws;
    if (msg.trigger) {
      const texts = msg.trigger.texts.map((t) => Buffer.from(t));
      // Each client's burst framed into one buffer and written at once, as digestql writes a group
      // member's (the same framing code), but with nothing per client: clients that get the same
      // messages get the same buffer, framed once. A fair ceiling, if anything a generous one.
      const bursts = new Map<string, Buffer>();
      const empty = Buffer.alloc(0);
      for (let i = 0; i < sockets.length; i++) {
        const socket = sockets[i];
        const list = msg.trigger.lists[i] ?? [];
        if (!socket || list.length === 0) continue;
        const key = list.join();
        let burst = bursts.get(key);
        if (!burst) bursts.set(key, (burst = textFrames(empty, list.map((k) => texts[k]!))));
        (socket as unknown as { _socket: { write(b: Buffer): void } })._socket.write(burst);
      }
    }
    if (msg.tick) {
      const payload = pad(msg.tick.size, `{"type":"next","payload":{"item":{"id":"${msg.tick.id}"},"pad":"`);
      for (const i of msg.tick.to) sockets[i]?.send(payload);
    }
  });
});
wss.on('listening', () => process.stdout.write('ceiling ws listening\n'));
