/**
 * The fan-out ceiling: a bare `ws` server with pre-serialised messages.
 * - `{ hello: i }`: the client's index, so socket i here is subscriber i of the digestql run.
 * - `{ trigger: { counts, size } }`: the burst: socket i gets counts[i] messages of `size` bytes, in one corked write per socket.
 * - `{ tick: { id, to, size } }`: one steady item: every socket in `to` gets one message naming item `id`.
 */
import { WebSocketServer, type WebSocket } from 'ws';

const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.env.PORT) });
const sockets: WebSocket[] = [];
const pad = (size: number, head: string) => head + 'x'.repeat(Math.max(0, size - head.length - 3)) + '"}}';

wss.on('connection', (ws) => {
  ws.on('message', (raw) => {
    const msg = JSON.parse(String(raw)) as {
      hello?: number;
      trigger?: { counts: number[]; size: number };
      tick?: { id: string; to: number[]; size: number };
    };
    if (msg.hello !== undefined) sockets[msg.hello] = ws;
    if (msg.trigger) {
      const payload = pad(msg.trigger.size, '{"type":"next","payload":{"pad":"');
      // Each client's burst in one corked write, as digestql writes a group member's: a fair ceiling.
      for (let i = 0; i < sockets.length; i++) {
        const socket = sockets[i];
        const n = msg.trigger.counts[i] ?? 0;
        if (!socket || n === 0) continue;
        const raw = (socket as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
        raw.cork();
        for (let k = 0; k < n; k++) socket.send(payload);
        raw.uncork();
      }
    }
    if (msg.tick) {
      const payload = pad(msg.tick.size, `{"type":"next","payload":{"item":{"id":"${msg.tick.id}"},"pad":"`);
      for (const i of msg.tick.to) sockets[i]?.send(payload);
    }
  });
});
wss.on('listening', () => process.stdout.write('ceiling ws listening\n'));
